"""Ways for a Pilot test to wait until the console has finished what a key started, and to open a screen."""

from __future__ import annotations

from typing import TypeVar

from textual.pilot import Pilot
from textual.screen import Screen

S = TypeVar("S", bound=Screen)


async def settle(pilot: Pilot, rounds: int = 3) -> None:
    """Waits for the pending messages and every worker, again while a finished worker started
    another (the disputes' listing, then the selected one's proposals), at most ``rounds`` times,
    then for the messages the last one posted."""
    for _ in range(rounds):
        await pilot.pause()
        if all(worker.is_finished for worker in pilot.app.workers):
            break
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def press_settled(pilot: Pilot, *keys: str) -> None:
    """Settles, then presses each key in turn, settling after each (a screen's data is read in a worker)."""
    await settle(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def open_screen(pilot: Pilot, key: str, screen_type: type[S]) -> S:
    """Presses a screen's number key on a settled console and returns that screen once it has settled."""
    await press_settled(pilot, key)
    screen = pilot.app.screen
    assert isinstance(screen, screen_type)
    return screen


async def unfocused(pilot: Pilot) -> None:
    """Stops every text area's cursor blinking and focuses nothing, then settles: a window that focuses its
    text would be drawn with its cursor or not, and with a focused background or not, by the moment it is
    taken."""
    for area in pilot.app.screen.query("TextArea"):
        area.cursor_blink = False
    pilot.app.screen.set_focus(None)
    await settle(pilot)


async def press_to(pilot: Pilot, key: str, screen_type: type[S]) -> S:
    """Presses `key` and waits for the messages it posted; returns the screen it leaves on top, which must be a
    `screen_type`."""
    await pilot.press(key)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, screen_type)
    return screen
