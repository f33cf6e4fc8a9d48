"""`mediate doctor` finds what someone with the sqlite3 shell did to the file, names the table, row and
what is wrong, and exits 1; `doctor --repair` takes a backup, rebuilds what can be rebuilt and lists
what it cannot."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from mediation_console.console.cli import cli
from mediation_console.console.core.demo_setup import build_demo_database
from mediation_console.db import audit
from mediation_console.db.short_transactions import ShortTransactions
from mediation_console.db.store import Store

DEMO_REQUISITIONS = 60


@pytest.fixture(scope="module")
def clean_demo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo_database(path, requisitions=DEMO_REQUISITIONS, seed=7)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@pytest.fixture
def demo(clean_demo, tmp_path) -> Path:
    path = tmp_path / "team.db"
    shutil.copyfile(clean_demo, path)
    path.chmod(0o600)
    return path


def tamper(path: Path, sql: str) -> None:
    """What anyone with the file and the sqlite3 shell can do: no console, no Store."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.executescript(sql)
    finally:
        conn.close()


def doctor(path: Path, *args: str):
    return CliRunner().invoke(cli, ["doctor", "--db", str(path), *args])


def problems(result) -> list[str]:
    return [line.removeprefix("problem: ") for line in result.output.splitlines() if line.startswith("problem: ")]


def test_a_clean_demo_passes_the_doctor_with_its_audit_head(demo):
    result = doctor(demo)
    assert result.exit_code == 0, result.output
    assert problems(result) == []
    assert result.output.strip().endswith("ok")
    with Store(demo) as store:
        assert f"audit head     {audit.read_head(store.conn)}" in result.output


TAMPERINGS = {
    "an audit trigger dropped": (
        "DROP TRIGGER events_no_delete",
        "schema: events: the trigger events_no_delete is missing",
    ),
    "an audit trigger made harmless": (
        "DROP TRIGGER events_no_update; CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT 1; END",
        "schema: events: the trigger events_no_update was altered",
    ),
    "a trigger of someone else's": (
        "CREATE TRIGGER quiet AFTER INSERT ON disputes BEGIN DELETE FROM disputes WHERE id = new.id; END",
        "schema: disputes: the trigger quiet is not part of this version's schema",
    ),
    "an index dropped": ("DROP INDEX requisitions_status", "schema: requisitions: the index requisitions_status"),
    "an audit row deleted": (
        "DROP TRIGGER events_no_delete; DELETE FROM events WHERE id = 200",
        "audit chain: events row 201: does not follow row 199: row 200 was deleted",
    ),
    "the last audit rows deleted": (
        "DROP TRIGGER events_no_delete; DELETE FROM events WHERE id > (SELECT MAX(id) - 3 FROM events)",
        "the last rows were deleted",
    ),
    "an audit row edited": (
        "DROP TRIGGER events_no_update; UPDATE events SET actor = 'someone else' WHERE id = 150",
        "audit chain: events row 150: does not match its hash",
    ),
    "an audit row given another row's hash": (
        # Without the next row's link: a forger would have to rewrite every row after it.
        "DROP TRIGGER events_no_update; UPDATE events SET hash = (SELECT hash FROM events WHERE id = 3) WHERE id = 2",
        "audit chain: events row 2: does not match its hash",
    ),
    "an audit row written with the shell": (
        "INSERT INTO events (at, actor, entity, entity_id, action) VALUES ('2026-11-01 09:00:00', 'x', 'person', 1, 'create')",
        "has no hash: it was written outside the console",
    ),
    "the search index corrupted": (
        "UPDATE requisitions_fts_data SET block = zeroblob(length(block)) WHERE id > 1",
        "search index: requisitions_fts: FTS5 integrity-check failed",
    ),
    "a requisition missing from the search index": (
        "DELETE FROM requisitions_fts WHERE rowid = 5",
        "search index: requisitions row 5: is not in the search index",
    ),
    "a status that does not exist": (
        "UPDATE requisitions SET status = 'teleported' WHERE id = 3",
        "records: requisitions row 3: (REQ-0003) status: Input should be 'intake'",
    ),
    "a blank title": ("UPDATE requisitions SET title = '   ' WHERE id = 4", "requisitions row 4: (REQ-0004) title"),
    "an over-long title": (
        "UPDATE requisitions SET title = printf('%.300c', 'x') WHERE id = 6",
        "requisitions row 6: (REQ-0006) title: String should have at most 200 characters",
    ),
    "a bad date": (
        "UPDATE requisitions SET opened_at = '2026-13-45' WHERE id = 7",
        "requisitions row 7: (REQ-0007) opened_at: Input should be a valid datetime",
    ),
    "a bad commitment due date": (
        "UPDATE commitments SET due = 'next week' WHERE id = 2",
        "records: commitments row 2: due",
    ),
    "bad JSON in a standup": (
        "UPDATE standups SET attendees = '[{' WHERE id = 1",
        "standups row 1: attendees: is not valid JSON",
    ),
    "bad JSON in an audit row": (
        "DROP TRIGGER events_no_update; UPDATE events SET after = '{oops' WHERE id = 9",
        "records: events row 9: after: is not valid JSON",
    ),
    "a derived count changed": (
        "UPDATE requisitions SET submittals = submittals + 5 WHERE id = 8",
        "counts: requisitions row 8: (REQ-0008) submittals is",
    ),
    "an open-dispute count changed": (
        "UPDATE requisitions SET open_disputes = 4 WHERE id = 9",
        "counts: requisitions row 9: (REQ-0009) open_disputes is 4 but a recount gives",
    ),
}


