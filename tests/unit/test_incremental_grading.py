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


def test_rows_are_matched_by_looking_up_their_own_ids_not_by_reading_every_requisition(big, tmp_path):
    """An ATS file with job ids reads the requisitions it names (the unique index), whatever the size of
    the database; its rows match what is there (an update) or not (a create). A file without ids reads
    the codes once."""
    from mediation_console.db.csv_import import import_requisitions

    db = tmp_path / "copy.db"
    db.write_bytes(big.read_bytes())
    orders = write_orders(tmp_path / "two.csv", owner_name(db), ["Active", "Active"])
    statements: list[str] = []
    with Store(db) as store:
        store.conn.set_trace_callback(statements.append)
        first = import_requisitions(store, orders, create_people=True)
        again = import_requisitions(store, orders, create_people=True)
        store.conn.set_trace_callback(None)
    assert (first.created, again.created, again.unchanged) == (2, 0, 2)
    every_key = [s for s in statements if "FROM requisitions" in s and "WHERE" not in s.split("FROM requisitions")[1]]
    assert not [s for s in every_key if "code" in s or "external_id" in s], every_key
    looked_up = [s for s in statements if s.startswith("SELECT id FROM requisitions WHERE external_id = ")]
    assert len(looked_up) == 4, looked_up  # each id once in each import (the trace shows the values bound)

    by_code = tmp_path / "by_code.csv"
    with open(by_code, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Code", "Job Title", "Company", "Owner", "Status"])
        writer.writerow(["REQ-0001", "Payroll Specialist", "Initech", owner_name(db), "Active"])
        writer.writerow(["REQ-0002", "Payroll Specialist", "Initech", owner_name(db), "Active"])
    statements.clear()
    with Store(db) as store:
        store.conn.set_trace_callback(statements.append)
        report = import_requisitions(store, by_code, create_people=True)
        store.conn.set_trace_callback(None)
    assert report.created == 0 and report.updated + report.unchanged == 2
    assert len([s for s in statements if s.startswith("SELECT id, code FROM requisitions")]) == 1


def test_a_big_file_reads_every_id_once_after_the_first_few_look_ups(big, tmp_path, monkeypatch):
    """Past ExternalIds.ONE_BY_ONE look-ups the ids are read in one scan, and rows still match."""
    from mediation_console.db.csv_import import import_requisitions
    from mediation_console.db.store.imports import ExternalIds

    monkeypatch.setattr(ExternalIds, "ONE_BY_ONE", 2)
    db = tmp_path / "copy.db"
    db.write_bytes(big.read_bytes())
    orders = write_orders(tmp_path / "five.csv", owner_name(db), ["Active"] * 5)
    statements: list[str] = []
    with Store(db) as store:
        first = import_requisitions(store, orders, create_people=True)
        store.conn.set_trace_callback(statements.append)
        again = import_requisitions(store, orders, create_people=True)
        store.conn.set_trace_callback(None)
    assert (first.created, again.created, again.unchanged) == (5, 0, 5)
    assert len([s for s in statements if s.startswith("SELECT id FROM requisitions WHERE external_id = ")]) == 2
    assert len([s for s in statements if s.startswith("SELECT id, external_id FROM requisitions")]) == 1


# Each imported row written graded, once: the file has filled requisitions of both engagements
# closed after different spans, so the estimates differ by (grade, engagement) and from the default.
VARIED_HEADER = [*HEADER, "Engagement", "Intake Date", "Salary Max", "Market Salary", "Code"]


def write_varied(path: Path, owner: str, rows: int, first_id: int = 0) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(VARIED_HEADER)
        for n in range(first_id, first_id + rows):
            status = ("Placed", "Active", "Placed", "Closed", "Placed")[n % 5]
            closed = f"2025-{4 + n % 6:02d}-{1 + n % 27:02d}" if status in ("Placed", "Closed") else ""
            writer.writerow(
                [
                    f"VAR-{n}",
                    f"Analyst {n}",
                    "Initech",
                    owner,
                    status,
                    "2025-03-01",
                    closed,
                    ("retained", "contingent")[n % 2],
                    "2025-03-02" if n % 3 else "",
                    str(80_000 + 1_000 * (n % 30)),
                    str(90_000 + 500 * (n % 40)),
                    "",
                ]
            )
    return path


def grade_writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.startswith("UPDATE requisitions SET score")]


