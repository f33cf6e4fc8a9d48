"""Throughput figures from outside: `mediate import`, `mediate export` and `mediate demo` as a user types them.

Every figure is one command, timed from spawn to exit (interpreter start, imports, migrations,
checking, writing, grading: every step the user waits for), with its peak resident memory read from
/proc while it runs (bench/outside.py). Beside each, in the same run, the sqlite3 command-line shell
doing the same work on the same files:

- import of an ATS CSV into an empty database: sqlite3's `.import --csv` of the same file;
- import of a few rows into the big database: the same, for those rows (the figure must stay in
  proportion to the rows imported, not to the database);
- export: sqlite3 writing the export's join (requisitions with owner and recruiter names) as CSV;
- demo generation: sqlite3 `VACUUM INTO` of the database the demo wrote (every page and index of
  the same data written once more; the least any generator must pay to write that file).
"""

from __future__ import annotations

import csv
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

from bench.bench_import import write_csv
from bench.common import CACHE, Figure, black_box_sizes, database
from bench.outside import MEDIATE, Run, checked, generated, remove_db

IMPORT_ROWS = 100_000
FEW_ROWS = 10
IMPORT_RATIO = 10.0  # × sqlite3's .import of the same file
EXPORT_RATIO = 3.0  # × sqlite3 writing the same join
FEW_ROWS_TARGET_S = 2.0  # a few rows cost about a start of the command, not a regrade of the database
DEMO_TARGET_S = {1_000_000: 180.0}
DEMO_MEMORY_MB = 1024.0
RUNS = int(os.environ.get("BENCH_THROUGHPUT_RUNS", "3"))
WORK = CACHE / "throughput"

EXPORT_JOIN = (
    "SELECT r.*, s.name AS sales_owner, rc.name AS recruiter FROM requisitions r "
    "JOIN people s ON s.id = r.sales_owner_id LEFT JOIN people rc ON rc.id = r.recruiter_id ORDER BY r.id;"
)


def _sqlite3(db: Path, *commands: str, stdout: Path | None = None) -> Run:
    return checked(["sqlite3", str(db), *commands], stdout_path=stdout)


