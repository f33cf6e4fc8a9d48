"""The damaged-row scan (issue 21, finding 6): what it costs on a big file, and what the console feels of it.

The console runs `db.damage.scan` in a worker when it opens and after another process writes (paced by
`db.damage.ScanPacer`: the next scan waits nine times as long as the last one took). Measured here on the
cached demo databases, opened read-only as they are (the scan needs no migration), on a connection of its
own as the console's worker has:

- the scan of a clean file (nothing damaged): the whole scan, and each table's share, first run (the OS
  file cache as the machine left it) and the median of the warm runs after it;
- its floor: the same tables read row by row by bare SQL (`count(*)` under a condition on a column no
  index covers, so every row is read), in the same run;
- the console quitting mid-scan: how long after the stop (`ScanControl.stop`, as the app's unmount
  calls it) the scan's thread ends (Python waits for it before the process can end);
- what the console feels: the event loop's lag (how late a 10 ms timer fires) on the thread that draws
  the screen, while the scan runs in a thread beside it, and the same with no scan, p99 and max.

Sizes: 100,000 requisitions by default; `MEDIATE_BENCH_SCAN_SIZES=100k,1m python -m bench damage_scan`
adds 1,000,000 (the 10 GB database, built once into the cache if it is not there).
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import threading
import time
from pathlib import Path

from bench.common import CACHE, Figure, database, percentile, sizes_from_env
from mediation_console.db import damage

SIZE_NAMES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
WARM_RUNS = 2
TICK_S = 0.010
STOP_TARGET_MS = 100.0  # `q` during a scan: the scan is out of the way within this
LAG_TARGET_MS = 50.0  # a keystroke the console handles while the scan runs waits at most this much longer


def sizes() -> list[int]:
    return sizes_from_env("MEDIATE_BENCH_SCAN_SIZES", SIZE_NAMES, "damage-scan")


def cached(size: int) -> Path:
    """The cached demo database as it is (read-only: the scan reads any schema that has the tables)."""
    path = CACHE / f"demo-{size}.db"
    return path if path.exists() else database(size)


def connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


def timed_scan(path: Path) -> tuple[float, dict[str, float], int]:
    """(seconds, seconds per table, damaged rows found) of one scan on a fresh connection."""
    conn = connect(path)
    per_table: dict[str, float] = {}
    try:
        register = damage.DamageRegister()
        started = time.perf_counter()
        found = damage.scan(conn, register, on_table=lambda table, took: per_table.__setitem__(table, took))
        return time.perf_counter() - started, per_table, found
    finally:
        conn.close()


def floor(path: Path) -> dict[str, float]:
    """Seconds per table to read every row by bare SQL: a count under a condition on an unindexed column."""
    conn = connect(path)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        took = {}
        for table, _model in damage.RECORD_MODELS:
            if table not in tables:
                continue
            started = time.perf_counter()
            # typeof() of the row's last column: SQLite reads the whole row, no index answers it.
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
            conn.execute(f"SELECT count(*) FROM {table} WHERE typeof(\"{columns[-1]}\") = 'blob'").fetchone()
            took[table] = time.perf_counter() - started
        return took
    finally:
        conn.close()


def loop_lag(seconds: float, work: threading.Thread | None) -> list[float]:
    """How late (ms) each 10 ms timer of an asyncio loop fires, for `seconds` or while `work` runs."""

    async def probe() -> list[float]:
        lags = []
        started = time.perf_counter()
        while True:
            due = time.perf_counter() + TICK_S
            await asyncio.sleep(TICK_S)
            lags.append(max(0.0, (time.perf_counter() - due) * 1000))
            if work is not None and not work.is_alive():
                return lags
            if work is None and time.perf_counter() - started >= seconds:
                return lags

    return asyncio.run(probe())


def measure_one(size: int) -> list[Figure]:
    path = cached(size)
    first, per_table_first, found = timed_scan(path)
    warm = [timed_scan(path) for _ in range(WARM_RUNS)]
    median = statistics.median(run[0] for run in warm)
    per_table = {table: statistics.median(run[1].get(table, 0.0) for run in warm) for table in per_table_first}
    bare = floor(path)
    shares = ", ".join(f"{table} {took:.2f} s (bare {bare.get(table, 0):.2f})" for table, took in per_table.items())
    figures = [
        Figure(
            "damaged-row scan of a clean file (warm median)",
            median,
            unit="s",
            size=size,
            bare=sum(bare.values()),
            anchor="bare read",
            note=f"first run {first:.2f} s; {found} damaged found; {shares}",
            extra={"first_s": first, "per_table_s": per_table, "bare_per_table_s": bare, "found": found},
        )
    ]
    # What the screen's thread feels while the scan runs beside it (as the console's worker runs it).
    scan = threading.Thread(target=timed_scan, args=(path,), daemon=True)
    scan.start()
    busy = loop_lag(0, scan)
    idle = loop_lag(min(10.0, median), None)
    for name, pick in (("p99", lambda lags: percentile(lags, 99)), ("max", max)):
        figures.append(
            Figure(
                f"event-loop lag while the scan runs ({name})",
                pick(busy),
                unit="ms",
                size=size,
                target=LAG_TARGET_MS if name == "p99" else None,
                bare=pick(idle),
                anchor="no scan",
                note=f"{len(busy)} ticks of 10 ms",
            )
        )
    figures.append(stop_figure(path, size, median))
    return figures


def stop_figure(path: Path, size: int, scan_s: float) -> Figure:
    """The console quitting mid-scan: from `ScanControl.stop` (its unmount) until the scan's thread ends."""
    conn = connect(path)
    control = damage.ScanControl()
    control.start(conn)
    outcome: list[str] = []

    def run() -> None:
        try:
            damage.scan(conn, damage.DamageRegister(), control=control)
            outcome.append("ended")
        except damage.ScanStopped:
            outcome.append("stopped")

    scan = threading.Thread(target=run, daemon=True)
    scan.start()
    time.sleep(min(2.0, scan_s / 2))
    started = time.perf_counter()
    control.stop()
    scan.join()
    took = (time.perf_counter() - started) * 1000
    conn.close()
    return Figure(
        "a scan stopped (the console quits): until its thread ends",
        took,
        unit="ms",
        size=size,
        target=STOP_TARGET_MS,
        note=f"stopped {min(2.0, scan_s / 2):.1f} s into it; the scan {outcome[0] if outcome else '?'}",
    )


def measure() -> list[Figure]:
    figures: list[Figure] = []
    for size in sizes():
        figures.extend(measure_one(size))
    return figures
