"""The look of dispute work, pinned: the capture modal, a dispute with its ranked proposals, the accept confirmation."""

from __future__ import annotations

import pytest

from mediation_console.console.app import MediationApp
from mediation_console.db.store import Store
from tests.app.test_disputes import NOW, seed_disputes
from tests.pilot import press_settled, settle, unfocused

SIZE = (120, 36)


@pytest.fixture
def disputes_app(tmp_path):
    with Store(tmp_path / "mediation.db", now=lambda: NOW) as store:
        seed_disputes(store)
        yield MediationApp(store, now=lambda: NOW)


def test_the_capture_modal_prefilled_from_the_queue(snap_compare, disputes_app):
    async def capture(pilot) -> None:
        await settle(pilot)
        await pilot.press("d", "3", "p", *"Client will not move the salary cap")
        # The suggested category follows a pause in the typing and a worker: wait for both.
        await pilot.pause(0.35)
        await settle(pilot)

    assert snap_compare(disputes_app, terminal_size=SIZE, run_before=capture)


def test_the_capture_modal_suggests_requisitions_as_you_type(snap_compare, disputes_app):
    async def type_ahead(pilot) -> None:
        await settle(pilot)
        await pilot.press("d", "shift+tab", "shift+tab", "shift+tab", "ctrl+u", *"engineer")
        await pilot.pause()

    assert snap_compare(disputes_app, terminal_size=SIZE, run_before=type_ahead)


def test_a_selected_dispute_shows_facts_interests_and_ranked_proposals(snap_compare, disputes_app):
    async def open_disputes(pilot) -> None:
        await press_settled(pilot, "2")

    assert snap_compare(disputes_app, terminal_size=SIZE, run_before=open_disputes)


def test_accepting_a_proposal_shows_the_commitments_it_will_create(snap_compare, disputes_app):
    async def accept(pilot) -> None:
        await press_settled(pilot, "2", "a")
        await unfocused(pilot)
        await settle(pilot)

    assert snap_compare(disputes_app, terminal_size=SIZE, run_before=accept)
