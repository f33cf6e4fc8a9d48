"""The Team screen pinned: the demo's team at the three sizes people share at, the empty team, the person form."""

from __future__ import annotations

import pytest

from tests.pilot import press_settled, settle
from tests.snapshots.test_every_screen_at_three_sizes import SIZES


async def open_team(pilot) -> None:
    await press_settled(pilot, "6")


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_the_team_screen_at_each_size(snap_compare, demo_app, size):
    assert snap_compare(demo_app, terminal_size=size, run_before=open_team)


def test_an_empty_team_says_how_to_add_people_at_80_columns(snap_compare, empty_store, app_factory):
    assert snap_compare(app_factory(empty_store), terminal_size=(80, 24), run_before=open_team)


def test_the_person_form_with_an_error_by_its_field_at_80_columns(snap_compare, store, app_factory):
    async def edit(pilot) -> None:
        await press_settled(pilot, "6", "e")
        pilot.app.screen.query_one("#email").value = "not an email"
        await settle(pilot)

    assert snap_compare(app_factory(store), terminal_size=(80, 24), run_before=edit)
