"""A write made from a screen (not a form) while another program holds the write lock (an import):
it waits off the UI thread, a line under the header says what it waits for and what it saves, the
console keeps answering keys, and the change lands once the lock is free. The standup holds typing
while its move waits, so notes land on the item they were typed on."""

from __future__ import annotations

import datetime as dt

from textual.widgets import Static, TextArea

from mediation_console.console.app import MediationApp
from mediation_console.db.models import (
    Commitment,
    CommitmentSource,
    CommitmentStatus,
    DisputeStatus,
    Person,
    Team,
)
from mediation_console.screens.disputes import DisputesScreen
from mediation_console.screens.expectations import ExpectationsScreen
from mediation_console.screens.standup import StandupScreen
from mediation_console.screens.team import TeamScreen
from tests.app.test_disputes import seed_disputes
from tests.app.test_save_waits import LockHolder, wait_for
from tests.app.test_standup import NOW, standup_console, standup_under_way, start_standup
from tests.pilot import open_screen, settle

SIZE = (120, 36)


def notice(app: MediationApp) -> str:
    line = app.screen.query_one("#wait-notice", Static)
    return str(line.render()) if line.has_class("-shown") else ""


def notes_of(app: MediationApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_marking_a_dispute_mediating_during_an_import_waits_saying_so_and_lands_after(tmp_path):
    from mediation_console.db.store import Store

    with Store(tmp_path / "m.db", now=lambda: NOW) as store:
        ids = seed_disputes(store)
        app = MediationApp(store, now=lambda: NOW)
        async with app.run_test(size=SIZE) as pilot:
            await open_screen(pilot, "2", DisputesScreen)
            with LockHolder(store.path) as holder:
                await pilot.press("m")
                await pilot.pause()
                shown = notice(app)
                assert shown.startswith("Waiting for an import to finish writing… 0 s"), shown
                assert "D-0001 is being mediated is saved once it has finished" in shown
                assert store.get_dispute(ids["pay"]).status == DisputeStatus.OPEN
                # The console answers meanwhile, and a second change is refused, not queued blind.
                await pilot.press("down")
                await pilot.press("m")
                await pilot.pause()
                assert any("still waiting to be saved" in m for m in notes_of(app)), notes_of(app)
                await wait_for(pilot, lambda: "writing… 1 s" in notice(app))
                holder.release.set()
                await wait_for(pilot, lambda: notice(app) == "")
            await pilot.pause()
            assert any("D-0001 is being mediated" in m for m in notes_of(app))
        assert store.get_dispute(ids["pay"]).status == DisputeStatus.MEDIATING
        assert store.get_dispute(ids["slow"]).status == DisputeStatus.OPEN  # refused while the first waited
        (audited,) = store.conn.execute(
            "SELECT count(*) FROM events WHERE entity = 'dispute' AND entity_id = ? AND action = 'mediating'",
            (ids["pay"],),
        ).fetchone()
        assert audited == 1


async def test_space_during_an_import_moves_the_meeting_once_the_lock_is_free_and_keeps_the_notes_on_their_item(
    tmp_path, monkeypatch
):
    async with standup_under_way(tmp_path, monkeypatch) as (store, app, pilot):
        screen = app.screen
        assert isinstance(screen, StandupScreen) and screen.running
        await pilot.press("n", *"typed on the first item")
        with LockHolder(store.path) as holder:
            await pilot.press("escape", "space")
            await pilot.pause()
            shown = notice(app)
            assert shown.startswith("Waiting for an import to finish writing"), shown
            assert "the move to the next item is saved once it has finished" in shown
            assert screen.query_one("#notes", TextArea).disabled  # typing waits with the move
            assert store.running_standup().current_item == 0
            holder.release.set()
            await wait_for(pilot, lambda: notice(app) == "")
        await pilot.pause()
        running = store.running_standup()
        assert running.current_item == 1
        assert running.items[0].notes == "typed on the first item"
        assert not screen.query_one("#notes", TextArea).disabled


async def test_typing_during_an_import_is_kept_and_saved_once_the_lock_is_free(tmp_path, monkeypatch):
    with standup_console(tmp_path, monkeypatch) as (store, app):
        async with app.run_test(size=SIZE) as pilot:
            await start_standup(pilot)
            with LockHolder(store.path) as holder:
                await pilot.press("n", *"noted while the import writes")
                await wait_for(pilot, lambda: "what you typed is saved once it has finished" in notice(app))
                assert store.running_standup().items[0].notes == ""
                holder.release.set()
                await wait_for(pilot, lambda: store.running_standup().items[0].notes != "")
            await wait_for(pilot, lambda: notice(app) == "")
        assert store.running_standup().items[0].notes == "noted while the import writes"


async def test_a_commitment_kept_and_a_person_deactivated_during_an_import_wait_and_land(tmp_path):
    from mediation_console.db.store import Store

    with Store(tmp_path / "m.db", now=lambda: NOW) as store:
        sam = store.add_person(Person(name="Sam Seller", team=Team.SALES))
        store.add_person(Person(name="Rita Recruiter", team=Team.RECRUITING))
        kept = store.add_commitment(
            Commitment(
                owner_id=sam.id,
                text="Send the revised salary band",
                due=NOW.date() + dt.timedelta(days=1),
                source=CommitmentSource.MANUAL,
                created_at=NOW - dt.timedelta(days=1),
            )
        )
        app = MediationApp(store, now=lambda: NOW)
        async with app.run_test(size=SIZE) as pilot:
            await open_screen(pilot, "3", ExpectationsScreen)
            app.screen.commitments_table.focus()
            await pilot.pause()
            with LockHolder(store.path) as holder:
                await pilot.press("k")
                await pilot.pause()
                assert "the commitment “Send the revised salary band” marked kept" in notice(app)
                assert store.get_commitment(kept.id).status == CommitmentStatus.OPEN
                holder.release.set()
                await wait_for(pilot, lambda: notice(app) == "")
            assert store.get_commitment(kept.id).status == CommitmentStatus.KEPT

            await pilot.press("6")
            await settle(pilot)
            assert isinstance(app.screen, TeamScreen)
            person = app.screen._selected()
            assert person is not None and person.active
            with LockHolder(store.path) as holder:
                await pilot.press("a")
                await pilot.pause()
                assert f"{person.name} deactivated is saved once it has finished" in notice(app)
                assert store.get_person(person.id).active
                holder.release.set()
                await wait_for(pilot, lambda: notice(app) == "")
            assert not store.get_person(person.id).active
