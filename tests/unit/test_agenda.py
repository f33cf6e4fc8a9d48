"""The standup agenda: what the team talks about, built from the data on a fixed clock."""

from __future__ import annotations

import datetime as dt

import pytest

from mediation_console.console.core import agenda as ag
from mediation_console.db.defaults import NO_STALE_REQUISITION_DAYS
from mediation_console.db.models import (
    Attendee,
    Commitment,
    CommitmentSource,
    Dispute,
    DisputeCategory,
    EventKind,
    Expectation,
    Person,
    PipelineEvent,
    Requisition,
    Standup,
    Team,
)
from mediation_console.db.store import Store
from tests.conftest import Clock

NOW = dt.datetime(2026, 11, 26, 9, 0)  # a Thursday


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def world(tmp_path, clock):
    """A week of a small team: one standup last Thursday and everything that happened since."""
    store = Store(tmp_path / "agenda.db", now=clock)
    p = {
        name: store.add_person(Person(name=name, team=team))
        for name, team in [
            ("Sam Sales", Team.SALES),
            ("Sara Seller", Team.SALES),
            ("Rita Recruiter", Team.RECRUITING),
            ("Ray Hunter", Team.RECRUITING),
            ("Lee Lead", Team.LEAD),
        ]
    }

    def req(title, status, opened, **extra):
        clock.at = opened
        return store.add_requisition(
            Requisition(
                title=title,
                client="Acme",
                sales_owner_id=p["Sam Sales"].id,
                recruiter_id=p["Rita Recruiter"].id,
                status=status,
                opened_at=opened,
                **extra,
            )
        )

    # Last week's standup and the action items it made.
    clock.at = dt.datetime(2026, 11, 19, 9, 0)
    previous = store.start_standup(
        Standup(started_at=clock.at, facilitator_id=p["Lee Lead"].id, attendees=[Attendee(person_id=p["Sam Sales"].id)])
    )
    clock.at = dt.datetime(2026, 11, 19, 9, 20)
    previous = store.update_standup(previous.model_copy(update={"ended_at": clock.at}))

    def commit(owner, text, due, **extra):
        return store.add_commitment(Commitment(owner_id=p[owner].id, text=text, due=due, **extra))

    old_kept = commit("Ray Hunter", "Send the salary survey", dt.date(2026, 11, 17))
    clock.at = dt.datetime(2026, 11, 18, 12, 0)
    store.set_commitment_status(old_kept.id, "kept")

    filled = req("Data engineer", "offer", dt.datetime(2026, 10, 1, 9, 0))
    clock.at = dt.datetime(2026, 11, 24, 15, 0)
    store.change_status(filled.id, "filled")

    clock.at = dt.datetime(2026, 11, 21, 10, 0)
    kept = commit("Rita Recruiter", "Share three calibration profiles", dt.date(2026, 11, 21), requisition_id=filled.id)
    store.set_commitment_status(kept.id, "kept")

    intake = req("Payroll lead", "intake", dt.datetime(2026, 11, 25, 14, 0))
    store.set_derived([(55, "B", None, intake.id)])

    promise = req(
        "Backend developer",
        "sourcing",
        dt.datetime(2026, 11, 23, 9, 0),
        promised_date=dt.date(2026, 12, 10),
        intake_at=dt.datetime(2026, 11, 23, 10, 0),
    )
    store.set_derived([(80, "A", None, promise.id)])
    clock.at = dt.datetime(2026, 11, 24, 11, 0)
    store.add_pipeline_event(PipelineEvent(requisition_id=promise.id, kind=EventKind.SUBMITTAL, at=clock.at))

    no_submittal = req(
        "QA analyst", "qualified", dt.datetime(2026, 11, 24, 9, 0), intake_at=dt.datetime(2026, 11, 24, 9, 30)
    )
    store.set_derived([(75, "A", None, no_submittal.id)])

    stale = req("Office manager", "qualified", dt.datetime(2026, 11, 1, 9, 0))
    clock.at = dt.datetime(2026, 11, 10, 9, 0)
    store.change_status(stale.id, "sourcing")
    store.add_pipeline_event(PipelineEvent(requisition_id=stale.id, kind=EventKind.SUBMITTAL, at=clock.at))

    healthy = req("Sales director", "qualified", dt.datetime(2026, 11, 25, 9, 0), promised_date=dt.date(2027, 3, 1))
    clock.at = dt.datetime(2026, 11, 25, 12, 0)
    store.change_status(healthy.id, "sourcing")
    store.add_pipeline_event(PipelineEvent(requisition_id=healthy.id, kind=EventKind.SUBMITTAL, at=clock.at))

    paused = req("Night porter", "qualified", dt.datetime(2026, 9, 1, 9, 0))
    clock.at = dt.datetime(2026, 9, 2, 9, 0)
    store.change_status(paused.id, "on_hold")

    clock.at = dt.datetime(2026, 11, 22, 9, 0)
    overdue = commit("Sam Sales", "Book the joint intake with Acme", dt.date(2026, 11, 24), requisition_id=promise.id)
    due_today = commit(
        "Rita Recruiter", "First submittal on the QA analyst", dt.date(2026, 11, 26), requisition_id=no_submittal.id
    )
    carried = commit(
        "Sara Seller",
        "Write 48 h feedback into the Acme terms",
        dt.date(2026, 11, 30),
        standup_id=previous.id,
        source=CommitmentSource.STANDUP,
    )
    carried_overdue = commit(
        "Ray Hunter",
        "Publish the median time to fill",
        dt.date(2026, 11, 25),
        standup_id=previous.id,
        source=CommitmentSource.STANDUP,
    )

    open_dispute = store.add_dispute(
        Dispute(
            requisition_id=promise.id,
            raised_by_id=p["Rita Recruiter"].id,
            counterpart_id=p["Sam Sales"].id,
            category=DisputeCategory.OVERPROMISED_TIMELINE,
            severity=3,
            summary="Client promised a hire by 10 Dec",
        )
    )
    closed = store.add_dispute(
        Dispute(
            raised_by_id=p["Sam Sales"].id,
            counterpart_id=p["Ray Hunter"].id,
            category=DisputeCategory.CREDIT_SPLIT,
            summary="Who gets the credit",
        )
    )
    store.set_dispute_status(closed.id, "withdrawn")
    clock.at = NOW
    yield {
        "store": store,
        "people": p,
        "previous": previous,
        "filled": filled,
        "kept": kept,
        "old_kept": old_kept,
        "intake": intake,
        "promise": promise,
        "no_submittal": no_submittal,
        "stale": stale,
        "healthy": healthy,
        "paused": paused,
        "overdue": overdue,
        "due_today": due_today,
        "carried": carried,
        "carried_overdue": carried_overdue,
        "dispute": open_dispute,
        "closed_dispute": closed,
    }
    store.close()


