"""Running the standup from the console: start, walk the agenda, take notes, commit, end and export."""

from __future__ import annotations

import datetime as dt
import stat
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, SelectionList, TextArea

from mediation_console.console.app import MediationApp
from mediation_console.db.models import Commitment, CommitmentSource, Dispute, Person, Requisition, Standup, Team
from mediation_console.db.store import Store
from mediation_console.screens.dialogs.standup_commitment import StandupCommitment
from mediation_console.screens.dialogs.standup_start import StandupStart
from mediation_console.screens.standup import StandupScreen
from tests.helpers import store_fixture
from tests.pilot import open_screen, press_to, settle

NOW = dt.datetime(2026, 11, 26, 9, 0)  # a Thursday; the next business day is Friday 27 Nov
SIZE = (120, 36)


def seed_standup(store: Store) -> dict[str, int]:
    """A small team with something in every kind of agenda section (fixed clock)."""
    lee = store.add_person(Person(name="Lee Lead", team=Team.LEAD))
    sam = store.add_person(Person(name="Sam Seller", team=Team.SALES))
    rita = store.add_person(Person(name="Rita Recruiter", team=Team.RECRUITING))
    ravi = store.add_person(Person(name="Ravi Sourcer", team=Team.RECRUITING))
    engineer = store.add_requisition(
        Requisition(
            title="Senior Data Engineer",
            client="Northwind Analytics",
            sales_owner_id=sam.id,
            recruiter_id=rita.id,
            status="sourcing",
            promised_date=dt.date(2026, 12, 4),
            opened_at=NOW - dt.timedelta(days=3),
            intake_at=NOW - dt.timedelta(days=3),
        )
    )
    payroll = store.add_requisition(
        Requisition(
            title="Payroll Specialist",
            client="Contoso Retail",
            sales_owner_id=sam.id,
            recruiter_id=ravi.id,
            opened_at=NOW - dt.timedelta(days=1),
        )
    )
    overdue = store.add_commitment(
        Commitment(
            owner_id=sam.id,
            text="Book the joint intake with Contoso",
            due=NOW.date() - dt.timedelta(days=2),
            requisition_id=payroll.id,
            source=CommitmentSource.MANUAL,
            created_at=NOW - dt.timedelta(days=5),
        )
    )
    dispute = store.add_dispute(
        Dispute(
            requisition_id=engineer.id,
            raised_by_id=rita.id,
            counterpart_id=sam.id,
            category="overpromised_timeline",
            severity=3,
            summary="Client was promised a hire by 4 Dec",
            opened_at=NOW - dt.timedelta(days=2),
            sales_interest="Keep Northwind's trust",
            recruiting_interest="A date the team can meet",
        )
    )
    return {
        "lee": lee.id,
        "sam": sam.id,
        "rita": rita.id,
        "ravi": ravi.id,
        "engineer": engineer.id,
        "payroll": payroll.id,
        "overdue": overdue.id,
        "dispute": dispute.id,
    }


@pytest.fixture
def exports(tmp_path, monkeypatch):
    folder = tmp_path / "exports"
    monkeypatch.setenv("MEDIATE_EXPORT_DIR", str(folder))
    return folder


store = store_fixture(NOW)


@contextmanager
def standup_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, now: Callable[[], dt.datetime] = lambda: NOW
) -> Iterator[tuple[Store, MediationApp]]:
    """A file seeded by seed_standup and the console on it, both reading `now`; notes export to tmp_path/exports."""
    monkeypatch.setenv("MEDIATE_EXPORT_DIR", str(tmp_path / "exports"))
    with Store(tmp_path / "mediation.db", now=now) as store:
        seed_standup(store)
        yield store, MediationApp(store, now=now)


async def start_standup(pilot, absent_rows: int = 0) -> None:
    await settle(pilot)
    await pilot.press("5")
    await pilot.pause()
    await press_to(pilot, "s", StandupStart)
    for _ in range(absent_rows):
        await pilot.press("down")
    if absent_rows:
        await pilot.press("space")
    await pilot.press("ctrl+s")
    await settle(pilot)


