"""Importing requisitions from an ATS or spreadsheet CSV: every row or none, with a report a lead can act on."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from mediation_console.db.csv_import import (
    ImportFileError,
    ImportMapping,
    MappingError,
    import_requisitions,
    parse_amount,
    parse_date,
    parse_datetime,
    parse_percent,
    parse_salary,
)
from mediation_console.db.models import Engagement, EventKind, Person, RequisitionStatus, Team
from mediation_console.db.store import Store
from tests.helpers import mediate

NOW = dt.datetime(2025, 4, 10, 9, 0)
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "csv"


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "team.db", now=lambda: NOW) as s:
        # One person the team already has: the import must reuse, not duplicate, them.
        s.add_person(Person(name="Sam Seller", team=Team.SALES))
        yield s


def by_external_id(store: Store) -> dict[str, object]:
    return {req.external_id: req for req in store.iter_requisitions()}


def person(store: Store, person_id: int | None) -> Person | None:
    return None if person_id is None else store.get_person(person_id)


def import_events(store: Store) -> list[tuple]:
    return store.conn.execute("SELECT entity, action FROM events WHERE action = 'import'").fetchall()


# -- a clean file ---------------------------------------------------------------------------------------


def test_a_clean_spreadsheet_lands_field_by_field(store):
    report = import_requisitions(store, FIXTURES / "clean.csv", create_people=True)

    assert report.ok and report.written
    assert (report.rows, report.created, report.updated) == (4, 4, 0)
    reqs = by_external_id(store)
    controller = reqs["R-100"]
    assert controller.code == "REQ-0001"
    assert controller.title == "Senior Controller"
    assert controller.client == "Initech"
    assert person(store, controller.sales_owner_id).name == "Sam Seller"
    assert person(store, controller.recruiter_id).name == "Rita Recruiter"
    assert controller.openings == 2
    assert (controller.salary_min, controller.salary_max, controller.market_salary) == (95_000, 110_000, 120_000)
    assert controller.fee_pct == 20
    assert controller.status == RequisitionStatus.SOURCING  # Bullhorn's "Accepting Candidates"
    assert controller.opened_at == dt.datetime(2025, 3, 14)  # US date
    assert controller.promised_date == dt.date(2025, 5, 1)  # ISO date
    assert controller.engagement == Engagement.CONTINGENT  # "Permanent"
    assert controller.location == "Austin, TX"
    assert controller.remote is False
    assert controller.notes == "Hiring manager is Bill L."
    assert controller.closed_at is None

    engineer = reqs["R-101"]
    assert engineer.fee_pct == 25  # "0.25" is a fraction
    assert engineer.status == RequisitionStatus.INTERVIEWING
    assert engineer.engagement == Engagement.EXCLUSIVE
    assert engineer.promised_date == dt.date(2025, 6, 30)
    assert engineer.remote is True and engineer.market_salary is None

    payroll = reqs["R-102"]
    assert payroll.recruiter_id is None
    assert payroll.fee_pct == 18
    assert payroll.engagement == Engagement.RETAINED
    assert payroll.notes == "Two sites:\nnorth and south"
    assert (payroll.salary_min, payroll.salary_max) == (None, None)

    nurse = reqs["R-103"]
    assert nurse.status == RequisitionStatus.ON_HOLD
    assert nurse.fee_pct == 22.5
    assert nurse.opened_at == dt.datetime(2025, 1, 5)


def test_a_first_import_creating_people_puts_them_in_the_right_team_and_reuses_known_people(store):
    report = import_requisitions(store, FIXTURES / "clean.csv", create_people=True)

    teams = {p.name: p.team for p in store.list_people()}
    assert teams == {
        "Sam Seller": Team.SALES,
        "Rita Recruiter": Team.RECRUITING,
        "Ravi Recruiter": Team.RECRUITING,
        "Dana Dealer": Team.SALES,
    }
    assert [name for name, _team in report.people_created] == ["Rita Recruiter", "Ravi Recruiter", "Dana Dealer"]


def test_an_import_is_audited_like_any_other_change(store):
    people_sql = "SELECT COUNT(*) FROM events WHERE entity = 'person' AND action = 'create'"
    people_before = store.conn.execute(people_sql).fetchone()[0]

    import_requisitions(store, FIXTURES / "clean.csv", create_people=True)

    audited = store.timeline("requisition", by_external_id(store)["R-100"].id)
    assert [e.action for e in audited] == ["import"]
    assert audited[0].after["title"] == "Senior Controller" and audited[0].actor == "lead"
    assert store.conn.execute(people_sql).fetchone()[0] - people_before == 3
    summary = store.conn.execute("SELECT after FROM events WHERE entity = 'import'").fetchone()
    assert '"created": 4' in summary[0] and "clean.csv" in summary[0]


def test_the_report_names_the_columns_read_and_those_ignored(store):
    report = import_requisitions(store, FIXTURES / "bullhorn.csv", create_people=True)

    assert ("clientCorporation", "client") in report.columns
    assert ("feeArrangement", "fee_pct") in report.columns
    assert [header for header, _why in report.ignored_columns] == ["isOpen", "source"]
    assert "Columns ignored: isOpen (the status says it), source" in report.lines()


# -- other ATS exports ----------------------------------------------------------------------------------


def test_a_bullhorn_export_maps_its_statuses_fees_and_salaries(store):
    report = import_requisitions(store, FIXTURES / "bullhorn.csv", create_people=True)

    assert report.ok and report.created == 7
    reqs = by_external_id(store)
    statuses = {ext: req.status.value for ext, req in reqs.items()}
    assert statuses == {
        "4101": "sourcing",
        "4102": "interviewing",
        "4103": "submitted",
        "4104": "offer",
        "4105": "filled",
        "4106": "filled",
        "4107": "lost",
    }
    assert (reqs["4101"].salary_min, reqs["4101"].salary_max) == (95_000, 110_000)  # "$95,000 - $110,000"
    assert (reqs["4102"].salary_min, reqs["4102"].salary_max) == (120_000, 120_000)  # "120k" alone
    assert (reqs["4107"].salary_min, reqs["4107"].salary_max) == (95_000, 115_000)  # "95k-115k"
    assert reqs["4105"].salary_max == 150_000  # "150,000"
    assert [reqs[k].fee_pct for k in ("4101", "4102", "4103")] == [20, 25, 18]  # feeArrangement fractions
    assert reqs["4101"].openings == 2 and reqs["4101"].engagement == Engagement.CONTINGENT
    # Arriving closed without a close date: none is invented, so time-to-fill is not distorted.
    assert reqs["4105"].closed_at is None


def test_an_opencats_export_maps_its_statuses_and_ignores_its_other_columns(store):
    report = import_requisitions(store, FIXTURES / "opencats.csv", create_people=True)

    assert report.ok, report.lines()
    reqs = by_external_id(store)
    statuses = {ext: req.status.value for ext, req in reqs.items()}
    assert statuses == {
        "501": "sourcing",
        "502": "intake",
        "503": "intake",
        "504": "on_hold",
        "505": "filled",
        "506": "filled",
        "507": "lost",
    }
    assert reqs["501"].opened_at == dt.datetime(2025, 3, 1)  # OpenCATS's MM-DD-YY
    assert reqs["501"].location == "Newark, NJ"  # City and State read together
    assert reqs["503"].salary_max == 120_000
    assert person(store, reqs["501"].sales_owner_id).team == Team.SALES
    assert person(store, reqs["501"].recruiter_id).team == Team.RECRUITING
    ignored = [header for header, _why in report.ignored_columns]
    assert "Max Rate" in ignored and "Pipeline" in ignored and "Modified" in ignored


# -- rejected rows --------------------------------------------------------------------------------------


def test_every_kind_of_bad_row_is_reported_and_nothing_is_written(store):
    counts_before = store.counts()

    report = import_requisitions(store, FIXTURES / "bad_rows.csv", create_people=True)

    assert not report.ok and not report.written
    assert [str(p) for p in report.problems] == [
        'row 3, Date Added: "13/45/2025" is not a date (US dates are MM/DD/YYYY)',
        "row 4, # of Openings: negative openings (-2)",
        "row 5, Salary Min: salary min 120,000 is above salary max 90,000",
        'row 6, Job ID: duplicate id "B-1" in the file (first on row 2)',
        'row 7, Status: unknown status "Pending Approval" (add it under [statuses] in a mapping file, '
        'e.g. "Pending Approval" = "sourcing")',
        'row 8, Fee %: "twenty" is not a number (write the fee like 20% or 0.2)',
        "row 9, Job Title: missing title",
        "row 10, Company: missing client",
        "row 11, Owner: missing sales owner",
    ]
    assert report.summary() == "bad_rows.csv: 9 rows rejected (9 problems); nothing was imported."
    assert store.counts() == counts_before  # no requisition, no person, no audit entry


def test_infinite_and_overflowing_numbers_are_rejected_rows_not_an_aborted_import(store, tmp_path):
    # int(float("inf")) raised OverflowError and aborted the whole import with exit 2.
    path = tmp_path / "overflow.csv"
    huge = "9" * 30
    path.write_text(
        "Title,Client,Owner,Openings,Interview Stages,Must-Haves,Salary\n"
        "A,Initech,Sam Seller,inf,2,3,100000\n"
        "B,Initech,Sam Seller,1,1e400,3,100000\n"
        "C,Initech,Sam Seller,1,2,nan,100000\n"
        "D,Initech,Sam Seller,1,2,-Infinity,100000\n"
        f"E,Initech,Sam Seller,1,2,3,{huge}\n"
        "F,Initech,Sam Seller,1,2,3,90000\n"
    )

    report = import_requisitions(store, path, create_people=True)

    problems = [str(p) for p in report.problems]
    assert problems[:4] == [
        'row 2, Openings: "inf" is not a whole number of openings',
        'row 3, Interview Stages: "1e400" is not a whole number of interview stages',
        'row 4, Must-Haves: "nan" is not a whole number of must-haves',
        'row 5, Must-Haves: "-Infinity" is not a whole number of must-haves',
    ]
    assert any(p.startswith("row 6, Salary") for p in problems)
    assert not any(p.startswith("row 7") for p in problems)  # the good row is fine, held back with the rest
    assert store.counts()["requisitions"] == 0


def test_a_single_bad_row_holds_back_the_good_ones(store, tmp_path):
    path = tmp_path / "one_bad.csv"
    path.write_text(
        "Job ID,Title,Client,Owner,Openings\n1,Controller,Initech,Sam Seller,1\n2,Buyer,Globex,Sam Seller,0\n"
    )

    report = import_requisitions(store, path, create_people=True)

    assert [str(p) for p in report.problems] == ["row 3, Openings: a requisition has at least 1 opening"]
    assert store.counts()["requisitions"] == 0


NO_TITLE = (
    "row 2, Title: missing title (the file has no Title column, and this row is not a requisition "
    "the console already has)"
)
TOO_SMALL = (
    'row 2, Salary: "48" is too small for an annual salary; if it is a rate, give its unit '
    "(a salary unit column such as Bullhorn's salaryUnit, or write 48/hr)"
)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Job ID,Client,Owner\n1,Initech,Sam Seller\n", NO_TITLE),
        ("Title,Client,Owner,Salary\nWelder,Acme,Sam Seller,48\n", TOO_SMALL),
        ("", "row 1: the file is empty (expected a header row and requisitions)"),
    ],
    ids=[
        "a file without a title column cannot create requisitions",
        "a salary too small to be annual and without a unit is refused",
        "an empty file is rejected",
    ],
)
def test_a_file_the_import_refuses_has_the_one_problem_named(store, tmp_path, text, problem):
    path = tmp_path / "refused.csv"
    path.write_text(text)

    report = import_requisitions(store, path, create_people=True)

    assert [str(p) for p in report.problems] == [problem]


def test_a_row_with_more_cells_than_the_header_is_refused(store, tmp_path):
    path = tmp_path / "shifted.csv"
    path.write_text("Title,Client,Owner\nController,Initech, Inc,Sam Seller\n")

    report = import_requisitions(store, path, create_people=True)

    assert "row 2: 4 cells but the header has 3" in str(report.problems[0])


def test_a_rate_with_its_unit_becomes_an_annual_salary_and_a_flat_fee_is_refused(store, tmp_path):
    # The rule: a rate whose unit is written is converted (hour x 2080, day x 260, week x 52, month x 12)
    # and listed in the report; it is never taken as annual. A flat fee is not a percentage.
    path = tmp_path / "rates.csv"
    path.write_text('Title,Client,Owner,Salary,Fee\nWelder,Acme,Sam Seller,$30/hr,"$15,000"\n')

    report = import_requisitions(store, path, create_people=True)

    assert [str(p) for p in report.problems] == [
        'row 2, Fee: "$15,000" is an amount; the fee is kept as a percentage of salary (e.g. 20%)',
    ]
    path.write_text("Title,Client,Owner,Salary\nWelder,Acme,Sam Seller,$30/hr\nFitter,Acme,Sam Seller,$400 per day\n")

    report = import_requisitions(store, path, create_people=True)

    assert report.ok, report.lines()
    salaries = {req.title: (req.salary_min, req.salary_max) for req in store.iter_requisitions()}
    assert salaries == {"Welder": (62_400, 62_400), "Fitter": (104_000, 104_000)}
    assert (
        "Rates converted to annual salaries on 2 rows (hour × 2080, day × 260, week × 52, month × 12): "
        'row 2: "$30/hr" → 62,400 a year; row 3: "$400 per day" → 104,000 a year'
    ) in report.lines()


def test_a_missing_file_or_a_folder_is_an_environment_problem(store, tmp_path):
    with pytest.raises(ImportFileError, match="does not exist"):
        import_requisitions(store, tmp_path / "nope.csv", create_people=True)
    with pytest.raises(ImportFileError, match="is a folder"):
        import_requisitions(store, tmp_path, create_people=True)


# -- encodings and line endings -------------------------------------------------------------------------


def test_a_bom_and_windows_line_endings_are_read_cleanly(store):
    raw = (FIXTURES / "bom_crlf.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # the fixture really is BOM + CRLF

    report = import_requisitions(store, FIXTURES / "bom_crlf.csv", create_people=True)

    assert report.ok and report.created == 2
    assert ("Job ID", "external_id") in report.columns  # the BOM did not stick to the first header
    req = by_external_id(store)["C-1"]
    assert req.title == "Développeur Python" and req.client == "Société Générale"
    assert person(store, req.sales_owner_id).name == "José Núñez"
    assert req.salary_max == 85_000
    assert req.notes == "Café meeting – bring CVs"


def test_a_windows_1252_file_is_read_and_the_report_says_so(store, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("Title,Client,Owner\r\nAnalyst,Caf\xe9 Rouge,Ren\xe9e Dupr\xe9\r\n".encode("cp1252"))

    report = import_requisitions(store, path, create_people=True)

    assert report.ok
    assert store.person_by_name("Renée Dupré") is not None
    assert any("Windows-1252" in line for line in report.lines())


def test_semicolon_separated_files_are_recognised(store, tmp_path):
    path = tmp_path / "semicolons.csv"
    path.write_text("Title;Client;Owner;Salary\nAnalyst;Initech;Sam Seller;120.000\n")

    report = import_requisitions(store, path, create_people=True)

    assert report.ok and report.delimiter == ";"
    assert next(store.iter_requisitions()).salary_max == 120_000  # dots as thousands separators


# -- re-imports, dry runs, mapping files ----------------------------------------------------------------


def test_re_importing_updates_by_external_id_instead_of_duplicating(store):
    import_requisitions(store, FIXTURES / "clean.csv", create_people=True)
    before = by_external_id(store)

    report = import_requisitions(store, FIXTURES / "clean_update.csv", create_people=True)

    assert report.ok
    assert (report.created, report.updated, report.unchanged, report.status_changes) == (1, 3, 1, 2)
    after = by_external_id(store)
    assert len(after) == 5
    assert after["R-100"].id == before["R-100"].id and after["R-100"].code == "REQ-0001"
    assert after["R-100"].status == RequisitionStatus.OFFER and after["R-100"].salary_max == 115_000
    assert person(store, after["R-102"].recruiter_id).name == "Ravi Recruiter"
    assert after["R-102"].status == RequisitionStatus.INTAKE  # a blank status keeps the one it had
    assert after["R-103"].status == RequisitionStatus.LOST and after["R-103"].closed_at == NOW
    assert after["R-104"].code == "REQ-0005"
    assert store.person_by_name("Nora Newseller").team == Team.SALES
    assert after["R-101"].updated_at == before["R-101"].updated_at  # untouched when nothing changed


def test_a_status_change_from_the_ats_is_logged_even_when_the_console_would_not_offer_it(store):
    import_requisitions(store, FIXTURES / "clean.csv", create_people=True)
    controller = by_external_id(store)["R-100"]

    import_requisitions(store, FIXTURES / "clean_update.csv", create_people=True)  # sourcing -> offer skips two steps

    events = store.list_pipeline_events(controller.id)
    assert [(e.kind, e.from_status, e.to_status) for e in events] == [
        (EventKind.STATUS_CHANGE, RequisitionStatus.SOURCING, RequisitionStatus.OFFER)
    ]
    assert events[0].note == "Imported from clean_update.csv"
    audited = store.timeline("requisition", controller.id)
    assert [e.action for e in audited] == ["import", "import"]
    assert audited[1].changes()["status"] == ("sourcing", "offer")


def test_re_importing_the_same_file_changes_nothing(store):
    import_requisitions(store, FIXTURES / "bullhorn.csv", create_people=True)
    imports_before = len(import_events(store))

    report = import_requisitions(store, FIXTURES / "bullhorn.csv", create_people=True)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 7)
    assert store.counts()["requisitions"] == 7
    assert len(import_events(store)) == imports_before


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(store):
    counts_before = store.counts()

    report = import_requisitions(store, FIXTURES / "clean.csv", dry_run=True, create_people=True)

    assert report.ok and not report.written
    assert report.created == 4 and len(report.people_created) == 3
    assert report.summary().startswith("Dry run, nothing was written.")
    assert store.counts() == counts_before


def test_a_mapping_file_names_other_headers_statuses_and_date_formats(store):
    mapping = ImportMapping.load(FIXTURES / "custom.toml")

    report = import_requisitions(store, FIXTURES / "custom.csv", mapping=mapping, create_people=True)

    assert report.ok, report.lines()
    reqs = by_external_id(store)
    assert reqs["P-77"].title == "Treasury Analyst" and reqs["P-77"].client == "Initech"
    assert reqs["P-77"].status == RequisitionStatus.INTAKE
    assert reqs["P-77"].opened_at == dt.datetime(2025, 3, 14)  # 14/03/2025, day first
    assert reqs["P-78"].opened_at == dt.datetime(2025, 4, 2)
    assert reqs["P-78"].status == RequisitionStatus.SOURCING
    assert person(store, reqs["P-77"].recruiter_id).name == "Rita Recruiter"
    assert report.ignored_columns == [("Cost Centre", "")]


def test_without_the_mapping_file_its_headers_are_ignored_and_day_first_dates_rejected(store):
    report = import_requisitions(store, FIXTURES / "custom.csv", create_people=True)

    assert [str(p) for p in report.problems] == ['row 2, Opened: "14/03/2025" is not a date (US dates are MM/DD/YYYY)']
    assert [h for h, _why in report.ignored_columns] == ["Posting Number", "Talent Partner", "Stage", "Cost Centre"]
    assert store.counts()["requisitions"] == 0


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[columns]\nowner = "BDM"\n', "[columns] owner is not a field"),
        ('[statuses]\n"Pending" = "waiting"\n', "'Pending' = 'waiting' is not a console status"),
        ('[engagements]\n"Search" = "maybe"\n', "is not an engagement"),
        ('[dates]\nformats = "%d/%m/%Y"\n', "formats must be a list"),
        ("[colums]\n", "unknown section [colums]"),
        ("columns = [", "not valid TOML"),
    ],
)
def test_a_broken_mapping_file_is_named_with_what_is_wrong(tmp_path, toml, message):
    path = tmp_path / "map.toml"
    path.write_text(toml)

    with pytest.raises(MappingError) as caught:
        ImportMapping.load(path)

    assert message in str(caught.value) and str(path) in str(caught.value)


def test_progress_is_reported_while_checking_and_while_writing(store):
    calls: list[tuple[int, int | None]] = []

    import_requisitions(
        store, FIXTURES / "bullhorn.csv", progress=lambda done, total: calls.append((done, total)), create_people=True
    )

    assert calls == [(7, None), (7, 7)]


# -- values as people write them ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("$120,000", 120_000),
        ("120000", 120_000),
        ("120k", 120_000),
        ("120K", 120_000),
        ("1.2M", 1_200_000),
        ("USD 95,000", 95_000),
        ("£85,000", 85_000),
        ("120.000", 120_000),
        ("95,500.50", 95_500),
        ("$110,000/yr", 110_000),
        ("'85000", 85_000),
    ],
)
def test_amounts_are_read_as_people_write_them(text, amount):
    assert parse_amount(text.lstrip("'")) == amount


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("$95,000 - $110,000", 95_000, 110_000),
        ("95-110k", 95_000, 110_000),
        ("95k to 110k", 95_000, 110_000),
        ("120k", 120_000, 120_000),
        ("$95,000–$110,000", 95_000, 110_000),
    ],
)
def test_a_single_salary_column_may_hold_a_range(text, low, high):
    assert parse_salary(text) == (low, high)


@pytest.mark.parametrize(
    ("text", "pct"), [("20%", 20), ("20", 20), ("0.2", 20), ("22.5%", 22.5), ("0.5%", 0.5), ("1", 1)]
)
def test_fees_are_percentages_and_bare_numbers_below_one_are_fractions(text, pct):
    assert parse_percent(text) == pct


@pytest.mark.parametrize("text", ["-5000", "$-5,000", "lots", "12 apples"])
def test_negative_or_wordy_amounts_are_refused(text):
    with pytest.raises(ValueError):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("2025-03-14", dt.datetime(2025, 3, 14)),
        ("03/14/2025", dt.datetime(2025, 3, 14)),
        ("3/4/25", dt.datetime(2025, 3, 4)),
        ("03/14/2025 2:30 PM", dt.datetime(2025, 3, 14, 14, 30)),
        ("2025-03-14T09:30:00Z", dt.datetime(2025, 3, 14, 9, 30)),
        ("1741944600000", dt.datetime(2025, 3, 14, 9, 30)),
    ],
)
def test_iso_us_and_epoch_dates_are_read(text, when):
    assert parse_datetime(text) == when


def test_day_first_dates_need_a_mapping_format():
    with pytest.raises(ValueError):
        parse_date("14/03/2025")
    assert parse_date("14/03/2025", ("%d/%m/%Y",)) == dt.date(2025, 3, 14)


# -- the command line -----------------------------------------------------------------------------------


def import_cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`mediate import requisitions --create-people ARGS --db DB`, in its own process."""
    return mediate("import", "requisitions", "--create-people", *args, "--db", str(db))