def build(world, **kwargs):
    kwargs.setdefault("expectations", lambda: [])
    return ag.build_agenda(world["store"], NOW, **kwargs)


def test_the_agenda_counts_wins_from_the_end_of_the_last_standup(world):
    agenda = build(world)
    assert agenda.since == dt.datetime(2026, 11, 19, 9, 20)
    assert agenda.previous_standup_id == world["previous"].id
    wins = agenda.section(ag.WINS)
    code = world["filled"].code
    # Rita filled the requisition and kept a commitment on it: one win, naming both. Ray's commitment
    # kept before the last standup is not a win of this one.
    assert [w.title for w in wins] == [f"Rita Recruiter: filled {code}; kept 1 commitment ({code})"]
    assert wins[0].detail.splitlines() == [
        f"Filled {code}: Data engineer at Acme (recruiter Rita Recruiter, sales Sam Sales)",
        f"Kept: Share three calibration profiles ({code})",
    ]
    assert wins[0].person_id == world["people"]["Rita Recruiter"].id


def test_overdue_and_due_today_commitments_are_listed_with_their_owner(world):
    agenda = build(world)
    overdue = agenda.section(ag.OVERDUE)
    assert [i.commitment_id for i in overdue] == [world["overdue"].id, world["carried_overdue"].id]
    assert overdue[0].detail.startswith("2 days overdue")
    assert world["promise"].code in overdue[0].detail
    assert overdue[0].person_id == world["people"]["Sam Sales"].id
    assert overdue[1].detail.startswith("1 day overdue")
    today = agenda.section(ag.DUE_TODAY)
    assert [i.commitment_id for i in today] == [world["due_today"].id]
    assert today[0].requisition_id == world["no_submittal"].id


