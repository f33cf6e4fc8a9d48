"""Importing a 100,000-row ATS CSV into an empty database: time (target < 20 s) and peak memory.

The CSV is synthesised (seeded) with every column the importer knows, written the way people and
ATSs write values ("$95,000 - $110,000", "120k", "20%", "0.25", US and ISO dates, "Accepting
Candidates"), so the figure covers parsing as well as writing. Each import runs in a fresh child
process so its peak RSS is its own, not the benchmark runner's.
"""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
import time
from pathlib import Path

from bench.common import CACHE, Figure

ROWS = 100_000
TARGET_SECONDS = 20.0

_TITLES = [
    "Controller",
    "Data Engineer",
    "Staff Accountant",
    "Nurse Manager",
    "Site Reliability Engineer",
    "Payroll Specialist",
    "Product Designer",
    "Sales Director",
    "Java Developer",
    "HR Business Partner",
]
_CLIENTS = [
    "Initech",
    "Globex",
    "Umbrella Health",
    "Hooli",
    "Stark Logistics",
    "Wayne Foods",
    "Acme Tools",
    "Soylent Corp",
    "Vandelay Industries",
    "Tyrell Systems",
]
_STATUSES = [
    "Accepting Candidates",
    "Currently Interviewing",
    "Covered",
    "Offer Out",
    "Placed",
    "Lost",
    "Active",
    "OnHold",
    "Upcoming",
    "intake",
    "Qualified",
]
_ENGAGEMENTS = ["Permanent", "Contract", "Direct Hire", "Exclusive", "Retained", "contingent"]
_CITIES = ["Chicago, IL", "Austin, TX", "Remote", "New York, NY", "Denver, CO", "Toronto, ON"]

HEADERS = [
    "Job ID",
    "Job Title",
    "Company",
    "Owner",
    "Recruiter",
    "# of Openings",
    "Salary",
    "Market Salary",
    "Fee %",
    "Status",
    "Date Added",
    "Promised Date",
    "Employment Type",
    "Location",
    "Remote",
    "Intake Date",
    "Hiring Manager Access",
    "Interview Stages",
    "JD Clear",
    "Must-Haves",
    "Competing Agencies",
    "Notes",
    "Pipeline",
    "Submitted",
]


def write_csv(path: Path, rows: int = ROWS, seed: int = 7) -> Path:
    """A realistic ATS-style export of `rows` job orders, streamed to `path`."""
    rng = random.Random(seed)
    owners = [f"Seller {i:02d}" for i in range(25)]
    recruiters = [f"Recruiter {i:02d}" for i in range(60)]
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for n in range(rows):
            low = rng.randrange(50, 180) * 1000
            high = low + rng.randrange(0, 40) * 1000
            salary = rng.choice(
                [f"${low:,} - ${high:,}", f"{low // 1000}k", f"{low}", f"{low // 1000}-{high // 1000}k"]
            )
            fee = rng.choice([f"{rng.randrange(15, 30)}%", f"0.{rng.randrange(15, 30)}", str(rng.randrange(15, 30))])
            month, day, year = rng.randrange(1, 13), rng.randrange(1, 29), rng.choice([2024, 2025])
            added = rng.choice([f"{month:02d}/{day:02d}/{year}", f"{year}-{month:02d}-{day:02d}"])
            writer.writerow(
                [
                    f"JO-{100000 + n}",
                    rng.choice(_TITLES),
                    rng.choice(_CLIENTS),
                    rng.choice(owners),
                    rng.choice(recruiters + [""]),
                    rng.randrange(1, 5),
                    salary,
                    f"${high + 5000:,}",
                    fee,
                    rng.choice(_STATUSES),
                    added,
                    f"{year + 1}-{month:02d}-{day:02d}",
                    rng.choice(_ENGAGEMENTS),
                    rng.choice(_CITIES),
                    rng.choice(["yes", "no"]),
                    rng.choice(["", f"{year}-{month:02d}-{day:02d} 10:00"]),
                    rng.choice(["yes", "no"]),
                    rng.randrange(1, 6),
                    rng.choice(["y", "n"]),
                    rng.randrange(1, 8),
                    rng.randrange(0, 4),
                    rng.choice(["", "Hiring manager wants 3 profiles by Friday", "=not a formula"]),
                    rng.randrange(0, 20),
                    rng.randrange(0, 8),
                ]
            )
    return path


