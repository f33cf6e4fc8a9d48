"""The ATS presets: an export from Bullhorn, OpenCATS, Greenhouse or Lever imports untouched, field by field."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from mediation_console.db.csv_import import (
    ImportMapping,
    ImportReport,
    MappingError,
    import_requisitions,
    preview_requisitions,
)
from mediation_console.db.models import Engagement, Person, RequisitionStatus, Team
from mediation_console.db.presets import preset_names
from mediation_console.db.store import Store
from tests.helpers import mediate

NOW = dt.datetime(2025, 4, 10, 9, 0)
ATS = Path(__file__).resolve().parent.parent / "fixtures" / "csv" / "ats"


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "team.db", now=lambda: NOW) as s:
        s.add_person(Person(name="Sam Seller", team=Team.SALES))
        yield s


def by_external_id(store: Store) -> dict:
    return {req.external_id: req for req in store.iter_requisitions()}


def imported_whole(store: Store, export: str, preset: str) -> tuple[ImportReport, dict]:
    """Imports an ATS export, which every row of lands, read by `preset`: the report, and the requisitions by
    external id."""
    report = import_requisitions(store, ATS / export, create_people=True)
    assert report.ok and report.rejected_rows == 0, report.lines()
    assert report.preset == preset
    return report, by_external_id(store)


def name_of(store: Store, person_id: int | None) -> str | None:
    return None if person_id is None else store.get_person(person_id).name


def team_of(store: Store, person_id: int) -> Team:
    return store.get_person(person_id).team


def test_the_four_presets_ship_with_the_package():
    assert preset_names() == ("bullhorn", "greenhouse", "lever", "opencats")
    for name in preset_names():
        preset = ImportMapping.preset_named(name)
        assert preset.label and len(preset.detect) >= 5


# -- Bullhorn ----------------------------------------------------------------------------------------------


def test_a_bullhorn_joborder_export_lands_field_by_field(store):
    _report, reqs = imported_whole(store, "bullhorn_joborders.csv", "bullhorn")
    java = reqs["5201"]
    assert (java.title, java.client) == ("Senior Java Developer", "Acme Tools")
    assert name_of(store, java.sales_owner_id) == "Sam Seller"  # the existing person, reused
    assert name_of(store, java.recruiter_id) == "Rita Recruiter"  # assignedUsers
    assert team_of(store, java.recruiter_id) == Team.RECRUITING
    assert java.status == RequisitionStatus.SOURCING
    assert java.openings == 2 and java.fee_pct == 20
    assert (java.salary_min, java.salary_max) == (125_000, 125_000)  # Per Year
    assert java.location == "Austin, TX"  # address.city + address.state
    assert java.remote is True  # onSite = Hybrid
    assert java.opened_at == dt.datetime(2025, 3, 3, 12, 0)  # dateAdded in epoch milliseconds
    assert java.promised_date == dt.date(2025, 5, 1)  # startDate
    assert java.engagement == Engagement.CONTINGENT

    welder = reqs["5202"]
    # salaryUnit = Per Hour: $48 an hour is 48 x 2080 a year, never a $48 salary.
    assert (welder.salary_min, welder.salary_max) == (99_840, 99_840)
    assert name_of(store, welder.recruiter_id) == "Rita Recruiter"  # the first of "Rita Recruiter; Tom Talent"
    assert welder.remote is False  # On-Site
    assert welder.status == RequisitionStatus.INTERVIEWING
    assert (reqs["5203"].salary_max, reqs["5203"].remote) == (91_000, True)  # 350 Per Day x 260; Remote
    assert (reqs["5204"].salary_max, reqs["5204"].remote) == (48_000, True)  # 4000 Per Month x 12; Off-Site
    assert reqs["5204"].recruiter_id is None

    placed = reqs["5205"]
    assert placed.status == RequisitionStatus.FILLED
    assert placed.closed_at == dt.datetime(2025, 3, 1, 12, 0)  # dateClosed
    assert placed.status_reason == "Candidate placed"  # reasonClosed
    lost = reqs["5206"]
    assert lost.status == RequisitionStatus.LOST and lost.status_reason == "Client hired internally"
    assert lost.salary_min is None  # Bullhorn's 0 is a salary nobody entered
    assert reqs["5207"].status == RequisitionStatus.LOST  # "Filled by Client": filled elsewhere
    assert name_of(store, reqs["5207"].sales_owner_id) == "Priya Partner"
    assert team_of(store, reqs["5207"].sales_owner_id) == Team.SALES


def test_the_bullhorn_report_names_the_preset_it_chose_and_the_rates_it_converted(store):
    report = import_requisitions(store, ATS / "bullhorn_joborders.csv", dry_run=True, create_people=True)

    lines = report.lines()
    assert lines[1].startswith(
        "Read as a Bullhorn export (preset bullhorn, detected from its headers clientCorporation"
    )
    assert (
        "Rates converted to annual salaries on 3 rows (hour × 2080, day × 260, week × 52, month × 12): "
        "row 3: 48 per hour (salaryUnit) → 99,840 a year; row 4: 350 per day (salaryUnit) → 91,000 a year; "
        "row 5: 4000 per month (salaryUnit) → 48,000 a year"
    ) in lines
    columns = next(line for line in lines if line.startswith("Columns read: "))
    for became in (
        "assignedUsers → Recruiter",
        "address.city + address.state → Location",
        "onSite → Remote",
        "startDate → Promised Date",
        "reasonClosed → Status Reason",
        "salaryUnit",
    ):
        assert became in columns
    assert "payRate (a contractor's pay rate, not the role's salary)" in next(
        line for line in lines if line.startswith("Columns ignored: ")
    )
    assert store.counts()["requisitions"] == 0


# -- OpenCATS ----------------------------------------------------------------------------------------------


def test_an_opencats_joborders_export_lands_field_by_field(store):
    report, reqs = imported_whole(store, "opencats_joborders.csv", "opencats")
    supervisor = reqs["601"]
    assert (supervisor.title, supervisor.client) == ("Warehouse Supervisor", "Stark Logistics")
    assert name_of(store, supervisor.sales_owner_id) == "Olga Owner"
    assert team_of(store, supervisor.sales_owner_id) == Team.SALES
    assert name_of(store, supervisor.recruiter_id) == "Rita Recruiter"
    assert supervisor.location == "Newark, NJ"
    assert (supervisor.salary_min, supervisor.salary_max) == (65_000, 65_000)
    assert supervisor.openings == 2
    assert supervisor.notes == "Night shift; forklift licence a plus"  # Misc Notes
    assert supervisor.opened_at == dt.datetime(2025, 3, 1)  # 03-01-25
    # Type H, C, C2H and FL are all contingent searches.
    assert {req.engagement for req in reqs.values()} == {Engagement.CONTINGENT}
    assert reqs["602"].salary_max == 58_240  # "$28/hr" x 2080, not a $28 salary
    assert reqs["602"].status == RequisitionStatus.INTAKE  # Upcoming
    assert reqs["603"].status == RequisitionStatus.ON_HOLD and reqs["603"].notes == "Budget frozen until Q3"
    assert reqs["604"].salary_max == 114_400
    assert [reqs[k].status for k in ("605", "606", "607")] == [
        RequisitionStatus.FILLED,
        RequisitionStatus.FILLED,
        RequisitionStatus.LOST,
    ]
    ignored = dict(report.ignored_columns)
    assert ignored["Max Rate"] == "the contract rate OpenCATS keeps beside the salary"
    assert ("Type", "employment_type") in report.columns


# -- Greenhouse --------------------------------------------------------------------------------------------


def test_a_greenhouse_export_needs_its_client_and_says_how_to_give_it(store):
    report = import_requisitions(store, ATS / "greenhouse_jobs.csv", dry_run=True, create_people=True)

    assert not report.ok and report.preset == "greenhouse"
    assert str(report.problems[0]) == (
        "row 2, Client: missing client (a Greenhouse export is one client's jobs and has no client column: "
        "name the client with --client NAME)"
    )


def test_a_greenhouse_export_lands_field_by_field_with_its_client_given(store):
    defaults = {"client": "Hooli", "sales_owner": "Sam Seller"}
    dry = import_requisitions(store, ATS / "greenhouse_jobs.csv", dry_run=True, defaults=defaults, create_people=True)
    assert "Filled: Client = 'Hooli' (--client)" in dry.lines()
    assert "Filled: Sales Owner = 'Sam Seller' (--sales-owner)" in dry.lines()

    report = import_requisitions(store, ATS / "greenhouse_jobs.csv", defaults=defaults, create_people=True)

    assert report.ok and report.rejected_rows == 0, report.lines()
    reqs = by_external_id(store)
    engineer = reqs["4012345"]  # Job ID, not the client's Requisition ID
    assert (engineer.title, engineer.client) == ("Staff Data Engineer", "Hooli")
    assert name_of(store, engineer.sales_owner_id) == "Sam Seller"
    assert name_of(store, engineer.recruiter_id) == "Rita Recruiter"  # first of "Rita Recruiter, Tom Talent"
    assert (engineer.salary_min, engineer.salary_max) == (180_000, 210_000)
    assert engineer.location == "San Francisco" and engineer.openings == 2
    assert engineer.status == RequisitionStatus.SOURCING and engineer.opened_at == dt.datetime(2025, 3, 3)
    assert reqs["4012347"].status == RequisitionStatus.INTAKE  # Draft
    closed = reqs["4012348"]
    assert closed.status == RequisitionStatus.FILLED and closed.closed_at == dt.datetime(2025, 2, 28)
    assert closed.status_reason == "Hire - New Headcount"
    assert reqs["4012349"].salary_max == 83_200  # "$40/hr"
    assert {name_of(store, r.sales_owner_id) for r in reqs.values()} == {"Sam Seller"}
    assert "Hiring Managers" in dict(report.ignored_columns)


# -- Lever -------------------------------------------------------------------------------------------------


def test_a_lever_postings_export_lands_field_by_field_with_its_client_given(store):
    report = import_requisitions(
        store,
        ATS / "lever_postings.csv",
        defaults={"client": "Globex", "sales_owner": "Priya Partner"},
        create_people=True,
    )

    assert report.ok and report.rejected_rows == 0, report.lines()
    assert report.preset == "lever"
    reqs = by_external_id(store)
    backend = reqs["5f1b2c3d-0001-4e5f-8a9b-000000000001"]
    assert (backend.title, backend.client) == ("Senior Backend Engineer", "Globex")
    assert name_of(store, backend.sales_owner_id) == "Priya Partner"
    assert team_of(store, backend.sales_owner_id) == Team.SALES
    assert name_of(store, backend.recruiter_id) == "Rita Recruiter"  # the posting owner
    assert team_of(store, backend.recruiter_id) == Team.RECRUITING
    assert (backend.salary_min, backend.salary_max) == (90_000, 110_000)  # per-year-salary
    assert backend.location == "Berlin" and backend.remote is True  # hybrid
    assert backend.opened_at == dt.datetime(2025, 3, 3, 12, 0)  # createdAt in epoch milliseconds
    assert backend.status == RequisitionStatus.SOURCING  # published
    analyst = reqs["5f1b2c3d-0001-4e5f-8a9b-000000000002"]
    assert (analyst.salary_min, analyst.salary_max) == (117_000, 143_000)  # per-day-wage x 260
    assert analyst.status == RequisitionStatus.SOURCING  # internal
    coordinator = reqs["5f1b2c3d-0001-4e5f-8a9b-000000000003"]
    assert coordinator.status == RequisitionStatus.INTAKE and coordinator.remote is False  # draft, onsite
    assert reqs["5f1b2c3d-0001-4e5f-8a9b-000000000004"].status == RequisitionStatus.FILLED  # closed
    tester = reqs["5f1b2c3d-0001-4e5f-8a9b-000000000005"]
    assert (tester.salary_min, tester.salary_max) == (72_800, 83_200)  # per-hour-wage x 2080
    assert tester.status == RequisitionStatus.INTAKE  # pending approval


# -- choosing a preset -------------------------------------------------------------------------------------


def test_a_file_like_no_ats_is_read_without_a_preset(store):
    report = import_requisitions(store, ATS.parent / "clean.csv", dry_run=True, create_people=True)

    assert report.preset is None
    assert not any(line.startswith("Read as") for line in report.lines())


def test_a_preset_chosen_by_name_wins_over_detection_and_says_so(store, tmp_path):
    # A Bullhorn list export with display labels, read by the preset asked for (detection is not asked).
    path = tmp_path / "joborders.csv"
    path.write_text("Job Id,Title,Client Corporation,Owner,Salary,salaryUnit\n77,Welder,Acme,Sam Seller,40,Per Hour\n")

    report = import_requisitions(store, path, preset="bullhorn", create_people=True)

    assert report.ok, report.lines()
    assert "Read as a Bullhorn export (preset bullhorn, chosen with --preset" in report.lines()[1]
    assert by_external_id(store)["77"].salary_max == 83_200


def test_an_ats_is_named_by_its_headers_in_any_case_and_spacing_but_not_by_the_consoles_own():
    bullhorn = ImportMapping.preset_named("bullhorn")
    assert bullhorn.detect_score(["Client Corporation", "NUM OPENINGS", "assigned_users", "Title"]) == [
        "Client Corporation",
        "NUM OPENINGS",
        "assigned_users",
    ]
    # "Date Added" and "Employment Type" are the console's own export headers: only Bullhorn's spelling counts.
    assert bullhorn.detect_score(["Date Added", "Employment Type", "Date Closed"]) == []
    assert bullhorn.detect_score(["dateAdded", "employmentType"]) == ["dateAdded", "employmentType"]


def test_a_preset_chosen_for_another_ats_export_says_which_preset_fits(store):
    report = import_requisitions(store, ATS / "lever_postings.csv", preset="bullhorn", dry_run=True)

    assert (
        "note: this does not look like a Bullhorn export: it has none of Bullhorn's own headers "
        "(clientCorporation, clientCorporation.name, numOpenings, …); its headers categories.team, "
        "categories.department, categories.location are Lever's (the lever preset)"
    ) in report.lines()
    fitting = import_requisitions(store, ATS / "lever_postings.csv", preset="lever", dry_run=True)
    assert not any("does not look like" in line for line in fitting.lines())


def test_a_preview_reads_the_first_rows_as_the_import_would_and_writes_nothing(store):
    before = store.counts()

    preview = preview_requisitions(store, ATS / "bullhorn_joborders.csv", create_people=True, rows=3)

    assert preview.report.preset == "bullhorn" and preview.fit == "" and preview.missing == {}
    assert preview.more and [row.row for row in preview.rows] == [2, 3, 4]
    java, welder = preview.rows[0], preview.rows[1]
    assert java.new and java.requisition is not None and java.requisition.client == "Acme Tools"
    assert (java.sales_owner, java.recruiter) == ("Sam Seller", "Rita Recruiter")
    assert welder.requisition is not None and welder.requisition.salary_max == 99_840  # $48 per hour
    assert store.counts() == before

    greenhouse = preview_requisitions(store, ATS / "greenhouse_jobs.csv", create_people=True)
    assert greenhouse.missing == {
        "client": "a Greenhouse export is one client's jobs and has no client column",
        "sales_owner": "a Greenhouse export has no sales owner column",
    }
    assert not greenhouse.more and all(row.requisition is None for row in greenhouse.rows)
    given = preview_requisitions(
        store,
        ATS / "greenhouse_jobs.csv",
        create_people=True,
        defaults={"client": "Hooli", "sales_owner": "Sam Seller"},
    )
    assert given.missing == {} and all(row.requisition is not None for row in given.rows)
    assert store.counts() == before


def test_a_mapping_file_layers_over_the_detected_preset(store, tmp_path):
    mapping = tmp_path / "ours.toml"
    mapping.write_text('[statuses]\n"Covered" = "interviewing"\n[defaults]\nrecruiter = "Rita Recruiter"\n')

    report = import_requisitions(
        store, ATS / "bullhorn_joborders.csv", mapping=ImportMapping.load(mapping), create_people=True
    )

    assert report.ok and report.preset == "bullhorn", report.lines()
    reqs = by_external_id(store)
    assert reqs["5203"].status == RequisitionStatus.INTERVIEWING
    assert name_of(store, reqs["5204"].recruiter_id) == "Rita Recruiter"  # its blank assignedUsers filled


def test_an_unknown_preset_or_a_bad_defaults_section_is_refused_in_words(store, tmp_path):
    with pytest.raises(MappingError, match="no preset 'workday' \\(the presets are bullhorn, greenhouse"):
        import_requisitions(store, ATS / "lever_postings.csv", preset="workday", create_people=True)
    with pytest.raises(MappingError, match=r"\[defaults\] code is not a field a default can fill"):
        ImportMapping.from_dict({"defaults": {"code": "REQ-1"}})


def test_an_unknown_header_close_to_a_known_one_gets_a_did_you_mean(store, tmp_path):
    path = tmp_path / "typo.csv"
    path.write_text("Title,Client,Owner,Salry Max\nWelder,Acme,Sam Seller,90000\n")

    report = import_requisitions(store, path, dry_run=True, create_people=True)

    assert ("Salry Max", "did you mean Salary Max?") in report.ignored_columns


def test_a_date_before_1900_or_after_2100_is_a_rejected_row(store, tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text(
        "Title,Client,Owner,Date Added\nWelder,Acme,Sam Seller,1850-01-01\nFitter,Acme,Sam Seller,2150-01-01\n"
    )

    report = import_requisitions(store, path, create_people=True)

    assert [str(p) for p in report.problems] == [
        'row 2, Date Added: "1850-01-01" is a date before 1900 or after 2100',
        'row 3, Date Added: "2150-01-01" is a date before 1900 or after 2100',
    ]


def test_the_command_line_takes_a_preset_and_the_missing_client(tmp_path):
    db = tmp_path / "team.db"

    def import_cli(*args: str) -> subprocess.CompletedProcess[str]:
        return mediate("import", "requisitions", "--create-people", "--db", str(db), *args)

    refused = import_cli(str(ATS / "lever_postings.csv"), "--preset", "lever")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "name the client with --client NAME" in refused.stderr

    done = import_cli(str(ATS / "lever_postings.csv"), "--client", "Globex", "--sales-owner", "Priya Partner")
    assert done.returncode == 0, done.stderr
    assert "Imported lever_postings.csv: 5 rows — 5 created" in done.stdout
    assert "Read as a Lever export (preset lever, detected from its headers" in done.stdout

    unknown = import_cli(str(ATS / "lever_postings.csv"), "--preset", "workday")
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
    assert "bullhorn" in unknown.stderr
