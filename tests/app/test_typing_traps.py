"""No typing traps in a live meeting (issue 18, problem 7): enter saves every form and dialog, esc on a
changed form asks before discarding, esc clears every screen's filter, focus follows the reading order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from textual.pilot import Pilot
from textual.widgets import Input, Select

from mediation_console.console.app import MediationApp
from mediation_console.db.store import QueueQuery
from mediation_console.screens.dialogs.form_keys import DISCARD_QUESTION
from mediation_console.screens.dialogs.modals import ConfirmModal
from mediation_console.screens.dialogs.requisition_form import RequisitionForm
from mediation_console.screens.disputes import DisputesScreen
from mediation_console.screens.queue import QueueScreen
from tests.app.screen_text import screen_text
from tests.pilot import open_screen, press_to, settle

SIZE = (120, 40)


@asynccontextmanager
async def a_new_requisition_form(app: MediationApp) -> AsyncIterator[Pilot]:
    """The console at SIZE with the new-requisition form opened (n) from the settled queue."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        yield pilot


async def test_enter_on_the_sales_owner_dropdown_saves_the_requisition(store, app_factory):
    app = app_factory(store)
    before = store.count_queue(QueueQuery())
    async with a_new_requisition_form(app) as pilot:
        form = app.screen
        assert isinstance(form, RequisitionForm)
        await pilot.press(*"Night Shift Nurse", "tab", *"Bayside Clinic")
        owner = form.query_one("#field-sales_owner_id", Select)
        owner.value = store.person_by_name("Casey Lin").saved_id
        owner.focus()
        await pilot.pause()
        await pilot.press("enter")  # on the dropdown: saves instead of opening it
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    saved = store.person_by_name("Casey Lin")
    assert store.count_queue(QueueQuery()) == before + 1
    rows = store.query_queue(QueueQuery(text="Night Shift Nurse"), 0, 10)
    assert [(r.title, r.client, r.sales_owner) for r in rows] == [("Night Shift Nurse", "Bayside Clinic", saved.name)]


async def test_space_still_opens_the_dropdown_and_enter_there_picks(store, app_factory):
    app = app_factory(store)
    async with a_new_requisition_form(app) as pilot:
        form = app.screen
        owner = form.query_one("#field-sales_owner_id", Select)
        owner.focus()
        await pilot.press("space")
        await pilot.pause()
        assert owner.expanded
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, RequisitionForm)  # picking saved nothing yet
        assert owner.value is not Select.NULL and not owner.expanded


async def test_esc_on_a_filled_form_asks_before_throwing_it_away(store, app_factory):
    app = app_factory(store)
    async with a_new_requisition_form(app) as pilot:
        await pilot.press(*"Warehouse Lead", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert DISCARD_QUESTION in screen_text(app)
        await pilot.press("n")  # keep editing: nothing lost
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RequisitionForm)
        assert form.query_one("#field-title", Input).value == "Warehouse Lead"
        await pilot.press("escape")
        await pilot.pause()
        await press_to(pilot, "y", QueueScreen)


async def test_esc_on_an_untouched_form_closes_it_at_once(store, app_factory):
    app = app_factory(store)
    async with a_new_requisition_form(app) as pilot:
        await press_to(pilot, "escape", QueueScreen)


async def test_esc_clears_the_disputes_filter_as_it_does_the_queues(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, "2", DisputesScreen)
        everything = len(screen.disputes)
        await pilot.press("slash", *"intake")
        await settle(pilot)
        assert 0 < len(screen.disputes) < everything
        await pilot.press("escape")
        await settle(pilot)
        assert screen.query_one("#disputes-filter", Input).value == ""
        assert len(screen.disputes) == everything
        assert "intake" not in screen_text(demo_app).splitlines()[1]  # the filter line is empty again


async def test_in_the_standup_commitment_form_one_tab_reaches_what_is_promised(tmp_path, monkeypatch):
    from tests.app.test_standup import open_commitment, standup_console

    with standup_console(tmp_path, monkeypatch) as (_store, app):
        async with app.run_test(size=SIZE) as pilot:
            form = await open_commitment(pilot)
            due = form.query_one("#due", Input).value
            await pilot.press("tab", *"Send the shortlist")
            await pilot.pause()
            assert form.query_one("#text", Input).value == "Send the shortlist"
            assert form.query_one("#due", Input).value == due
            # Typing at once (no tab) lands there too, and never changes the prefilled owner.
            owner = form.query_one("#owner", Select).value
            form.query_one("#text", Input).value = ""
            form.query_one("#owner", Select).focus()
            await pilot.press(*"Call the client")
            assert form.query_one("#text", Input).value == "Call the client"
            assert form.query_one("#owner", Select).value == owner


async def test_enter_on_the_list_of_who_is_here_starts_the_standup(tmp_path, monkeypatch):
    from mediation_console.screens.dialogs.standup_start import StandupStart
    from tests.app.test_standup import standup_console

    with standup_console(tmp_path, monkeypatch) as (store, app):
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("5", "s")
            await pilot.pause()
            assert isinstance(app.screen, StandupStart)
            await pilot.press("down", "space", "enter")  # tick someone absent, then start
            await settle(pilot)
            assert not isinstance(app.screen, StandupStart)
            running = store.running_standup()
            assert running is not None and sum(not a.present for a in running.attendees) == 1
