"""The track record screen follows every decision: marking a commitment kept or missed changes it, and it sorts by any column."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from textual.pilot import Pilot

from mediation_console.db.models import Person, Team
from mediation_console.db.store import Store
from mediation_console.screens.track_record import PeopleTable, TrackRecordScreen
from mediation_console.screens.widgets.paged_table import Cell
from tests.app.test_expectations import NOW, SIZE, app_for, cell, seed_expectations, settle
from tests.helpers import store_fixture
from tests.pilot import open_screen

store = store_fixture(NOW)


async def open_track_record(pilot) -> TrackRecordScreen:
    return await open_screen(pilot, "4", TrackRecordScreen)


@asynccontextmanager
async def on_the_track_record(
    store: Store, size: tuple[int, int] = SIZE
) -> AsyncIterator[tuple[Pilot, TrackRecordScreen]]:
    """The console on `store` at `size`, on its settled track record screen."""
    app = app_for(store)
    async with app.run_test(size=size) as pilot:
        yield pilot, await open_track_record(pilot)


def row_of(table, name: str) -> int:
    return next(i for i in range(table.row_count) if cell(table, i, "subject") == name)


def names(people: PeopleTable) -> list[str]:
    return [people.row_at(i).subject for i in range(people.total)]


def shown(people: PeopleTable, name: str, column: str) -> Cell:
    """What the people table draws in `column` for `name`: its text and tone."""
    record = next(people.row_at(i) for i in range(people.total) if people.row_at(i).subject == name)
    drawn = next(c for c in people.columns if c.key == column)
    return drawn.cell(record) if drawn.cell else Cell(drawn.text(record))


def figures(screen: TrackRecordScreen, name: str) -> tuple[str, ...]:
    return tuple(
        shown(screen.people_table, name, column).text for column in ("follow_through_30", "kept", "missed", "overdue")
    )


def drawn_lines(people: PeopleTable) -> list[str]:
    return [people.render_line(y).text for y in range(people.size.height)]


async def test_the_track_record_updates_after_each_commitment_is_marked(store):
    seeded = seed_expectations(store)
    async with on_the_track_record(store) as (pilot, screen):
        # Sam has one overdue and one later commitment, nothing decided: no data, not 100 %.
        assert figures(screen, "Sam Seller") == ("no data", "0", "0", "1")

        await pilot.press("3")
        await settle(pilot)
        await pilot.press("tab", "k")  # Sam's overdue commitment: kept (late)
        await settle(pilot)
        screen = await open_track_record(pilot)
        assert figures(screen, "Sam Seller") == ("100%", "1", "0", "0")
        sales = screen.teams_table
        assert cell(sales, row_of(sales, "Sales"), "follow_through_30") == "100%"

        await pilot.press("3")
        await settle(pilot)
        await pilot.press("m")  # Rita's commitment due today: missed
        await settle(pilot)
        screen = await open_track_record(pilot)
        assert figures(screen, "Rita Recruiter") == ("0%", "0", "1", "0")
        assert figures(screen, "Sam Seller") == ("100%", "1", "0", "0")
        teams = screen.teams_table
        assert cell(teams, row_of(teams, "Recruiting"), "follow_through_30") == "0%"
    assert store.get_commitment(seeded["overdue"]).status == "kept"
    assert store.get_commitment(seeded["today"]).status == "missed"


def seed_with_sams_first_commitment_kept(store) -> None:
    """Sam with a kept commitment and Rita with none decided: two people who sort differently by name
    and by follow-through."""
    seed_expectations(store)
    sam = store.person_by_name("Sam Seller")
    store.set_commitment_status(store.list_commitments(owner_id=sam.id)[0].id, "kept")


async def test_sorting_by_a_column_and_reversing_it(store):
    seed_with_sams_first_commitment_kept(store)
    async with on_the_track_record(store) as (pilot, screen):
        people = screen.people_table
        # The weakest 30-day follow-through first; "no data" always last.
        assert names(people) == ["Sam Seller", "Rita Recruiter"]
        assert "30 d▲" in drawn_lines(people)[0]
        await pilot.press("s")  # the picker opens on the current column; the name is just above it
        await pilot.pause()
        await pilot.press("up", "enter")
        await pilot.pause()
        assert names(people) == ["Rita Recruiter", "Sam Seller"]
        assert "Name▲" in drawn_lines(people)[0]
        await pilot.press("r")
        await pilot.pause()
        assert names(people) == ["Sam Seller", "Rita Recruiter"]
        assert "Name▼" in drawn_lines(people)[0]
        assert "highest first" in str(screen.query_one("#people-title").render())


async def test_clicking_a_header_sorts_by_it_and_clicking_again_reverses(store):
    seed_with_sams_first_commitment_kept(store)
    async with on_the_track_record(store) as (pilot, screen):
        people = screen.people_table
        header = drawn_lines(people)[0]
        await pilot.click("#people-table", offset=(header.index("Name") + 1, 0))
        await pilot.pause()
        assert (screen.sort_key, screen.descending) == ("subject", False)
        assert names(people) == ["Rita Recruiter", "Sam Seller"]
        await pilot.click("#people-table", offset=(header.index("Name") + 1, 0))
        await pilot.pause()
        assert names(people) == ["Sam Seller", "Rita Recruiter"]
        # The trend is a picture of the weeks: it says so rather than sorting.
        await pilot.click("#people-table", offset=(header.index("12 weeks") + 1, 0))
        await pilot.pause()
        assert screen.sort_key == "subject"


async def test_tones_mark_good_follow_through_and_overdue_alarms(store):
    seed_with_sams_first_commitment_kept(store)
    async with on_the_track_record(store) as (pilot, screen):
        people = screen.people_table
        assert shown(people, "Sam Seller", "follow_through_30") == Cell("100%", "good")
        assert shown(people, "Rita Recruiter", "follow_through_30") == Cell("no data", "dim")
        assert shown(people, "Rita Recruiter", "missed") == Cell("0", "dim")
        assert shown(people, "Sam Seller", "team") == Cell("Sales")


async def test_an_overdue_commitment_is_an_alarm_in_the_table(store):
    seed_expectations(store)
    async with on_the_track_record(store) as (pilot, screen):
        assert shown(screen.people_table, "Sam Seller", "overdue") == Cell("1", "bad")


async def test_the_highlighted_person_stays_highlighted_and_in_view_through_a_resort(store):
    seed_expectations(store)
    for n in range(60):
        store.add_person(Person(name=f"Recruiter {n:02d}", team=Team.RECRUITING))
    async with on_the_track_record(store) as (pilot, screen):
        people = screen.people_table
        assert people.total == 62
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("up", "enter")  # by name: Recruiter 00 … 59, Rita, Sam
        await pilot.pause()
        await pilot.press("end")
        await pilot.pause()
        assert people.current_row.subject == "Sam Seller"
        assert "Sam Seller" in str(screen.query_one("#record-summary").render())
        await pilot.press("r")  # Sam is now first; the view follows him to the top
        await pilot.pause()
        assert people.cursor == 0 and people.current_row.subject == "Sam Seller"
        assert people.scroll_offset.y == 0
        assert "Sam Seller" in drawn_lines(people)[1]
        assert "Sam Seller" in str(screen.query_one("#record-summary").render())


async def test_tab_moves_between_the_teams_and_the_people_and_the_strip_follows(store):
    seed_expectations(store)
    async with on_the_track_record(store) as (pilot, screen):
        assert screen.focused is screen.people_table
        people_first = screen.people_table.current_row.subject
        assert people_first in str(screen.query_one("#record-summary").render())
        await pilot.press("tab")
        await pilot.pause()
        assert screen.focused is screen.teams_table
        assert "Sales team" in str(screen.query_one("#record-summary").render())
        await pilot.press("tab")
        await pilot.pause()
        assert screen.focused is screen.people_table
        assert people_first in str(screen.query_one("#record-summary").render())


async def test_the_team_column_gives_way_on_a_narrow_terminal(store):
    seed_expectations(store)
    async with on_the_track_record(store, size=(120, 36)) as (pilot, screen):
        assert "team" not in [c.key for c in screen.people_table.columns]
        assert "Team" not in drawn_lines(screen.people_table)[0]