@pytest.mark.parametrize("sql, named", TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_each_tampering_makes_doctor_exit_1_naming_the_table_row_and_problem(demo, sql, named):
    tamper(demo, sql)
    result = doctor(demo)
    assert result.exit_code == 1, result.output
    assert "PROBLEMS FOUND" in result.output
    assert any(named in line for line in problems(result)), result.output


def test_repair_rebuilds_triggers_index_and_counts_after_a_backup_and_then_doctor_passes(demo):
    tamper(
        demo,
        "DROP TRIGGER events_no_delete; DROP TRIGGER requisitions_fts_insert; DROP INDEX requisitions_title;"
        "CREATE TRIGGER quiet AFTER INSERT ON disputes BEGIN DELETE FROM disputes WHERE id = new.id; END;"
        "UPDATE requisitions_fts_data SET block = zeroblob(length(block)) WHERE id > 1;"
        "UPDATE requisitions SET submittals = 40 WHERE id = 8",
    )
    result = doctor(demo, "--repair")
    assert result.exit_code == 0, result.output
    assert "repaired: re-created the trigger events_no_delete" in result.output
    assert "repaired: dropped the trigger quiet" in result.output
    assert "repaired: rebuilt the search index" in result.output
    backups = list(demo.parent.glob("team.db.pre-repair-*.bak"))
    assert len(backups) == 1 and f"backup         {backups[0]}" in result.output
    # The backup is the file as it was found: still broken, kept for whoever investigates.
    assert doctor(backups[0]).exit_code == 1
    assert doctor(demo).exit_code == 0
    with Store(demo) as store:
        # Search works again, the recount holds, and the repair is itself in the (intact) audit chain.
        title = store.conn.execute("SELECT title FROM requisitions WHERE id = 8").fetchone()[0]
        assert store.conn.execute(
            "SELECT COUNT(*) FROM requisitions_fts WHERE requisitions_fts MATCH ?", (f'"{title.split()[0]}"',)
        ).fetchone()[0]
        assert store.conn.execute("SELECT action FROM events ORDER BY id DESC LIMIT 1").fetchone()[0] == "repair"
        assert audit.verify_chain(store.conn).ok


def test_repair_says_what_it_cannot_repair_and_leaves_those_records_as_they_are(demo):
    tamper(
        demo,
        "DROP TRIGGER events_no_update; UPDATE events SET actor = 'x' WHERE id = 30;"
        "UPDATE requisitions SET status = 'teleported' WHERE id = 3",
    )
    result = doctor(demo, "--repair")
    assert result.exit_code == 1, result.output
    assert "repaired: re-created the trigger events_no_update" in result.output
    assert "not repaired: 2 problems" in result.output
    assert any("events row 30: does not match its hash" in p for p in problems(result))
    assert any("requisitions row 3: (REQ-0003) status" in p for p in problems(result))
    with sqlite3.connect(demo) as conn:
        assert conn.execute("SELECT status FROM requisitions WHERE id = 3").fetchone()[0] == "teleported"


def test_a_clean_file_is_not_backed_up_or_changed_by_repair(demo):
    result = doctor(demo, "--repair")
    assert result.exit_code == 0, result.output
    assert "repaired:" not in result.output
    assert not list(demo.parent.glob("*.pre-repair-*"))


def test_a_history_rewritten_in_full_is_caught_against_a_backups_head(demo, tmp_path):
    """With no secret, a forger can rehash the whole chain; a head kept elsewhere (every backup) shows it."""
    backup = tmp_path / "monday.db"
    assert CliRunner().invoke(cli, ["backup", "--db", str(demo), str(backup)]).exit_code == 0
    conn = sqlite3.connect(demo, isolation_level=None)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET actor = 'forger' WHERE id = 10")
    conn.execute("BEGIN")
    audit.hash_existing(conn)  # the chain recomputed end to end, head and all
    conn.execute("COMMIT")
    conn.execute(
        "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    )
    conn.close()
    assert problems(doctor(demo)) == []  # self-consistent on its own…
    result = doctor(demo, "--against", str(backup))
    assert result.exit_code == 1
    assert any("the history up to it was rewritten" in p for p in problems(result)), result.output
    verify = CliRunner().invoke(cli, ["audit", "verify", "--db", str(demo), "--against", str(backup)])
    assert verify.exit_code == 1 and "rewritten" in verify.output


def test_audit_verify_names_the_first_broken_row(demo):
    assert "The audit chain is intact" in CliRunner().invoke(cli, ["audit", "verify", "--db", str(demo)]).output
    tamper(demo, "DROP TRIGGER events_no_update; UPDATE events SET action = 'x' WHERE id IN (40, 90)")
    result = CliRunner().invoke(cli, ["audit", "verify", "--db", str(demo)])
    assert result.exit_code == 1
    assert "row 40 does not match its hash" in result.output and "row 90" not in result.output.split("(")[0]


def test_repair_recounts_in_short_transactions_that_a_save_can_get_between(demo, monkeypatch):
    """The recount of every requisition's and event's kept counts is split by rowid into short
    transactions (one UPDATE of them all held the lock 27 s at 100,000 requisitions): chunks of 5 rows,
    committed at every chunk here, give every row its recount, and the repair's audit row comes last."""
    tamper(
        demo,
        "UPDATE requisitions SET submittals = submittals + 3, open_disputes = 7 WHERE id % 3 = 0;"
        "UPDATE pipeline_events SET answered_at = NULL WHERE kind = 'submittal'",
    )
    monkeypatch.setattr(Store, "_RECOUNT_CHUNK", 5)
    defaults = dict(ShortTransactions.__init__.__kwdefaults__)
    monkeypatch.setattr(ShortTransactions.__init__, "__kwdefaults__", {**defaults, "window": 0.0, "gap": 0.0})
    with Store(demo) as store:
        begun: list[str] = []
        store.conn.set_trace_callback(lambda sql: begun.append(sql) if sql.startswith("BEGIN IMMEDIATE") else None)
        report = store.repair()
        store.conn.set_trace_callback(None)
        rows = store.conn.execute("SELECT COUNT(*) FROM requisitions").fetchone()[0]
        assert report.ok, report.problems
        assert "recounted the submittals, open disputes and the facts kept beside each requisition" in report.repaired
        assert len(begun) > rows // 5, f"{len(begun)} transactions for {rows} requisitions"
        last = store.conn.execute("SELECT action, after FROM events ORDER BY id DESC LIMIT 1").fetchone()
        assert last[0] == "repair" and "recounted" in last[1]
        assert audit.verify_chain(store.conn).ok
    assert doctor(demo).exit_code == 0