def _median(runs: list[Run]) -> Run:
    ordered = sorted(runs, key=lambda r: r.seconds)
    return ordered[len(ordered) // 2]


def _spread(runs: list[Run]) -> tuple[float, float, float]:
    values = [r.seconds for r in runs]
    return min(values), statistics.median(values), max(values)


def _import_empty(csv_path: Path) -> tuple[list[Run], list[Run]]:
    mediate, anchor = [], []
    for _ in range(RUNS):
        db = WORK / "import-empty.db"
        remove_db(db)
        mediate.append(checked([MEDIATE, "import", "requisitions", "--create-people", str(csv_path), "--db", str(db)]))
        remove_db(db)
        anchor.append(_sqlite3(db, f".import --csv {csv_path} requisitions"))
        remove_db(db)
    return mediate, anchor


def _few_rows_csv(path: Path) -> Path:
    """`FEW_ROWS` new job orders (ids the big database does not have), in the same ATS layout."""
    full = WORK / "few-source.csv"
    write_csv(full, rows=FEW_ROWS, seed=99)
    with open(full, newline="", encoding="utf-8-sig") as src, open(path, "w", newline="", encoding="utf-8") as out:
        reader, writer = csv.reader(src), csv.writer(out)
        writer.writerow(next(reader))
        for n, row in enumerate(reader):
            row[0] = f"JO-FEW-{n}"
            writer.writerow(row)
    full.unlink()
    return path


def _import_few(big: Path) -> tuple[list[Run], list[Run]]:
    few = _few_rows_csv(WORK / "few.csv")
    copy = WORK / "few-into-big.db"
    mediate, anchor = [], []
    for _ in range(RUNS):
        remove_db(copy)
        shutil.copy(big, copy)  # a fresh copy each time: every run imports new rows, not unchanged ones
        # On disk before the run: the import's commit syncs the file, and would otherwise pay for writing
        # the whole 10 GB copy out of the page cache (1.3 s at 1,000,000), which sqlite3 after it never does.
        _flushed(copy)
        mediate.append(checked([MEDIATE, "import", "requisitions", "--create-people", str(few), "--db", str(copy)]))
        anchor.append(_sqlite3(copy, f".import --csv {few} bench_few_rows"))
    remove_db(copy)
    return mediate, anchor


def _flushed(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _export(big: Path) -> tuple[list[Run], list[Run]]:
    out = WORK / "export.csv"
    mediate, anchor = [], []
    for _ in range(RUNS):
        out.unlink(missing_ok=True)
        mediate.append(checked([MEDIATE, "export", "requisitions", "--db", str(big), "-o", str(out)]))
        out.unlink(missing_ok=True)
        anchor.append(_sqlite3(big, "-csv", "-header", EXPORT_JOIN, stdout=out))
    out.unlink(missing_ok=True)
    return mediate, anchor


def _figure(
    name: str,
    mediate: list[Run],
    anchor: list[Run],
    *,
    size: int,
    note: str,
    target: float | None = None,
    target_ratio: float | None = None,
) -> Figure:
    picked = _median(mediate)
    return Figure(
        name,
        picked.seconds,
        unit="s",
        size=size,
        target=target,
        target_ratio=target_ratio,
        bare=_median(anchor).seconds,
        anchor="sqlite3",
        basis="median",
        spread=_spread(mediate),
        samples=len(mediate),
        note=f"{note}; peak {picked.peak_mb:,.0f} MB",
        extra={
            "samples": [round(r.seconds, 3) for r in mediate],
            "floor_samples": [round(r.seconds, 3) for r in anchor],
            "peak_mb": round(picked.peak_mb),
        },
    )


def _demo(size: int) -> list[Figure]:
    """Generation, as recorded when the cache was filled (it is part of the figures, measured once)."""
    path, record = generated(size)
    vacuum = WORK / "vacuum-into.db"
    remove_db(vacuum)
    anchor = _sqlite3(path, f"VACUUM INTO '{vacuum}'")
    remove_db(vacuum)
    seconds, peak = float(record["seconds"]), float(record["peak_mb"])
    built = f"built {record.get('built', '?')} (load {float(record.get('load', 0)):.1f})"
    return [
        Figure(
            f"command: mediate demo --requisitions {size:,}",
            seconds,
            unit="s",
            size=size,
            target=DEMO_TARGET_S.get(size),
            bare=anchor.seconds,
            anchor="sqlite3",
            basis="once",
            note=f"spawn to exit, {built}; sqlite3: VACUUM INTO of the file it wrote",
        ),
        Figure(
            f"command: mediate demo --requisitions {size:,}, peak memory",
            peak,
            unit="MB",
            size=size,
            target=DEMO_MEMORY_MB,
            basis="once",
            note="VmHWM of the process, polled from /proc",
        ),
    ]


def measure() -> list[Figure]:
    WORK.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    csv_path = CACHE / f"ats-{IMPORT_ROWS}.csv"
    if not csv_path.exists():
        write_csv(csv_path, rows=IMPORT_ROWS)
    mediate, anchor = _import_empty(csv_path)
    figures = [
        _figure(
            f"command: mediate import requisitions ({IMPORT_ROWS:,}-row ATS CSV, empty db)",
            mediate,
            anchor,
            size=IMPORT_ROWS,
            target_ratio=IMPORT_RATIO,
            note=f"spawn to exit incl. checking, writing and grading; {RUNS} runs; sqlite3: .import --csv",
        )
    ]
    for size in black_box_sizes():
        big = database(size) if size <= 100_000 else generated(size)[0]
        mediate, anchor = _import_few(big)
        figures.append(
            _figure(
                f"command: mediate import of {FEW_ROWS} new rows into the big db",
                mediate,
                anchor,
                size=size,
                target=FEW_ROWS_TARGET_S,
                note="spawn to exit incl. grading what changed; sqlite3: .import of the same rows",
            )
        )
        mediate, anchor = _export(big)
        figures.append(
            _figure(
                "command: mediate export requisitions (csv)",
                mediate,
                anchor,
                size=size,
                target_ratio=EXPORT_RATIO,
                note="spawn to exit; sqlite3: -csv of the same join",
            )
        )
        if size > 100_000:
            figures.extend(_demo(size))
    print(f"  throughput: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return figures


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(measure())
