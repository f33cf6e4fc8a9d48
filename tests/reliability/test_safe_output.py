"""Nothing the console writes can destroy saved data: exports and backups never land on the live
database or its -wal/-shm/-journal, never follow a symlink, never replace a file unasked, and are
never left half-written."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from mediation_console.console.cli import cli
from mediation_console.db.models import Person, Requisition, Team
from mediation_console.db.safe_file import UnsafeTarget, clean_leftovers, ensure_private_dir, write_file
from mediation_console.db.store import QueueQuery, Store
from tests.reliability.conftest import NOW
from tests.reliability.helpers import assert_clean_failure, fingerprint, integrity, mediate


def requisition_count(db: Path) -> int:
    with Store(db, readonly=True) as store:
        return store.count_queue(QueueQuery())


@pytest.fixture
def standup_db(real_db: Path) -> Path:
    """The team's database with one ended standup, so `export notes` has something to write."""
    from mediation_console.db.models import Standup

    with Store(real_db, now=lambda: NOW) as store:
        standup = store.start_standup(Standup(started_at=NOW))
        standup.ended_at = NOW
        store.update_standup(standup)
    return real_db


def _commands_with_an_output_file(group: click.Group = cli, words: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every `mediate` command that writes a file named by -o (found in the CLI, so a new one is covered)."""
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands_with_an_output_file(command, (*words, name))
        elif any(isinstance(param, click.Option) and "-o" in param.opts for param in command.params):
            yield (*words, name)


OUTPUT_COMMANDS = sorted(_commands_with_an_output_file())


def test_the_commands_that_write_a_named_file_are_all_found():
    assert {("export", "requisitions"), ("export", "notes"), ("export", "commitments")} <= set(OUTPUT_COMMANDS)


# Finding 1: `export requisitions -o t.db` replaced the database with CSV and exited 0 (`export notes
# -o t.db` with Markdown). Every command writing a named file, onto the database or a side file of it.
@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
@pytest.mark.parametrize("command", OUTPUT_COMMANDS, ids=" ".join)
def test_no_export_writes_onto_the_database_or_its_side_files(standup_db, suffix, command):
    target = Path(f"{standup_db}{suffix}")
    before = fingerprint(standup_db)
    result = mediate(*command, "--db", str(standup_db), "-o", str(target), "--force")
    assert_clean_failure(result, 2, "database")
    # Worded for what was asked for ("the notes" only for notes: the digest of commitments said it).
    assert ("the notes" in result.stderr) == (command[-1] == "notes"), result.stderr
    assert fingerprint(standup_db) == before
    assert requisition_count(standup_db) == 120
    assert integrity(standup_db) == "ok"


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
def test_a_backup_onto_the_open_databases_side_files_is_refused_and_loses_nothing(real_db, suffix):
    # The console holds the database open (its -wal and -shm exist) while the backup is asked for.
    console = sqlite3.connect(real_db)
    console.execute("PRAGMA journal_mode = WAL")
    console.execute("INSERT INTO people (name, team, active) VALUES ('Held Open', 'sales', 1)")
    console.commit()
    try:
        result = mediate("backup", "--db", str(real_db), f"{real_db}{suffix}", "--force")
        assert_clean_failure(result, 2, "database")
        imported = mediate("doctor", "--db", str(real_db))
        assert imported.returncode == 0, imported.stdout + imported.stderr
    finally:
        console.close()
    # Once every connection is closed, what was committed is still there.
    with Store(real_db, readonly=True) as store:
        assert store.person_by_name("Held Open") is not None
        assert store.count_queue(QueueQuery()) == 120
    assert integrity(real_db) == "ok"


@pytest.mark.parametrize("suffix", ["-wal", "-shm"])
def test_after_a_refused_backup_onto_a_side_file_an_import_beside_the_console_keeps_its_rows(real_db, tmp_path, suffix):
    """Finding 2 as it was met: backup onto -shm/-wal while the console was open, then an import said
    'Imported 4' and exited 0, and the 4 rows were gone once the console quit."""
    csv_file = tmp_path / "four.csv"
    csv_file.write_text("Job Title,Company,Owner\n" + "".join(f"Analyst {n},Initech,Sam Seller\n" for n in range(4)))
    console = Store(real_db, now=lambda: NOW)  # the console, holding the file open (WAL)
    try:
        console.count_queue(QueueQuery())
        refused = mediate("backup", "--db", str(real_db), f"{real_db}{suffix}", "--force")
        assert_clean_failure(refused, 2, "database")
        imported = mediate("import", "requisitions", str(csv_file), "--db", str(real_db))
        assert imported.returncode == 0 and "4 created" in imported.stdout, imported
        assert console.count_queue(QueueQuery()) == 124  # the console sees them
    finally:
        console.close()
    assert requisition_count(real_db) == 124  # and once it quit, they are still there
    assert integrity(real_db) == "ok"
    doctor = mediate("doctor", "--db", str(real_db))
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr


def test_the_database_reached_through_another_name_is_still_refused(real_db, tmp_path):
    alias = tmp_path / "alias.db"
    os.link(real_db, alias)
    before = fingerprint(real_db)
    result = mediate("export", "requisitions", "--db", str(real_db), "-o", str(alias), "--force")
    assert_clean_failure(result, 2, "database")
    assert fingerprint(real_db) == before


def test_an_existing_file_is_replaced_only_with_force(real_db, tmp_path):
    target = tmp_path / "queue.csv"
    target.write_text("yesterday's export")
    refused = mediate("export", "requisitions", "--db", str(real_db), "-o", str(target))
    assert_clean_failure(refused, 2, "already exists", "--force")
    assert target.read_text() == "yesterday's export"
    replaced = mediate("export", "requisitions", "--db", str(real_db), "-o", str(target), "--force")
    assert replaced.returncode == 0, replaced.stderr
    assert "Role 0" in target.read_text(encoding="utf-8-sig")


def test_a_backup_does_not_silently_replace_an_earlier_backup(real_db, tmp_path):
    first = mediate("backup", "--db", str(real_db), str(tmp_path / "copy.db"))
    assert first.returncode == 0, first.stderr
    kept = fingerprint(tmp_path / "copy.db")
    again = mediate("backup", "--db", str(real_db), str(tmp_path / "copy.db"))
    assert_clean_failure(again, 2, "already exists")
    assert fingerprint(tmp_path / "copy.db") == kept
    forced = mediate("backup", "--db", str(real_db), str(tmp_path / "copy.db"), "--force")
    assert forced.returncode == 0, forced.stderr
    assert integrity(tmp_path / "copy.db") == "ok"


def a_link_to_a_victim(tmp_path: Path) -> tuple[Path, Path]:
    """A file holding "precious" with mode 0644, and a notes.md that is a symbolic link to it."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    victim.chmod(0o644)
    link = tmp_path / "notes.md"
    link.symlink_to(victim)
    return victim, link


def assert_untouched(victim: Path) -> None:
    """What a_link_to_a_victim wrote is still there, with its mode."""
    assert victim.read_text() == "precious"
    assert oct(victim.stat().st_mode & 0o777) == "0o644"


def test_a_symlink_at_the_target_is_never_followed(real_db, tmp_path):
    victim, link = a_link_to_a_victim(tmp_path)
    for args in (("export", "requisitions", "-o", str(link), "--force"), ("backup", str(link), "--force")):
        result = mediate(*args, "--db", str(real_db))
        assert_clean_failure(result, 2, "symbolic link")
    assert_untouched(victim)


def test_a_planted_temporary_file_symlink_is_not_followed_and_leftovers_are_cleaned(real_db, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    dest = tmp_path / "copy.db"
    (tmp_path / "copy.db.part").symlink_to(tmp_path / "nowhere")  # the old fixed temporary name
    dead_pid = 2**22 + 12345  # above pid_max: no process has it
    leftover = tmp_path / f".copy.db.{dead_pid}.deadbeef.part"
    leftover.symlink_to(victim)
    result = mediate("backup", "--db", str(real_db), str(dest))
    assert result.returncode == 0, result.stderr
    assert integrity(dest) == "ok"
    assert victim.read_text() == "precious"
    assert not os.path.lexists(leftover)
    assert not (tmp_path / "nowhere").exists()


def test_a_device_a_pipe_or_a_folder_is_not_a_target(real_db, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target, words in (
        (fifo, "not a regular file"),
        (Path("/dev/null"), "not a regular file"),
        (tmp_path, "folder"),
    ):
        result = mediate("export", "requisitions", "--db", str(real_db), "-o", str(target), "--force")
        assert_clean_failure(result, 2, words)


def test_a_failed_write_leaves_the_previous_file_whole_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "notes.md"
    target.write_text("last week's notes")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        write_file(target, "# This week", force=True)
    assert target.read_text() == "last week's notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md"]


def test_leftovers_of_a_live_writer_are_left_alone(tmp_path):
    target = tmp_path / "copy.db"
    live = tmp_path / f".copy.db.{os.getpid()}.cafe.part"
    live.write_text("in progress")
    clean_leftovers(target)
    assert live.exists()


def test_folders_created_for_the_app_are_private_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        made = ensure_private_dir(tmp_path / "home" / ".local" / "share" / "mediation-console")
    finally:
        os.umask(old)
    for folder in (made, made.parent, made.parent.parent, made.parent.parent.parent):
        assert oct(folder.stat().st_mode & 0o777) == "0o700", folder


def test_the_library_refuses_the_database_with_a_readable_message(tmp_path):
    db = tmp_path / "team.db"
    with Store(db, now=lambda: NOW) as store:
        store.add_person(Person(name="Sam Seller", team=Team.SALES))
        with pytest.raises(UnsafeTarget, match="shm file"):
            write_file(f"{db}-shm", "x", protect=[store.path], force=True)
        sales = store.person_by_name("Sam Seller")
        assert sales is not None
        store.add_requisition(Requisition(title="Still writable", client="Initech", sales_owner_id=sales.id))
    assert integrity(db) == "ok"


def test_notes_exported_onto_a_full_disk_fail_cleanly_and_keep_last_weeks_notes(standup_db, tiny_disk):
    """Finding 7 as it was met: on a full disk the notes export destroyed the previous notes and left
    a truncated file."""
    notes = tiny_disk / "notes.md"
    notes.write_text("last week's notes\n")
    filler = os.open(tiny_disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:  # as much as the disk takes
        while os.write(filler, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(filler)
    result = mediate("export", "notes", "--db", str(standup_db), "-o", str(notes), "--force")
    assert_clean_failure(result, 2, "space")
    assert notes.read_text() == "last week's notes\n"
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler", "notes.md"]


def test_exported_notes_never_follow_a_symlink_at_the_output(standup_db, tmp_path):
    """Finding 7: the notes export followed a symlink at the output path, overwriting and chmod-ing its target."""
    victim, link = a_link_to_a_victim(tmp_path)
    for fmt in ("md", "slack", "html", "json", "ics"):
        result = mediate("export", "notes", "--db", str(standup_db), "--format", fmt, "-o", str(link), "--force")
        assert_clean_failure(result, 2, "symbolic link")
    assert_untouched(victim)


def test_a_first_run_with_umask_000_on_a_new_home_makes_private_folders_and_file(tmp_path):
    """Finding 11: with umask 000 on a new home, ~/.local and ~/.local/share were created 0777."""
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    old = os.umask(0)
    try:  # the umask is inherited by the command's process
        result = mediate(
            "people",
            "add",
            "Sam Seller",
            "--role",
            "sales",
            HOME=str(home),
            XDG_DATA_HOME=str(home / ".local" / "share"),
            XDG_CONFIG_HOME=str(home / ".config"),
        )
    finally:
        os.umask(old)
    assert result.returncode == 0, result.stdout + result.stderr
    made = sorted(p for p in home.rglob("*"))
    assert home / ".local" / "share" / "mediation-console" / "mediation.db" in made, made
    for path in made:
        expected = "0o700" if path.is_dir() else "0o600"
        assert oct(path.stat().st_mode & 0o777) == expected, path
