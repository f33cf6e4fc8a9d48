"""Finding 11 of issue 21: what another process writes to the file shows up in an open console.

The queue stayed at "39 of 60" after a CLI import had made it 560, even after switching screens.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from textual.widgets import Static

from mediation_console.console.app import OUTSIDE_WRITES_EVERY, MediationApp
from mediation_console.console.core.database import open_store
from mediation_console.db.models import Person, Requisition, Team
from tests.pilot import settle

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


# "...even after switching screens": every mode screen, whether on show when another process writes or
# shown again after it, reads what that process wrote.
def _write_requisition(other, people) -> str:
    other.add_requisition(Requisition(title="Outside role", client="Acme", sales_owner_id=people["sam"].id))
    return "Outside role"


def _write_dispute(other, people) -> str:
    from mediation_console.db.models import Dispute, DisputeCategory

    other.add_dispute(
        Dispute(
            requisition_id=people["req"].id,
            raised_by_id=people["sam"].id,
            counterpart_id=people["rita"].id,
            category=DisputeCategory.OVERPROMISED_TIMELINE,
            summary="Outside dispute",
        )
    )
    return "Outside dispute"


def _write_expectation(other, _people) -> str:
    from mediation_console.db.models import Expectation

    other.add_expectation(Expectation(title="Outside expectation", owner_team=Team.SALES))
    return "Outside expectation"


def _write_person(other, _people) -> str:
    other.add_person(Person(name="Zed Outsider", team=Team.SALES))
    return "Zed Outsider"


def _write_standup(other, people) -> str:
    from mediation_console.db.models import Attendee, Standup, StandupItem

    other.start_standup(
        Standup(
            started_at=NOW,
            facilitator_id=people["rita"].id,
            attendees=[Attendee(person_id=people["sam"].id), Attendee(person_id=people["rita"].id)],
            items=[StandupItem(section="wins", title="Outside agenda item")],
        )
    )
    return "Outside agenda item"


SCREENS = {
    "1 queue": ("1", _write_requisition),
    "2 disputes": ("2", _write_dispute),
    "3 expectations": ("3", _write_expectation),
    "4 track record": ("4", _write_person),
    "5 standup": ("5", _write_standup),
    "6 team": ("6", _write_person),
}


async def _wait_for_text(app, pilot, text: str, seconds: float = 4.0) -> bool:
    from tests.app.screen_text import screen_text

    for _ in range(int(seconds / 0.2)):
        await asyncio.sleep(0.2)
        await pilot.pause()
        if text in screen_text(app):
            return True
    return False


def _team(path):
    store = open_store(path, now=lambda: NOW)
    sam = store.add_person(Person(name="Sam Seller", team=Team.SALES))
    rita = store.add_person(Person(name="Rita Recruiter", team=Team.RECRUITING))
    req = store.add_requisition(Requisition(title="Role one", client="Initech", sales_owner_id=sam.id))
    return store, {"sam": sam, "rita": rita, "req": req}


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("shown", [True, False], ids=["on show", "shown again"])
async def test_every_screen_reads_what_another_process_wrote(tmp_path, screen, shown):
    from tests.app.screen_text import screen_text

    key, write = SCREENS[screen]
    path = tmp_path / "team.db"
    store, people = _team(path)
    app = MediationApp(store, now=lambda: NOW)
    async with app.run_test(size=(140, 40)) as pilot:
        for mode in "123456":  # every screen has read the file once
            await pilot.press(mode)
            await pilot.pause()
        await pilot.press(key if shown else ("1" if key != "1" else "2"))
        await pilot.pause()
        seen = app._outside_version
        other = open_store(path, now=lambda: NOW)  # another console, or `mediate import`
        try:
            text = write(other, people)
        finally:
            other.close()
        if not shown:
            # The screen on show notices it meanwhile (within 2 ticks; waited for up to 10 s), and reloads.
            for _ in range(int(10 / 0.05)):
                if app._outside_version != seen:
                    break
                await asyncio.sleep(0.05)
            assert app._outside_version != seen, "the console never noticed the other process's write"
            await settle(pilot)
            await pilot.press(key)
        assert await _wait_for_text(app, pilot, text), screen_text(app)
    store.close()
