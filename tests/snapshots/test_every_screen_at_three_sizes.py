"""Every screen on the demo data at the sizes people share at: 80×24, 100×30 and 120×40 (issue 18)."""

from __future__ import annotations

import pytest

from tests.app.dialogs import begin_standup
from tests.pilot import press_settled, settle, unfocused

SIZES = [(80, 24), (100, 30), (120, 40)]
SCREENS = {"queue": "1", "disputes": "2", "expectations": "3", "track_record": "4", "standup": "5"}


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_screen_at_each_size(snap_compare, demo_app, screen, size):
    async def open_screen(pilot) -> None:
        await press_settled(pilot, SCREENS[screen])
        if screen == "disputes":
            # The first dispute's proposals are laid out while the screen itself still is, and their
            # scrollbar's thumb then varies by a cell: shown again, they are laid out on a settled screen.
            await press_settled(pilot, "down", "up")

    assert snap_compare(demo_app, terminal_size=size, run_before=open_screen)


def test_the_accept_window_at_80_columns(snap_compare, demo_app):
    async def accept(pilot) -> None:
        # As above: the proposals behind the window are laid out again on a settled screen (down, up), so
        # their scrollbar's thumb (seen beside the window) does not vary by a cell.
        await press_settled(pilot, "2", "down", "up", "a")
        # No cursor in the resolution's text (and the window shown with nothing focused).
        await unfocused(pilot)

    assert snap_compare(demo_app, terminal_size=(80, 24), run_before=accept)


def test_the_weekly_chart_at_80_columns(snap_compare, demo_app):
    async def chart(pilot) -> None:
        await press_settled(pilot, "4", "w")

    assert snap_compare(demo_app, terminal_size=(80, 24), run_before=chart)


def test_the_dispute_window_from_a_standup_at_80_columns(snap_compare, demo_app):
    async def log_a_dispute(pilot) -> None:
        await begin_standup(pilot)
        # The start's toasts time out after seconds: a loaded machine would catch them or not.
        pilot.app.clear_notifications()
        await pilot.press("d")
        await settle(pilot)

    assert snap_compare(demo_app, terminal_size=(80, 24), run_before=log_a_dispute)


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_a_running_standup_at_each_size(snap_compare, demo_app, size):
    async def walk(pilot) -> None:
        await begin_standup(pilot)  # everyone here, the 15 minutes offered
        await pilot.press("space", "space")  # the third item of the meeting on screen
        await settle(pilot)
        pilot.app.clear_notifications()  # toasts time out after seconds: a loaded machine would catch them or not
        await pilot.pause()

    assert snap_compare(demo_app, terminal_size=size, run_before=walk)


def test_the_event_window_for_a_placement_at_80_columns(snap_compare, demo_app):
    async def log_a_placement(pilot) -> None:
        from textual.widgets import Select

        await press_settled(pilot, "x")
        pilot.app.screen.query_one("#kind", Select).value = "placement"
        await settle(pilot)

    assert snap_compare(demo_app, terminal_size=(80, 24), run_before=log_a_placement)
