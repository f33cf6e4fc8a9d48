"""An older file upgrades to the current schema with every record intact and a backup beside it;
a file from a newer console is refused and left byte for byte as it was."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest

from mediation_console.db.schema import SCHEMA_VERSION
from mediation_console.db.store import NewerSchemaError, QueueQuery, Store, StoreError
from tests.reliability.helpers import assert_clean_failure, audit_problems, fingerprint, integrity, mediate
from tests.reliability.make_fixtures import RECORDS, fixture_path

NOW = dt.datetime(2026, 11, 23, 9, 0)
EARLIER = list(range(1, SCHEMA_VERSION))


def rows_of(path: Path) -> dict[str, list[dict]]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%' "
                "AND name NOT LIKE 'sqlite_%'"
            )
        ]
        # A table without rowid (the marked days) in its primary key's order.
        without_rowid = {r["name"] for r in conn.execute("PRAGMA table_list") if r["wr"]}
        return {
            t: [dict(r) for r in conn.execute(f"SELECT * FROM {t} ORDER BY {1 if t in without_rowid else 'rowid'}")]
            for t in tables
        }
    finally:
        conn.close()


def test_every_earlier_schema_version_has_a_committed_fixture():
    missing = [v for v in EARLIER if not fixture_path(v).exists()]
    assert not missing, (
        f"no fixture for schema versions {missing}; run: .venv/bin/python tests/reliability/make_fixtures.py"
    )


@pytest.mark.parametrize("version", EARLIER)
def test_an_older_database_upgrades_with_every_record_intact_and_a_backup_beside_it(tmp_path, version):
    db = tmp_path / "team.db"
    shutil.copyfile(fixture_path(version), db)
    before = rows_of(db)
    original = fingerprint(db)[0]

    with Store(db, now=lambda: NOW) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        backup = store.backup_path
        assert backup is not None and backup.parent == db.parent
        # The records read back as models, with their awkward text unchanged.
        req = store.get_requisition(1)
        assert req.notes == RECORDS["requisitions"][0]["notes"]
        assert store.get_requisition(3).title == "Ingénieur·e DevOps"
        assert store.get_person(3).name == "李 Lead"
        assert store.get_dispute(1).sales_interest == "Keep the client"
        assert store.get_standup(1).attendees[0].person_id == 1
        # Search works on upgraded records, not only on new ones.
        assert store.count_queue(QueueQuery(text="spark")) == 1
        assert store.count_queue(QueueQuery(text="東京")) == 1
        # The facts the metrics look up are worked out for the records already there (migration 11).
        filled = store.conn.execute("SELECT status_changed_at, opened_status FROM requisitions WHERE id = 3").fetchone()
        assert tuple(filled) == ("2026-10-15 09:00:00", "offer")
        unanswered = store.conn.execute("SELECT answered_at FROM pipeline_events WHERE id = 1").fetchone()
        assert unanswered[0] is None

    after = rows_of(db)
    for table, rows in before.items():
        kept = after[table]
        if table == "data_versions":  # a later migration counts one more table's changes (19: disputes)
            kept = [r for r in kept if r["table_name"] in {o["table_name"] for o in rows}]
        assert len(kept) == len(rows), table
        for old, new in zip(rows, kept, strict=False):
            assert {k: new[k] for k in old} == old, table
    assert integrity(db) == "ok"
    conn = sqlite3.connect(db)
    try:
        assert audit_problems(conn) == []
    finally:
        conn.close()
    # The backup is the file as it was: same version, same records, a working database of its own.
    assert integrity(backup) == "ok"
    assert rows_of(backup) == before
    assert sqlite3.connect(backup).execute("PRAGMA user_version").fetchone()[0] == version
    assert oct(backup.stat().st_mode & 0o777) == "0o600"
    assert original == fingerprint(fixture_path(version))[0]


@pytest.mark.parametrize("version", EARLIER)
def test_the_command_line_upgrades_an_older_database_and_says_all_is_well(tmp_path, version):
    db = tmp_path / "team.db"
    shutil.copyfile(fixture_path(version), db)
    result = mediate("doctor", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert f"schema         version {SCHEMA_VERSION}" in result.stdout
    assert list(tmp_path.glob(f"team.db.schema{version}-*.bak"))


@pytest.mark.parametrize("version", EARLIER)
def test_an_older_read_only_database_is_not_upgraded_and_not_touched(tmp_path, version):
    db = tmp_path / "team.db"
    shutil.copyfile(fixture_path(version), db)
    db.chmod(0o400)
    before = fingerprint(db)
    with pytest.raises(StoreError, match="read-only"):
        Store(db)
    assert_clean_failure(mediate("doctor", "--db", str(db)), 2, "read-only", "upgrad")
    assert fingerprint(db) == before
    assert not list(tmp_path.glob("*.bak"))


@pytest.fixture
def newer_db(tmp_path) -> Path:
    db = tmp_path / "from-the-future.db"
    with Store(db, now=lambda: NOW):
        pass
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    return db


def test_a_database_from_a_newer_console_is_refused_by_the_store_untouched(newer_db):
    before = fingerprint(newer_db)
    with pytest.raises(NewerSchemaError, match="newer"):
        Store(newer_db)
    assert fingerprint(newer_db) == before
    assert not list(newer_db.parent.glob("*.bak"))


@pytest.mark.parametrize("command", [["doctor"], ["backup"], []], ids=["doctor", "backup", "console"])
def test_a_database_from_a_newer_console_is_refused_by_every_command_untouched(newer_db, command):
    before = fingerprint(newer_db)
    result = mediate(*command, "--db", str(newer_db)) if command else mediate("--db", str(newer_db))
    assert_clean_failure(result, 2, "newer", "not changed")
    assert fingerprint(newer_db) == before


def test_a_version_16_team_gains_emails_that_are_unique_whatever_their_case(tmp_path):
    db = tmp_path / "team.db"
    shutil.copyfile(fixture_path(16), db)
    with Store(db, now=lambda: NOW) as store:
        sam = store.get_person(1)
        assert (sam.name, sam.email, sam.team_name) == ("Sam Seller", None, "")
        store.update_person(sam.model_copy(update={"email": "Sam@Example.com", "team_name": "Tech desk"}))
        rita = store.get_person(2)
        with pytest.raises(StoreError, match="Sam Seller already has the email"):
            store.update_person(rita.model_copy(update={"email": "sam@example.COM"}))
        # Without the Store's check, the file itself refuses it (the unique index of migration 17).
        with pytest.raises(sqlite3.IntegrityError):
            store.conn.execute("UPDATE people SET email = 'SAM@example.com' WHERE id = 2")
        # Nobody's email is not a clash: any number of people have none.
        assert [p.email for p in store.list_people()].count(None) == 2


def test_a_version_17_team_records_placement_credit_that_adds_up_and_is_audited(tmp_path):
    """Migration 18: a filled requisition of an older file gains who originated and who filled it, with
    the split; splits that do not add up to 100 % are refused and nothing is written."""
    from mediation_console.db.models import CreditRole, PlacementCredit
    from mediation_console.db.store import RejectedChange

    db = tmp_path / "team.db"
    shutil.copyfile(fixture_path(17), db)
    with Store(db, now=lambda: NOW) as store:
        assert store.placement_credits(3) == []
        given = store.set_placement_credits(
            3,
            [
                PlacementCredit(requisition_id=3, person_id=1, role=CreditRole.ORIGINATED, split_pct=30),
                PlacementCredit(requisition_id=3, person_id=2, role=CreditRole.FILLED, split_pct=70),
            ],
        )
        assert [(c.person_id, c.role, c.split_pct) for c in store.placement_credits(3)] == [
            (2, CreditRole.FILLED, 70.0),
            (1, CreditRole.ORIGINATED, 30.0),
        ]
        assert all(c.recorded_at == NOW for c in given)
        with pytest.raises(RejectedChange, match="add up to 90 %"):
            store.set_placement_credits(
                3,
                [
                    PlacementCredit(requisition_id=3, person_id=1, role=CreditRole.ORIGINATED, split_pct=30),
                    PlacementCredit(requisition_id=3, person_id=2, role=CreditRole.FILLED, split_pct=60),
                ],
            )
        assert len(store.placement_credits(3)) == 2
        audited = [e for e in store.requisition_timeline(3) if e.entity == "placement_credit"]
        assert [e.action for e in audited] == ["credit"]
        assert audited[0].after["credits"][0] == {"person_id": 1, "role": "originated", "split_pct": 30.0}
    conn = sqlite3.connect(db)
    try:
        assert audit_problems(conn) == []
    finally:
        conn.close()


def test_a_version_18_file_counts_dispute_changes_so_the_rules_record_follows_a_resolution(tmp_path):
    """Migration 19: disputes get a change count; the credit recorded in an 18 file reads back as it was."""
    from mediation_console.db.models import CreditRole

    db = tmp_path / "team.db"
    shutil.copyfile(fixture_path(18), db)
    with Store(db, now=lambda: NOW) as store:
        assert [(c.person_id, c.role, c.split_pct) for c in store.placement_credits(3)] == [
            (2, CreditRole.FILLED, 60.0),
            (1, CreditRole.ORIGINATED, 40.0),
        ]
        before = store.table_versions("disputes")
        store.set_dispute_status(1, "mediating")
        assert store.table_versions("disputes") != before
        assert store.count_team_disputes(NOW - dt.timedelta(days=90)) == 0
