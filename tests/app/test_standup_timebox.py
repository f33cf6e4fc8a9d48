"""A standup that fits its timebox: the demo's agenda cut to 15 minutes, + adds what was left off, S skips a
section, and the notes say only what the meeting reached."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from textual.widgets import Input, OptionList, Static

from mediation_console.console.app import MediationApp
from mediation_console.console.core.agenda import DEFAULT_MEETING_MINUTES, is_more
from mediation_console.console.core.database import open_store
from mediation_console.console.core.demo_setup import fill_demo
from mediation_console.db.models import Standup
from mediation_console.db.store import Store
from mediation_console.screens.dialogs.standup_start import StandupStart
from mediation_console.screens.standup import StandupScreen, clock_text
from tests.pilot import settle

NOW = dt.datetime(2026, 11, 26, 9, 0)
SIZE = (120, 40)
CODE = re.compile(r"\b(REQ|D)-\d{4}\b")
# How Python prints a tuple of strings: what the notes printed for a proposal's gives and gets.
TUPLE_REPR = re.compile(r"\(\s*['\"][^)]*['\"]\s*,")


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    """The demo `mediate demo` writes (60 requisitions, seed 7), generated once at a fixed moment."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with open_store(path, now=lambda: NOW) as store:
        fill_demo(store, requisitions=60, seed=7, include_user_pack=False)
    return path


@pytest.fixture
def demo(demo_file, tmp_path):
    copy = tmp_path / "demo.db"
    with Store(demo_file) as source:
        source.backup(copy)
    with open_store(copy, now=lambda: NOW) as store:
        yield store


@pytest.fixture
def exports(tmp_path, monkeypatch):
    folder = tmp_path / "exports"
    monkeypatch.setenv("MEDIATE_EXPORT_DIR", str(folder))
    return folder


async def start(pilot, minutes: str | None = None) -> str:
    """Starts a standup from the standup screen; returns the meeting length the dialog offered."""
    await settle(pilot)
    await pilot.press("5", "s")
    await pilot.pause()
    modal = pilot.app.screen
    assert isinstance(modal, StandupStart)
    offered = modal.query_one("#timebox", Input).value
    if minutes is not None:
        modal.query_one("#timebox", Input).value = minutes
        await pilot.pause()
    await pilot.press("ctrl+s")
    await settle(pilot)
    return offered


def names_its_requisition_or_person(title: str, item, store: Store, people: dict) -> bool:
    if item.requisition_id is not None:
        return store.get_requisition(item.requisition_id).code in title
    if item.person_id is not None:
        return people[item.person_id].name in title
    return bool(re.search(r"\((sales|recruiting|lead) team\)", title))


def running(store: Store) -> Standup:
    standup = store.running_standup()
    assert standup is not None
    return standup


