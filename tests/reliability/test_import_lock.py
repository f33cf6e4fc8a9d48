"""A big import never locks the lead out: it commits in short transactions, a console write made
during it gets in between two of them, and an import killed half-way keeps what it committed and
finishes, without doubling anything, when the same file is imported again."""

from __future__ import annotations

import csv
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

from mediation_console.db import audit
from mediation_console.db.models import Person, Requisition, Team
from mediation_console.db.store import BUSY_TIMEOUT_MS, Store
from tests.reliability.conftest import NOW
from tests.reliability.helpers import audit_problems, hooked, integrity, mediate, soak, start_mediate

# Big enough to need several short transactions on any machine (MEDIATE_SOAK=1: the 300,000).
ROWS = soak(15_000, 300_000)
# The bound on a save made during the import: 8 times the import's own window (0.25 s a
# transaction), far under the 10 s busy timeout after which the lead would see "database is locked".
LONGEST_WAIT_S = 2.0
# The killed import only needs a few of its batches: its size stays the same in a soak.
KILLED_ROWS = 6_000
# The import kills itself (SIGKILL) with its third transaction written and not yet committed: two whole
# batches are in the file and the third is lost. Its windows are made short, so the batches are small and
# the file need not be big for the kill to fall inside the import; outside, a kill that lands where it may
# was a race against the import's end on a fast machine.
KILLED_AT_THE_THIRD_COMMIT = """
import os, signal
from mediation_console.db import short_transactions

opened = short_transactions.ShortTransactions.__init__
commit = short_transactions.ShortTransactions._commit

def short_windows(self, *args, **kwargs):
    opened(self, *args, **kwargs)
    self.window = 0.02

def killed_at_the_third(self):
    if self.commits == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    commit(self)

short_transactions.ShortTransactions.__init__ = short_windows
short_transactions.ShortTransactions._commit = killed_at_the_third
"""


def write_csv(path: Path, rows: int, *, with_ids: bool) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*(["External ID"] if with_ids else []), "Title", "Client", "Sales Owner", "Notes"])
        for n in range(rows):
            writer.writerow(
                [*([f"ATS-{n}"] if with_ids else []), f"Imported role {n}", "Fabrikam", "Ivy Importer", "Spark"]
            )


def start_import(csv_file: Path, db: Path) -> subprocess.Popen[str]:
    return start_mediate("import", "requisitions", "--create-people", str(csv_file), "--db", str(db))


