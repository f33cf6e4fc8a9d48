"""Fillability scorecards: every criterion, every gate, the grade bands and the time-to-fill estimate."""

from __future__ import annotations

import datetime as dt

import pytest

from mediation_console.console.core.rules.facts import estimate_from
from mediation_console.console.core.rules.pack import load_pack
from mediation_console.console.core.rules.scorecard import Scorer
from mediation_console.db.models import Engagement, Requisition

OPENED = dt.datetime(2025, 3, 3, 9, 0)


def perfect(**changes) -> Requisition:
    """A requisition that earns full marks on every criterion."""
    fields = dict(
        id=1,
        code="REQ-0001",
        title="Backend Engineer",
        client="Acme",
        sales_owner_id=1,
        salary_max=120_000,
        market_salary=110_000,
        engagement=Engagement.EXCLUSIVE,
        fee_pct=22,
        competing_agencies=0,
        intake_at=OPENED,
        hiring_manager_access=True,
        feedback_agreed_48h=True,
        interview_stages=3,
        interview_dates_agreed=True,
        promised_date=dt.date(2025, 4, 30),
        jd_clear=True,
        must_haves=3,
        headcount_approved=True,
        reason_known=True,
        candidates_exist=True,
        opened_at=OPENED,
    )
    fields.update(changes)
    return Requisition(**fields)


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer(load_pack())


def reason(card, criterion):
    return next(r for r in card.reasons if r.criterion == criterion)


def test_a_requisition_meeting_every_criterion_scores_100_and_grade_a(scorer):
    card = scorer.score(perfect())
    assert (card.score, card.grade, card.gates) == (100, "A", ())
    assert all(r.score == 2 and r.points == r.weight for r in card.reasons)


CRITERIA_CASES = [
    # (criterion, changes, expected score 0-2, words the sentence must contain)
    ("urgency", {}, 2, "fill deadline is 2025-04-30"),
    ("urgency", {"interview_dates_agreed": False}, 1, "no interview dates are agreed"),
    ("urgency", {"promised_date": None}, 1, "no fill deadline"),
    ("urgency", {"promised_date": None, "interview_dates_agreed": False}, 0, '"ASAP" is not urgency'),
    ("commitment", {"reason_known": False}, 1, "nobody knows why the job is open"),
    ("commitment", {"headcount_approved": False}, 1, "headcount is not approved"),
    ("commitment", {"headcount_approved": False, "reason_known": False}, 0, "Headcount is not approved"),
    ("pay", {"salary_max": 110_000}, 2, "$110,000 meets the $110,000 market median"),
    ("pay", {"salary_max": 99_000}, 1, "Salary max $99,000 is 10% below the $110,000 market median"),
    ("pay", {"salary_max": 85_000}, 0, "Salary max $85,000 is 23% below the $110,000 market median"),
    ("pay", {"market_salary": None}, 1, "no market median on record"),
    ("pay", {"salary_max": None}, 0, "No salary range"),
    ("terms", {"engagement": Engagement.RETAINED, "competing_agencies": 4}, 2, "retained engagement at a 22% fee"),
    ("terms", {"engagement": Engagement.CONTINGENT, "competing_agencies": 1}, 2, "against 1 other agency at a 22% fee"),
    ("terms", {"fee_pct": 15}, 1, "the 15% fee is below the 20% standard"),
    ("terms", {"fee_pct": None}, 1, "no fee is recorded"),
    ("terms", {"engagement": Engagement.CONTINGENT, "competing_agencies": 3}, 1, "contingent against 3 other agencies"),
    ("terms", {"engagement": Engagement.CONTINGENT, "competing_agencies": 3, "fee_pct": 15}, 0, "fee of 15%"),
    ("hiring_manager", {"feedback_agreed_48h": False}, 1, "has not agreed to feedback within 48 h"),
    ("hiring_manager", {"hiring_manager_access": False}, 1, "was not on the intake call"),
    ("hiring_manager", {"hiring_manager_access": False, "feedback_agreed_48h": False}, 0, "no feedback agreement"),
    # Without an intake the sentences never claim the hiring manager was on one (issue 18, problem 4).
    ("hiring_manager", {"intake_at": None}, 2, "no intake call has been held yet"),
    ("hiring_manager", {"intake_at": None, "feedback_agreed_48h": False}, 1, "no intake call has been held yet"),
    ("hiring_manager", {"intake_at": None, "hiring_manager_access": False}, 1, "no intake call has been held with"),
    ("interview_process", {"interview_stages": 2}, 2, "2 interview stages"),
    ("interview_process", {"interview_stages": 5}, 1, "5 interview stages"),
    ("interview_process", {"interview_stages": 7}, 0, "drop out"),
    ("interview_process", {"interview_stages": None}, 0, "unknown"),
    ("spec_clarity", {"must_haves": 6}, 1, "lists 6 must-haves"),
    ("spec_clarity", {"must_haves": None}, 1, "must-haves are not listed"),
    ("spec_clarity", {"jd_clear": False}, 1, "job description is unclear"),
    ("spec_clarity", {"jd_clear": False, "must_haves": 9}, 0, "unclear and the must-haves"),
    ("candidate_supply", {"candidates_exist": False}, 0, "Nobody has confirmed"),
]


