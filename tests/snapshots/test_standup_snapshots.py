"""The look of the standup, pinned: before it starts, the start dialog, and mid-meeting with notes."""

from __future__ import annotations

import pytest

from tests.app.test_standup import standup_console
from tests.pilot import settle

SIZE = (120, 36)


@pytest.fixture
def standup_app(tmp_path, monkeypatch):
    # The meeting clock reads the app's clock, fixed here, so the timers are frozen.
    with standup_console(tmp_path, monkeypatch) as (_store, app):
        yield app


def test_no_standup_running_says_how_to_start_one(snap_compare, standup_app):
    async def open_standup(pilot) -> None:
        await settle(pilot)
        await pilot.press("5")
        await pilot.pause()

    assert snap_compare(standup_app, terminal_size=SIZE, run_before=open_standup)


def test_the_start_dialog_with_one_person_absent(snap_compare, standup_app):
    async def start(pilot) -> None:
        await settle(pilot)
        await pilot.press("5", "s")
        await pilot.pause()
        await pilot.press("down", "down", "space")
        await pilot.pause()

    assert snap_compare(standup_app, terminal_size=SIZE, run_before=start)


def test_mid_meeting_with_a_note_and_a_decision(snap_compare, standup_app):
    async def meeting(pilot) -> None:
        await settle(pilot)
        await pilot.press("5", "s")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("space", "space")
        await pilot.press("n", *"Rita: the client heard 4 Dec", "escape")
        await pilot.press("D", *"Sales quotes the median time to fill", "enter")
        await pilot.pause()
        # The start's toasts last five seconds of real time: whether they are still up when the
        # picture is taken depends on the machine, so the picture is of the meeting without them.
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(standup_app, terminal_size=SIZE, run_before=meeting)
