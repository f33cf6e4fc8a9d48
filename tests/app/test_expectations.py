"""The expectations screen from the keyboard: agreeing, proposing, breaches that lead to the requisition, and commitments."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from mediation_console.console.app import MediationApp
from mediation_console.db.defaults import INTAKE_WITHIN_HOURS
from mediation_console.db.models import (
    Commitment,
    CommitmentSource,
    CommitmentStatus,
    Expectation,
    ExpectationStatus,
    Person,
    Requisition,
    Team,
)
from mediation_console.db.store import Store
from mediation_console.screens.dialogs.commitment_form import CancelCommitment, CommitmentForm
from mediation_console.screens.dialogs.expectation_breaches import ExpectationBreaches
from mediation_console.screens.dialogs.expectation_form import ExpectationForm
from mediation_console.screens.expectations import ExpectationsScreen
from tests.helpers import store_fixture
from tests.pilot import open_screen, press_to, settle

NOW = dt.datetime(2026, 11, 23, 9, 0)  # a Monday
TODAY = NOW.date()
SIZE = (140, 40)


def seed_expectations(store: Store) -> dict[str, int]:
    """Two people, three requisitions (one taken without intake), a hand-checked expectation and three
    open commitments: one overdue, one due today, one next week. The defaults stay proposed."""
    sam = store.add_person(Person(name="Sam Seller", team=Team.SALES))
    rita = store.add_person(Person(name="Rita Recruiter", team=Team.RECRUITING))
    on_time = store.add_requisition(
        Requisition(
            title="Senior Data Engineer",
            client="Northwind Analytics",
            sales_owner_id=sam.id,
            recruiter_id=rita.id,
            opened_at=NOW - dt.timedelta(days=10),
            intake_at=NOW - dt.timedelta(days=10, hours=-5),
        )
    )
    no_intake = store.add_requisition(
        Requisition(
            title="Payroll Specialist",
            client="Contoso Retail",
            sales_owner_id=sam.id,
            recruiter_id=rita.id,
            opened_at=NOW - dt.timedelta(days=4),
        )
    )
    late_intake = store.add_requisition(
        Requisition(
            title="Staff Frontend Engineer",
            client="Fabrikam",
            sales_owner_id=sam.id,
            recruiter_id=rita.id,
            opened_at=NOW - dt.timedelta(days=6),
            intake_at=NOW - dt.timedelta(days=4),
        )
    )
    review = store.add_expectation(
        Expectation(
            title="Weekly pipeline review with both teams",
            owner_team=Team.LEAD,
            metric=None,
            target=90,
            window_days=30,
            status=ExpectationStatus.AGREED,
            agreed_at=TODAY - dt.timedelta(days=30),
        )
    )
    overdue = store.add_commitment(
        Commitment(
            owner_id=sam.id,
            text="Book the joint intake for the payroll role",
            due=TODAY - dt.timedelta(days=3),
            requisition_id=no_intake.id,
        )
    )
    today = store.add_commitment(
        Commitment(
            owner_id=rita.id,
            text="Send two calibration profiles",
            due=TODAY,
            requisition_id=on_time.id,
        )
    )
    later = store.add_commitment(
        Commitment(
            owner_id=sam.id,
            text="Run the weekly pipeline review",
            due=TODAY + dt.timedelta(days=7),
            source=CommitmentSource.EXPECTATION,
            expectation_id=review.id,
        )
    )
    return {
        "sam": sam.id,
        "rita": rita.id,
        "no_intake": no_intake.id,
        "late_intake": late_intake.id,
        "review": review.id,
        "overdue": overdue.id,
        "today": today.id,
        "later": later.id,
    }


store = store_fixture(NOW, with_defaults=True)


@pytest.fixture
def seeded(store):
    return seed_expectations(store)


def app_for(store: Store) -> MediationApp:
    return MediationApp(store, now=lambda: NOW)


async def open_expectations(pilot) -> ExpectationsScreen:
    return await open_screen(pilot, "3", ExpectationsScreen)


@asynccontextmanager
async def on_the_expectations(store: Store) -> AsyncIterator[tuple[MediationApp, Pilot, ExpectationsScreen]]:
    """The console on `store`, on its settled expectations screen."""
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        yield app, pilot, await open_expectations(pilot)


def cell(table: DataTable, row: int, column: str) -> str:
    return str(table.get_cell_at((row, table.get_column_index(column))))


async def test_agreeing_a_proposed_expectation_records_the_day(store, seeded):
    async with on_the_expectations(store) as (app, pilot, screen):
        table = screen.expectations_table
        # The agreed one is listed first, the proposed defaults after it.
        assert cell(table, 0, "status") == "agreed"
        await pilot.press("down")
        assert screen.selected_expectation.metric == INTAKE_WITHIN_HOURS
        await pilot.press("a")
        await settle(pilot)
    intake = next(e for e in store.list_expectations() if e.metric == INTAKE_WITHIN_HOURS)
    assert intake.status == ExpectationStatus.AGREED
    assert intake.agreed_at == TODAY


async def test_the_measured_compliance_and_badge_show_beside_each_expectation(store, seeded):
    async with on_the_expectations(store) as (app, pilot, screen):
        table = screen.expectations_table
        intake_row = next(i for i, e in enumerate(screen.expectations) if e.metric == INTAKE_WITHIN_HOURS)
        assert cell(table, intake_row, "measured") == "33% (1/3)"
        assert cell(table, intake_row, "verdict") == "✖ missed"
        # Nothing was checked in by hand yet: "no data", never 100 %.
        assert cell(table, 0, "measured") == "no data"
        assert cell(table, 0, "verdict") == "○ no data"


async def test_agree_and_retire_are_offered_only_where_they_apply(store, seeded):
    async with on_the_expectations(store) as (app, pilot, screen):
        assert screen.check_action("agree", ()) is None  # the first one is agreed already
        assert screen.check_action("retire", ()) is True
        await pilot.press("tab")  # the commitments: expectation keys step aside, commitment keys apply
        assert screen.check_action("retire", ()) is None
        assert screen.check_action("kept", ()) is True


async def test_retiring_asks_first_and_keeps_the_history(store, seeded):
    async with on_the_expectations(store) as (app, pilot, _screen):
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
    assert store.get_expectation(seeded["review"]).status == ExpectationStatus.RETIRED


async def test_proposing_an_expectation_validates_next_to_the_field_and_saves_it_proposed(store, seeded):
    async with on_the_expectations(store) as (app, pilot, _screen):
        form = await press_to(pilot, "n", ExpectationForm)
        # The suggested title is an existing default's: saving is refused and the title says why.
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "already exists" in str(form.query_one("#title-error", Static).render())
        threshold = form.query_one("#threshold", Input)
        threshold.value = "abc"
        await pilot.pause()
        assert str(form.query_one("#threshold-error", Static).render()) == "Enter a number"
        threshold.value = "12"
        form.query_one("#target", Input).value = "140"
        await pilot.pause()
        assert str(form.query_one("#target-error", Static).render()) == "A target is a percentage from 0 to 100"
        form.query_one("#target", Input).value = "95"
        await pilot.pause()
        assert form.query_one("#title", Input).value == "Intake call within 12 h of a new requisition"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ExpectationsScreen)
    saved = next(e for e in store.list_expectations() if e.title.startswith("Intake call within 12 h"))
    assert (saved.metric, saved.threshold, saved.target, saved.status) == (
        INTAKE_WITHIN_HOURS,
        12,
        95,
        ExpectationStatus.PROPOSED,
    )


async def test_a_breach_leads_to_its_requisition_in_the_queue(store, seeded):
    async with on_the_expectations(store) as (app, pilot, screen):
        intake_row = next(i for i, e in enumerate(screen.expectations) if e.metric == INTAKE_WITHIN_HOURS)
        screen.expectations_table.move_cursor(row=intake_row)
        breaches = await press_to(pilot, "enter", ExpectationBreaches)
        await settle(pilot)  # the worst breaches are read when asked for
        listed = breaches.query_one("#breaches-table", DataTable)
        assert listed.display and not breaches.query_one("#breaches-note").display
        assert listed.row_count == 2
        assert cell(listed, 0, "code") == "REQ-0002"  # no intake at all: the worst
        assert cell(listed, 0, "what") == "no intake call, 96 h after opening"
        await pilot.press("g")
        await settle(pilot)
        assert app.current_mode == "queue"
        assert app.selected_requisition_id == seeded["no_intake"]


async def test_enter_on_a_breach_opens_the_requisition_detail(store, seeded):
    from mediation_console.screens.dialogs.requisition_detail import RequisitionDetail

    async with on_the_expectations(store) as (app, pilot, screen):
        intake_row = next(i for i, e in enumerate(screen.expectations) if e.metric == INTAKE_WITHIN_HOURS)
        screen.expectations_table.move_cursor(row=intake_row)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RequisitionDetail)


async def test_overdue_commitments_are_highlighted_and_never_missed_silently(store, seeded):
    async with on_the_expectations(store) as (app, pilot, screen):
        table = screen.commitments_table
        assert [c.id for c in screen.commitments] == [seeded["overdue"], seeded["today"], seeded["later"]]
        assert cell(table, 0, "state") == "overdue 3d"
        assert cell(table, 1, "state") == "due today"
        assert cell(table, 2, "source") == "check-in: Weekly pi…"
    assert store.get_commitment(seeded["overdue"]).status == CommitmentStatus.OPEN


async def test_marking_commitments_kept_and_missed_is_saved(store, seeded):
    async with on_the_expectations(store) as (app, pilot, screen):
        await pilot.press("tab", "k")
        await settle(pilot)
        assert store.get_commitment(seeded["overdue"]).status == CommitmentStatus.KEPT
        assert any("Kept, late" in str(n.message) for n in app._notifications)
        # The cursor moved on to the next open commitment.
        assert screen.selected_commitment.id == seeded["today"]
        await pilot.press("m")
        await settle(pilot)
        assert [c.id for c in screen.commitments] == [seeded["later"]]
    today = store.get_commitment(seeded["today"])
    assert today.status == CommitmentStatus.MISSED and today.closed_at == NOW


async def test_cancelling_a_commitment_needs_a_reason(store, seeded):
    async with on_the_expectations(store) as (app, pilot, _screen):
        await pilot.press("tab", "c")
        await pilot.pause()
        assert isinstance(app.screen, CancelCommitment)
        await pilot.press("enter")
        await pilot.pause()
        assert "Say why" in str(app.screen.query_one("#reason-error", Static).render())
        await pilot.press(*"The client filled it themselves", "enter")
        await settle(pilot)
    cancelled = store.get_commitment(seeded["overdue"])
    assert cancelled.status == CommitmentStatus.CANCELLED
    assert cancelled.reason == "The client filled it themselves"


async def test_n_in_the_commitments_records_a_check_in_of_the_expectation(store, seeded):
    async with on_the_expectations(store) as (app, pilot, _screen):  # the hand-checked review is selected
        await pilot.press("tab", "n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CommitmentForm)
        form.query_one("#owner").value = seeded["rita"]
        form.query_one("#text", Input).value = "Chair the review on Friday"
        form.query_one("#due", Input).value = "2026-11-01"
        await pilot.pause()
        assert str(form.query_one("#due-error", Static).render()) == "The due date is in the past"
        form.query_one("#due", Input).value = "2026-11-27"
        await pilot.press("ctrl+s")
        await settle(pilot)
    made = store.list_commitments(owner_id=seeded["rita"], statuses=["open"])
    check_in = next(c for c in made if c.text == "Chair the review on Friday")
    assert (check_in.due, check_in.source, check_in.expectation_id) == (
        dt.date(2026, 11, 27),
        CommitmentSource.EXPECTATION,
        seeded["review"],
    )


async def test_a_first_visit_before_any_figures_starts_measuring_as_the_screen_is_built(store, seeded, monkeypatch):
    """The measuring (SQLite's statements) does not wait for the screen to be composed and laid out: its
    worker is started before compose runs (when its thread gets going is the machine's business), and the
    screen then shows the figures it made."""
    seen: list[bool] = []
    compose_body = ExpectationsScreen.compose_body

    def composing(self):
        seen.append(any(worker.group == "measure-ahead" for worker in self.app.workers))
        return compose_body(self)

    monkeypatch.setattr(ExpectationsScreen, "compose_body", composing)
    async with on_the_expectations(store) as (app, pilot, screen):
        assert seen == [True]
        intake_row = next(i for i, e in enumerate(screen.expectations) if e.metric == INTAKE_WITHIN_HOURS)
        assert cell(screen.expectations_table, intake_row, "measured") == "33% (1/3)"
