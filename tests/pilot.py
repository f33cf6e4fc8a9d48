"""One way for a Pilot test to wait until the console has finished what a key started."""

from __future__ import annotations

from textual.pilot import Pilot


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
