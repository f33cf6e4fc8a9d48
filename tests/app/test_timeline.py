"""The requisition's timeline dates each thing by when it happened, the time the user typed (issue 18, problem 6)."""

from __future__ import annotations

import datetime as dt

from textual.widgets import Static

from mediation_console.db.models import EventKind, PipelineEvent, RequisitionStatus
from mediation_console.screens.dialogs.requisition_detail import RequisitionDetail
from tests.pilot import press_to

SIZE = (120, 40)


async def test_a_submittal_logged_days_later_sits_at_the_time_it_happened_and_says_when_it_was_logged(
    store, app_factory, clock
):
    req = store.get_requisition(1)
    now = store.now()
    typed = (now - dt.timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    store.change_status(1, RequisitionStatus.QUALIFIED)
    clock.at = now + dt.timedelta(minutes=5)
    store.add_pipeline_event(PipelineEvent(requisition_id=1, kind=EventKind.SUBMITTAL, at=typed, note="two sent"))
    clock.at = now + dt.timedelta(minutes=6)
    store.add_pipeline_event(
        PipelineEvent(
            requisition_id=1, kind=EventKind.INTERVIEW, at=now + dt.timedelta(minutes=4), actor_id=req.recruiter_id
        )
    )
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        await press_to(pilot, "enter", RequisitionDetail)
        lines = str(app.screen.query_one(".detail-timeline", Static).render()).splitlines()
    logged = (now + dt.timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")
    submittal = f"{typed:%Y-%m-%d %H:%M}  submittal (logged {logged}) — two sent"
    assert submittal in lines, lines
    status = next(i for i, line in enumerate(lines) if "status intake → qualified" in line)
    # Newest first by when it happened: the submittal three days ago sits below today's status change,
    # though it was logged after it.
    assert lines.index(submittal) > status
    # Logged a couple of minutes after it happened: no second time.
    [interview] = [
        line for line in lines if line.startswith(f"{now + dt.timedelta(minutes=4):%Y-%m-%d %H:%M}  interview")
    ]
    assert "logged" not in interview
