"""Win/win proposals: a realistic dispute in each category gets the expected option, filled with facts."""

from __future__ import annotations

import datetime as dt

import pytest

from mediation_console.console.core.rules.refresh import refresh_derived, refresh_one
from mediation_console.console.core.rules.service import Mediator
from mediation_console.db.models import (
    Commitment,
    CommitmentStatus,
    Dispute,
    DisputeCategory,
    Engagement,
    EventKind,
    PipelineEvent,
    Requisition,
)
from mediation_console.db.store import Store
from tests.helpers import proposal_toml, seller_and_recruiter

NOW = dt.datetime(2025, 3, 7, 10, 0)  # a Friday
TODAY = NOW.date()


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "rules.db", now=lambda: NOW) as s:
        seller_and_recruiter(s, "Riley Recruiter")
        yield s


def people(store):
    return store.person_by_name("Sam Seller").id, store.person_by_name("Riley Recruiter").id


def add_req(store, days_ago=10, **changes):
    sam, riley = people(store)
    fields = dict(
        title="Backend Engineer",
        client="Acme",
        sales_owner_id=sam,
        recruiter_id=riley,
        salary_max=120_000,
        market_salary=110_000,
        engagement=Engagement.EXCLUSIVE,
        fee_pct=22,
        intake_at=NOW - dt.timedelta(days=days_ago - 1),
        hiring_manager_access=True,
        feedback_agreed_48h=True,
        interview_stages=3,
        interview_dates_agreed=True,
        promised_date=TODAY + dt.timedelta(days=40),
        jd_clear=True,
        must_haves=3,
        headcount_approved=True,
        reason_known=True,
        candidates_exist=True,
        opened_at=NOW - dt.timedelta(days=days_ago),
    )
    fields.update(changes)
    return store.add_requisition(Requisition(**fields))


def add_dispute(store, category, req=None, raised_by="recruiting"):
    sam, riley = people(store)
    raiser, other = (riley, sam) if raised_by == "recruiting" else (sam, riley)
    return store.add_dispute(
        Dispute(
            requisition_id=req.id if req else None,
            raised_by_id=raiser,
            counterpart_id=other,
            category=category,
            severity=2,
            summary=f"A {category.value} dispute",
            opened_at=NOW - dt.timedelta(days=3),
        )
    )


def event(store, req, kind, days_ago):
    store.add_pipeline_event(PipelineEvent(requisition_id=req.id, kind=kind, at=NOW - dt.timedelta(days=days_ago)))


def scenario_pay(store):
    return add_req(store, salary_max=85_000, market_salary=110_000)


def scenario_no_intake(store):
    return add_req(store, days_ago=5, intake_at=None, hiring_manager_access=False)


def scenario_slow(store):
    return add_req(store, days_ago=9)


def scenario_quality(store):
    req = add_req(store, jd_clear=False)
    for days in (8, 7, 6, 5):
        event(store, req, EventKind.SUBMITTAL, days)
    return req


def scenario_client(store):
    req = add_req(store, feedback_agreed_48h=False)
    event(store, req, EventKind.SUBMITTAL, 5)
    return req


def scenario_timeline(store):
    return add_req(store, days_ago=2, promised_date=TODAY + dt.timedelta(days=8))


def scenario_scope(store):
    req = add_req(store)
    store.update_requisition(req.model_copy(update={"must_haves": 5}))
    store.update_requisition(
        store.get_requisition(req.id).model_copy(update={"must_haves": 6, "title": "Staff Engineer"})
    )
    return store.get_requisition(req.id)


def scenario_credit(store):
    return None


def scenario_fee(store):
    return add_req(store, engagement=Engagement.CONTINGENT, fee_pct=15, competing_agencies=3)


def scenario_blame(store):
    return add_req(store)


CATEGORY_CASES = [
    # (category, scenario, expected top proposal, words in the criterion's current value)
    (
        DisputeCategory.PAY_BELOW_MARKET,
        scenario_pay,
        "pay.market-data",
        "$85,000 vs the $110,000 market median (23% below)",
    ),
    (DisputeCategory.NO_INTAKE, scenario_no_intake, "intake.joint-call", "intake held: no"),
    (DisputeCategory.SLOW_SUBMITTALS, scenario_slow, "submittals.sla-by-grade", "0 submittals in 9 days"),
    (
        DisputeCategory.CANDIDATE_QUALITY,
        scenario_quality,
        "quality.reject-reasons",
        "0 interviews from 4 submittals (0%)",
    ),
    (
        DisputeCategory.CLIENT_UNRESPONSIVE,
        scenario_client,
        "client.feedback-terms",
        "Longest wait for feedback 120 h (norm 48 h)",
    ),
    (
        DisputeCategory.OVERPROMISED_TIMELINE,
        scenario_timeline,
        "timeline.quote-median",
        "Promised 10 days vs a realistic 36 days (default, 0 similar filled)",
    ),
    (DisputeCategory.SCOPE_CREEP, scenario_scope, "scope.re-intake", "2 spec changes since opening; 6 must-haves"),
    (DisputeCategory.CREDIT_SPLIT, scenario_credit, "credit.written-split", "Default split 50% sales / 50% recruiting"),
    (DisputeCategory.FEE_CONCESSION, scenario_fee, "fee.trade-for-exclusivity", "fee 15%"),
    (
        DisputeCategory.BLAME_VISIBILITY,
        scenario_blame,
        "visibility.facts-first-review",
        "Sam Seller unknown, Riley Recruiter unknown",
    ),
]