def requisitions_in(db: Path) -> int:
    with Store(db) as store:
        return store.counts()["requisitions"]


def test_the_cli_imports_a_clean_file_and_exits_0(tmp_path):
    db = tmp_path / "team.db"

    result = import_cli(db, str(FIXTURES / "clean.csv"))

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Imported clean.csv: 4 rows — 4 created, 0 updated, 0 unchanged")
    assert requisitions_in(db) == 4


def test_the_cli_rejects_bad_rows_with_exit_1_and_the_report(tmp_path):
    db = tmp_path / "team.db"

    result = import_cli(db, str(FIXTURES / "bad_rows.csv"))

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert 'row 7, Status: unknown status "Pending Approval"' in result.stderr
    assert "nothing was imported" in result.stderr
    assert requisitions_in(db) == 0


def test_the_cli_dry_run_exits_0_and_writes_nothing(tmp_path):
    db = tmp_path / "team.db"

    result = import_cli(db, str(FIXTURES / "clean.csv"), "--dry-run")

    assert result.returncode == 0, result.stderr
    assert "Dry run, nothing was written" in result.stdout
    assert requisitions_in(db) == 0


def test_the_cli_takes_a_mapping_file(tmp_path):
    db = tmp_path / "team.db"

    result = import_cli(db, str(FIXTURES / "custom.csv"), "--map", str(FIXTURES / "custom.toml"))

    assert result.returncode == 0, result.stderr
    assert "2 created" in result.stdout


