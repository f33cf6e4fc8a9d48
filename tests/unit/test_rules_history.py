"""The team history the rules read (time to fill, fill rates, follow-through): read once, refreshed after a change."""

from __future__ import annotations

import datetime as dt

import pytest

from mediation_console.console.core.rules.service import Mediator
from mediation_console.db.models import (
    Commitment,
    CommitmentStatus,
    Dispute,
    DisputeCategory,
    Engagement,
    Person,
    Requisition,
    RequisitionStatus,
    Team,
)
from mediation_console.db.store import Store

NOW = dt.datetime(2025, 3, 7, 10, 0)  # a Friday
TODAY = NOW.date()


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "history.db", now=lambda: NOW) as s:
        for name, team in (
            ("Sam Seller", Team.SALES),
            ("Sasha Sales", Team.SALES),
            ("Riley Recruiter", Team.RECRUITING),
            ("Robin Recruiter", Team.RECRUITING),
        ):
            s.add_person(Person(name=name, team=team))
        yield s


def pid(store, name):
    return store.person_by_name(name).id


def record(store, owner_id, kept=0, missed=0, open_=0, days_ago=10):
    for status, count in ((CommitmentStatus.KEPT, kept), (CommitmentStatus.MISSED, missed), (None, open_)):
        for i in range(count):
            made = store.add_commitment(
                Commitment(owner_id=owner_id, text=f"promise {i}", due=TODAY - dt.timedelta(days=days_ago + i))
            )
            if status is not None:
                store.set_commitment_status(made.id, status)


def credit_dispute(store, raised_by="Riley Recruiter", counterpart="Sam Seller"):
    return store.add_dispute(
        Dispute(
            raised_by_id=pid(store, raised_by),
            counterpart_id=pid(store, counterpart),
            category=DisputeCategory.CREDIT_SPLIT,
            severity=2,
            summary="Who placed the candidate",
            opened_at=NOW - dt.timedelta(days=3),
        )
    )


def test_everyones_commitment_tallies_at_once_match_each_persons_own_tally(store):
    sam, riley = pid(store, "Sam Seller"), pid(store, "Riley Recruiter")
    record(store, sam, kept=2, missed=1, open_=1)
    record(store, riley, kept=3)
    record(store, riley, missed=2, days_ago=120)  # outside the window
    since = TODAY - dt.timedelta(days=90)
    tallies = store.commitment_tallies_by_owner(since, TODAY)
    assert set(tallies) == {sam, riley}
    for owner in (sam, riley):
        assert tallies[owner] == store.commitment_tally(since, TODAY, owner_ids=[owner])
    assert tallies[sam]["kept"] == 2 and tallies[sam]["missed"] == 1 and tallies[sam]["open"] == 1
    assert tallies[riley]["missed"] == 0


def test_follow_through_in_a_disputes_facts_is_the_persons_then_the_teams(store):
    sam, sasha, riley = pid(store, "Sam Seller"), pid(store, "Sasha Sales"), pid(store, "Riley Recruiter")
    record(store, sam, kept=1, missed=3)  # Sam: 25 %
    record(store, sasha, kept=3, missed=1)  # Sasha: 75 %; the sales team: 4 of 8
    record(store, pid(store, "Robin Recruiter"), kept=2)  # Riley has no record: the recruiting team's 100 %
    facts = Mediator(store, today=TODAY, include_user_pack=False).dispute_fact_values(credit_dispute(store))
    assert facts["sales_follow_through_pct"] == 25.0
    assert facts["sales_team_follow_through_pct"] == 50.0
    assert facts["recruiting_follow_through_pct"] == 100.0
    assert facts["recruiting_team_follow_through_pct"] == 100.0
    assert riley not in store.commitment_tallies_by_owner(TODAY - dt.timedelta(days=90), TODAY)


def test_a_mediator_sees_commitments_kept_after_it_was_made(store):
    sam = pid(store, "Sam Seller")
    dispute = credit_dispute(store)
    mediator = Mediator(store, today=TODAY, include_user_pack=False)
    assert mediator.dispute_fact_values(dispute)["sales_follow_through_pct"] is None
    record(store, sam, kept=1, missed=1)
    assert mediator.dispute_fact_values(dispute)["sales_follow_through_pct"] == 50.0
    assert mediator.track_record(dispute).sales_basis == "person"


def filled(store, days_to_fill: int) -> Requisition:
    """An exclusive requisition opened 60 days ago and filled `days_to_fill` days later."""
    return store.add_requisition(
        Requisition(
            title="Backend Engineer",
            client="Acme",
            sales_owner_id=pid(store, "Sam Seller"),
            engagement=Engagement.EXCLUSIVE,
            status=RequisitionStatus.FILLED,
            opened_at=NOW - dt.timedelta(days=60),
            closed_at=NOW - dt.timedelta(days=60 - days_to_fill),
        )
    )


