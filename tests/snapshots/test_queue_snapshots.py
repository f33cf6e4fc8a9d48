"""The look of the requisition queue, pinned: empty, populated, and the form showing a validation error."""

from __future__ import annotations

from textual.widgets import Input

SIZE = (120, 36)


def test_an_empty_queue_invites_the_first_requisition(snap_compare, empty_store, app_factory):
    assert snap_compare(app_factory(empty_store), terminal_size=SIZE)


def test_a_populated_queue_shows_grades_promises_and_counts(snap_compare, store, app_factory):
    assert snap_compare(app_factory(store), terminal_size=SIZE, press=["down", "down"])


def test_the_queue_sorted_by_grade_with_closed_requisitions(snap_compare, store, app_factory):
    async def sort_by_grade(pilot) -> None:
        await pilot.press("c", "o")
        await pilot.press(*["down"] * 6, "enter")
        await pilot.pause()

    assert snap_compare(app_factory(store), terminal_size=SIZE, run_before=sort_by_grade)


def test_the_requisition_form_shows_errors_beside_the_fields(snap_compare, store, app_factory):
    async def fill_badly(pilot) -> None:
        await pilot.press("n")
        form = pilot.app.screen
        form.query_one("#field-title", Input).value = "Warehouse Lead"
        form.query_one("#field-title", Input).value = ""
        form.query_one("#field-client", Input).value = "Fabrikam Foods"
        form.query_one("#field-openings", Input).value = "two"
        await pilot.pause()

    assert snap_compare(app_factory(store), terminal_size=SIZE, run_before=fill_badly)
