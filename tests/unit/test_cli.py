"""The command line answers with a readable message and the right exit code, never a traceback."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mediation_console.db.models import Person, Requisition, Team
from mediation_console.db.schema import SCHEMA_VERSION
from mediation_console.db.store import Store


def mediate(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "MEDIATE_DB"}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "mediation_console", *args], capture_output=True, text=True, env=full_env, timeout=120
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], code: int, words: str) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert words.lower() in result.stderr.lower()


@pytest.fixture
def real_db(tmp_path) -> Path:
    path = tmp_path / "team.db"
    with Store(path) as store:
        owner = store.add_person(Person(name="Sam Seller", team=Team.SALES))
        store.add_requisition(Requisition(title="Controller", client="Initech", sales_owner_id=owner.id))
    return path


def test_doctor_reports_ok_on_a_healthy_database(real_db):
    result = mediate("doctor", "--db", str(real_db))
    assert result.returncode == 0, result.stderr
    assert "integrity      ok" in result.stdout
    assert "journal        wal" in result.stdout
    assert "foreign keys   enforced" in result.stdout
    assert "0o600" in result.stdout
    assert result.stdout.strip().endswith("ok")


def test_doctor_warns_when_others_can_read_the_database(real_db):
    os.chmod(real_db, 0o644)
    result = mediate("doctor", "--db", str(real_db))
    assert "readable by other users" in result.stdout


def test_doctor_names_the_business_calendar_and_a_country_it_does_not_know(real_db, tmp_path):
    assert "business days  skip weekends and US public holidays" in mediate("doctor", "--db", str(real_db)).stdout
    settings = tmp_path / "settings.json"
    settings.write_text('{"country": "Atlantis"}')
    result = mediate("doctor", "--db", str(real_db), env={"MEDIATE_SETTINGS": str(settings)})
    assert result.returncode == 0, result.stderr
    assert "business days  skip weekends\n" in result.stdout
    assert "warning: No public holiday calendar is known for 'Atlantis'; business days skip weekends only" in (
        result.stdout
    )


def test_the_database_can_be_named_by_environment_variable(real_db):
    result = mediate("doctor", env={"MEDIATE_DB": str(real_db)})
    assert result.returncode == 0, result.stderr
    assert str(real_db) in result.stdout


def test_a_missing_folder_is_a_clean_environment_error(tmp_path):
    assert_clean_failure(mediate("doctor", "--db", str(tmp_path / "nowhere" / "x.db")), 2, "does not exist")
    assert_clean_failure(mediate("--db", str(tmp_path / "nowhere" / "x.db")), 2, "does not exist")


def test_a_folder_given_as_the_database_is_refused(tmp_path):
    assert_clean_failure(mediate("doctor", "--db", str(tmp_path)), 2, "folder")


def test_a_text_file_is_refused_and_left_unchanged(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes\n")
    assert_clean_failure(mediate("doctor", "--db", str(path)), 2, "not an sqlite file")
    assert path.read_text() == "these are my notes\n"


def test_a_database_from_a_newer_console_is_refused(tmp_path):
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE people (id INTEGER PRIMARY KEY)")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    assert_clean_failure(mediate("doctor", "--db", str(path)), 2, "newer")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_an_unreadable_file_is_a_clean_environment_error(real_db):
    os.chmod(real_db, 0)
    try:
        assert_clean_failure(mediate("doctor", "--db", str(real_db)), 2, "cannot be read")
    finally:
        os.chmod(real_db, 0o600)


def test_demo_refuses_to_overwrite_real_data_without_force(real_db):
    assert_clean_failure(mediate("demo", "--db", str(real_db)), 1, "--force")
    with Store(real_db) as store:
        assert store.get_requisition(1).title == "Controller"


def test_demo_force_refuses_a_file_open_in_a_console_and_replaces_it_once_closed(real_db):
    # A console holding the file open: replaced under it, what it saved next would go to the old file.
    console = Store(real_db)
    try:
        console.get_requisition(1)
        assert_clean_failure(mediate("demo", "--force", "--db", str(real_db)), 2, "open in another program")
        assert console.get_requisition(1).title == "Controller"
    finally:
        console.close()
    with Store(real_db) as store:
        assert store.get_requisition(1).title == "Controller" and not store.is_demo()
    result = mediate("demo", "--force", "--db", str(real_db))
    assert result.returncode == 0, result.stderr
    with Store(real_db) as store:
        assert store.is_demo()


def test_backup_writes_a_private_consistent_copy(real_db, tmp_path):
    dest = tmp_path / "copy.db"
    result = mediate("backup", "--db", str(real_db), str(dest))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    with Store(dest) as copy:
        assert copy.get_requisition(1).title == "Controller"


def test_backup_into_a_missing_folder_is_a_clean_error(real_db, tmp_path):
    assert_clean_failure(mediate("backup", "--db", str(real_db), str(tmp_path / "no" / "x.db")), 2, "does not exist")


def test_an_unknown_option_is_a_usage_error(real_db):
    result = mediate("doctor", "--db", str(real_db), "--frobnicate")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_mediate_version_names_the_installed_package_version():
    from importlib.metadata import version

    result = mediate("--version")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"mediate {version('mediation-console')}"


def test_the_package_ships_a_licence_and_a_changelog_beside_the_code():
    root = Path(__file__).resolve().parents[2]
    assert "MIT License" in (root / "LICENSE").read_text()
    assert "## [Unreleased]" in (root / "CHANGELOG.md").read_text()
    manifest = (root / "MANIFEST.in").read_text()
    assert "graft tests" in manifest and "LICENSE" in manifest
