"""`mediate people add / list / import`: a team set up from the command line, typos caught, nothing half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mediation_console.db.models import Person, Team
from mediation_console.db.store import Store
from tests.unit.test_cli import assert_clean_failure, mediate


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "team.db"
    with Store(path) as store:
        store.add_person(Person(name="Jordan Hay", team=Team.SALES, team_name="Tech desk", email="jordan@example.com"))
    return path


def people(path: Path) -> dict[str, Person]:
    with Store(path) as store:
        return {p.name: p for p in store.list_people()}


def test_adding_a_recruiter_with_team_and_email_puts_them_in_the_team_with_an_audit_row(db):
    result = mediate("people", "add", "Rita Reyes", "--role", "recruiter", "--team", "Tech desk", "--email",
                     "rita@example.com", "--db", str(db))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Added Rita Reyes (recruiter, Tech desk, rita@example.com)" in result.stdout
    rita = people(db)["Rita Reyes"]
    assert (rita.team, rita.team_name, rita.email) == (Team.RECRUITING, "Tech desk", "rita@example.com")
    with Store(db) as store:
        assert [e.action for e in store.timeline("person", rita.saved_id)] == ["create"]


def test_an_email_someone_has_in_another_case_is_refused_and_nothing_is_added(db):
    result = mediate("people", "add", "Ann Lee", "--role", "lead", "--email", "JORDAN@Example.com", "--db", str(db))
    assert_clean_failure(result, 1, "Jordan Hay already has the email jordan@example.com")
    assert "Ann Lee" not in people(db)


def test_a_bad_email_or_a_taken_name_is_rejected_and_an_unknown_role_is_a_usage_error(db):
    assert_clean_failure(
        mediate("people", "add", "Ann Lee", "--role", "lead", "--email", "ann at home", "--db", str(db)),
        1,
        "Email: 'ann at home' is not an email address",
    )
    assert_clean_failure(
        mediate("people", "add", "jordan hay", "--role", "sales", "--db", str(db)), 1, "already someone called"
    )
    assert_clean_failure(mediate("people", "add", "Ann Lee", "--role", "boss", "--db", str(db)), 2, "'boss'")
    assert set(people(db)) == {"Jordan Hay"}


def test_the_team_lists_as_a_table_csv_and_json(db):
    mediate("people", "add", "Rita Reyes", "--role", "recruiter", "--db", str(db))
    table = mediate("people", "list", "--db", str(db)).stdout.splitlines()
    assert table[0].split() == ["Name", "Role", "Team", "Email", "Active", "Open", "reqs", "Open", "commitments"]
    assert table[1].split()[:5] == ["Jordan", "Hay", "sales", "Tech", "desk"]
    as_csv = mediate("people", "list", "--format", "csv", "--db", str(db)).stdout.splitlines()
    assert as_csv[0] == "name,role,team,email,active,open_requisitions,open_commitments"
    assert as_csv[2] == "Rita Reyes,recruiter,,,true,0,0"
    as_json = json.loads(mediate("people", "list", "--format", "json", "--db", str(db)).stdout)
    assert [(p["name"], p["role"], p["email"]) for p in as_json] == [
        ("Jordan Hay", "sales", "jordan@example.com"),
        ("Rita Reyes", "recruiter", ""),
    ]


def test_an_empty_team_says_how_to_add_people(tmp_path):
    path = tmp_path / "new.db"
    Store(path).close()
    result = mediate("people", "list", "--db", str(path))
    assert result.returncode == 0
    assert "mediate people add NAME --role sales|recruiter|lead" in result.stdout


def test_importing_people_reports_created_present_and_writes_them_all(db, tmp_path):
    csv = tmp_path / "team.csv"
    csv.write_text(
        "Name,Role,Team,Email\n"
        "Rita Reyes,Recruiter,Tech desk,rita@example.com\n"
        "JORDAN HAY,sales,,\n"
        "Sam Seller,Sales,Finance desk,\n",
        encoding="utf-8",
    )
    result = mediate("people", "import", str(csv), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "line 2: created: Rita Reyes (recruiter, Tech desk, rita@example.com)" in result.stdout
    assert "line 3: already present: Jordan Hay" in result.stdout
    assert "line 4: created: Sam Seller (sales, Finance desk)" in result.stdout
    assert "2 people created, 1 already present" in result.stdout
    assert set(people(db)) == {"Jordan Hay", "Rita Reyes", "Sam Seller"}
    again = mediate("people", "import", str(csv), "--db", str(db))
    assert "0 people created, 3 already present" in again.stdout


def test_an_import_with_a_rejected_row_names_its_line_and_reason_and_writes_nothing(db, tmp_path):
    csv = tmp_path / "team.csv"
    csv.write_text(
        "name,role,team,email\n"
        "Rita Reyes,recruiter,,rita@example.com\n"
        "Bo Smith,manager,,\n"
        "Cy Young,sales,,jordan@EXAMPLE.com\n"
        "Di Ross,lead,,rita@example.com\n"
        ",sales,,\n",
        encoding="utf-8",
    )
    result = mediate("people", "import", str(csv), "--db", str(db))
    assert_clean_failure(result, 1, "line 3: rejected: Bo Smith: the role must be sales, recruiter or lead")
    assert "line 4: rejected: Cy Young: Jordan Hay already has the email" in result.stderr
    assert "line 5: rejected: Di Ross: the email rita@example.com is also on line 2" in result.stderr
    assert "line 6: rejected: no name" in result.stderr
    assert "line 2: would be created: Rita Reyes" in result.stderr
    assert "4 rows rejected, so nothing was written" in result.stderr
    assert set(people(db)) == {"Jordan Hay"}


def test_a_dry_run_reports_without_writing_and_a_near_name_is_pointed_out(db, tmp_path):
    csv = tmp_path / "team.csv"
    csv.write_text("name,role\nJordon Hay,recruiter\n", encoding="utf-8")
    result = mediate("people", "import", str(csv), "--dry-run", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "line 2: would be created: Jordon Hay (recruiter)" in result.stdout
    assert "Jordon Hay is new, but Jordan Hay is already in the team" in result.stdout
    assert "Dry run: 1 person would be created" in result.stdout
    assert set(people(db)) == {"Jordan Hay"}


def test_a_missing_file_or_a_header_without_names_is_a_clean_failure(db, tmp_path):
    assert_clean_failure(mediate("people", "import", str(tmp_path / "nope.csv"), "--db", str(db)), 2, "does not exist")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("person name,job\nA,B\n", encoding="utf-8")
    assert_clean_failure(mediate("people", "import", str(wrong), "--db", str(db)), 1, "line 1: rejected: no name")