@pytest.mark.parametrize(
    ("criterion", "changes", "expected", "words"),
    CRITERIA_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CRITERIA_CASES)],
)
def test_each_criterion_scores_and_explains_itself_with_the_real_numbers(scorer, criterion, changes, expected, words):
    card = scorer.score(perfect(**changes))
    verdict = reason(card, criterion)
    assert verdict.score == expected
    assert verdict.points == verdict.weight * expected / 2
    assert words.lower() in verdict.sentence.lower()
    assert card.score == int(sum(r.points for r in card.reasons) + 0.5)  # half points round up


GATE_CASES = [
    # (changes, gate id, grade before gates, grade after)
    ({"intake_at": None}, "no_intake", "A", "C"),
    ({"salary_max": 85_000, "market_salary": 110_000}, "pay_below_market", "A", "B"),
]


@pytest.mark.parametrize(("changes", "gate", "by_score", "capped"), GATE_CASES, ids=[g[1] for g in GATE_CASES])
def test_gates_cap_the_grade_whatever_the_score(scorer, changes, gate, by_score, capped):
    card = scorer.score(perfect(**changes))
    assert card.score_grade == by_score
    assert card.grade == capped
    assert [g.gate for g in card.gates] == [gate]
    assert f"capped at {capped}" in card.gates[0].sentence


def test_pay_exactly_fifteen_percent_below_market_does_not_trip_the_gate(scorer):
    card = scorer.score(perfect(salary_max=93_500, market_salary=110_000))
    assert card.gates == ()
    assert reason(card, "pay").score == 1


@pytest.mark.parametrize(
    ("changes", "grade"),
    [
        ({}, "A"),
        # 100 - 15 (urgency) - 10 (commitment) - 7.5 (terms) = 67.5 -> 68: grade B
        (
            {
                "promised_date": None,
                "interview_dates_agreed": False,
                "headcount_approved": False,
                "reason_known": False,
                "fee_pct": 15,
            },
            "B",
        ),
        # everything weak but intake held: below 45
        (
            {
                "promised_date": None,
                "interview_dates_agreed": False,
                "headcount_approved": False,
                "reason_known": False,
                "hiring_manager_access": False,
                "feedback_agreed_48h": False,
                "candidates_exist": False,
                "interview_stages": None,
            },
            "C",
        ),
    ],
)
def test_grade_bands_are_a_from_70_b_from_45_c_below(scorer, changes, grade):
    card = scorer.score(perfect(**changes))
    assert card.grade == grade
    assert (card.score >= 70) == (grade == "A")


def test_the_estimate_uses_the_team_median_once_five_similar_requisitions_are_filled():
    history = estimate_from([20, 30, 40, 50, 60], "A", "exclusive")
    assert (history.days, history.source, history.sample) == (40, "history", 5)
    assert "median of 5 filled grade A exclusive" in history.sentence


def test_the_estimate_falls_back_to_the_shrm_average_with_thin_history():
    thin = estimate_from([10, 12], "B", "contingent")
    assert (thin.days, thin.source) == (36, "default")
    assert "SHRM average" in thin.sentence and "only 2" in thin.sentence


def test_a_capped_grade_reads_with_its_cap_and_reason_beside_the_score(scorer):
    card = scorer.score(perfect(intake_at=None))
    assert card.headline().startswith(f"Score {card.score} · grade C, capped from A: No intake call")
    assert card.cap_note() == "capped from A: no intake call"


def test_a_grade_from_the_score_alone_names_its_band(scorer):
    card = scorer.score(perfect())
    assert card.headline() == f"Score {card.score} · grade A (A is 70 or more)"
    assert card.cap_note() == ""
