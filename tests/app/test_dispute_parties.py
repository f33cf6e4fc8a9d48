"""Disputes with more than two people, and disputes between the two teams, from the keyboard: the capture
form takes further parties by name and a "between the teams" tick (errors by the field), the disputes
screen says who is in it and shows the teams' numbers, and accepting the top proposal gives every party
their own commitment."""

from __future__ import annotations

import io
import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.widgets import Checkbox, Input, Label, OptionList, Static

from mediation_console.console.app import MediationApp
from mediation_console.console.core.stories import load_story
from mediation_console.db.models import DisputeStatus
from mediation_console.db.store import Store
from mediation_console.screens.dialogs.dispute_accept import ResolveDispute
from mediation_console.screens.dialogs.dispute_capture import DisputeCapture
from tests.app.test_disputes import NOW, SIZE, seed_disputes
from tests.helpers import store_fixture
from tests.pilot import press_to, settle

STORIES = Path(__file__).parents[1] / "stories"


store = store_fixture(NOW)


@pytest.fixture
def seeded(store):
    return seed_disputes(store)


def rendered(renderable) -> str:
    console = Console(width=110, record=True, file=io.StringIO())
    console.print(renderable)
    return " ".join(console.export_text().split())


async def open_capture_on_the_parties(app, pilot) -> DisputeCapture:
    """d from the queue (REQ-0001 prefilled, Rita raising it with Sam), c for credit, a summary, then tab
    through both interests to "Also in it"."""
    await pilot.pause()
    await pilot.press("d", "c", *"Who gets the credit for the Northwind hire?", "tab", "tab", "tab")
    capture = app.screen
    assert isinstance(capture, DisputeCapture)
    assert app.focused is capture.query_one("#parties", Input)
    return capture