def _child(csv_path: str, db_path: str, dry_run: bool) -> None:
    """Runs one import in this (fresh) process and prints its figures as JSON."""
    from bench.launch_app import peak_rss_mb
    from mediation_console.console.core.rules.refresh import refresh_derived
    from mediation_console.console.core.rules.service import Mediator
    from mediation_console.db.csv_import import import_requisitions
    from mediation_console.db.store import Store

    with Store(db_path) as store:
        start, cpu_start = time.perf_counter(), time.process_time()
        report = import_requisitions(store, csv_path, dry_run=dry_run, create_people=True)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        peak_mb = peak_rss_mb()  # this process's own peak, not the benchmark runner's it was spawned from
        # What `mediate import` and the console do next: grade the imported requisitions.
        grade_seconds = grade_cpu = 0.0
        if report.written and (report.created or report.updated):
            start, cpu_start = time.perf_counter(), time.process_time()
            refresh_derived(store, Mediator(store))
            grade_seconds, grade_cpu = time.perf_counter() - start, time.process_time() - cpu_start
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "peak_mb": peak_mb,
                "ok": report.ok,
                "created": report.created,
                "unchanged": report.unchanged,
                "problems": [str(p) for p in report.problems[:5]],
                "grade_seconds": grade_seconds,
                "grade_cpu": grade_cpu,
            }
        )
    )


def _run(csv_path: Path, db_path: Path, dry_run: bool = False) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "bench.bench_import", "--child", str(csv_path), str(db_path), str(int(dry_run))],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the import child failed: {result.stderr.strip()[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(rows: int = ROWS) -> list[Figure]:
    CACHE.mkdir(parents=True, exist_ok=True)
    csv_path = CACHE / f"import-{rows}.csv"
    if not csv_path.exists():
        write_csv(csv_path, rows)
    db_path = CACHE / f"work-import-{rows}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    size_mb = csv_path.stat().st_size / 1024 / 1024

    dry = _run(csv_path, db_path, dry_run=True)
    first = _run(csv_path, db_path)
    if not first["ok"] or first["created"] != rows:
        raise RuntimeError(f"the benchmark file was rejected: {first['problems']}")
    again = _run(csv_path, db_path)
    return [
        Figure(
            "import: validate only (--dry-run), ATS CSV",
            dry["seconds"],
            "s",
            size=rows,
            note=f"{size_mb:.0f} MB file, {dry['cpu']:.1f} s CPU",
        ),
        Figure(
            "import: ATS CSV into an empty database",
            first["seconds"],
            "s",
            target=TARGET_SECONDS,
            size=rows,
            note=f"{rows / first['seconds']:,.0f} rows/s, {first['cpu']:.1f} s CPU",
        ),
        Figure(
            "import: peak memory of that import",
            first["peak_mb"],
            "MB",
            size=rows,
            note="whole process, Python included",
        ),
        Figure(
            "import: grading the imported requisitions after it",
            first["grade_seconds"],
            "s",
            size=rows,
            note=f"refresh_derived, as `mediate import` and the console run it; {first['grade_cpu']:.1f} s CPU",
        ),
        Figure(
            "import: re-import of the same file (all unchanged)",
            again["seconds"],
            "s",
            size=rows,
            note=f"{again['cpu']:.1f} s CPU",
        ),
    ]


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3], sys.argv[4] == "1")
    else:
        from bench.__main__ import print_table

        print_table(measure())
