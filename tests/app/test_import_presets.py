"""The import dialog reads ATS exports as they come: the ATS export field (detected from the header or
chosen), the Client and Sales owner fields for exports without those columns, and a preview of the first
rows as they will be imported, with a plain sentence when a file fits no preset."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from rich.console import Console
from textual.widgets import Checkbox, Input, Select, Static
from textual.worker import WorkerCancelled

from mediation_console.db.models import Person, RequisitionStatus, Team
from mediation_console.screens.dialogs.import_modal import ImportDialog, ImportReportModal
from tests.app.screen_text import screen_text
from tests.pilot import press_to

SIZE = (120, 40)
ATS = Path(__file__).resolve().parents[1] / "fixtures" / "csv" / "ats"


def shown(screen, selector: str) -> str:
    return " ".join(str(screen.query_one(selector, Static).render()).split())


def preview_words(dialog: ImportDialog) -> str:
    """The preview as the lead reads it (rendered wide, so nothing is cut), its spaces folded."""
    console = Console(width=240, record=True, file=io.StringIO())
    console.print(dialog.query_one("#import-preview-text", Static).content)
    return " ".join(console.export_text().split())


async def open_dialog(pilot) -> ImportDialog:
    dialog = await press_to(pilot, "i", ImportDialog)
    return dialog


async def workers_done(app) -> None:
    """Until every worker has finished. A preview the dialog started again after a later change cancels
    the one before it (on a loaded machine the changes can arrive either side of the preview's delay):
    that is how the dialog works, not a failure, so only a worker's other exceptions are raised."""
    while pending := [worker for worker in app.workers if not worker.is_finished]:
        results = await asyncio.gather(*(worker.wait() for worker in pending), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, WorkerCancelled):
                raise result


async def settle(pilot) -> None:
    """Waits past the preview's delay after the last change, then for the preview it started (again,
    if a change arrived while it ran), so the preview shows what the fields say now."""
    await pilot.pause(0.5)
    for _ in range(100):
        await workers_done(pilot.app)
        await pilot.pause()
        if getattr(pilot.app.screen, "_preview_timer", None) is None and all(
            worker.is_finished for worker in pilot.app.workers
        ):
            return
        await pilot.pause(0.1)
    raise AssertionError("the preview did not settle in 10 s")


async def import_now(pilot) -> ImportReportModal:
    await pilot.press("ctrl+s")
    await workers_done(pilot.app)
    await pilot.pause()
    await pilot.pause()
    report = pilot.app.screen
    assert isinstance(report, ImportReportModal), screen_text(pilot.app)
    return report


def by_external_id(store) -> dict:
    return {req.external_id: req for req in store.iter_requisitions() if req.external_id}


async def test_a_greenhouse_export_asks_for_its_client_and_sales_owner_by_the_field_and_lands_as_previewed(
    store, app_factory
):
    seller = store.list_people(team="sales")[0].name
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        dialog.query_one("#import-path", Input).value = str(ATS / "greenhouse_jobs.csv")
        await settle(pilot)

        words = preview_words(dialog)
        assert "Read as a Greenhouse export (preset greenhouse, detected from its headers Requisition ID" in words
        # What the export lacks is said by the field that gives it.
        assert shown(dialog, "#error-import-client") == (
            "Needed: A Greenhouse export is one client's jobs and has no client column; type it here"
        )
        assert shown(dialog, "#error-import-sales-owner") == (
            "Needed: A Greenhouse export has no sales owner column; type it here"
        )
        assert dialog.query_one("#row-import-client").has_class("invalid")
        assert "2 rejected" in words and "missing client (a Greenhouse export is one client's jobs and has no " \
            "client column: type the client in the Client field)" in words  # fmt: skip

        dialog.query_one("#import-client", Input).value = "Hooli"
        dialog.query_one("#import-sales-owner", Input).value = seller
        dialog.query_one("#import-create-people", Checkbox).value = True  # the recruiters are new
        await settle(pilot)

        assert shown(dialog, "#error-import-client") == "" and shown(dialog, "#error-import-sales-owner") == ""
        words = preview_words(dialog)
        assert "All 5 rows of the file, as they will be imported:" in words
        assert f"2 new Staff Data Engineer Hooli {seller} Rita Recruiter sourcing 180,000–210,000" in words
        assert f"6 new Design Intern Hooli {seller} Tom Talent filled 83,200" in words  # "$40/hr" x 2080
        assert "Filled: Client = 'Hooli' (the Client field)" in words
        assert "rejected" not in words

        report = await import_now(pilot)
        assert shown(report, "#report-summary").startswith("Imported greenhouse_jobs.csv: 5 rows — 5 created")

    reqs = by_external_id(store)
    engineer = reqs["4012345"]
    assert (engineer.title, engineer.client) == ("Staff Data Engineer", "Hooli")
    assert store.get_person(engineer.sales_owner_id).name == seller
    assert store.get_person(engineer.recruiter_id).name == "Rita Recruiter"
    assert (engineer.salary_min, engineer.salary_max) == (180_000, 210_000)
    assert engineer.status == RequisitionStatus.SOURCING
    assert reqs["4012349"].salary_max == 83_200
    assert reqs["4012348"].status == RequisitionStatus.FILLED
    assert {reqs[k].client for k in reqs if k.startswith("40123")} == {"Hooli"}


async def test_a_preset_chosen_for_the_wrong_file_says_which_one_fits_and_the_right_one_reads_it(store, app_factory):
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        dialog.query_one("#import-path", Input).value = str(ATS / "lever_postings.csv")
        dialog.query_one("#import-preset", Select).value = "bullhorn"
        await settle(pilot)
        assert shown(dialog, "#import-preview-fit") == (
            "This does not look like a Bullhorn export: it has none of Bullhorn's own headers "
            "(clientCorporation, clientCorporation.name, numOpenings, …); its headers categories.team, "
            "categories.department, categories.location are Lever's (the lever preset)"
        )

        dialog.query_one("#import-preset", Select).value = "lever"
        dialog.query_one("#import-client", Input).value = "Initech"
        dialog.query_one("#import-sales-owner", Input).value = store.list_people(team="sales")[0].name
        dialog.query_one("#import-create-people", Checkbox).value = True
        await settle(pilot)
        assert not dialog.query_one("#import-preview-fit", Static).display
        words = preview_words(dialog)
        assert "Read as a Lever export (preset lever, chosen in the ATS export field;" in words
        assert "Senior Backend Engineer Initech" in words
        assert "117,000–143,000" in words  # 450-550 per-day-wage x 260

        report = await import_now(pilot)
        assert report.outcome.report.ok and report.outcome.report.preset == "lever"
    assert by_external_id(store)["5f1b2c3d-0001-4e5f-8a9b-000000000002"].salary_min == 117_000


async def test_headers_in_another_case_and_spacing_still_name_the_ats(store, app_factory, tmp_path):
    # A Bullhorn list export re-saved by a spreadsheet: its labels, not its field names, and an hourly rate.
    store.add_person(Person(name="Rita Recruiter", team=Team.RECRUITING))
    seller = store.list_people(team="sales")[0].name
    path = tmp_path / "bullhorn-list.csv"
    path.write_text(
        "ID,Title,Client Corporation,Owner,Assigned Users,Num Openings,Salary,SALARY UNIT,Status\n"
        f"9001,Welder,Acme Tools,{seller},Rita Recruiter,3,48,Per Hour,Accepting Candidates\n",
        encoding="utf-8",
    )
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        dialog.query_one("#import-path", Input).value = str(path)
        await settle(pilot)
        words = preview_words(dialog)
        assert "Read as a Bullhorn export (preset bullhorn, detected from its headers Client Corporation, " in words
        assert f"2 new Welder Acme Tools {seller} Rita Recruiter sourcing 99,840" in words

        report = await import_now(pilot)
        assert report.outcome.report.ok
    welder = by_external_id(store)["9001"]
    assert (welder.salary_min, welder.openings, welder.client) == (99_840, 3, "Acme Tools")  # never $48 a year


async def test_a_file_that_fits_no_preset_says_so_plainly(store, app_factory, tmp_path):
    strange = tmp_path / "strange.csv"
    strange.write_text("Foo,Bar,Baz\n1,2,3\n", encoding="utf-8")
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        dialog.query_one("#import-path", Input).value = str(strange)
        await settle(pilot)
        assert shown(dialog, "#import-preview-fit") == (
            "No column was recognised: is the first row the header? Choose the ATS it came from, "
            "or give a mapping file naming its columns"
        )

        dialog.query_one("#import-path", Input).value = str(ATS.parent / "clean.csv")
        await settle(pilot)
        assert shown(dialog, "#import-preview-fit") == (
            "It fits no ATS preset (it has too few of the headers a Bullhorn, Greenhouse, Lever or OpenCATS "
            "export has), so it is read by the console's own column names"
        )
        assert "Columns read: Req # → External ID, Job Title → Title" in preview_words(dialog)


async def test_a_sales_owner_nobody_in_the_team_has_is_refused_by_the_field(store, app_factory):
    seller = store.list_people(team="sales")[0].name
    before = store.counts()
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        dialog.query_one("#import-path", Input).value = str(ATS / "greenhouse_jobs.csv")
        dialog.query_one("#import-client", Input).value = "Hooli"
        dialog.query_one("#import-sales-owner", Input).value = seller[:-1]
        await settle(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog  # nothing ran
        assert shown(dialog, "#error-import-sales-owner") == (
            f"Nobody in the team is called {seller[:-1]}; did you mean {seller}? (or tick Create the people it names)"
        )
        assert app.focused is dialog.query_one("#import-sales-owner", Input)
    assert store.counts() == before
