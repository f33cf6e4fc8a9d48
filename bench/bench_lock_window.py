"""A big import never locks the lead out: how long `mediate import` holds the database's write lock at
a stretch, seen from outside, beside its floor (the same rows written by bare sqlite3 in one
transaction); and, during the import, a console-like save every 100 ms: its longest wait and how many
failed (issue 20: about 1 s per 100,000 rows, no save waiting over 2 s, none failing).

Seen from outside: the import is the real command in a child process (`python -m mediation_console
import requisitions --create-people CSV`, the ATS-style file of bench_import), and a probe in this
process tries to take the write lock itself (`BEGIN IMMEDIATE` with no busy timeout, then `ROLLBACK`)
about every millisecond. A window is the time from the probe's last success to its next one with only
refusals between them: an upper bound on how long someone else held the lock (by the probe's period,
and by any moment the machine did not run the probe). The lead's saves run beside it on a connection
of their own, each a new requisition through the Store with its audit row, as the console saves one.

The floor is bare SQLite: the rows the import wrote, copied by the `sqlite3` shell (Python's sqlite3
module where the shell is missing) into a fresh database of the same schema (its indexes, triggers and
full-text index) in one `INSERT ... SELECT` transaction, no parsing and no audit rows, seen by the same
probe: the least any single transaction writing these rows would hold the lock. The import's own
record of its longest transaction (`longest_lock_s` in its audit row) is shown beside it.

Sizes: 100,000 rows (default); `MEDIATE_BENCH_LOCK_SIZES=100k,300k python -m bench lock_window`
adds the issue's 300,000.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.bench_import import write_csv
from bench.common import CACHE, Figure, sizes_from_env

REPO = Path(__file__).resolve().parent.parent
TARGET_WINDOW_S = 1.0  # per 100,000 rows; held to 1 s at every size
TARGET_WAIT_S = 2.0
SAVE_EVERY_S = 0.1
PROBE_EVERY_S = 0.001
SIZE_NAMES = {"10k": 10_000, "100k": 100_000, "300k": 300_000, "1m": 1_000_000}
LEAD = "Lena Lead"


def sizes() -> list[int]:
    return sizes_from_env("MEDIATE_BENCH_LOCK_SIZES", SIZE_NAMES, "lock-window")


class LockProbe(threading.Thread):
    """Takes the write lock itself, without waiting, about every millisecond; `windows` are the
    stretches in which every try was refused, from the success before them to the success after."""

    def __init__(self, db: Path) -> None:
        super().__init__(daemon=True)
        self.db = db
        self.windows: list[float] = []
        self.tries = 0
        self.stop = threading.Event()
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            conn = sqlite3.connect(self.db, timeout=0, isolation_level=None)
            try:
                self._probe(conn)
            finally:
                conn.close()
        except BaseException as exc:  # noqa: BLE001 - reported by measure_one
            self.failure = exc

    def _probe(self, conn: sqlite3.Connection) -> None:
        last_success = time.perf_counter()
        refused = False
        while not self.stop.is_set():
            self.tries += 1
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                refused = True
            else:
                conn.execute("ROLLBACK")
                now = time.perf_counter()
                if refused:
                    self.windows.append(now - last_success)
                refused = False
                last_success = now
            time.sleep(PROBE_EVERY_S)
        if refused:  # still held at the end: counted up to now
            self.windows.append(time.perf_counter() - last_success)

    def finish(self) -> list[float]:
        self.stop.set()
        self.join()
        if self.failure is not None:
            raise RuntimeError(f"the lock probe failed: {self.failure!r}")
        return sorted(self.windows)


def _fresh(db: Path, *, lead: bool) -> None:
    from mediation_console.db.models import Person, Team
    from mediation_console.db.store import Store

    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    with Store(db) as store:
        if lead:
            store.add_person(Person(name=LEAD, team=Team.SALES))


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "MEDIATE_DB"}
    env["PYTHONPATH"] = str(REPO)
    return env


def _saves_beside(process: subprocess.Popen[str], db: Path) -> tuple[list[float], list[str]]:
    """A console-like save every 100 ms on a connection of its own until the import ends."""
    from mediation_console.db.models import Requisition
    from mediation_console.db.store import Store

    waits: list[float] = []
    errors: list[str] = []
    with Store(db, actor="lead") as console:
        lead = console.person_by_name(LEAD)
        assert lead is not None and lead.id is not None
        n = 0
        while process.poll() is None:
            started = time.perf_counter()
            try:
                console.add_requisition(Requisition(title=f"Lead's role {n}", client="Contoso", sales_owner_id=lead.id))
            except Exception as exc:  # what the lead would see
                errors.append(f"{type(exc).__name__}: {exc}")
            waits.append(time.perf_counter() - started)
            n += 1
            time.sleep(SAVE_EVERY_S)
    return waits, errors


def _import_beside_saves(csv_path: Path, db: Path) -> dict:
    _fresh(db, lead=True)
    probe = LockProbe(db)
    probe.start()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "mediation_console", "import", "requisitions", "--create-people", str(csv_path)]
        + ["--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=REPO,
    )
    box: dict[str, tuple[list[float], list[str]]] = {}
    saver = threading.Thread(target=lambda: box.setdefault("saves", _saves_beside(process, db)))
    saver.start()
    out, err = process.communicate()
    seconds = time.perf_counter() - started
    saver.join()
    windows = probe.finish()
    if process.returncode != 0:
        raise RuntimeError(f"the import failed ({process.returncode}): {(out + err).strip()[-2000:]}")
    conn = sqlite3.connect(db)
    try:
        (record,) = conn.execute(
            "SELECT after FROM events WHERE entity = 'import' AND action = 'requisitions' ORDER BY id DESC LIMIT 1"
        ).fetchone()
        imported = conn.execute(
            "SELECT COUNT(*) FROM events WHERE entity = 'requisition' AND action = 'import'"
        ).fetchone()[0]
    finally:
        conn.close()
    waits, errors = box["saves"]
    return {
        "seconds": seconds,
        "windows": windows,
        "tries": probe.tries,
        "record": json.loads(record),
        "imported": imported,
        "waits": sorted(waits),
        "errors": errors,
    }


FLOOR_SQL = (
    "PRAGMA synchronous = NORMAL;"  # as the Store opens its connections
    "ATTACH DATABASE '{source}' AS source;"
    "BEGIN IMMEDIATE;"
    "INSERT INTO main.people SELECT * FROM source.people;"
    "INSERT INTO main.requisitions SELECT * FROM source.requisitions "
    "WHERE id IN (SELECT entity_id FROM source.events WHERE entity = 'requisition' AND action = 'import');"
    "COMMIT;"
)


def _bare_floor(source: Path, floor_db: Path) -> tuple[list[float], float, str]:
    """The imported rows copied by bare SQLite in one transaction into a fresh database of the same schema."""
    _fresh(floor_db, lead=False)
    sql = FLOOR_SQL.format(source=str(source).replace("'", "''"))
    shell = shutil.which("sqlite3")
    if shell:
        command, anchor = [shell, str(floor_db), sql], "bare sqlite3"
    else:
        script = f"import sqlite3, sys; sqlite3.connect(sys.argv[1], isolation_level=None).executescript({sql!r})"
        command, anchor = [sys.executable, "-c", script, str(floor_db)], "bare sqlite3 (Python)"
    probe = LockProbe(floor_db)
    probe.start()
    time.sleep(0.05)  # the probe has its first success before the copy starts
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    windows = probe.finish()
    if done.returncode != 0 or done.stderr.strip():
        raise RuntimeError(f"the bare copy failed: {done.stderr.strip()[-2000:]}")
    return windows, seconds, anchor


def measure_one(rows: int) -> list[Figure]:
    CACHE.mkdir(parents=True, exist_ok=True)
    csv_path = CACHE / f"import-{rows}.csv"
    if not csv_path.exists():
        write_csv(csv_path, rows)
    db = CACHE / f"work-lock-window-{rows}.db"
    floor_db = CACHE / f"work-lock-window-floor-{rows}.db"
    try:
        run = _import_beside_saves(csv_path, db)
        floor_windows, floor_seconds, anchor = _bare_floor(db, floor_db)
    finally:
        for path in (db, floor_db):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    if run["imported"] != rows:
        raise RuntimeError(f"the import wrote {run['imported']:,} of {rows:,} rows")
    windows, waits, errors = run["windows"], run["waits"], run["errors"]
    record = run["record"]
    return [
        Figure(
            "import lock: longest write-lock window, seen from outside",
            windows[-1] if windows else 0.0,
            "s",
            target=TARGET_WINDOW_S,  # about 1 s per 100,000 rows asked; held to 1 s at every size
            size=rows,
            bare=floor_windows[-1] if floor_windows else None,
            anchor=anchor,
            note=(
                f"{len(windows):,} windows in the import's {run['seconds']:.1f} s (median "
                f"{windows[len(windows) // 2] * 1000:.0f} ms, {run['tries']:,} probes); timed inside the import "
                f"(its commit included): {record.get('commits')} transactions, longest {record.get('longest_lock_s')} s; the floor "
                f"copies the {rows:,} rows in one transaction ({floor_seconds:.1f} s with the shell's start)"
            ),
            extra={
                "top_windows_s": [round(w, 3) for w in windows[-5:][::-1]],
                "import_seconds": round(run["seconds"], 2),
                "commits": record.get("commits"),
                "longest_lock_s_recorded": record.get("longest_lock_s"),
            },
        ),
        Figure(
            "import lock: longest wait of a save every 100 ms beside it",
            waits[-1],
            "s",
            target=TARGET_WAIT_S,
            size=rows,
            note=f"{len(waits):,} saves, median {waits[len(waits) // 2] * 1000:.0f} ms",
        ),
        Figure(
            "import lock: saves beside it that failed",
            len(errors),
            "saves",
            target=0,
            size=rows,
            note="; ".join(sorted(set(errors))[:2]) or f"of {len(waits):,}",
        ),
    ]


def measure() -> list[Figure]:
    figures: list[Figure] = []
    for rows in sizes():
        figures.extend(measure_one(rows))
    return figures


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(measure())