def import_graded(db: Path, csv_path: Path, mediator_packs: list[Path] | None = None) -> tuple[list[str], object]:
    """The import as `mediate import` runs it, in this process, with every statement it ran."""
    from mediation_console.console.core.rules.refresh import ImportGrades, refresh_after_import
    from mediation_console.db.csv_import import import_requisitions

    statements: list[str] = []
    with Store(db) as store:
        mediator = Mediator(store, extra_packs=mediator_packs)
        store.conn.set_trace_callback(statements.append)
        report = import_requisitions(store, csv_path, create_people=True, grader=ImportGrades.for_import(mediator))
        refresh_after_import(store, report, mediator)
        store.conn.set_trace_callback(None)
    return statements, report


def test_a_first_import_writes_each_row_graded_once_as_a_full_regrade_would(tmp_path, monkeypatch):
    db = tmp_path / "first.db"
    Store(db).close()
    rewritten: list[int] = []
    set_estimates = Store.set_estimates

    def counted(self, *args):
        rewritten.append(set_estimates(self, *args))
        return rewritten[-1]

    monkeypatch.setattr(Store, "set_estimates", counted)
    statements, report = import_graded(db, write_varied(tmp_path / "varied.csv", "Sam Seller", 120))
    assert report.created == 120 and report.graded_at_insert
    assert grade_writes(statements) == []  # written with its grade, not written then updated
    assert rewritten == [0]  # the estimates looked at again after the write: each already right
    imported = derived(db)
    assert all(grade and estimate for _score, grade, estimate in imported.values())
    assert len({estimate for *_s, estimate in imported.values()}) > 1  # the history, not only the default
    with Store(db) as store:
        refresh_derived(store, Mediator(store))
    assert derived(db) == imported


def test_new_filled_rows_move_the_others_estimates_as_a_full_regrade_would(big, tmp_path):
    """Written graded into a database with a history, the new rows' filled ones move the estimates of
    rows already there, set after the write from the file as it then is, as a full regrade would set
    them; an updated row is graded after the write, as before."""
    db = tmp_path / "copy.db"
    db.write_bytes(big.read_bytes())
    owner = owner_name(db)
    varied = write_varied(tmp_path / "varied.csv", owner, 200)
    with open(varied, "a", newline="", encoding="utf-8") as handle:  # an update of a row already there
        csv.writer(handle).writerow(
            [
                "",
                "Payroll Specialist",
                "Initech",
                owner,
                "Placed",
                "2025-01-02",
                "2025-02-20",
                "retained",
                "2025-01-03",
                "",
                "",
                "REQ-0003",
            ]
        )
    before = derived(db)
    statements, report = import_graded(db, varied)
    assert report.created == 200 and report.updated_ids == [3]
    imported = derived(db)
    moved = [i for i in before if imported[i][2] != before[i][2]]
    assert len(moved) > 10, moved  # 120 new placements moved the medians of the rows already there
    writes = grade_writes(statements)
    assert writes and all(s.endswith("WHERE id = 3") for s in writes), writes  # the updated row's; no new one's
    with Store(db) as store:
        refresh_derived(store, Mediator(store))
    assert derived(db) == imported


def test_a_pack_that_grades_by_the_code_is_graded_once_the_rows_have_their_codes(tmp_path):
    """A condition may read `requisition_code`, which a row gets only as it is written: such a pack's
    rows are written ungraded and graded after the write, with their codes."""
    pack = tmp_path / "by_code.toml"
    pack.write_text(
        '[[gates]]\nid = "first_one"\ntitle = "The first one"\nwhen = "requisition_code == \'REQ-0001\'"\n'
        'cap = "C"\nreason = "The first requisition is capped at C"\n',
        encoding="utf-8",
    )
    db = tmp_path / "first.db"
    Store(db).close()
    statements, report = import_graded(db, write_varied(tmp_path / "varied.csv", "Sam Seller", 30), [pack])
    assert not report.graded_at_insert
    assert grade_writes(statements)  # graded afterwards, as every import was before
    imported = derived(db)
    assert imported[1][1] == "C" and all(grade for _score, grade, _estimate in imported.values())
    with Store(db) as store:
        refresh_derived(store, Mediator(store, extra_packs=[pack]))
    assert derived(db) == imported