def test_open_action_items_of_the_last_standup_are_carried_forward_once(world):
    carried = build(world).section(ag.CARRIED)
    # The overdue one from last week is already under "overdue"; it is not repeated here.
    assert [i.commitment_id for i in carried] == [world["carried"].id]
    assert carried[0].title == "Sara Seller: Write 48 h feedback into the Acme terms"
    assert carried[0].detail == "Due Mon 30 Nov"


def test_new_requisitions_awaiting_intake_show_their_grade_and_sales_owner(world):
    intake = build(world).section(ag.INTAKE)
    assert [i.requisition_id for i in intake] == [world["intake"].id]
    assert intake[0].title.endswith("(grade B)")
    assert "no intake call yet" in intake[0].detail
    assert intake[0].person_id == world["people"]["Sam Sales"].id


def test_at_risk_requisitions_say_why(world):
    at_risk = {i.requisition_id: i for i in build(world).section(ag.AT_RISK)}
    assert set(at_risk) == {world["promise"].id, world["no_submittal"].id, world["stale"].id}
    # Opened 23 Nov with the 36-day default estimate: realistic is 29 Dec, promised 10 Dec.
    assert "Promised 10 Dec, 19 days before the realistic 36-day estimate" in at_risk[world["promise"].id].detail
    assert at_risk[world["promise"].id].person_id == world["people"]["Sam Sales"].id
    no_sub = at_risk[world["no_submittal"].id]
    assert "No submittal within 1 business day of qualification (grade A)" in no_sub.detail
    assert no_sub.person_id == world["people"]["Rita Recruiter"].id
    assert "no status change for 5+ days" in at_risk[world["stale"].id].detail.lower()


def test_the_staleness_the_agenda_warns_of_is_the_one_the_teams_agreed(world):
    # The metric measures staleness at the agreed expectation's threshold; the agenda used to flag at
    # 5 days whatever the teams had agreed.
    store, stale = world["store"], world["stale"].id  # last status change 10 Nov: 16 days ago

    def agree(days: int) -> None:
        store.add_expectation(
            Expectation(
                title=f"No requisition without a status change for {days} days",
                owner_team=Team.RECRUITING,
                metric=NO_STALE_REQUISITION_DAYS,
                threshold=days,
                status="agreed",
            )
        )

    agree(20)
    assert stale not in {i.requisition_id for i in build(world).section(ag.AT_RISK)}
    store.set_expectation_status(store.list_expectations(statuses=("agreed",))[-1].id, "retired")
    agree(14)
    at_risk = {i.requisition_id: i for i in build(world).section(ag.AT_RISK)}
    assert "no status change for 14+ days" in at_risk[stale].detail.lower()


def test_a_computed_estimate_replaces_the_default(world):
    store = world["store"]
    store.set_derived([(80, "A", 14, world["promise"].id)])  # realistic: 7 Dec, promised 10 Dec
    at_risk = {i.requisition_id for i in build(world).section(ag.AT_RISK)}
    assert world["promise"].id not in at_risk