def test_dispute_facts_are_labelled_lines_ready_to_display(store):
    dispute = add_dispute(store, DisputeCategory.PAY_BELOW_MARKET, scenario_pay(store))
    lines = {
        line.label: line.value
        for line in Mediator(store, today=TODAY, include_user_pack=False).dispute_facts(dispute.id)
    }
    assert lines["Salary max"] == "$85,000"
    assert lines["Salary max vs market median"] == "23% below"
    assert lines["Sales follow-through (90 days)"] == "unknown"


TRACK_PACK = "\n".join(
    proposal_toml(
        f"credit.{side}-does-it",
        "credit_split",
        f"{side.capitalize()} carries the work",
        f'[{{ owner = "{side}", text = "{side.capitalize()} does it", due_in = 4 }}]',
        priority="10",
    )
    for side in ("sales", "recruiting")
)


def record(store, owner_id, kept, missed):
    for status, count in ((CommitmentStatus.KEPT, kept), (CommitmentStatus.MISSED, missed)):
        for i in range(count):
            made = store.add_commitment(
                Commitment(owner_id=owner_id, text=f"promise {i}", due=TODAY - dt.timedelta(days=10 + i))
            )
            store.set_commitment_status(made.id, status)


def test_ranking_prefers_the_side_that_keeps_its_commitments_and_tightens_the_other(store, tmp_path):
    sam, riley = people(store)
    record(store, sam, kept=1, missed=3)  # sales: 25%
    record(store, riley, kept=9, missed=1)  # recruiting: 90%
    pack = tmp_path / "track.toml"
    pack.write_text(TRACK_PACK, encoding="utf-8")
    dispute = add_dispute(store, DisputeCategory.CREDIT_SPLIT)
    mediator = Mediator(store, extra_packs=[pack], today=TODAY, include_user_pack=False)
    ranked = [p for p in mediator.proposals_for(dispute.id) if p.id.endswith("-does-it")]
    assert [p.id for p in ranked] == ["credit.recruiting-does-it", "credit.sales-does-it"]
    sales_version = ranked[1]
    assert sales_version.commitments[0].due_in == 2  # halved from 4 for a side at 25 %
    (check_in,) = sales_version.check_ins
    assert check_in.owner == "sales" and "Check in with the lead" in check_in.text
    # The check-in falls before the step it checks (it used to fall on the same day, or after it).
    assert check_in.due_in == 1 and check_in.due < sales_version.commitments[0].due
    assert "Sales follow-through is 25%" in sales_version.adjustments[0]
    # The reliable side keeps its due date; its package still checks in before the step, two days on.
    kept = ranked[0]
    assert kept.steps[0].due_in == 4 and not kept.adjustments
    assert [(c.owner, c.due_in) for c in kept.check_ins] == [("recruiting", 2)]


def test_accepting_a_proposal_gives_its_commitments_to_the_disputes_people_on_business_days(store):
    sam, riley = people(store)
    req = scenario_pay(store)
    dispute = add_dispute(store, DisputeCategory.PAY_BELOW_MARKET, req)
    mediator = Mediator(store, today=TODAY, include_user_pack=False)
    best = mediator.proposals_for(dispute.id)[0]
    commitments = mediator.commitments_for(best, dispute)
    # The package: two steps (sales' due the next business day), sales' standing rule for next time reviewed
    # in ten business days, and sales' check-in with the lead before its step is due (today, a Friday).
    assert [(c.owner_id, c.due) for c in commitments] == [
        (riley, dt.date(2025, 3, 11)),
        (sam, dt.date(2025, 3, 10)),
        (sam, dt.date(2025, 3, 21)),
        (sam, dt.date(2025, 3, 7)),
    ]
    assert commitments[2].text.startswith("From now on: check every new requisition's salary")
    assert commitments[3].text.startswith("Check in with the lead on progress: Send ")
    assert all(c.dispute_id == dispute.id and c.requisition_id == req.id for c in commitments)
    resolved, stored = store.resolve_dispute(dispute.id, best.title, best.id, commitments)
    assert resolved.proposal_id == "pay.market-data" and len(stored) == 4


def test_refreshing_stores_every_requisitions_score_grade_and_estimate(store):
    good = add_req(store)
    no_intake = scenario_no_intake(store)
    assert refresh_derived(store, Mediator(store, today=TODAY, include_user_pack=False)) == 2
    stored = {r.id: (r.grade, r.score, r.estimate_days) for r in store.iter_requisitions()}
    assert stored[good.id] == ("A", 100, 36)
    assert stored[no_intake.id][0] == "C"
    store.update_requisition(store.get_requisition(good.id).model_copy(update={"candidates_exist": False}))
    refresh_one(store, good.id, Mediator(store, today=TODAY, include_user_pack=False))
    assert store.get_requisition(good.id).score == 90
