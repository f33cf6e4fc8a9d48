"""The Store keeps every record, audits every change in the same transaction, and guards the file."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat

import pytest

from mediation_console.console.core.database import open_store
from mediation_console.db.models import (
    Attendee,
    Commitment,
    CommitmentStatus,
    Dispute,
    DisputeStatus,
    EventKind,
    Expectation,
    ExpectationStatus,
    Person,
    PipelineEvent,
    Requisition,
    RequisitionStatus,
    Standup,
    StandupItem,
    Team,
)
from mediation_console.db.schema import MIGRATIONS, SCHEMA_VERSION
from mediation_console.db.store import NewerSchemaError, QueueQuery, RejectedChange, Store, StoreError
from tests.helpers import seller_and_recruiter, store_fixture

NOW = dt.datetime(2026, 11, 23, 9, 0)


store = store_fixture(NOW)


@pytest.fixture
def team(store):
    return seller_and_recruiter(store)


def a_requisition(team, **changes) -> Requisition:
    sales, recruiter = team
    fields = dict(
        title="Senior Data Engineer",
        client="Northwind Analytics",
        sales_owner_id=sales.id,
        recruiter_id=recruiter.id,
        salary_min=120_000,
        salary_max=140_000,
        market_salary=150_000,
        promised_date=dt.date(2026, 12, 20),
        notes="Needs Spark and Airflow",
    )
    fields.update(changes)
    return Requisition(**fields)


def audit_rows(store) -> int:
    return store.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]


# -- every entity round-trips --------------------------------------------------------------------


def test_a_person_round_trips(store):
    person = store.add_person(Person(name="Ana Lead", team=Team.LEAD))
    assert store.get_person(person.id) == person
    assert store.person_by_name("ana lead") == person


def test_a_requisition_round_trips_with_its_code(store, team):
    req = store.add_requisition(a_requisition(team, intake_at=dt.datetime(2026, 11, 20, 10, 0), remote=True))
    assert req.code == "REQ-0001"
    loaded = store.get_requisition(req.id)
    assert loaded == req
    assert loaded.opened_at == NOW and loaded.remote is True
    second = store.add_requisition(a_requisition(team, title="Analyst"))
    assert second.code == "REQ-0002"


def test_a_pipeline_event_round_trips_and_counts_submittals(store, team):
    req = store.add_requisition(a_requisition(team))
    event = store.add_pipeline_event(
        PipelineEvent(requisition_id=req.id, kind=EventKind.SUBMITTAL, at=NOW, actor_id=team[1].id, note="Jo")
    )
    assert store.list_pipeline_events(req.id) == [event]
    assert store.get_requisition(req.id).submittals == 1


def test_a_dispute_round_trips_with_its_code_and_counts_on_the_requisition(store, team):
    req = store.add_requisition(a_requisition(team))
    dispute = store.add_dispute(
        Dispute(
            requisition_id=req.id,
            raised_by_id=team[1].id,
            counterpart_id=team[0].id,
            category="pay_below_market",
            severity=3,
            summary="Max is 20% under market",
            sales_interest="Keep the client",
            recruiting_interest="Candidates who accept",
        )
    )
    assert dispute.code == "D-0001"
    assert store.get_dispute(dispute.id) == dispute
    assert store.get_requisition(req.id).open_disputes == 1


def test_an_expectation_round_trips(store):
    exp = store.add_expectation(
        Expectation(
            title="Feedback in 48 h", owner_team=Team.SALES, metric="client_feedback_within_hours", threshold=48
        )
    )
    assert store.get_expectation(exp.id) == exp
    agreed = store.set_expectation_status(exp.id, ExpectationStatus.AGREED)
    assert agreed.agreed_at == NOW.date()


def test_a_commitment_round_trips_and_is_closed(store, team):
    c = store.add_commitment(Commitment(owner_id=team[0].id, text="Book the intake", due=dt.date(2026, 11, 24)))
    assert store.get_commitment(c.id) == c
    kept = store.set_commitment_status(c.id, CommitmentStatus.KEPT)
    assert kept.status == CommitmentStatus.KEPT and kept.closed_at == NOW


def test_a_commitment_s_outcome_is_not_revisited(store, team):
    c = store.add_commitment(Commitment(owner_id=team[0].id, text="Book the intake", due=dt.date(2026, 11, 24)))
    store.set_commitment_status(c.id, CommitmentStatus.KEPT)
    with pytest.raises(RejectedChange, match="already kept"):
        store.set_commitment_status(c.id, CommitmentStatus.MISSED)
    assert store.get_commitment(c.id).status == CommitmentStatus.KEPT


def test_a_standup_round_trips_with_items_and_attendees(store, team):
    standup = store.start_standup(
        Standup(
            started_at=NOW,
            attendees=[Attendee(person_id=team[0].id, present=False)],
            items=[StandupItem(section="wins", title="REQ-0001 filled")],
        )
    )
    loaded = store.get_standup(standup.id)
    assert loaded.attendees[0].present is False
    assert [i.title for i in loaded.items] == ["REQ-0001 filled"]
    assert store.running_standup().id == standup.id


def test_a_new_database_proposes_the_default_expectations(tmp_path):
    with open_store(tmp_path / "new.db", now=lambda: NOW) as store:
        expectations = store.list_expectations()
    assert len(expectations) == 6
    assert {e.status for e in expectations} == {ExpectationStatus.PROPOSED}
    with Store(tmp_path / "bare.db") as bare:  # the database layer alone starts empty
        assert bare.list_expectations() == []


# -- transactions and audit -----------------------------------------------------------------------


def test_every_change_is_audited_with_before_and_after(store, team):
    req = store.add_requisition(a_requisition(team))
    store.update_requisition(req.model_copy(update={"title": "Lead Data Engineer"}))
    timeline = store.requisition_timeline(req.id)
    assert [e.action for e in timeline] == ["create", "update"]
    assert timeline[1].changes()["title"] == ("Senior Data Engineer", "Lead Data Engineer")


def test_a_failed_change_rolls_back_and_leaves_no_audit_row(store, team):
    before = audit_rows(store)
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.add_requisition(a_requisition(team))
            raise RuntimeError("power cut")
    assert store.count_queue(QueueQuery()) == 0
    assert audit_rows(store) == before


def test_resolving_a_dispute_is_all_or_nothing(store, team):
    dispute = store.add_dispute(
        Dispute(raised_by_id=team[1].id, counterpart_id=team[0].id, category="no_intake", summary="No intake call")
    )
    bad_owner = Commitment(owner_id=999, text="Call", due=dt.date(2026, 11, 24))
    good = Commitment(owner_id=team[0].id, text="Book intake", due=dt.date(2026, 11, 24))
    before = audit_rows(store)
    with pytest.raises(RejectedChange):
        store.resolve_dispute(dispute.id, "Joint intake", "no_intake.joint", [good, bad_owner])
    assert store.get_dispute(dispute.id).status == DisputeStatus.OPEN
    assert store.list_commitments() == []
    assert audit_rows(store) == before


def test_the_audit_log_is_append_only(store, team):
    store.add_person(Person(name="Extra", team=Team.SALES))
    with pytest.raises(sqlite3.DatabaseError):
        store.conn.execute("DELETE FROM events")
    with pytest.raises(sqlite3.DatabaseError):
        store.conn.execute("UPDATE events SET actor = 'someone else'")


# -- domain rules ----------------------------------------------------------------------------------


def test_only_allowed_status_moves_are_accepted(store, team):
    req = store.add_requisition(a_requisition(team))
    with pytest.raises(RejectedChange):
        store.change_status(req.id, RequisitionStatus.FILLED)
    moved = store.change_status(req.id, RequisitionStatus.QUALIFIED)
    assert moved.status == RequisitionStatus.QUALIFIED
    events = store.list_pipeline_events(req.id)
    assert (events[-1].from_status, events[-1].to_status) == ("intake", "qualified")


def test_declining_needs_a_reason(store, team):
    req = store.add_requisition(a_requisition(team))
    with pytest.raises(RejectedChange, match="why"):
        store.change_status(req.id, RequisitionStatus.DECLINED)
    declined = store.change_status(req.id, RequisitionStatus.DECLINED, reason="Pay 30% under market")
    assert declined.closed_at == NOW and declined.status_reason == "Pay 30% under market"


def test_a_person_name_is_unique(store, team):
    with pytest.raises(RejectedChange):
        store.add_person(Person(name="sam seller", team=Team.SALES))


def test_salary_min_above_max_is_refused_by_the_record():
    with pytest.raises(ValueError, match="min is above"):
        Requisition(title="x", client="y", sales_owner_id=1, salary_min=10, salary_max=5)


# -- queue: filter, sort and page in SQLite ---------------------------------------------------------


def test_the_queue_filters_through_the_full_text_index(store, team):
    store.add_requisition(a_requisition(team))
    store.add_requisition(a_requisition(team, title="Payroll Clerk", client="Contoso", notes=""))
    assert [r.title for r in store.query_queue(QueueQuery(text="data eng"))] == ["Senior Data Engineer"]
    assert [r.client for r in store.query_queue(QueueQuery(text="contoso"))] == ["Contoso"]
    assert store.count_queue(QueueQuery(text="rita")) == 2  # people's names are indexed
    assert store.count_queue(QueueQuery(text="REQ-0002")) == 1
    assert store.count_queue(QueueQuery(text='"); DROP TABLE people; --')) == 0


def test_renaming_a_person_updates_the_search_index(store, team):
    store.add_requisition(a_requisition(team))
    store.update_person(team[1].model_copy(update={"name": "Rita Hayworth"}))
    assert store.count_queue(QueueQuery(text="hayworth")) == 1


def test_the_queue_sorts_and_pages(store, team):
    for title in ["Bravo", "Alpha", "Charlie"]:
        store.add_requisition(a_requisition(team, title=title))
    page = store.query_queue(QueueQuery(sort="title"), offset=1, limit=1)
    assert [r.title for r in page] == ["Bravo"]
    assert [r.title for r in store.query_queue(QueueQuery(sort="title", descending=True))] == [
        "Charlie",
        "Bravo",
        "Alpha",
    ]


def test_the_queue_quick_filters(store, team):
    a = store.add_requisition(a_requisition(team, promised_date=dt.date(2026, 11, 1)))
    b = store.add_requisition(a_requisition(team, title="Other", recruiter_id=None))
    store.change_status(b.id, RequisitionStatus.LOST, reason="Client hired internally")
    assert store.count_queue(QueueQuery(open_only=True)) == 1
    assert store.count_queue(QueueQuery(statuses=["lost"])) == 1
    assert store.count_queue(QueueQuery(person_id=team[1].id)) == 1
    assert [r.id for r in store.query_queue(QueueQuery(at_risk_only=True))] == [a.id]


# -- the file: versions, migrations, hostile files --------------------------------------------------


def make_old_database(path, version: int) -> None:
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:version]:
        conn.executescript(script)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute("INSERT INTO people (id, name, team) VALUES (1, 'Old Timer', 'sales')")
    conn.execute(
        "INSERT INTO requisitions (id, code, title, client, sales_owner_id, status, opened_at, updated_at) "
        "VALUES (1, 'REQ-0001', 'Legacy Controller', 'Initech', 1, 'sourcing', '2026-01-05 09:00:00', "
        "'2026-01-05 09:00:00')"
    )
    conn.commit()
    conn.close()


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
def test_an_older_database_is_migrated_with_its_data_and_a_backup_beside_it(tmp_path, version):
    path = tmp_path / "old.db"
    make_old_database(path, version)
    with Store(path, now=lambda: NOW) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.get_requisition(1).title == "Legacy Controller"
        assert store.count_queue(QueueQuery(text="initech")) == 1
        assert store.backup_path is not None and store.backup_path.exists()
    with sqlite3.connect(store.backup_path) as backup:
        assert backup.execute("PRAGMA user_version").fetchone()[0] == version
        assert backup.execute("SELECT title FROM requisitions").fetchone()[0] == "Legacy Controller"
    assert stat.S_IMODE(os.stat(store.backup_path).st_mode) == 0o600


def test_a_database_from_a_newer_version_is_refused_untouched(tmp_path):
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE people (id INTEGER PRIMARY KEY)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(NewerSchemaError, match="newer"):
        Store(path)
    assert path.read_bytes() == before


def test_a_database_of_another_application_is_refused(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    with pytest.raises(StoreError, match="another application"):
        Store(path)


@pytest.mark.parametrize(
    "content, message",
    [(b"name,title\nx,y\n", "not an SQLite file"), (b"SQLite format 3\x00" + b"\x00" * 50, "database")],
)
def test_a_file_that_is_not_a_database_is_refused(tmp_path, content, message):
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    with pytest.raises(StoreError, match=message):
        Store(path)
    assert path.read_bytes() == content


def test_a_new_database_is_private_wal_and_enforces_foreign_keys(store):
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute("INSERT INTO pipeline_events (requisition_id, kind, at) VALUES (999, 'note', '2026-01-01')")


def test_a_read_only_database_opens_for_reading_and_refuses_changes(tmp_path, team, store):
    store.add_requisition(a_requisition(team))
    store.close()
    os.chmod(store.path, 0o400)
    try:
        with Store(store.path) as ro:
            assert ro.readonly
            assert ro.count_queue(QueueQuery()) == 1
            with pytest.raises(StoreError, match="read-only"):
                ro.add_person(Person(name="New", team=Team.SALES))
    finally:
        os.chmod(store.path, 0o600)


def test_backup_is_a_consistent_private_copy(store, team, tmp_path):
    store.add_requisition(a_requisition(team))
    dest = store.backup(tmp_path / "copy.db")
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    with Store(dest) as copy:
        assert copy.count_queue(QueueQuery()) == 1
        assert copy.doctor().ok


def test_two_requisitions_with_the_same_ats_id_are_refused_in_words_and_a_blank_id_is_no_id(tmp_path):
    with Store(tmp_path / "t.db") as store:
        sales = store.add_person(Person(name="Sam Seller", team=Team.SALES))
        first = store.add_requisition(Requisition(title="A", client="C", sales_owner_id=sales.id, external_id=""))
        second = store.add_requisition(Requisition(title="B", client="C", sales_owner_id=sales.id, external_id=" "))
        assert first.external_id is None and second.external_id is None
        store.add_requisition(Requisition(title="C", client="C", sales_owner_id=sales.id, external_id="BH-1"))
        with pytest.raises(RejectedChange, match="Another requisition already has this external id"):
            store.add_requisition(Requisition(title="D", client="C", sales_owner_id=sales.id, external_id="BH-1"))
