"""Grades that explain themselves (issue 18, problem 4): the cap and its reason beside the score, and a
scorecard whose sentences never contradict the requisition's own fields."""

from __future__ import annotations

import datetime as dt

from textual.widgets import Static

from mediation_console.db.models import Engagement, Person, Requisition
from mediation_console.db.store import Store
from mediation_console.screens.dialogs.requisition_detail import RequisitionDetail
from tests.app.screen_text import screen_text
from tests.conftest import seed as seed_team
from tests.helpers import raise_dispute
from tests.pilot import press_to

SIZE = (120, 40)


def strong_requisition(owner_id: int, *, intake: bool) -> Requisition:
    """Everything a fillable search has, with or without the intake call."""
    return Requisition(
        title="Payroll Lead",
        client="Contoso Health",
        sales_owner_id=owner_id,
        engagement=Engagement.EXCLUSIVE,
        fee_pct=22,
        salary_min=70_000,
        salary_max=90_000,
        market_salary=85_000,
        intake_at=dt.datetime(2026, 11, 10, 9, 0) if intake else None,
        hiring_manager_access=True,
        feedback_agreed_48h=True,
        interview_stages=2,
        interview_dates_agreed=True,
        promised_date=dt.date(2027, 2, 1),
        jd_clear=True,
        must_haves=3,
        headcount_approved=True,
        reason_known=True,
        candidates_exist=True,
    )


def seed_strong_requisition(store: Store, *, intake: bool) -> tuple[dict[str, Person], Requisition]:
    """The small team, and one strong requisition of the first salesperson's, with or without the intake call."""
    people = seed_team(store, requisitions=0)
    owner = next(p for p in people.values() if p.team == "sales")
    return people, store.add_requisition(strong_requisition(owner.saved_id, intake=intake))


async def open_detail(app, pilot) -> str:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await press_to(pilot, "enter", RequisitionDetail)
    return str(app.screen.query_one(".detail-scorecard", Static).render())


async def test_a_high_score_capped_at_c_says_it_was_capped_and_why(empty_store, app_factory):
    seed_strong_requisition(empty_store, intake=False)
    app = app_factory(empty_store)
    async with app.run_test(size=SIZE) as pilot:
        scorecard = await open_detail(app, pilot)
        headline = scorecard.splitlines()[0]
        assert "grade C, capped from A" in headline
        assert "No intake call has been held" in headline
        # The same words reach the screen, not only the widget.
        assert "capped from A" in screen_text(app)


async def test_a_grade_the_score_gave_names_its_band(empty_store, app_factory):
    seed_strong_requisition(empty_store, intake=True)
    app = app_factory(empty_store)
    async with app.run_test(size=SIZE) as pilot:
        headline = (await open_detail(app, pilot)).splitlines()[0]
        assert "grade A (A is 70 or more)" in headline
        assert "capped" not in headline


async def test_without_an_intake_the_scorecard_never_says_the_hiring_manager_was_on_the_intake_call(
    empty_store, app_factory
):
    seed_strong_requisition(empty_store, intake=False)
    app = app_factory(empty_store)
    async with app.run_test(size=SIZE) as pilot:
        scorecard = await open_detail(app, pilot)
        assert any("intake" in line and "not done" in line for line in screen_text(app).splitlines())
        assert "was on the intake call" not in scorecard
        assert "no intake call has been held yet" in scorecard


async def test_a_disputes_facts_say_why_a_well_scored_requisition_is_graded_c(empty_store, app_factory):
    from mediation_console.db.models import DisputeCategory

    people, req = seed_strong_requisition(empty_store, intake=False)
    owner = next(p for p in people.values() if p.team == "sales")
    recruiter = next(p for p in people.values() if p.team == "recruiting")
    summary = "Sourcing started before anyone spoke to the hiring manager"
    raise_dispute(empty_store, recruiter, owner, DisputeCategory.NO_INTAKE, summary, about=req, severity=2)
    app = app_factory(empty_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        grade_lines = [line for line in screen_text(app).splitlines() if line.strip().startswith("Grade ")]
        assert grade_lines, "the dispute's facts show the grade"
        assert "C (capped from A: no" in grade_lines[0]  # wrapped in its column: "… intake call)"
