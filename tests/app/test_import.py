"""Importing requisitions from a CSV inside the console: the palette entry, the file dialog, the report."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from textual.command import CommandPalette
from textual.widgets import Checkbox, Input, Static

from mediation_console.db.store import QueueQuery
from mediation_console.screens.dialogs.import_modal import ImportDialog, ImportReportModal
from mediation_console.screens.queue import QueueScreen
from tests.pilot import press_to

SIZE = (120, 36)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "csv"


async def type_text(pilot, text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


def shown(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render()).strip()


async def open_from_palette(pilot) -> ImportDialog:
    await press_to(pilot, "ctrl+p", CommandPalette)
    await type_text(pilot, "import: requisitions")
    await pilot.pause(0.3)
    dialog = await press_to(pilot, "enter", ImportDialog)
    return dialog


async def run_import(
    pilot, dialog: ImportDialog, path: Path, *, dry_run: bool = False, create_people: bool = True
) -> None:
    """Runs the import as the lead would; the fixtures' people are not in the test team, so by default
    it is a first import that creates them (the tick the lead sets for one)."""
    dialog.query_one("#import-path", Input).value = str(path)
    if dry_run:
        dialog.query_one("#import-dry-run", Checkbox).value = True
    if create_people:
        dialog.query_one("#import-create-people", Checkbox).value = True
    await pilot.pause()
    await pilot.press("ctrl+s")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def report_of_palette_import(pilot, path: Path) -> ImportReportModal:
    """Imports `path` from the command palette once the queue is drawn; returns the report it shows."""
    await pilot.pause()
    dialog = await open_from_palette(pilot)
    await run_import(pilot, dialog, path)
    report = pilot.app.screen
    assert isinstance(report, ImportReportModal)
    return report


def problem_lines(report_screen: ImportReportModal) -> list[str]:
    """The rejected-rows table as the lead reads it, one line per row (rendered wide enough not to wrap)."""
    console = Console(width=240, record=True, file=io.StringIO())
    console.print(report_screen.query_one("#report-problems-table", Static).content)
    return [" ".join(line.split()) for line in console.export_text().splitlines() if line.strip()]


async def test_the_palette_imports_a_clean_file_grades_it_and_shows_the_report(store, app_factory):
    before = store.counts()["requisitions"]
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        report = await report_of_palette_import(pilot, FIXTURES / "clean.csv")
        assert shown(report, "#report-summary").startswith(
            "Imported clean.csv: 4 rows — 4 created, 0 updated, 0 unchanged; 4 people were added."
        )
        details = [str(s.render()) for s in report.query(".detail")]
        assert any(d.startswith("People added: Sam Seller (sales), Rita Recruiter (recruiting)") for d in details)
        assert "Grades recomputed for 4 requisitions." in details  # only the rows imported

        queue = await press_to(pilot, "escape", QueueScreen)
        # The queue counts the imported requisitions without being asked to.
        assert shown(queue, "#queue-count").endswith(f"of {before + 4} requisitions")

    assert store.counts()["requisitions"] == before + 4
    rows = store.query_queue(QueueQuery(text="Senior Controller"), 0, 10)
    assert [(r.title, r.client) for r in rows] == [("Senior Controller", "Initech")]
    # Every imported requisition was graded by the rules, not left blank.
    assert all(r.grade is not None and r.score is not None for r in rows)
    assert store.person_by_name("Sam Seller").team.value == "sales"
    assert store.person_by_name("Rita Recruiter").team.value == "recruiting"


async def test_a_bad_file_lists_every_rejected_row_and_writes_nothing(store, app_factory):
    before = store.counts()
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        report = await report_of_palette_import(pilot, FIXTURES / "bad_rows.csv")
        assert "nothing was imported" in shown(report, "#report-summary")
        lines = problem_lines(report)
        assert lines[0] == "Row Column Reason"
        assert '3 Date Added "13/45/2025" is not a date (US dates are MM/DD/YYYY)' in lines
        assert '6 Job ID duplicate id "B-1" in the file (first on row 2)' in lines
        assert any(line.startswith('7 Status unknown status "Pending Approval"') for line in lines)
        assert [line.split()[0] for line in lines[1:]] == ["3", "4", "5", "6", "7", "8", "9", "10", "11"]

    assert store.counts() == before


async def test_without_the_create_people_tick_a_typo_in_a_name_rejects_its_row_and_names_the_person(
    store, app_factory, tmp_path
):
    someone = store.list_people(team="sales")[0]
    typo = someone.name[:-1] + ("x" if someone.name[-1] != "x" else "y")
    path = tmp_path / "typo.csv"
    path.write_text(f"Job ID,Title,Client,Sales Owner\nT-1,Controller,Initech,{typo}\n", encoding="utf-8")
    before = store.counts()
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        dialog = await open_from_palette(pilot)
        await run_import(pilot, dialog, path, create_people=False)

        report = app.screen
        assert isinstance(report, ImportReportModal)
        assert "nothing was imported" in shown(report, "#report-summary")
        assert any(
            f"unknown sales owner '{typo}' — did you mean '{someone.name}'?" in line for line in problem_lines(report)
        )
    assert store.counts() == before


async def test_a_missing_file_or_a_folder_is_named_beside_the_field(store, app_factory, tmp_path):
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await press_to(pilot, "i", ImportDialog)

        await pilot.press("ctrl+s")
        await pilot.pause()
        assert shown(dialog, "#error-import-path") == "Enter the path of the CSV file"

        dialog.query_one("#import-path", Input).value = str(tmp_path / "nowhere.csv")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert shown(dialog, "#error-import-path") == f"There is no file at {tmp_path / 'nowhere.csv'}"

        dialog.query_one("#import-path", Input).value = str(tmp_path)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert shown(dialog, "#error-import-path") == f"{tmp_path} is a folder; enter the path of a CSV file in it"

        dialog.query_one("#import-path", Input).value = str(FIXTURES / "clean.csv")
        dialog.query_one("#import-map", Input).value = str(tmp_path / "nowhere.toml")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert shown(dialog, "#error-import-path") == ""
        assert shown(dialog, "#error-import-map") == f"There is no file at {tmp_path / 'nowhere.toml'}"
        assert app.screen is dialog  # still asking; nothing ran
    assert store.counts()["requisitions"] == 20


async def test_a_dry_run_reports_what_would_be_imported_and_writes_nothing(store, app_factory):
    before = store.counts()
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await pilot.pause()
        await run_import(pilot, app.screen, FIXTURES / "clean.csv", dry_run=True)

        report = app.screen
        assert isinstance(report, ImportReportModal)
        assert shown(report, "#report-summary").startswith("Dry run, nothing was written. clean.csv: 4 rows")
    assert store.counts() == before


async def test_a_mapping_file_names_the_other_headers(store, app_factory):
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#import-map", Input).value = str(FIXTURES / "custom.toml")
        await run_import(pilot, dialog, FIXTURES / "custom.csv")

        report = app.screen
        assert isinstance(report, ImportReportModal)
        assert shown(report, "#report-summary").startswith("Imported custom.csv")
    assert store.counts()["requisitions"] > 20


async def test_the_import_is_offered_on_every_screen_but_not_on_a_read_only_database(store, app_factory, tmp_path):
    from mediation_console.screens.commands import applicable

    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        names = [command.name for command in applicable(app.screen)]
        assert "import: requisitions from CSV" in names
    store.readonly = True
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "import: requisitions from CSV" not in [command.name for command in applicable(app.screen)]
        await pilot.press("i")
        await pilot.pause()
        assert not isinstance(app.screen, ImportDialog)
