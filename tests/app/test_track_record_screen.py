"""The track record screen follows every decision: marking a commitment kept or missed changes it, and it sorts by any column."""
from __future__ import annotations

from textual.widgets import DataTable

from screens.track_record import TrackRecordScreen
from tests.app.test_expectations import SIZE, app_for, cell, seed_expectations, settle, store  # noqa: F401


async def open_track_record(pilot) -> TrackRecordScreen:
    await settle(pilot)
    await pilot.press("4")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TrackRecordScreen)
    return screen


def row_of(table: DataTable, name: str) -> int:
    return next(i for i in range(table.row_count) if cell(table, i, "subject") == name)


def figures(screen: TrackRecordScreen, name: str) -> tuple[str, str, str, str]:
    table = screen.people_table
    row = row_of(table, name)
    return tuple(cell(table, row, column) for column in ("follow_through_30", "kept", "missed", "overdue"))


async def test_the_track_record_updates_after_each_commitment_is_marked(store):
    seeded = seed_expectations(store)
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_track_record(pilot)
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


async def test_sorting_by_a_column_and_reversing_it(store):
    seed_expectations(store)
    sam = store.person_by_name("Sam Seller")
    store.set_commitment_status(store.list_commitments(owner_id=sam.id)[0].id, "kept")
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_track_record(pilot)
        people = screen.people_table
        # The weakest 30-day follow-through first; "no data" always last.
        assert [cell(people, i, "subject") for i in range(people.row_count)] == ["Sam Seller", "Rita Recruiter"]
        await pilot.press("s")  # the picker opens on the current column; the name is just above it
        await pilot.pause()
        await pilot.press("up", "enter")
        await pilot.pause()
        assert [cell(people, i, "subject") for i in range(people.row_count)] == ["Rita Recruiter", "Sam Seller"]
        await pilot.press("r")
        await pilot.pause()
        assert [cell(people, i, "subject") for i in range(people.row_count)] == ["Sam Seller", "Rita Recruiter"]
        assert "highest first" in str(screen.query_one("#people-title").render())