def test_healthy_and_paused_requisitions_stay_off_the_agenda(world):
    agenda = build(world)
    mentioned = {i.requisition_id for i in agenda.items}
    assert world["healthy"].id not in mentioned
    assert world["paused"].id not in mentioned


def test_open_disputes_come_with_their_top_proposal(world):
    asked = []

    def top(dispute):
        asked.append(dispute.id)
        return "Quote the team's median time to fill"

    disputes = build(world, proposals=top).section(ag.DISPUTES)
    assert [d.dispute_id for d in disputes] == [world["dispute"].id]
    assert asked == [world["dispute"].id]
    item = disputes[0]
    assert item.title == f"{world['dispute'].code} {world['promise'].code}: Client promised a hire by 10 Dec"
    assert item.requisition_id == world["promise"].id
    assert "Rita Recruiter and Sam Sales" in item.detail
    assert item.detail.endswith("Top proposal: Quote the team's median time to fill")


def test_a_failing_proposal_lookup_does_not_stop_the_agenda(world):
    def broken(_dispute):
        raise RuntimeError("pack did not load")

    disputes = build(world, proposals=broken).section(ag.DISPUTES)
    assert len(disputes) == 1 and "Top proposal" not in disputes[0].detail


def test_expectations_missed_come_before_those_at_risk(world):
    def check():
        return [
            ag.ExpectationFinding(
                expectation=Expectation(id=2, title="Client feedback within 48 h", owner_team=Team.SALES),
                verdict="at_risk",
                detail="31 of 38 submittals, 82% (target 80%)",
            ),
            ag.ExpectationFinding(
                expectation=Expectation(id=5, title="Intake call within 24 h", owner_team=Team.SALES), verdict="missed"
            ),
        ]

    items = build(world, expectations=check).section(ag.EXPECTATIONS)
    assert [i.title for i in items] == [
        "Missed: Intake call within 24 h (sales team)",
        "At risk: Client feedback within 48 h (sales team)",
    ]
    assert items[0].detail == "sales team, target 90%"
    assert items[1].detail == "31 of 38 submittals, 82% (target 80%)"


def test_sections_follow_the_meeting_order(world):
    agenda = build(world, proposals=lambda d: None)
    order = [s for s in ag.SECTIONS if agenda.section(s)]
    seen = []
    for item in agenda.items:
        if not seen or seen[-1] != item.section:
            seen.append(item.section)
    assert seen == order


def test_long_sections_end_with_how_many_more(world):
    agenda = build(world, limit=2)
    at_risk = agenda.section(ag.AT_RISK)
    assert len(at_risk) == 3
    assert at_risk[-1].title == "+1 more at-risk requisitions"
    assert at_risk[-1].more == 1 and at_risk[-1].requisition_id is None


def test_agenda_items_become_standup_items_in_order(world):
    agenda = build(world)
    items = agenda.to_standup_items()
    assert [i.position for i in items] == list(range(len(agenda)))
    assert items[0].section == ag.WINS and items[0].person_id == world["people"]["Rita Recruiter"].id
    overdue = next(i for i in items if i.section == ag.OVERDUE)
    assert overdue.commitment_id == world["overdue"].id and overdue.person_id == world["people"]["Sam Sales"].id


def test_several_commitments_kept_by_one_person_make_one_win(world, clock):
    store, ray = world["store"], world["people"]["Ray Hunter"]
    clock.at = dt.datetime(2026, 11, 23, 10, 0)
    promise = world["promise"]
    for text, on in (("Call back the shortlist", promise.id), ("Book the reference checks", None)):
        c = store.add_commitment(Commitment(owner_id=ray.id, text=text, due=dt.date(2026, 11, 24), requisition_id=on))
        store.set_commitment_status(c.id, "kept")
    wins = [w for w in build(world).section(ag.WINS) if w.person_id == ray.id]
    assert len(wins) == 1
    assert wins[0].title == f"Ray Hunter: kept 2 commitments ({promise.code})"
    assert sorted(wins[0].detail.splitlines()) == [
        "Kept: Book the reference checks",
        f"Kept: Call back the shortlist ({promise.code})",
    ]