def committed_batches(db: Path) -> int:
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        return conn.execute("SELECT COUNT(*) FROM events WHERE entity = 'import' AND action = 'batch'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # the file is still being set up
    finally:
        conn.close()


def test_the_leads_saves_get_in_between_the_short_transactions_of_a_big_import(tmp_path):
    db = tmp_path / "team.db"
    with Store(db, now=lambda: NOW) as setup:
        lead = setup.add_person(Person(name="Lena Lead", team=Team.SALES))
    csv_file = tmp_path / "ats.csv"
    write_csv(csv_file, ROWS, with_ids=True)

    saves: list[int] = []
    waits: list[float] = []
    errors: list[str] = []
    done = threading.Event()

    def the_lead_saves_every_100_ms() -> None:
        with Store(db, now=lambda: NOW, actor="lead") as console:
            n = 0
            while not done.is_set():
                started = time.monotonic()
                try:
                    saves.append(
                        console.add_requisition(
                            Requisition(title=f"Lead's role {n}", client="Contoso", sales_owner_id=lead.id)
                        ).id
                    )
                except Exception as exc:  # what the lead would see: recorded, asserted empty below
                    errors.append(str(exc))
                waits.append(time.monotonic() - started)
                n += 1
                time.sleep(0.1)

    importer = start_import(csv_file, db)
    lead_thread = threading.Thread(target=the_lead_saves_every_100_ms)
    lead_thread.start()
    try:
        out, err = importer.communicate(timeout=600)
    finally:
        done.set()
        lead_thread.join(timeout=60)
    assert importer.returncode == 0, err
    assert errors == []
    assert "locked" not in (out + err).lower()
    waits.sort()
    over = [round(w, 2) for w in waits if w > LONGEST_WAIT_S]
    assert over == [], f"{len(over)} of {len(waits)} saves waited over {LONGEST_WAIT_S} s: {over[-5:]}"

    conn = sqlite3.connect(db)
    try:
        imported = conn.execute(
            "SELECT MIN(id), MAX(id), COUNT(*) FROM events WHERE entity = 'requisition' AND action = 'import'"
        ).fetchone()
        assert imported[2] == ROWS
        # The proof that the lead was not locked out: saves of the lead's that landed *inside* the import,
        # between two of its short transactions, with no error.
        inside = conn.execute(
            "SELECT COUNT(*) FROM events WHERE entity = 'requisition' AND action = 'create' AND id BETWEEN ? AND ?",
            imported[:2],
        ).fetchone()[0]
        assert inside >= 1, f"no save of the lead's got in during the import ({len(saves)} saves in all)"
        commits = conn.execute(
            "SELECT json_extract(after, '$.commits') FROM events WHERE entity = 'import' AND action = 'requisitions'"
        ).fetchone()[0]
        assert commits > 1
        assert audit_problems(conn) == []
        assert audit.verify_chain(conn).ok
    finally:
        conn.close()
    print(
        f"\nimport of {ROWS:,} rows in {commits} transactions; the lead saved {len(saves)} times during it "
        f"({inside} between its transactions), longest wait {waits[-1]:.2f} s, median {waits[len(waits) // 2]:.3f} s"
    )


def test_a_killed_import_keeps_whole_batches_and_the_same_file_again_finishes_it_without_doubles(tmp_path):
    rows = KILLED_ROWS
    db = tmp_path / "team.db"
    with Store(db, now=lambda: NOW):
        pass
    csv_file = tmp_path / "spreadsheet.csv"
    write_csv(csv_file, rows, with_ids=False)  # no ATS ids: only the resume can tell rows already imported

    pythonpath = hooked(tmp_path, KILLED_AT_THE_THIRD_COMMIT)
    killed = mediate(
        "import",
        "requisitions",
        "--create-people",
        str(csv_file),
        "--db",
        str(db),
        PYTHONPATH=pythonpath,
    )
    assert killed.returncode == -signal.SIGKILL, "the import finished before it could be killed"
    assert committed_batches(db) == 2

    assert integrity(db) == "ok"
    conn = sqlite3.connect(db)
    try:
        titles = [row[0] for row in conn.execute("SELECT title FROM requisitions ORDER BY id")]
        # Whole batches, in file order, each requisition with its audit row and the chain intact.
        assert 0 < len(titles) < rows
        assert titles == [f"Imported role {n}" for n in range(len(titles))]
        assert audit_problems(conn) == []
        assert audit.verify_chain(conn).ok
    finally:
        conn.close()
    kept = len(titles)
    doctor = mediate("doctor", "--db", str(db))
    assert doctor.returncode == 0, doctor.stdout
    assert "The import of spreadsheet.csv stopped before its end" in doctor.stdout

    again = mediate("import", "requisitions", "--create-people", str(csv_file), "--db", str(db), timeout=600)
    assert again.returncode == 0, again.stderr
    assert f"{rows - kept:,} created" in again.stdout
    assert f"{kept:,} created by the interrupted import of this file before were kept" in again.stdout
    conn = sqlite3.connect(db)
    try:
        titles = [row[0] for row in conn.execute("SELECT title FROM requisitions ORDER BY id")]
        assert titles == [f"Imported role {n}" for n in range(rows)]
        assert audit_problems(conn) == []
    finally:
        conn.close()
    assert "stopped before its end" not in mediate("doctor", "--db", str(db)).stdout
    print(f"\nkilled import: {kept:,} of {rows:,} rows kept whole; the second run created the other {rows - kept:,}")
