"""SIGKILL anywhere in an import, the demo, console writes, a backup, a migration and a repair: after
every kill the file passes SQLite's integrity check and `mediate doctor`, every record that was
committed is there with its audit row and the audit chain is intact, and nothing is half-written
(issue 20). 36 kills by default (6 an operation); MEDIATE_SOAK=1 makes it 40 an operation.

Each operation runs as the real command (`mediate ...` through its click entry point, or the Store as
the console calls it) in a process forked from the test, so a kill costs the operation, not Python's
start-up. The process first runs once unkilled, to count SQLite's steps (a tick every `STEP` virtual
machine instructions, on every connection it opens) and time itself; then each kill lands at another
point spread over that run: half the kills are SIGKILLs the process sends itself at a given tick
(inside a statement, inside a transaction), half are SIGKILLs from the test after a given fraction of
the run's time (anywhere: in Python, in a commit's write to the WAL, in a backup's copy).
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import sqlite3
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from mediation_console.console.cli import cli
from mediation_console.console.core.database import open_store
from mediation_console.console.core.demo_setup import build_demo_database
from mediation_console.console.core.rules import service as _rules  # noqa: F401  (loaded once, not in every child)
from mediation_console.db import audit
from mediation_console.db.models import EventKind, Person, PipelineEvent, Requisition, Team
from mediation_console.db.short_transactions import ShortTransactions
from mediation_console.db.store import Store
from tests.reliability.conftest import NOW
from tests.reliability.helpers import audit_problems, soak

KILLS_EACH = soak(6, 40)
STEP = 200  # SQLite virtual machine instructions between two ticks of the kill counter
FIXTURES = Path(__file__).with_name("fixtures")

Say = Callable[[str], None]


class _Ticks:
    """Counts SQLite's progress ticks on every connection this process opens; SIGKILLs it at `kill_at`."""

    def __init__(self, kill_at: int | None) -> None:
        self.n = 0
        self.kill_at = kill_at

    def tick(self) -> int:
        self.n += 1
        if self.n == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return 0  # carry on

    def arm(self) -> None:
        connect = sqlite3.connect

        def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
            conn = connect(*args, **kwargs)
            conn.set_progress_handler(self.tick, STEP)
            return conn

        sqlite3.connect = counted  # type: ignore[assignment]  # in the forked child only


@dataclass
class Run:
    killed: bool
    seconds: float
    ticks: int | None  # counted to the end (None when killed)
    said: list[str] = field(default_factory=list)  # whole lines the process printed: its promises


def forked(work: Callable[[Say], None], *, kill_at_tick: int | None = None, kill_after: float | None = None) -> Run:
    """Runs `work(say)` in a forked child; `say(line)` reports a promise (a committed id) to the test."""
    read_end, write_end = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            os.close(read_end)
            ticks = _Ticks(kill_at_tick)
            ticks.arm()
            work(lambda line: os.write(write_end, f"{line}\n".encode()))
            os.write(write_end, f"ticks {ticks.n}\n".encode())
        except BaseException:  # noqa: BLE001 - reported to the test through the pipe
            os.write(write_end, ("error " + traceback.format_exc().replace("\n", " | ") + "\n").encode())
            code = 70
        os._exit(code)
    os.close(write_end)
    if kill_after is not None:
        time.sleep(kill_after)
        os.kill(pid, signal.SIGKILL)  # a child that has already exited is a zombie until waited for: no error
    chunks = []
    with os.fdopen(read_end, "rb") as pipe:
        while chunk := pipe.read(65536):
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    seconds = time.monotonic() - started
    text = b"".join(chunks).decode()
    lines = text.split("\n")[:-1]  # a line cut short by the kill was never a promise
    errors = [line for line in lines if line.startswith("error ")]
    assert not errors, errors[0].replace(" | ", "\n")
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return Run(True, seconds, None, lines)
    assert os.WEXITSTATUS(status) == 0, lines
    ticks = int(lines[-1].split()[1])
    return Run(False, seconds, ticks, lines[:-1])