@pytest.mark.parametrize("target", ["missing.csv", "."])
def test_the_cli_exits_2_without_a_traceback_for_a_missing_file_or_a_folder(tmp_path, target):
    result = import_cli(tmp_path / "team.db", str(tmp_path / target))

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert ("does not exist" if target != "." else "is a folder") in result.stderr


def test_the_cli_exits_2_for_a_missing_mapping_file_and_1_for_a_broken_one(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[statuses]\nOpen = 'wide open'\n")
    db = tmp_path / "team.db"

    missing = import_cli(db, str(FIXTURES / "clean.csv"), "--map", str(tmp_path / "no.toml"))
    bad = import_cli(db, str(FIXTURES / "clean.csv"), "--map", str(broken))

    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert bad.returncode == 1 and "is not a console status" in bad.stderr
    assert "Traceback" not in missing.stderr + bad.stderr


def test_the_cli_grades_what_it_imported_so_the_export_shows_current_grades(tmp_path):
    db = tmp_path / "team.db"

    result = import_cli(db, str(FIXTURES / "clean.csv"))

    assert result.returncode == 0, result.stderr
    assert "Grades recomputed for 4 requisitions." in result.stdout
    with Store(db) as store:
        graded = [(r.grade, r.score) for r in store.iter_requisitions()]
    assert len(graded) == 4 and all(grade in "ABCD" and score is not None for grade, score in graded)


# -- names nobody in the team has ------------------------------------------------------------------------


def test_an_unknown_sales_owner_rejects_the_row_with_the_name_it_was_likely_meant_to_be(store, tmp_path):
    store.add_person(Person(name="Jordan Hay", team=Team.SALES))
    store.add_person(Person(name="Rita Recruiter", team=Team.RECRUITING))
    path = tmp_path / "typo.csv"
    path.write_text(
        "Job ID,Title,Client,Sales Owner,Recruiter\n"
        "R-1,Controller,Initech,Jordon Hay,Rita Recruiter\n"
        "R-2,Analyst,Initech,Jordan Hay,Rita Recruter\n"
        "R-3,Engineer,Initech,Jordon Hay,Zed Nobody\n",
        encoding="utf-8",
    )
    report = import_requisitions(store, path)

    assert not report.ok and not report.written
    reasons = [(p.row, p.reason) for p in report.problems]
    assert (
        2,
        "unknown sales owner 'Jordon Hay' — did you mean 'Jordan Hay'? "
        "(add people first with mediate people add, or pass --create-people)",
    ) in reasons
    assert (3, "unknown recruiter 'Rita Recruter' — did you mean 'Rita Recruiter'? "
            "(add people first with mediate people add, or pass --create-people)") in reasons  # fmt: skip
    assert (
        4,
        "unknown recruiter 'Zed Nobody' (add people first with mediate people add, or pass --create-people)",
    ) in reasons
    # The report gathers the names once, with how many rows each held back.
    assert any(
        line.startswith("Not in the team: Jordon Hay (sales owner, 2 rows; did you mean Jordan Hay?)")
        for line in report.details()
    )
    assert {p.name for p in store.list_people()} == {"Sam Seller", "Jordan Hay", "Rita Recruiter"}
    assert store.counts()["requisitions"] == 0


def test_a_name_unknown_as_both_sales_owner_and_recruiter_is_one_line_counting_each_row_once(store, tmp_path):
    path = tmp_path / "nobody.csv"
    path.write_text(
        "Title,Client,Sales Owner,Recruiter\nDev,Acme,Nobody,Nobody\nOps,Acme,Nobody,Nobody\n", encoding="utf-8"
    )
    report = import_requisitions(store, path)

    assert not report.ok
    lines = [line for line in report.details() if line.startswith("Not in the team: ")]
    assert len(lines) == 1 and lines[0].startswith("Not in the team: Nobody (sales owner and recruiter, 2 rows)."), (
        lines
    )


def test_once_the_team_is_set_up_the_same_file_imports_without_creating_anyone(store):
    for name, team in (
        ("Rita Recruiter", Team.RECRUITING),
        ("Ravi Recruiter", Team.RECRUITING),
        ("Dana Dealer", Team.SALES),
    ):
        store.add_person(Person(name=name, team=team))
    report = import_requisitions(store, FIXTURES / "clean.csv")

    assert report.ok and report.written and report.created == 4
    assert report.people_created == []
    assert len(store.list_people()) == 4


def test_the_cli_rejects_an_unknown_name_with_exit_1_and_creates_people_only_when_asked(tmp_path):
    db = tmp_path / "team.db"
    with Store(db) as s:
        s.add_person(Person(name="Jordan Hay", team=Team.SALES))
    path = tmp_path / "typo.csv"
    path.write_text("Job ID,Title,Client,Sales Owner\nR-1,Controller,Initech,Jordon Hay\n", encoding="utf-8")

    refused = mediate("import", "requisitions", str(path), "--db", str(db))
    assert refused.returncode == 1, refused.stderr
    assert "Traceback" not in refused.stderr
    assert (
        "unknown sales owner 'Jordon Hay' — did you mean 'Jordan Hay'? (add people first with mediate people add, "
        "or pass --create-people)" in refused.stderr
    )
    with Store(db) as s:
        assert [p.name for p in s.list_people()] == ["Jordan Hay"]

    created = mediate("import", "requisitions", "--create-people", str(path), "--db", str(db))
    assert created.returncode == 0, created.stderr
    assert "People added: Jordon Hay (sales)" in created.stdout
