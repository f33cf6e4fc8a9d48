"""What the screens say about one of something: "1 submittal, 1 open dispute", "1 field needs
attention", a dispute "new today" or "1 day old" (issue 18, problem 9: "1 open disputes", "1 field need
attention", "today old")."""

from __future__ import annotations

import datetime as dt

from textual.widgets import Input

from mediation_console.db.models import (
    DisputeCategory,
    Engagement,
    EventKind,
    PipelineEvent,
    Requisition,
)
from mediation_console.screens.dialogs.requisition_detail import RequisitionDetail
from mediation_console.screens.dialogs.requisition_form import RequisitionForm
from mediation_console.screens.disputes import DisputesScreen
from tests.app.screen_text import screen_text
from tests.conftest import seed as seed_team
from tests.helpers import raise_dispute
from tests.pilot import press_to

SIZE = (120, 40)


def one_of_everything(store) -> Requisition:
    people = seed_team(store, requisitions=0)
    owner = next(p for p in people.values() if p.team == "sales")
    recruiter = next(p for p in people.values() if p.team == "recruiting")
    now = store.now()
    req = store.add_requisition(
        Requisition(
            title="Payroll Lead",
            client="Contoso Health",
            sales_owner_id=owner.saved_id,
            recruiter_id=recruiter.saved_id,
            engagement=Engagement.CONTINGENT,
            competing_agencies=1,
            interview_stages=1,
            must_haves=1,
            promised_date=(now + dt.timedelta(days=1)).date(),
            opened_at=now - dt.timedelta(days=10),
        )
    )
    store.add_pipeline_event(
        PipelineEvent(requisition_id=req.saved_id, kind=EventKind.SUBMITTAL, at=now, actor_id=recruiter.saved_id)
    )
    summary = "The client rejects every shortlist without saying why"
    raise_dispute(store, recruiter, owner, DisputeCategory.CANDIDATE_QUALITY, summary, about=req, severity=2)
    return req


async def test_the_detail_of_a_requisition_with_one_of_each_says_one(empty_store, app_factory):
    one_of_everything(empty_store)
    app = app_factory(empty_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await press_to(pilot, "enter", RequisitionDetail)
        text = screen_text(app)
        for said in ("1 submittal, 1 open dispute", "1 competing agency", "1 must-have", "1 stage,", "(tomorrow)"):
            assert said in text
        for wrong in ("1 submittals", "1 open disputes", "1 competing agencies", "1 must-haves", "1 stages"):
            assert wrong not in text


async def test_a_form_with_one_wrong_field_says_one_field_needs_attention(store, app_factory):
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        form = await press_to(pilot, "e", RequisitionForm)
        form.query_one("#field-title", Input).value = "   "
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        said = [str(n.message) for n in app._notifications]
        assert any(m.startswith("1 field needs attention: Give the requisition a title") for m in said), said
        form.query_one("#field-salary_min", Input).value = "lots"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        said = [str(n.message) for n in app._notifications]
        assert any(m.startswith("2 fields need attention") for m in said), said


async def test_a_dispute_opened_today_is_new_today_and_tomorrow_one_day_old(store, app_factory, clock):
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        await press_to(pilot, "2", DisputesScreen)
        text = screen_text(app)
        assert "new today" in text and "today old" not in text
    clock.advance(days=1)
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        text = screen_text(app)
        assert "1 day old" in text and "1 days" not in text
