"""Finding 11 of issue 21: what another process writes to the file shows up in an open console.

The queue stayed at "39 of 60" after a CLI import had made it 560, even after switching screens.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from textual.widgets import Static

from mediation_console.console.app import OUTSIDE_WRITES_EVERY, MediationApp
from mediation_console.console.core.database import open_store
from mediation_console.db.models import Person, Requisition, Team

NOW = dt.datetime(2026, 11, 23, 9, 0)


def _count(app) -> str:
    return str(app.screen.query_one("#queue-count", Static).render())


async def test_a_requisition_saved_by_another_process_shows_in_the_open_queue_within_seconds(tmp_path):
    path = tmp_path / "team.db"
    store = open_store(path, now=lambda: NOW)
    sam = store.add_person(Person(name="Sam Seller", team=Team.SALES))
    for n in range(3):
        store.add_requisition(Requisition(title=f"Role {n}", client="Initech", sales_owner_id=sam.id))
    app = MediationApp(store, now=lambda: NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert _count(app).startswith("3 of 3")
        other = open_store(path, now=lambda: NOW)  # another console, or `mediate import`
        try:
            for n in range(5):
                other.add_requisition(Requisition(title=f"Imported {n}", client="Acme", sales_owner_id=sam.id))
        finally:
            other.close()
        for _ in range(int(4 / 0.2)):  # "within a couple of seconds": the watcher ticks every second
            await asyncio.sleep(0.2)
            await pilot.pause()
            if _count(app).startswith("8 of 8"):
                break
        assert _count(app).startswith("8 of 8"), _count(app)
    store.close()
    assert OUTSIDE_WRITES_EVERY <= 2