async def test_the_demos_standup_fits_fifteen_minutes_and_every_item_names_its_requisition_or_person(demo, exports):
    app = MediationApp(demo, now=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        assert await start(pilot) == str(DEFAULT_MEETING_MINUTES)
        standup = running(demo)
        talked = [i for i in standup.items if not is_more(i)]
        assert 5 <= len(talked) and standup.timebox_seconds * len(talked) <= 15 * 60
        # The lead sees the plan: the meeting clock's budget is the 15 minutes, not 46 items' worth.
        clock = str(app.screen.query_one("#meeting-clock", Static).render())
        assert clock.endswith("of ~15:00"), clock
        people = demo.people_by_id()
        agenda = app.screen.query_one("#agenda", OptionList)
        shown = [str(agenda.get_option(f"item-{i}").prompt) for i in range(len(standup.items))]
        for item, line in zip(standup.items, shown, strict=True):
            if is_more(item):
                assert line.startswith("  +") and "+ adds" in line
                continue
            assert names_its_requisition_or_person(item.title, item, demo, people), line
        # Disputes and commitments read apart: no two items show the same words.
        assert len({i.title for i in talked}) == len(talked)
        # What did not fit waits under "+N more" lines, one per section at most.
        more = [i.section for i in standup.items if is_more(i)]
        assert more and len(more) == len(set(more))


async def test_plus_adds_a_sections_left_off_items_and_S_skips_to_the_next_section(demo, exports):
    app = MediationApp(demo, now=lambda: NOW)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start(pilot)
        before = running(demo)
        first = before.items[0].section
        line = next(i for i, item in enumerate(before.items) if item.section == first and is_more(item))
        hidden = int(before.items[line].title.split()[0].removeprefix("+"))
        await pilot.press("plus")
        await settle(pilot)
        after = running(demo)
        added = [i for i in after.items if i.section == first and not is_more(i)]
        assert len(added) == min(hidden, 12) + 1
        assert not any(is_more(i) and i.section == first for i in after.items[: line + 1])
        assert str(app.screen.query_one("#agenda", OptionList).border_title).startswith(
            f"Agenda · {sum(1 for i in after.items if not is_more(i))} items"
        )
        # Each item keeps its share: the meeting grows, and the lead is told by how much.
        longer = clock_text(after.timebox_seconds * sum(1 for i in after.items if not is_more(i)))
        toasts = " ".join(" ".join(str(toast.render()).split()) for toast in app.screen.query("Toast"))
        assert f"the meeting is now ~{longer}" in toasts, toasts
        assert str(app.screen.query_one("#meeting-clock", Static).render()).endswith(f"of ~{longer}")

        # S leaves the rest of the wins for the overdue commitments; nothing skipped is marked discussed.
        await pilot.press("S")
        await settle(pilot)
        now = running(demo)
        assert now.items[now.current_item].section != first
        assert now.items[now.current_item - 1].section == first
        assert not any(i.done for i in now.items)
        section = str(app.screen.query_one("#item-section", Static).render())
        assert section.startswith("Overdue commitments")


async def test_the_meeting_length_is_the_leads_and_is_remembered(demo, exports):
    app = MediationApp(demo, now=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, minutes="6")
        standup = running(demo)
        talked = [i for i in standup.items if not is_more(i)]
        assert len(talked) == 4 and standup.timebox_seconds == 90
        await pilot.press("E")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert app.screen.query_one("#timebox", Input).value == "6"


async def test_the_notes_of_a_short_walk_list_only_the_dispute_reached_and_no_tuples(demo, exports):
    app = MediationApp(demo, now=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot)
        screen = app.screen
        assert isinstance(screen, StandupScreen)
        standup = running(demo)
        disputes = [i for i in standup.items if i.dispute_id and not is_more(i)]
        assert len(disputes) >= 2
        while running(demo).items[running(demo).current_item].section != "disputes":
            await pilot.press("S")
            await pilot.pause()
        await pilot.press("space")  # the first dispute is discussed; the meeting ends before the next
        await pilot.press("E")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
    [notes] = list(exports.iterdir())
    text = notes.read_text()
    reached, unreached = disputes[0], disputes[1]
    codes = {d.id: d.code for d in demo.list_disputes()}
    assert f"### {codes[reached.dispute_id]}:" in text
    assert f"### {codes[unreached.dispute_id]}:" not in text
    assert "## Not reached (back on the next agenda)" in text
    assert codes[unreached.dispute_id] in text.split("## Not reached", 1)[1]
    assert "Sales gives: " in text and not TUPLE_REPR.search(text)


async def test_space_walks_only_the_items_talked_about_and_counts_them_as_the_agenda_does(demo, exports):
    app = MediationApp(demo, now=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot)
        items = running(demo).items
        talked = [index for index, item in enumerate(items) if not is_more(item)]
        assert len(talked) < len(items), "the demo's agenda has +N more lines to pass"
        agenda = app.screen.query_one("#agenda", OptionList)
        assert str(agenda.border_title) == f"Agenda · {len(talked)} items"
        section = app.screen.query_one("#item-section", Static)
        assert f"item 1 of {len(talked)}" in str(section.render())
        for step, index in enumerate(talked[1:], start=2):
            await pilot.press("space")
            await pilot.pause()
            assert running(demo).current_item == index
            assert f"item {step} of {len(talked)}" in str(section.render())
        await pilot.press("p")
        await pilot.pause()
        assert running(demo).current_item == talked[-2]
        walked = running(demo).items
        # No "+N more" line was stood on, so none reads as discussed; every item before the last was.
        assert not any(item.done for item in walked if is_more(item))
        assert all(walked[index].done for index in talked[:-1])


async def test_ending_early_says_how_many_of_the_meetings_items_were_not_reached(demo, exports):
    app = MediationApp(demo, now=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot)
        talked = sum(1 for item in running(demo).items if not is_more(item))
        await pilot.press("space", "space")  # two items walked past, the third on screen
        await pilot.press("E")
        await pilot.pause()
        question = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert f"{talked - 3} of the {talked} agenda items were not reached" in question, question