@asynccontextmanager
async def standup_under_way(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    size: tuple[int, int] = SIZE,
    now: Callable[[], dt.datetime] = lambda: NOW,
) -> AsyncIterator[tuple[Store, MediationApp, Pilot]]:
    """The console on standup_console's file at `size`, with the standup begun (everyone here)."""
    with standup_console(tmp_path, monkeypatch, now) as (store, app):
        async with app.run_test(size=size) as pilot:
            await start_standup(pilot)
            yield store, app, pilot


async def test_a_whole_standup_from_start_to_exported_notes(store, exports):
    ids = seed_standup(store)
    app = MediationApp(store, now=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await start_standup(pilot, absent_rows=2)  # people are listed by name: Lee, Ravi, Rita, Sam
        screen = app.screen
        assert isinstance(screen, StandupScreen) and screen.running
        running = store.running_standup()
        assert running is not None and running.items
        assert {a.person_id: a.present for a in running.attendees}[ids["rita"]] is False
        assert running.facilitator_id == ids["lee"]
        sections = [i.section for i in running.items]
        assert sections[0] == "overdue"

        # The overdue commitment first; then move on to the dispute.
        dispute_index = next(i for i, item in enumerate(running.items) if item.dispute_id == ids["dispute"])
        for _ in range(dispute_index):
            await pilot.press("space")
        await pilot.pause()
        assert store.running_standup().current_item == dispute_index

        await pilot.press("n", *"Rita: the client heard 4 Dec", "escape")
        await pilot.press("D", *"Sales quotes the median time to fill", "enter")
        await pilot.pause()
        item = store.running_standup().items[dispute_index]
        assert item.notes == "Rita: the client heard 4 Dec"
        assert item.decision == "Sales quotes the median time to fill"

        await press_to(pilot, "c", StandupCommitment)
        await pilot.press(*"Tell Northwind the realistic date", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, StandupScreen)

        await pilot.press("E")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert not screen.running

    ended = store.latest_standup()
    assert ended is not None and ended.ended_at == NOW
    made = store.list_commitments(standup_id=ended.id)
    assert [(c.owner_id, c.text, c.due, c.requisition_id, c.dispute_id, c.source) for c in made] == [
        # The owner defaults to the item's person: for a dispute, whoever raised it.
        (
            ids["rita"],
            "Tell Northwind the realistic date",
            dt.date(2026, 11, 27),
            ids["engineer"],
            ids["dispute"],
            CommitmentSource.STANDUP,
        ),
    ]
    files = list(exports.iterdir())
    assert [f.name for f in files] == [f"standup-2026-11-26-{ended.id}.md"]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    notes = files[0].read_text()
    assert "**Facilitator:** Lee Lead" in notes
    assert "**Absent:** Rita Recruiter" in notes
    assert "### D-0001: Client was promised a hire by 4 Dec" in notes
    assert "  Rita: the client heard 4 Dec" in notes
    assert "1. Sales quotes the median time to fill (D-0001)" in notes
    assert "- [ ] **Rita Recruiter**: Tell Northwind the realistic date — due Fri 27 Nov (D-0001)" in notes


async def test_closing_the_app_mid_meeting_and_reopening_resumes_the_standup(store, exports):
    seed_standup(store)
    app = MediationApp(store, now=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await start_standup(pilot)
        await pilot.press("space")
        await pilot.press("n", *"half-typed thought")
        # Closing straight after typing: the pending save is written on the way out.
    running = store.running_standup()
    assert running is not None and running.current_item == 1
    assert running.items[1].notes == "half-typed thought"
    assert running.items[0].done

    again = MediationApp(store, now=lambda: NOW)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await pilot.pause()
        screen = again.screen
        assert isinstance(screen, StandupScreen) and screen.running
        assert screen.query_one("#notes", TextArea).text == "half-typed thought"
        assert "item 2 of" in str(screen.query_one("#item-section").render())


async def open_commitment(pilot) -> StandupCommitment:
    """Starts the standup and opens the commitment form on its first item."""
    await start_standup(pilot)
    modal = await press_to(pilot, "c", StandupCommitment)
    return modal


async def test_a_commitment_needs_an_owner_and_a_due_date_that_is_not_past(store, exports):
    seed_standup(store)
    app = MediationApp(store, now=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_commitment(pilot)
        await pilot.press(*"Call the client")
        modal.query_one("#due", Input).value = "2026-11-20"
        await pilot.pause()
        assert "The due date is in the past" in str(modal.query_one("#due-error").render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is modal  # nothing invalid is saved
        assert store.list_commitments(standup_id=store.running_standup().id) == []


def seed_a_standup_that_ended(store: Store) -> None:
    """The standup team, and a meeting that began an hour ago and ended 40 minutes ago."""
    ids = seed_standup(store)
    standup = store.start_standup(Standup(started_at=NOW - dt.timedelta(hours=1), facilitator_id=ids["lee"]))
    store.update_standup(standup.model_copy(update={"ended_at": NOW - dt.timedelta(minutes=40)}))


async def export_notes(pilot) -> None:
    await settle(pilot)
    await pilot.press("ctrl+e")
    await pilot.pause()


async def test_ctrl_e_exports_the_latest_notes_from_any_screen(store, exports):
    seed_a_standup_that_ended(store)
    app = MediationApp(store, now=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await export_notes(pilot)
    files = list(exports.iterdir())
    assert len(files) == 1 and files[0].read_text().startswith("# Standup Thursday 26 November 2026")


async def test_a_second_export_of_the_same_notes_gets_its_own_file_and_says_which(store, exports):
    seed_a_standup_that_ended(store)
    app = MediationApp(store, now=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await export_notes(pilot)
        [first] = list(exports.iterdir())
        kept = first.read_bytes()
        first.write_bytes(kept + b"\nmy own edit\n")  # the lead edited the first export
        await export_notes(pilot)
        toasts = [n.message for n in app._notifications]
    files = sorted(exports.iterdir())
    assert len(files) == 2, files
    assert first.read_bytes().endswith(b"my own edit\n"), "the first export is never overwritten"
    [second] = [f for f in files if f != first]
    assert second.read_bytes() == kept and str(second) in toasts[-1]


async def test_the_start_dialog_refuses_a_meeting_length_out_of_range(store, exports):
    seed_standup(store)
    app = MediationApp(store, now=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5", "s")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, StandupStart)
        assert len(modal.query_one(SelectionList).selected) == 4  # everyone active is ticked present
        assert modal.query_one("#timebox", Input).value == "15"  # the default meeting length
        modal.query_one("#timebox", Input).value = "200"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is modal
        assert "Between 5 and 120 minutes" in str(modal.query_one("#timebox-error").render())
        assert store.running_standup() is None


async def test_p_goes_back_one_item_where_the_terminal_sends_shift_space_as_space(store, exports):
    seed_standup(store)
    app = MediationApp(store, now=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await start_standup(pilot)
        await pilot.press("space", "space")
        await settle(pilot)
        assert store.running_standup().current_item == 2
        await pilot.press("p")
        await settle(pilot)
        assert store.running_standup().current_item == 1


@pytest.mark.parametrize(("country", "due"), [(None, "2026-11-27"), ("", "2026-11-26")])
async def test_a_commitment_made_the_day_before_a_holiday_falls_due_after_it(tmp_path, monkeypatch, country, due):
    # Wednesday 25 November 2026: Thursday is Thanksgiving, a US public holiday (the default country).
    if country is not None:
        (tmp_path / "settings.json").write_text(f'{{"country": "{country}"}}')
        monkeypatch.setenv("MEDIATE_SETTINGS", str(tmp_path / "settings.json"))
    wednesday = dt.datetime(2026, 11, 25, 9, 0)
    with standup_console(tmp_path, monkeypatch, now=lambda: wednesday) as (_store, app):
        async with app.run_test(size=SIZE) as pilot:
            modal = await open_commitment(pilot)
            assert modal.query_one("#due", Input).value == due


def _started(store: Store, ids: dict[str, int]) -> Standup:
    from mediation_console.console.core.agenda import build_agenda

    agenda = build_agenda(store, NOW)
    return store.start_standup(
        Standup(started_at=NOW, facilitator_id=ids["lee"], items=agenda.to_standup_items(), timebox_seconds=120)
    )


async def test_a_viewer_follows_the_leads_item_steps_out_and_follows_again(store, exports, tmp_path):
    ids = seed_standup(store)
    standup = _started(store, ids)
    assert len(standup.items) >= 3
    viewer_store = Store(tmp_path / "mediation.db", readonly=True, now=lambda: NOW)
    app = MediationApp(viewer_store, now=lambda: NOW)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_screen(pilot, "5", StandupScreen)
            assert screen.following
            section = screen.query_one("#item-section")
            assert "item 1 of" in str(section.render()) and "following the lead" in str(section.render())

            # The lead presses space in their own seat: the viewer's screen moves with it.
            store.update_standup(store.running_standup().model_copy(update={"current_item": 1}))
            await pilot.pause(0.5)
            assert screen.standup.current_item == 1
            assert "item 2 of" in str(section.render())

            # The viewer steps out to look at another item: nothing is written, the lead's item stays.
            before = (tmp_path / "mediation.db").read_bytes()
            await pilot.press("space")
            await pilot.pause()
            assert not screen.following and screen.standup.current_item == 2
            assert "browsing (f follows the lead)" in str(section.render())
            store.update_standup(store.running_standup().model_copy(update={"current_item": 0}))
            await pilot.pause(0.5)
            assert screen.standup.current_item == 2, "browsing is not pulled back by the lead's moves"
            await pilot.press("f")
            await pilot.pause()
            assert screen.following and screen.standup.current_item == 0
            assert store.running_standup().current_item == 0
            assert (tmp_path / "mediation.db").read_bytes() == before or viewer_store.readonly

            # A note key on a viewer seat says it is read-only instead of opening a field that saves nothing.
            await pilot.press("n")
            await pilot.pause()
            assert not isinstance(app.focused, TextArea)
            assert any("Read-only" in str(n.message) for n in app._notifications)
    finally:
        viewer_store.close()


async def test_copying_the_notes_also_writes_them_to_a_file_and_says_where(store, exports):
    ids = seed_standup(store)
    _started(store, ids)
    app = MediationApp(store, now=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.action_copy_notes()
        await pilot.pause()
        files = list(exports.iterdir())
        assert len(files) == 1 and files[0].read_text().startswith("# Standup Thursday 26 November 2026")
        assert any(str(files[0]) in str(n.message) for n in app._notifications)
        assert app.clipboard.startswith("# Standup")


async def test_a_dispute_logged_on_an_agenda_item_is_saved_with_the_items_link_to_it(store):
    from mediation_console.screens.dialogs.dispute_capture import DisputeCapture

    seed_standup(store)
    app = MediationApp(store, now=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await start_standup(pilot)
        screen = app.screen
        assert isinstance(screen, StandupScreen) and screen.standup is not None
        # Walk to an item about a requisition that leads to no dispute yet.
        while screen.item is not None and not (screen.item.requisition_id and screen.item.dispute_id is None):
            assert screen.standup.current_item < len(screen.standup.items) - 1, "no such item in the agenda"
            await pilot.press("space")
            await pilot.pause()
        item = screen.item
        assert item is not None
        await press_to(pilot, "d", DisputeCapture)
        await pilot.press("3", "p")  # severity high, category pay below market
        for key in "Client will not move the cap":
            await pilot.press("space" if key == " " else key)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        logged = next(d for d in store.list_disputes() if d.summary == "Client will not move the cap")
        assert screen.item is not None and screen.item.dispute_id == logged.id
    stored = store.get_standup(screen.standup.saved_id)
    assert next(i for i in stored.items if i.id == item.id).dispute_id == logged.id
    assert logged.requisition_id == item.requisition_id