def test_a_median_of_exactly_half_a_day_rounds_as_a_full_regrade_rounds_it(tmp_path):
    """Three placements of 12 days 8 minutes and three of 12 days 23 h 52 min: a median of exactly 12.5
    days, which julianday()'s difference made 12.50000000023 (13, where the regrade gives 12). Found in review."""
    path = tmp_path / "half.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n, closed in enumerate(["2025-03-13 00:22"] * 3 + ["2025-03-14 00:06"] * 3):
            writer.writerow(
                [f"H-{n}", "Payroll Specialist", "Initech", "Sam Seller", "Placed", "2025-03-01 00:14", closed]
            )
        writer.writerow(["H-9", "Payroll Specialist", "Initech", "Sam Seller", "Active", "2025-03-01 00:14", ""])
    db = tmp_path / "half.db"
    Store(db).close()
    import_graded(db, path)
    imported = derived(db)
    with Store(db) as store:
        refresh_derived(store, Mediator(store))
    assert derived(db) == imported


def test_a_save_made_while_an_import_writes_is_counted_in_the_estimates_it_moves(big, tmp_path, monkeypatch):
    """Between the check and the write the lead marks 30 requisitions filled (and they are graded); the
    import's new filled rows then move the estimates from the file as it is after its write, the lead's
    placements counted, not from what the check saw. Found in review."""
    from mediation_console.console.core.rules.refresh import refresh_changed
    from mediation_console.db import csv_import

    db = tmp_path / "copy.db"
    db.write_bytes(big.read_bytes())
    write = csv_import._write

    def the_lead_saves_first(importer, *args):
        with Store(db) as lead:
            ids = [
                row[0]
                for row in lead.conn.execute(
                    "SELECT id FROM requisitions WHERE status NOT IN ('filled', 'lost') AND engagement = "
                    "'contingent' ORDER BY id LIMIT 30"
                )
            ]
            with lead.transaction():
                lead.conn.execute(
                    f"UPDATE requisitions SET status = 'filled', closed_at = datetime(opened_at, '+80 days') "
                    f"WHERE id IN ({', '.join(map(str, ids))})"
                )
            refresh_changed(lead, ids, Mediator(lead))
        return write(importer, *args)

    monkeypatch.setattr(csv_import, "_write", the_lead_saves_first)
    import_graded(db, write_varied(tmp_path / "varied.csv", owner_name(db), 20))
    imported = derived(db)
    with Store(db) as store:
        refresh_derived(store, Mediator(store))
    assert derived(db) == imported


def test_a_regrade_of_everything_is_counted_once(big, tmp_path):
    """100 updates of a 400-row database are graded in one full pass: the report counts each requisition
    once, not the new ones again (it said 420 of 410). Found in review."""
    db = tmp_path / "copy.db"
    db.write_bytes(big.read_bytes())
    owner = owner_name(db)
    path = tmp_path / "mixed.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Code", "Job Title", "Company", "Owner", "Status"])
        for n in range(100, 200):
            writer.writerow([f"REQ-{n:04d}", "Payroll Specialist", "Initech", owner, "Placed"])
        for n in range(10):
            writer.writerow(["", f"New role {n}", "Initech", owner, "Active"])
    result = import_file(db, path)
    assert result.returncode == 0, result.stderr
    assert "Grades recomputed for 410 requisitions." in result.stdout


def test_a_file_whose_last_import_stopped_part_way_is_graded_in_full_when_imported_again(big, tmp_path):
    """Its rows with ids are found by them (not counted as `resumed`, which counts rows without one),
    and what the stopped run committed was graded by the whole file's history: the file's last import
    unfinished, everything is graded again."""
    from mediation_console.db.csv_import import _file_sha256

    db = tmp_path / "copy.db"
    db.write_bytes(big.read_bytes())
    orders = write_orders(tmp_path / "ten.csv", owner_name(db), ["Placed"] * 6 + ["Active"] * 4)
    with Store(db) as store:  # as a run killed after its first commit leaves it: the file's last record a batch
        store.record_import({"file": "ten.csv", "sha256": _file_sha256(orders), "committed": {}}, finished=False)
    result = import_file(db, orders)
    assert result.returncode == 0, result.stderr
    assert "Grades recomputed for 410 requisitions." in result.stdout  # all of them, not the 10
