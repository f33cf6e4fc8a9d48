"""Importing a few rows into a big database grades those rows, not the whole database, and agrees with a full regrade."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from mediation_console.console.core.demo_setup import build_demo_database
from mediation_console.console.core.rules.refresh import refresh_derived
from mediation_console.console.core.rules.service import Mediator
from mediation_console.db.store import Store

HEADER = ["Job ID", "Job Title", "Company", "Owner", "Status", "Date Added", "Date Closed"]


def derived(path: Path) -> dict[int, tuple]:
    with Store(path) as store:
        rows = store.conn.execute("SELECT id, score, grade, estimate_days FROM requisitions").fetchall()
        return {row[0]: tuple(row[1:]) for row in rows}


def write_orders(path: Path, owner: str, statuses: list[str]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n, status in enumerate(statuses):
            closed = "2025-04-20" if status == "Placed" else ""
            writer.writerow([f"NEW-{n}", "Payroll Specialist", "Initech", owner, status, "2025-03-01", closed])
    return path


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.db"
    build_demo_database(path, requisitions=400, seed=3)
    with Store(path) as store:
        refresh_derived(store, Mediator(store))  # every stored grade as the rules give it
    return path


def import_file(db: Path, csv_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mediation_console",
            "import",
            "requisitions",
            "--create-people",
            str(csv_path),
            "--db",
            str(db),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def owner_name(db: Path) -> str:
    with Store(db) as store:
        return store.conn.execute("SELECT name FROM people WHERE team = 'sales' ORDER BY id LIMIT 1").fetchone()[0]


def test_importing_ten_rows_into_a_big_database_regrades_only_those_ten(big, tmp_path):
    db = tmp_path / "copy.db"
    db.write_bytes(big.read_bytes())
    before = derived(db)
    result = import_file(db, write_orders(tmp_path / "ten.csv", owner_name(db), ["Active"] * 10))
    assert result.returncode == 0, result.stderr
    assert "Grades recomputed for 10 requisitions." in result.stdout
    after = derived(db)
    new = set(after) - set(before)
    assert len(new) == 10 and all(after[i][1] for i in new)  # the new rows carry a grade
    assert {i: after[i] for i in before} == before  # the 400 others are as they were


def test_filled_rows_imported_move_every_estimate_as_a_full_regrade_would(big, tmp_path):
    db = tmp_path / "copy.db"
    db.write_bytes(big.read_bytes())
    result = import_file(db, write_orders(tmp_path / "filled.csv", owner_name(db), ["Placed"] * 8 + ["Active"] * 2))
    assert result.returncode == 0, result.stderr
    assert "Grades recomputed for 10 requisitions." in result.stdout
    incremental = derived(db)
    with Store(db) as store:
        refresh_derived(store, Mediator(store))
    assert derived(db) == incremental
