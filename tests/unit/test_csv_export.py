"""Exporting the queue with grades: spreadsheet-safe CSV that re-imports exactly, JSON, files only the owner reads."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import stat
from pathlib import Path

import pytest

from mediation_console.db.csv_export import ExportError, export_requisitions, neutralise, write_requisitions
from mediation_console.db.csv_import import import_requisitions
from mediation_console.db.models import Engagement, Person, Requisition, RequisitionStatus, Team
from mediation_console.db.store import Store
from tests.helpers import mediate

NOW = dt.datetime(2025, 4, 10, 9, 0)
# Compared field by field after a round trip; ids are the database's, derived figures are recomputed.
NOT_COMPARED = {
    "id",
    "updated_at",
    "score",
    "grade",
    "estimate_days",
    "submittals",
    "last_submittal_at",
    "open_disputes",
    "sales_owner_id",
    "recruiter_id",
}


@pytest.fixture
def team_db(tmp_path) -> Path:
    """A database with requisitions that use every exported field, including formula-like text."""
    path = tmp_path / "team.db"
    with Store(path, now=lambda: NOW) as store:
        sam = store.add_person(Person(name="Sam Seller", team=Team.SALES))
        rita = store.add_person(Person(name="Rita Recruiter", team=Team.RECRUITING))
        store.add_requisition(
            Requisition(
                external_id="BH-1",
                title="Senior Controller",
                client="Initech",
                sales_owner_id=sam.id,
                recruiter_id=rita.id,
                openings=2,
                status=RequisitionStatus.INTERVIEWING,
                engagement=Engagement.EXCLUSIVE,
                fee_pct=22.5,
                salary_min=95_000,
                salary_max=110_000,
                market_salary=120_000,
                location="Austin, TX",
                remote=True,
                promised_date=dt.date(2025, 6, 1),
                intake_at=dt.datetime(2025, 3, 2, 10, 30),
                hiring_manager_access=True,
                feedback_agreed_48h=True,
                interview_stages=3,
                interview_dates_agreed=True,
                jd_clear=True,
                must_haves=3,
                headcount_approved=True,
                reason_known=True,
                candidates_exist=True,
                competing_agencies=1,
                feedback_turnaround_hours=36.5,
                opened_at=dt.datetime(2025, 3, 1, 8, 15),
                notes="Client said:\n- start ASAP\n- no relocation",
            )
        )
        store.add_requisition(
            Requisition(
                title='=HYPERLINK("http://evil.example","click")',
                client="+Globex",
                sales_owner_id=sam.id,
                fee_pct=0.5,
                location="@home",
                notes="-5 candidates declined",
                status_reason="'=already quoted",
                opened_at=dt.datetime(2025, 2, 1),
            )
        )
        store.add_requisition(
            Requisition(
                external_id="BH-3",
                title="Buyer",
                client="Hooli",
                sales_owner_id=sam.id,
                status=RequisitionStatus.LOST,
                status_reason="Client filled it internally",
                opened_at=dt.datetime(2025, 1, 5),
                closed_at=dt.datetime(2025, 2, 20, 17, 0),
            )
        )
        store.set_derived([(82, "A", 30, 1), (40, "C", 45, 2)])
    return path


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_export_has_the_projects_own_headers_and_the_grades(team_db):
    out = io.StringIO()
    with Store(team_db, now=lambda: NOW) as store:
        count = write_requisitions(store, out)

    rows = read_csv(out.getvalue())
    assert count == 3 and len(rows) == 3
    first = rows[0]
    assert first["Code"] == "REQ-0001" and first["External ID"] == "BH-1"
    assert (first["Grade"], first["Score"]) == ("A", "82")
    assert rows[2]["Grade"] == "" and rows[2]["Score"] == ""  # not graded yet: blank, not "None"
    assert first["Sales Owner"] == "Sam Seller" and first["Recruiter"] == "Rita Recruiter"
    assert first["Fee %"] == "22.5%" and rows[1]["Fee %"] == "0.5%"
    assert first["Salary Min"] == "95000" and first["Remote"] == "yes"
    assert first["Date Added"] == "2025-03-01 08:15:00" and first["Promised Date"] == "2025-06-01"


def test_formula_like_cells_are_neutralised_for_spreadsheets(team_db):
    out = io.StringIO()
    with Store(team_db, now=lambda: NOW) as store:
        write_requisitions(store, out)

    risky = read_csv(out.getvalue())[1]
    assert risky["Title"] == '\'=HYPERLINK("http://evil.example","click")'
    assert risky["Client"] == "'+Globex"
    assert risky["Location"] == "'@home"
    assert risky["Notes"] == "'-5 candidates declined"
    assert risky["Status Reason"] == "''=already quoted"


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20", "'+44 20"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=x", "''=x"),
        ("plain", "plain"),
        ("it's", "it's"),
        ("", ""),
    ],
)
def test_neutralise_prefixes_only_what_a_spreadsheet_would_run(cell, safe):
    assert neutralise(cell) == safe


def test_export_then_import_into_an_empty_database_gives_the_same_requisitions(team_db, tmp_path):
    exported = tmp_path / "queue.csv"
    with Store(team_db, now=lambda: NOW) as source:
        export_requisitions(source, exported)
        originals = list(source.iter_requisitions())
        names = source.people_by_id()

    with Store(tmp_path / "empty.db", now=lambda: NOW) as target:
        report = import_requisitions(target, exported, create_people=True)
        assert report.ok, report.lines()
        copies = list(target.iter_requisitions())
        copy_names = target.people_by_id()

    assert len(copies) == len(originals) == 3
    for original, copy in zip(originals, copies, strict=False):
        assert copy.model_dump(exclude=NOT_COMPARED) == original.model_dump(exclude=NOT_COMPARED)
        assert copy_names[copy.sales_owner_id].name == names[original.sales_owner_id].name
        assert (copy.recruiter_id is None) == (original.recruiter_id is None)
    assert {p.name: p.team for p in copy_names.values()} == {
        "Sam Seller": Team.SALES,
        "Rita Recruiter": Team.RECRUITING,
    }


def test_re_importing_an_export_into_the_same_database_changes_nothing(team_db, tmp_path):
    exported = tmp_path / "queue.csv"
    with Store(team_db, now=lambda: NOW) as store:
        export_requisitions(store, exported)

        report = import_requisitions(store, exported, create_people=True)

        assert report.ok, report.lines()
        assert (report.created, report.updated, report.unchanged) == (0, 0, 3)


def test_the_json_export_is_typed_and_includes_grades(team_db):
    out = io.StringIO()
    with Store(team_db, now=lambda: NOW) as store:
        write_requisitions(store, out, "json")

    records = json.loads(out.getvalue())
    assert [r["code"] for r in records] == ["REQ-0001", "REQ-0002", "REQ-0003"]
    first = records[0]
    assert first["grade"] == "A" and first["score"] == 82
    assert first["fee_pct"] == 22.5 and first["remote"] is True and first["recruiter"] == "Rita Recruiter"
    assert first["opened_at"] == "2025-03-01T08:15:00" and first["promised_date"] == "2025-06-01"
    assert records[1]["title"].startswith("=HYPERLINK")  # JSON is data, not a spreadsheet: kept as typed


def test_an_empty_queue_exports_a_header_or_an_empty_list(tmp_path):
    with Store(tmp_path / "empty.db") as store:
        as_csv, as_json = io.StringIO(), io.StringIO()
        write_requisitions(store, as_csv)
        write_requisitions(store, as_json, "json")
    assert as_csv.getvalue().startswith("Code,External ID,Title,Client,Sales Owner")
    assert json.loads(as_json.getvalue()) == []


def test_exported_files_are_readable_by_the_owner_only_even_when_replacing_one(team_db, tmp_path):
    target = tmp_path / "queue.csv"
    target.write_text("old")
    os.chmod(target, 0o644)
    with Store(team_db, now=lambda: NOW) as store:
        export_requisitions(store, target, force=True)

    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_bytes().startswith(b"\xef\xbb\xbfCode,")  # a BOM so Excel reads UTF-8
    assert not list(tmp_path.glob(".*.part"))


def test_exporting_into_a_missing_folder_or_onto_a_folder_is_refused(team_db, tmp_path):
    with Store(team_db, now=lambda: NOW) as store:
        with pytest.raises(ExportError, match="does not exist"):
            export_requisitions(store, tmp_path / "nowhere" / "queue.csv")
        with pytest.raises(ExportError, match="is a folder"):
            export_requisitions(store, tmp_path)


def test_the_cli_exports_csv_to_standard_output(team_db):
    result = mediate("export", "requisitions", "--db", str(team_db))

    assert result.returncode == 0, result.stderr
    assert [row["Code"] for row in read_csv(result.stdout)] == ["REQ-0001", "REQ-0002", "REQ-0003"]


def test_the_cli_writes_json_to_a_private_file(team_db, tmp_path):
    target = tmp_path / "queue.json"

    result = mediate("export", "requisitions", "--format", "json", "-o", str(target), "--db", str(team_db))

    assert result.returncode == 0, result.stderr
    assert "3 requisitions written to" in result.stderr
    assert len(json.loads(target.read_text())) == 3
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_the_cli_exits_2_without_a_traceback_for_a_folder_or_a_missing_database(team_db, tmp_path):
    onto_folder = mediate("export", "requisitions", "-o", str(tmp_path), "--db", str(team_db))
    no_database = mediate("export", "requisitions", "--db", str(tmp_path / "missing.db"))

    assert onto_folder.returncode == 2 and "is a folder" in onto_folder.stderr
    assert no_database.returncode == 2 and "does not exist" in no_database.stderr
    assert "Traceback" not in onto_folder.stderr + no_database.stderr
    assert not (tmp_path / "missing.db").exists()
