"""Several consoles, an import and a backup on one file at once: no 'database is locked' reaches
anyone, no update is lost, and every backup is a consistent database."""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest

from mediation_console.db.models import EventKind, Person, PipelineEvent, Requisition, Team
from mediation_console.db.store import Store
from tests.reliability.conftest import NOW
from tests.reliability.helpers import PYTHON, REPO, audit_problems, clean_env, integrity, mediate, soak, start_mediate

WRITER = Path(__file__).with_name("concurrent_writer.py")
PER_WRITER = soak(150, 2000)
BACKUPS = soak(4, 40)


def start_writer(db: Path, tag: str, shared_id: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [PYTHON, str(WRITER), str(db), tag, str(PER_WRITER), str(shared_id)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
        cwd=REPO,
    )


def test_two_writers_and_backups_at_once_lose_nothing_and_never_report_a_lock(tmp_path):
    db = tmp_path / "team.db"
    with Store(db, now=lambda: NOW) as store:
        sales = store.add_person(Person(name="Sam Seller", team=Team.SALES))
        shared = store.add_requisition(Requisition(title="Shared role", client="Contoso", sales_owner_id=sales.id))

    backups: list[Path] = []
    backup_failures: list[str] = []

    def take_backups() -> None:
        for n in range(BACKUPS):
            dest = tmp_path / f"backup-{n}.db"
            result = mediate("backup", "--db", str(db), str(dest))
            if result.returncode != 0:
                backup_failures.append(result.stderr)
            else:
                backups.append(dest)

    other = start_writer(db, "other-console", shared.id)
    their_lines: list[str] = []
    started = threading.Event()

    def collect() -> None:
        for line in other.stdout:
            their_lines.append(line)
            started.set()

    reader = threading.Thread(target=collect)
    reader.start()
    # Start once the other console has committed, so the two really write at the same time.
    started.wait(timeout=60)
    backup_thread = threading.Thread(target=take_backups)
    backup_thread.start()
    mine: list[int] = []
    my_events = 0
    with Store(db, now=lambda: NOW, actor="this-console") as store:
        for n in range(PER_WRITER):
            mine.append(
                store.add_requisition(Requisition(title=f"this role {n}", client="Contoso", sales_owner_id=sales.id)).id
            )
            store.add_pipeline_event(
                PipelineEvent(requisition_id=shared.id, kind=EventKind.SUBMITTAL, at=NOW, note=f"mine {n}")
            )
            my_events += 1
    other.wait(timeout=120)
    reader.join(timeout=60)
    err = other.stderr.read()
    backup_thread.join(timeout=120)

    assert other.returncode == 0, err
    assert "locked" not in err.lower() and "busy" not in err.lower()
    assert backup_failures == []
    theirs = [int(line.split()[1]) for line in their_lines if line.startswith("requisition")]
    assert len(theirs) == PER_WRITER

    conn = sqlite3.connect(db)
    try:
        stored = {row[0] for row in conn.execute("SELECT id FROM requisitions")}
        assert set(mine) | set(theirs) | {shared.id} == stored
        # Both consoles counted submittals on the same requisition: not one increment may be lost.
        submittals = conn.execute("SELECT submittals FROM requisitions WHERE id = ?", (shared.id,)).fetchone()[0]
        assert submittals == my_events + PER_WRITER
        assert audit_problems(conn) == []
    finally:
        conn.close()
    assert integrity(db) == "ok"
    assert len(backups) == BACKUPS
    for backup in backups:
        assert integrity(backup) == "ok"
        conn = sqlite3.connect(backup)
        try:
            # A backup is a moment of the file: every change in it whole, with its audit row.
            assert audit_problems(conn) == []
            counted = conn.execute("SELECT submittals FROM requisitions WHERE id = ?", (shared.id,)).fetchone()[0]
            events = conn.execute(
                "SELECT COUNT(*) FROM pipeline_events WHERE requisition_id = ?", (shared.id,)
            ).fetchone()[0]
            assert counted == events
        finally:
            conn.close()
    operations = 2 * (len(mine) * 2) + len(backups)
    print(
        f"\nconcurrent operations: {operations} ({len(mine) + len(theirs)} requisitions, "
        f"{submittals} submittals on one requisition, {len(backups)} backups), nothing lost"
    )


IMPORT_ROWS = soak(400, 5000)
TUI_EVENTS = soak(6, 120)


async def test_the_console_logs_events_while_a_csv_import_and_backups_run_and_nothing_is_lost(tmp_path):
    """The lead logs submittals in the TUI while `mediate import` and `mediate backup` run beside it."""
    app_module = pytest.importorskip("mediation_console.console.app")
    pytest.importorskip("mediation_console.db.csv_import")
    from textual.widgets import Input

    from mediation_console.screens.dialogs.modals import PipelineEventModal

    db = tmp_path / "team.db"
    with Store(db, now=lambda: NOW) as setup:
        sales = setup.add_person(Person(name="Sam Seller", team=Team.SALES))
        shared = setup.add_requisition(Requisition(title="Shared role", client="Contoso", sales_owner_id=sales.id))
    csv_file = tmp_path / "ats.csv"
    with csv_file.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["External ID", "Title", "Client", "Sales Owner"])
        for n in range(IMPORT_ROWS):
            writer.writerow([f"ATS-{n}", f"Imported role {n}", "Fabrikam", "Ivy Importer"])

    importer = start_mediate("import", "requisitions", "--create-people", str(csv_file), "--db", str(db))
    backups: list[Path] = []
    backup_errors: list[str] = []

    def take_backups() -> None:
        for n in range(BACKUPS):
            result = mediate("backup", "--db", str(db), str(tmp_path / f"tui-backup-{n}.db"))
            (
                backups.append(tmp_path / f"tui-backup-{n}.db")
                if result.returncode == 0
                else backup_errors.append(result.stderr)
            )

    backup_thread = threading.Thread(target=take_backups)
    backup_thread.start()
    store = Store(db, now=lambda: NOW)
    toasts: list[str] = []
    app = app_module.MediationApp(store, now=lambda: NOW)
    notify = app.notify

    def remember(message, *args, **kwargs):
        toasts.append(f"{kwargs.get('title', '')}: {message}")
        return notify(message, *args, **kwargs)

    app.notify = remember
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            for n in range(TUI_EVENTS):
                await pilot.press("x")
                modal = app.screen
                assert isinstance(modal, PipelineEventModal), type(modal)
                modal.query_one("#note", Input).value = f"lead logged {n}"
                await pilot.press("ctrl+s")
                await pilot.pause()
                assert not isinstance(app.screen, PipelineEventModal), toasts[-3:]
        out, err = importer.communicate(timeout=120)
        backup_thread.join(timeout=120)
    finally:
        store.close()

    assert importer.returncode == 0, err
    assert not [t for t in toasts if "busy" in t.lower() or "locked" in t.lower() or "not" in t.lower().split(":")[0]]
    assert "locked" not in (out + err).lower()
    assert backup_errors == []
    conn = sqlite3.connect(db)
    try:
        notes = [
            row[0]
            for row in conn.execute(
                "SELECT note FROM pipeline_events WHERE requisition_id = ? ORDER BY id", (shared.id,)
            )
        ]
        assert notes == [f"lead logged {n}" for n in range(TUI_EVENTS)]
        assert (
            conn.execute("SELECT submittals FROM requisitions WHERE id = ?", (shared.id,)).fetchone()[0] == TUI_EVENTS
        )
        imported = conn.execute("SELECT COUNT(*) FROM requisitions WHERE external_id LIKE 'ATS-%'").fetchone()[0]
        assert imported == IMPORT_ROWS
        assert audit_problems(conn) == []
    finally:
        conn.close()
    for backup in backups:
        assert integrity(backup) == "ok"
        conn = sqlite3.connect(backup)
        try:
            # The import commits in short transactions: a backup catches the rows of the file up to one
            # of its commits (in file order), each with its audit row.
            ids = [
                int(row[0].removeprefix("ATS-"))
                for row in conn.execute(
                    "SELECT external_id FROM requisitions WHERE external_id LIKE 'ATS-%' ORDER BY id"
                )
            ]
            assert ids == list(range(len(ids)))
            assert audit_problems(conn) == []
        finally:
            conn.close()
    print(
        f"\nconcurrent operations (TUI): {TUI_EVENTS} events logged in the console, {IMPORT_ROWS} rows "
        f"imported, {len(backups)} backups, nothing lost"
    )