def test_a_mediator_sees_requisitions_filled_after_it_was_made(store):
    mediator = Mediator(store, today=TODAY, include_user_pack=False)
    assert mediator.estimate("A", "exclusive").source == "default"
    for days in (20, 22, 24, 26, 28):
        req = filled(store, days)
        store.set_derived([(80, "A", None, req.id)])
    estimate = mediator.estimate("A", "exclusive")
    assert (estimate.source, estimate.days, estimate.sample) == ("history", 24, 5)


def test_mediators_on_one_store_share_its_history_until_something_changes(store):
    record(store, pid(store, "Sam Seller"), kept=1)
    first = Mediator(store, today=TODAY, include_user_pack=False)
    second = Mediator(store, today=TODAY, include_user_pack=False)
    assert first._history("follow_through") is second._history("follow_through")
    fills = first._history("fills")
    record(store, pid(store, "Sam Seller"), missed=1)
    assert first._history("follow_through").tallies is None  # read again on first use
    assert first._history("fills") is fills  # a commitment says nothing about filled requisitions
    yesterday = Mediator(store, today=TODAY - dt.timedelta(days=1), include_user_pack=False)
    assert yesterday._history("follow_through") is not first._history("follow_through")


def test_disputes_between_two_people_count_either_way_round_and_not_the_dispute_itself(store):
    one = credit_dispute(store)
    credit_dispute(store, raised_by="Sam Seller", counterpart="Riley Recruiter")
    credit_dispute(store, raised_by="Robin Recruiter", counterpart="Sam Seller")
    since = NOW - dt.timedelta(days=90)
    assert store.count_disputes_between(one.raised_by_id, one.counterpart_id, since, exclude_id=one.id) == 1


def test_open_disputes_come_most_severe_first_with_the_total(store):
    made = []
    for severity in (1, 3, 2, 3):
        dispute = credit_dispute(store)
        made.append(store.update_dispute(dispute.model_copy(update={"severity": severity})))
    store.set_dispute_status(made[0].id, "withdrawn")
    page, total = store.open_disputes_page(2)
    assert total == 3
    assert [d.id for d in page] == [made[1].id, made[3].id]


def test_requisition_codes_name_the_requisitions_asked_for(store):
    req = store.add_requisition(
        Requisition(title="Controller", client="Initech", sales_owner_id=pid(store, "Sam Seller"))
    )
    assert store.requisition_codes([req.id, None, 999]) == {req.id: req.code}
    assert store.requisition_codes([]) == {}


def test_the_history_survives_a_note_typed_into_a_standup_but_not_a_change_it_is_made_from(store):
    from mediation_console.db.models import Standup, StandupItem

    sam = pid(store, "Sam Seller")
    record(store, sam, kept=1)
    mediator = Mediator(store, today=TODAY, include_user_pack=False)
    mediator._tallies()
    history = mediator._history("follow_through")
    standup = store.start_standup(Standup(started_at=NOW, items=[StandupItem(section="wins", title="A win")]))
    item = store.get_standup(standup.id).items[0]
    store.update_standup_item(item.model_copy(update={"notes": "typed during the meeting"}))
    assert mediator._history("follow_through") is history and history.tallies is not None
    record(store, sam, missed=1)  # a commitment: follow-through changed
    assert mediator._history("follow_through") is not history
    assert mediator.dispute_fact_values(credit_dispute(store))["sales_follow_through_pct"] == 50.0


def test_another_connections_change_reaches_the_history(store, tmp_path):
    mediator = Mediator(store, today=TODAY, include_user_pack=False)
    mediator._tallies()
    history = mediator._history("follow_through")
    with Store(store.path, now=lambda: NOW) as other:
        record(other, pid(other, "Sam Seller"), kept=1)
    assert mediator._history("follow_through") is not history
    assert mediator.dispute_fact_values(credit_dispute(store))["sales_follow_through_pct"] == 100.0


def test_a_change_rolled_back_and_a_different_one_after_it_never_look_unchanged(store):
    before = store.table_versions("people")
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.add_person(Person(name="Gone Again", team=Team.SALES))
            inside = store.table_versions("people")
            raise RuntimeError("the form was cancelled")
    assert inside != before
    store.add_person(Person(name="Here To Stay", team=Team.SALES))
    assert store.table_versions("people") not in (before, inside)
    assert "Here To Stay" in {p.name for p in store.list_people()}
    assert "Gone Again" not in {p.name for p in store.list_people()}


def test_a_warmed_up_mediator_scores_its_first_requisition_without_reading_the_fills_again(store, monkeypatch):
    # The console warms the Mediator up in a worker once the queue shows, so the first detail panel
    # waits for no history query.
    req = filled(store, 30)
    mediator = Mediator(store, today=TODAY, include_user_pack=False)
    mediator.warm_up()
    read: list[str] = []
    real = store.filled_durations
    monkeypatch.setattr(store, "filled_durations", lambda: read.append("fills") or real())
    card = mediator.scorecard_for(req.id)
    assert read == [] and card.estimate is not None