async def test_the_capture_takes_further_people_by_name_whatever_their_case(store, seeded):
    app = MediationApp(store, now=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await open_capture_on_the_parties(app, pilot)
        await pilot.press(*"Ravi Sourcer, dana deal, Sam Seller", "enter")  # Sam is already in it
        await settle(pilot)
        assert not isinstance(app.screen, DisputeCapture)
    logged = store.dispute_by_code("D-0003")
    assert (logged.raised_by_id, logged.counterpart_id) == (seeded["rita"], seeded["sam"])
    assert logged.parties == [seeded["ravi"], seeded["dana"]]
    assert logged.between_teams is False
    assert store.timeline("dispute", logged.saved_id)[-1].action == "create"


async def test_a_name_not_in_the_team_is_refused_by_the_field_with_the_closest_name(store, seeded):
    app = MediationApp(store, now=lambda: NOW)
    before = len(store.list_disputes())
    async with app.run_test(size=SIZE) as pilot:
        capture = await open_capture_on_the_parties(app, pilot)
        await pilot.press(*"Ravi Sorcer", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DisputeCapture), "the form stays open so nothing typed is lost"
        error = capture.query_one("#parties-error", Label)
        assert error.has_class("-shown")
        assert "'Ravi Sorcer' is not in the team — did you mean 'Ravi Sourcer'?" in str(error.render())
        assert not capture.query_one("#people-error", Label).has_class("-shown")
        assert app.focused is capture.query_one("#parties", Input)
        # The error follows the typing.
        await pilot.press(*["backspace"] * 4, *"urcer")
        await pilot.pause()
        assert not error.has_class("-shown"), (capture.query_one("#parties", Input).value, str(error.render()))
    assert len(store.list_disputes()) == before


async def test_between_the_teams_is_about_no_single_requisition_and_saves_once_it_is_cleared(store, seeded):
    app = MediationApp(store, now=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        capture = await open_capture_on_the_parties(app, pilot)
        capture.query_one("#between-teams", Checkbox).value = True
        await pilot.pause()
        await press_to(pilot, "enter", DisputeCapture)
        error = capture.query_one("#parties-error", Label)
        assert "about no single requisition" in str(error.render())
        assert store.dispute_by_code("D-0003") is None
        # Back up to the requisition field and clear it.
        await pilot.press(*["shift+tab"] * 7)
        assert app.focused is capture.query_one("#requisition", Input)
        await pilot.press("ctrl+u")
        await pilot.pause()
        assert not error.has_class("-shown")
        capture.query_one("#summary", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, DisputeCapture)
    logged = store.dispute_by_code("D-0003")
    assert logged.between_teams is True and logged.requisition_id is None


async def test_between_the_teams_needs_one_person_from_each_team(store, seeded):
    app = MediationApp(store, now=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        capture = await open_capture_on_the_parties(app, pilot)
        capture.query_one("#requisition", Input).value = ""
        capture.query_one("#counterpart").value = seeded["ravi"]  # two recruiters
        capture.query_one("#between-teams", Checkbox).value = True
        await pilot.pause()
        capture.query_one("#summary", Input).focus()
        await press_to(pilot, "enter", DisputeCapture)
        assert "one person from each team" in str(capture.query_one("#people-error", Label).render())
    assert store.dispute_by_code("D-0003") is None


def story_store(tmp_path: Path, name: str) -> tuple[Store, object]:
    data = tomllib.loads((STORIES / name).read_text(encoding="utf-8"))
    store = Store(tmp_path / "story.db")
    loaded = load_story(store, data, source=name)
    store.now = lambda: loaded.now
    return store, loaded


@asynccontextmanager
async def disputes_of_story(tmp_path: Path, name: str) -> AsyncIterator[tuple[Any, Any]]:
    """The console on a story's file at the story's moment (130x60), on the disputes screen once it has
    settled: yields that screen and the loaded story."""
    store, loaded = story_store(tmp_path, name)
    try:
        app = MediationApp(store, now=lambda: loaded.now)
        async with app.run_test(size=(130, 60)) as pilot:
            await pilot.pause()
            await pilot.press("2")
            await settle(pilot)
            yield app.screen, loaded
    finally:
        store.close()


async def test_the_disputes_screen_names_all_three_and_accepting_gives_each_their_commitment(tmp_path):
    store, loaded = story_store(tmp_path, "credit_three_people_split_recorded.toml")
    try:
        people = {p.name: p.id for p in store.list_people()}
        dispute = loaded.disputes[-1]
        app = MediationApp(store, now=lambda: loaded.now)
        async with app.run_test(size=(130, 60)) as pilot:
            await pilot.pause()
            await pilot.press("2")
            await settle(pilot)
            screen = app.screen
            assert screen.analysis.dispute_id == dispute.id
            summary = rendered(screen.query_one("#dispute-summary", Static).content)
            assert "3 people in it: Ben Carter (recruiting), Priya Shah (sales) and Lena Novak (recruiting)" in summary
            assert screen.analysis.proposals[0].id == "credit.settle-from-record"
            owners = {c.owner_id for c in screen.analysis.commitments[0]}
            assert owners == {people["Ben Carter"], people["Priya Shah"], people["Lena Novak"]}
            options = screen.query_one("#proposals", OptionList)
            shown = rendered(options.get_option_at_index(0).prompt)
            for name in ("Ben Carter", "Priya Shah", "Lena Novak"):
                assert name in shown
            await press_to(pilot, "a", ResolveDispute)
            await pilot.press("enter")
            await settle(pilot)
        resolved = store.get_dispute(dispute.saved_id)
        assert resolved.status == DisputeStatus.RESOLVED
        made = store.list_commitments(dispute_id=dispute.saved_id)
        steps = {c.owner_id for c in made if not c.text.startswith("Check in")}
        assert steps == {people["Ben Carter"], people["Priya Shah"], people["Lena Novak"]}
    finally:
        store.close()


async def test_the_disputes_screen_shows_a_dispute_between_the_teams_with_the_teams_numbers(tmp_path):
    async with disputes_of_story(tmp_path, "teams_recruiting_never_delivers.toml") as (screen, _loaded):
        summary = rendered(screen.query_one("#dispute-summary", Static).content)
        assert "Between the two teams:" in summary and "stand for them" in summary
        facts = dict(screen.analysis.facts)
        assert facts["Team median time to fill"] == "42 days"
        assert facts["Team fills behind that median"] == "6"
        assert facts["Sales team commitments decided (90 days)"] == "15"
        top = screen.analysis.proposals[0]
        assert top.id == "teams.facts-first-review"
        assert "median time to fill 42 days (6 fills, 30–55 days)" in top.criterion_value


async def test_the_disputes_screen_shows_the_teams_open_requisitions_for_a_team_wide_dispute_about_pay(tmp_path):
    """A dispute between the teams about salaries nobody takes: the Facts list the teams' open requisitions
    (how many pay past the gate below market, out of how many, the median gap, the declines on pay), the
    diagnosis cites them with their source, and the top option works through those requisitions."""
    async with disputes_of_story(tmp_path, "teams_salaries_nobody_takes.toml") as (screen, _loaded):
        facts = dict(screen.analysis.facts)
        assert facts["Open requisitions with a salary max and a market median"] == "5"
        assert facts["Of those, paying more than the pay gate below market"] == "4"
        assert facts["Median salary max vs market median"] == "20% below"
        assert facts["Of those, on pay"] == "2"
        summary = rendered(screen.query_one("#dispute-summary", Static).content)
        assert "4 of the teams' 5 open requisitions with a market median pay more than 15% below it" in summary
        assert "the requisitions' salary max and market salary" in summary
        assert screen.analysis.proposals[0].id == "teams.pay-market-sweep"
