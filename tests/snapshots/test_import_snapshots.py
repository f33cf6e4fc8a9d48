"""The look of importing from a CSV, pinned: the dialog with a message by the field, and both kinds of report."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from mediation_console.console.core.rules.refresh import refresh_derived
from mediation_console.console.core.rules.service import Mediator
from mediation_console.db.csv_import import import_requisitions
from mediation_console.screens.dialogs.import_modal import ImportOutcome, ImportReportModal

SIZE = (120, 36)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "csv"


def test_the_import_dialog_says_when_there_is_no_such_file(snap_compare, store, app_factory):
    async def mistype(pilot) -> None:
        await pilot.press("i")
        await pilot.pause()
        pilot.app.screen.query_one("#import-path", Input).value = "exports/job-orders.csv"
        await pilot.press("ctrl+s")
        await pilot.pause()

    assert snap_compare(app_factory(store), terminal_size=SIZE, run_before=mistype)


def test_the_report_lists_rejected_rows_by_number_column_and_reason(snap_compare, store, app_factory):
    report = import_requisitions(store, FIXTURES / "bad_rows.csv", create_people=True)

    async def show(pilot) -> None:
        pilot.app.push_screen(ImportReportModal(ImportOutcome(report)))
        await pilot.pause()

    assert snap_compare(app_factory(store), terminal_size=SIZE, run_before=show)


def test_the_report_of_a_clean_import_says_what_was_created(snap_compare, store, app_factory):
    report = import_requisitions(store, FIXTURES / "clean.csv", create_people=True)
    graded = refresh_derived(store, Mediator(store))

    async def show(pilot) -> None:
        pilot.app.push_screen(ImportReportModal(ImportOutcome(report, graded=graded)))
        await pilot.pause()

    assert snap_compare(app_factory(store), terminal_size=SIZE, run_before=show)