def kill_points(work_for: Callable[[int], Callable[[Say], None]], check: Callable[[int, Run], None], name: str) -> None:
    """One unkilled run of round 0 to measure, then rounds 1.. each killed at another point; `check(round, run)`
    after every run. Half the points are ticks, half moments, both spread evenly over the measured run."""
    measured = forked(work_for(0))
    check(0, measured)
    assert measured.ticks, f"{name}: no SQLite work seen"
    killed = 0
    round_ = 0
    attempts = 0
    while killed < KILLS_EACH:
        attempts += 1
        assert attempts <= KILLS_EACH * 3, f"{name}: only {killed} of {KILLS_EACH} kills landed"
        round_ += 1
        i = killed  # the next point to hit
        fraction = (i // 2 + 0.5) / ((KILLS_EACH + 1) // 2)
        fraction /= attempts - killed  # a round that ended before its kill: aim earlier next time
        if i % 2 == 0:
            run = forked(work_for(round_), kill_at_tick=max(1, int(measured.ticks * fraction)))
        else:
            run = forked(work_for(round_), kill_after=measured.seconds * fraction)
        check(round_, run)
        killed += run.killed


# --- the checks after each run ----------------------------------------------------------------------


def integrity_check(db: Path) -> str:
    """SQLite's integrity check on a plain read-write connection, as any SQLite program opens the file: a
    kill in a rollback-journal transaction (a file of an older version is migrated before it is switched
    to WAL) leaves a hot journal that only a connection allowed to write can roll back."""
    conn = sqlite3.connect(db)
    try:
        return "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


def doctor(db: Path, *args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["doctor", "--db", str(db), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, [line for line in result.output.splitlines() if line.startswith("problem: ")]


def after_the_kill(db: Path, *, allowed_problems: tuple[str, ...] = ()) -> sqlite3.Connection:
    """Integrity, doctor (nothing but `allowed_problems`, planted before the kill), every record with its
    audit row and the chain intact; returns a connection for the caller's own record check."""
    assert integrity_check(db) == "ok"
    code, problems = doctor(db)
    unexpected = [p for p in problems if not any(allowed in p for allowed in allowed_problems)]
    assert unexpected == [], unexpected
    assert code == (1 if problems else 0)
    conn = sqlite3.connect(db)
    assert audit_problems(conn) == []
    chain = audit.verify_chain(conn)
    assert chain.ok, chain.problems
    return conn


TABLES = ("requisitions", "people", "disputes", "commitments", "pipeline_events", "events")


def ids(conn: sqlite3.Connection) -> dict[str, set[int]]:
    return {table: {row[0] for row in conn.execute(f"SELECT id FROM {table}")} for table in TABLES}


def cli_work(*args: str, before: Callable[[], None] | None = None) -> Callable[[Say], None]:
    def work(say: Say) -> None:
        if before is not None:
            before()
        try:
            cli.main(list(args), prog_name="mediate", standalone_mode=False)
        except SystemExit as exc:
            assert not exc.code, exc.code

    return work


@pytest.fixture(scope="module")
def clean_demo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo_database(path, requisitions=12, seed=11)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


def copy_db(source: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, dest)
    dest.chmod(0o600)
    return dest


# --- the operations ---------------------------------------------------------------------------------

IMPORT_ROWS = 120
IMPORT_BATCH = 20


def test_sigkill_during_an_import_keeps_whole_batches_with_their_audit_rows(tmp_path):
    csv_file = tmp_path / "ats.csv"
    with csv_file.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["External ID", "Title", "Client", "Sales Owner"])
        for n in range(IMPORT_ROWS):
            writer.writerow([f"ATS-{n}", f"Imported role {n}", "Fabrikam", "Ivy Importer"])
    empty = tmp_path / "empty.db"
    with Store(empty, now=lambda: NOW):
        pass

    def small_batches() -> None:
        # The import's own short transactions, 20 rows each and no pause, so a kill can land between two
        # of them in a file this small (a real import commits every 1,000 rows after 0.25 s of lock).
        Store._STAGED_CHUNK = IMPORT_BATCH
        defaults = ShortTransactions.__init__.__kwdefaults__
        assert defaults is not None
        defaults.update(window=0.0, gap=0.0)

    def work_for(round_: int) -> Callable[[Say], None]:
        db = copy_db(empty, tmp_path / f"r{round_}" / "team.db")
        args = ("import", "requisitions", "--create-people", str(csv_file), "--db", str(db))
        return cli_work(*args, before=small_batches)

    def check(round_: int, run: Run) -> None:
        db = tmp_path / f"r{round_}" / "team.db"
        conn = after_the_kill(db)
        try:
            titles = [row[0] for row in conn.execute("SELECT title FROM requisitions ORDER BY id")]
            # Whole batches in file order: what was committed, and nothing of a batch cut short.
            assert titles == [f"Imported role {n}" for n in range(len(titles))]
            assert len(titles) % IMPORT_BATCH == 0 or len(titles) == IMPORT_ROWS
            if not run.killed:
                assert len(titles) == IMPORT_ROWS
        finally:
            conn.close()

    kill_points(work_for, check, "import")


def test_sigkill_during_the_demo_leaves_a_file_doctor_passes(tmp_path):
    def work_for(round_: int) -> Callable[[Say], None]:
        return cli_work("demo", "--db", str(tmp_path / f"demo-{round_}.db"), "--requisitions", "12")

    def check(round_: int, run: Run) -> None:
        db = tmp_path / f"demo-{round_}.db"
        if db.exists() and db.stat().st_size:
            after_the_kill(db).close()
        else:
            assert run.killed

    kill_points(work_for, check, "demo")


def test_sigkill_during_console_writes_keeps_every_committed_change(tmp_path):
    db = tmp_path / "team.db"
    with Store(db, now=lambda: NOW) as store:
        owner = store.add_person(Person(name="Crash Owner", team=Team.SALES))
    promised: dict[str, set[int]] = {"requisitions": set(), "pipeline_events": set()}

    def work_for(round_: int) -> Callable[[Say], None]:
        def work(say: Say) -> None:
            # As the console writes: the Store opened by open_store, one transaction (and audit row) a save.
            with open_store(db, now=lambda: NOW) as store:
                for n in range(15):
                    req = store.add_requisition(
                        Requisition(title=f"Role {round_}-{n}", client="Kill -9 Ltd", sales_owner_id=owner.id)
                    )
                    say(f"requisitions {req.id}")  # only after the commit returned: a promise
                    assert req.id is not None
                    event = store.add_pipeline_event(
                        PipelineEvent(requisition_id=req.id, kind=EventKind.SUBMITTAL, at=NOW, note=f"cv {n}")
                    )
                    say(f"pipeline_events {event.id}")

        return work

    def check(round_: int, run: Run) -> None:
        for line in run.said:
            table, record_id = line.split()
            promised[table].add(int(record_id))
        conn = after_the_kill(db)
        try:
            now = ids(conn)
            for table, rows in promised.items():
                assert rows <= now[table], f"{table}: lost {sorted(rows - now[table])[:5]}"
            # The submittal counter moves in the event's own transaction: never ahead of or behind it.
            drift = conn.execute(
                "SELECT r.id FROM requisitions r WHERE r.submittals != (SELECT COUNT(*) FROM pipeline_events p "
                "WHERE p.requisition_id = r.id AND p.kind = 'submittal')"
            ).fetchall()
            assert drift == []
        finally:
            conn.close()

    kill_points(work_for, check, "console writes")
    assert len(promised["requisitions"]) > 15  # the kills came after some saves, not only before the first


def test_sigkill_during_a_backup_leaves_the_database_whole_and_no_half_backup(clean_demo, tmp_path):
    db = copy_db(clean_demo, tmp_path / "team.db")
    with sqlite3.connect(db) as conn:
        before = ids(conn)
    conn.close()

    def target(round_: int) -> Path:
        return tmp_path / "backups" / f"team-{round_}.db"

    def work_for(round_: int) -> Callable[[Say], None]:
        target(round_).parent.mkdir(exist_ok=True)
        return cli_work("backup", str(target(round_)), "--db", str(db))

    def check(round_: int, run: Run) -> None:
        conn = after_the_kill(db)
        try:
            assert ids(conn) == before
        finally:
            conn.close()
        if target(round_).exists():  # a backup is there whole, or not at all
            copy = after_the_kill(target(round_))
            try:
                assert ids(copy) == before
            finally:
                copy.close()
        else:
            assert run.killed

    kill_points(work_for, check, "backup")


def test_sigkill_during_a_migration_keeps_every_record_and_the_next_open_finishes_it(tmp_path):
    fixture = FIXTURES / "schema-v16.db"
    with sqlite3.connect(fixture) as conn:
        before = ids(conn)
    conn.close()

    def work_for(round_: int) -> Callable[[Say], None]:
        db = copy_db(fixture, tmp_path / f"v16-{round_}" / "team.db")
        return cli_work("doctor", "--db", str(db))  # opening the file migrates it to this version

    def check(round_: int, run: Run) -> None:
        db = tmp_path / f"v16-{round_}" / "team.db"
        conn = after_the_kill(db)  # its doctor opens the file: the migration is finished (or redone) there
        try:
            now = ids(conn)
            for table, rows in before.items():
                assert rows <= now[table], f"{table}: lost {sorted(rows - now[table])[:5]}"
        finally:
            conn.close()

    kill_points(work_for, check, "migration")


# Repairable damage (test_doctor's): a trigger dropped, the search index corrupted, a count changed.
DAMAGE = (
    "DROP TRIGGER events_no_delete; DROP TRIGGER requisitions_fts_insert;"
    "UPDATE requisitions_fts_data SET block = zeroblob(length(block)) WHERE id > 1;"
    "UPDATE requisitions SET submittals = 40 WHERE id = 8"
)
PLANTED = (
    "schema: events: the trigger events_no_delete",
    "schema: requisitions: the trigger requisitions_fts",
    "search index:",
    "counts: requisitions row 8",
)


def test_sigkill_during_a_repair_leaves_only_the_damage_found_before_it(clean_demo, tmp_path):
    befores: dict[int, dict[str, set[int]]] = {}

    def work_for(round_: int) -> Callable[[Say], None]:
        db = copy_db(clean_demo, tmp_path / f"repair-{round_}" / "team.db")
        conn = sqlite3.connect(db, isolation_level=None)
        conn.executescript(DAMAGE)
        befores[round_] = ids(conn)
        conn.close()
        return cli_work("doctor", "--repair", "--db", str(db))

    def check(round_: int, run: Run) -> None:
        db = tmp_path / f"repair-{round_}" / "team.db"
        before = befores[round_]
        conn = after_the_kill(db, allowed_problems=PLANTED)
        try:
            now = ids(conn)
            assert {t: r for t, r in now.items() if t != "events"} == {t: r for t, r in before.items() if t != "events"}
            assert before["events"] <= now["events"]  # the repair's own audit row, if it committed
        finally:
            conn.close()
        if not run.killed:
            assert doctor(db) == (0, [])
        elif round_ % 2:  # the repair run again finishes the job
            code, problems = doctor(db, "--repair")
            assert code == 0, problems

    kill_points(work_for, check, "repair")
