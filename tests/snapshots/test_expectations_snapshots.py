"""The look of expectations and the track record, pinned on the demo data at a fixed clock."""

from __future__ import annotations

import datetime as dt

import pytest

from mediation_console.console.app import MediationApp
from mediation_console.console.core.database import open_store
from mediation_console.console.core.demo_setup import fill_demo
from mediation_console.db.store import Store
from tests.pilot import settle

NOW = dt.datetime(2026, 11, 23, 9, 0)
SIZE = (140, 40)


@pytest.fixture
def demo_app(tmp_path):
    with Store(tmp_path / "mediation.db", now=lambda: NOW) as store:
        fill_demo(store, requisitions=60, seed=7, include_user_pack=False)
        yield MediationApp(store, now=lambda: NOW)


@pytest.fixture
def new_app(tmp_path):
    with open_store(tmp_path / "mediation.db", now=lambda: NOW) as store:
        yield MediationApp(store, now=lambda: NOW)


def press(*keys: str):
    async def run(pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


def test_expectations_measured_with_badges_trends_and_commitments(snap_compare, demo_app):
    assert snap_compare(demo_app, terminal_size=SIZE, run_before=press("3"))


def test_the_breaches_of_an_expectation_each_name_their_requisition(snap_compare, demo_app):
    assert snap_compare(demo_app, terminal_size=SIZE, run_before=press("3", "enter"))


def test_proposing_an_expectation_from_the_catalogue(snap_compare, demo_app):
    # The target field holds "x": the error shows next to it.
    assert snap_compare(
        demo_app, terminal_size=SIZE, run_before=press("3", "n", "tab", "tab", "tab", "backspace", "backspace", "x")
    )


def test_a_new_database_shows_the_proposed_defaults_with_no_data(snap_compare, new_app):
    assert snap_compare(new_app, terminal_size=SIZE, run_before=press("3"))


def test_the_track_record_per_team_and_person(snap_compare, demo_app):
    assert snap_compare(demo_app, terminal_size=SIZE, run_before=press("4"))


def test_the_track_record_at_a_narrower_terminal_sorted_by_overdue(snap_compare, demo_app):
    # The sort picker opens on the current column (30-day follow-through); "overdue now" is six below.
    keys = ("4", "s", "down", "down", "down", "down", "down", "down", "enter")
    assert snap_compare(demo_app, terminal_size=(120, 36), run_before=press(*keys))