def test_two_people_promising_the_same_words_read_apart_by_their_requisition(world):
    store, sam = world["store"], world["people"]["Sam Sales"]
    for req in (world["promise"], world["stale"]):
        store.add_commitment(
            Commitment(owner_id=sam.id, text="Send the revised JD", due=dt.date(2026, 11, 25), requisition_id=req.id)
        )
    titles = [i.title for i in build(world).section(ag.OVERDUE) if "revised JD" in i.title]
    assert titles == [
        f"Sam Sales: Send the revised JD ({world['promise'].code})",
        f"Sam Sales: Send the revised JD ({world['stale'].code})",
    ]


def test_a_long_agenda_is_cut_to_the_meeting_most_urgent_first(world):
    agenda = build(world)
    fitted = ag.fit_to_meeting(agenda, 6)  # four places at 90 s an item, five sections with something
    talked = [i for i in fitted.items if not ag.is_more(i)]
    assert len(talked) == 4 and fitted.planned_seconds <= 6 * 60
    # Disputes, overdue, at-risk and due-today earn a place before intake and the wins.
    assert [i.section for i in talked] == [ag.OVERDUE, ag.DUE_TODAY, ag.AT_RISK, ag.DISPUTES]
    more = {i.section: i.title for i in fitted.items if ag.is_more(i)}
    assert more[ag.WINS] == "+1 more wins" and more[ag.INTAKE] == "+1 more requisitions awaiting intake"
    assert more[ag.AT_RISK] == "+2 more at-risk requisitions"
    # Nothing is reordered: the meeting still walks the sections in their order.
    order = [ag.SECTIONS.index(i.section) for i in fitted.items]
    assert order == sorted(order)


def test_a_short_agenda_spreads_the_meeting_over_its_items(world):
    fitted = ag.fit_to_meeting(build(world), 60)
    assert not any(ag.is_more(i) for i in fitted.items)
    assert fitted.item_seconds * len(fitted.items) <= 60 * 60
    assert fitted.item_seconds >= ag.PLANNED_ITEM_SECONDS


def test_plus_puts_the_left_off_items_into_the_running_standup_in_place(world):
    store = world["store"]
    fitted = ag.fit_to_meeting(build(world), 6)
    standup = store.start_standup(Standup(started_at=NOW, items=fitted.agenda.to_standup_items(), current_item=0))
    position = next(i for i, item in enumerate(standup.items) if item.title == "+2 more at-risk requisitions")
    before = [i.title for i in standup.items]
    added = ag.expand_more(store, standup.saved_id, position, build(world))
    after = [i.title for i in store.get_standup(standup.saved_id).items]
    assert added == 2
    assert after[:position] == before[:position] and after[position + 2 :] == before[position + 1 :]
    assert all(
        world["store"].get_requisition(i.requisition_id)
        for i in store.get_standup(standup.saved_id).items[position : position + 2]
    )
    # The line is gone: a second press on that place adds nothing.
    assert ag.expand_more(store, standup.saved_id, position, build(world)) == 0


def test_a_first_standup_counts_wins_from_the_beginning(tmp_path, clock):
    store = Store(tmp_path / "first.db", now=clock)
    owner = store.add_person(Person(name="Sam Sales", team=Team.SALES))
    clock.at = dt.datetime(2026, 11, 2, 9, 0)
    req = store.add_requisition(Requisition(title="Chef", client="Bistro", sales_owner_id=owner.id, status="offer"))
    store.change_status(req.id, "filled")
    clock.at = NOW
    agenda = ag.build_agenda(store, NOW, expectations=lambda: [])
    assert agenda.since is None and agenda.previous_standup_id is None
    assert [i.requisition_id for i in agenda.section(ag.WINS)] == [req.id]
    assert agenda.section(ag.CARRIED) == []
    store.close()
