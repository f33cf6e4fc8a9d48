"""Importing requisitions from an ATS or spreadsheet CSV in the console: the file dialog, its progress, the report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, ProgressBar, Static
from textual.worker import get_current_worker

from mediation_console.console.core.services import Services
from mediation_console.db.csv_import import (
    ImportAborted,
    ImportFileError,
    ImportMapping,
    ImportReport,
    MappingError,
    import_requisitions,
)
from mediation_console.db.store import Store, StoreError
from mediation_console.db.words import plural
from mediation_console.screens.messages import DataChanged
from mediation_console.screens.widgets.tick import Tick

if TYPE_CHECKING:
    from textual.app import App

# A report lists every rejected row; past this many it stops (a screenful is read, not a thousand)
# and says how to get the whole list.
SHOWN_PROBLEMS = 500
QUEUE_MODE = "queue"  # the app's mode showing QueueScreen
DIALOG_WIDTH = 84
REPORT_WIDTH = 104


@dataclass(frozen=True)
class ImportOutcome:
    """What an import from the console did: the importer's report and how the grades were refreshed."""

    report: ImportReport
    graded: int = 0
    grading_problem: str = ""


class _Cancelled(Exception):
    """The lead pressed escape while the file was being imported; nothing is written."""


def file_problem(text: str, *, what: str = "CSV file") -> str:
    """Why the path typed cannot be imported ("" when it can): missing, a folder, or nothing typed."""
    if not text.strip():
        return f"Enter the path of the {what}"
    path = Path(text.strip()).expanduser()
    if path.is_dir():
        return f"{path} is a folder; enter the path of a {what} in it"
    if not path.exists():
        return f"There is no file at {path}"
    return ""


class ImportDialog(ModalScreen[ImportOutcome | None]):
    """Asks for the CSV, an optional mapping file and whether to only check; runs the import in a worker."""

    DEFAULT_CSS = """
    ImportDialog Input { background: $boost; }
    ImportDialog Input:focus { background: $surface-lighten-2; }
    ImportDialog #import-dry-run { margin: 1 0 0 0; background: $surface; }
    ImportDialog #import-create-people { background: $surface; }
    ImportDialog #import-running { height: auto; margin: 1 0 0 0; display: none; }
    ImportDialog #import-running.shown { display: block; }
    ImportDialog #import-progress { width: 1fr; }
    ImportDialog #import-stage { color: $text-muted; }
    ImportDialog #import-failed { color: $error; text-style: bold; height: auto; margin: 1 0 0 0; }
    ImportDialog .hint { color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close, or stop a running import (nothing is written)"),
        Binding("ctrl+s", "start", "Import", priority=True, tooltip="Check the file and import it"),
    ]

    def __init__(self, services: Services, path: str = "") -> None:
        super().__init__()
        # The console's store (the import opens its own connection to the same file) and its rule pack.
        self.services = services
        self.initial_path = path
        self.running = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = "Import requisitions from CSV"
            dialog.styles.width = DIALOG_WIDTH  # inline: the app's `.dialog` rule outranks DEFAULT_CSS
            dialog.border_subtitle = "ctrl+s import · esc cancel"
            yield Static(
                "An export from your ATS (Bullhorn, OpenCATS, Greenhouse) or a spreadsheet. All rows or none: "
                "if any row is rejected, nothing is imported and the report lists why.",
                classes="question",
            )
            yield Label("CSV file", classes="field-label")
            yield Input(self.initial_path, placeholder="e.g. ~/Downloads/job-orders.csv", id="import-path")
            yield Static("", id="error-import-path", classes="field-error")
            yield Label("Mapping file (optional)", classes="field-label")
            yield Input(placeholder="a .toml naming other headers and status words", id="import-map")
            yield Static("", id="error-import-map", classes="field-error")
            yield Tick("Dry run: check every row and report, write nothing", id="import-dry-run")
            # Off by default: a name nobody in the team has is most often a typo, and rejects its row.
            yield Tick(
                "Create the people it names who are not in the team yet (a first import)", id="import-create-people"
            )
            with Vertical(id="import-running"):
                yield ProgressBar(total=None, show_eta=False, id="import-progress")
                yield Static("", id="import-stage")
            yield Static("", id="import-failed")
            with Horizontal(classes="buttons"):
                yield Button(escape("Import [ctrl+s]"), variant="primary", id="import-go")
                yield Button(escape("Cancel [esc]"), id="import-cancel")

    def on_mount(self) -> None:
        self.query_one("#import-path", Input).focus()

    # -- the form --------------------------------------------------------------------------------

    def _show_error(self, field: str, message: str) -> None:
        error = self.query_one(f"#error-{field}", Static)
        error.update(message)
        error.set_class(bool(message), "shown")

    @on(Input.Changed, "#import-path")
    @on(Input.Changed, "#import-map")
    def _edited(self, event: Input.Changed) -> None:
        # A message stays until the lead changes what it is about.
        assert event.input.id is not None
        self._show_error(event.input.id, "")
        self.query_one("#import-failed", Static).update("")

    @on(Input.Submitted)
    @on(Button.Pressed, "#import-go")
    def _submitted(self) -> None:
        self.action_start()

    @on(Button.Pressed, "#import-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def _mapping(self) -> tuple[ImportMapping | None, bool]:
        """The mapping file's rules (None when none is given) and whether it could be read."""
        text = self.query_one("#import-map", Input).value.strip()
        if not text:
            return None, True
        problem = file_problem(text, what="mapping file")
        if not problem:
            try:
                return ImportMapping.load(Path(text).expanduser()), True
            except (ImportFileError, MappingError) as exc:
                problem = str(exc)
        self._show_error("import-map", problem)
        return None, False

    def action_start(self) -> None:
        if self.running:
            return
        path_text = self.query_one("#import-path", Input).value
        problem = file_problem(path_text)
        self._show_error("import-path", problem)
        mapping, mapping_ok = self._mapping()
        if problem or not mapping_ok:
            self.query_one("#import-map" if not problem else "#import-path", Input).focus()
            return
        dry_run = self.query_one("#import-dry-run", Checkbox).value
        create_people = self.query_one("#import-create-people", Checkbox).value
        self._set_running(True)
        self._import(Path(path_text.strip()).expanduser(), mapping, dry_run, create_people)

    def action_cancel(self) -> None:
        if self.running:
            # The worker stops at its next thousand rows; the transaction is rolled back.
            self.workers.cancel_group(self, "import")
            self.query_one("#import-stage", Static).update("Stopping… nothing will be written")
            return
        self.dismiss(None)

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.query_one("#import-running").set_class(running, "shown")
        for widget_id in ("#import-path", "#import-map", "#import-dry-run", "#import-create-people", "#import-go"):
            self.query_one(widget_id).disabled = running
        if running:
            self.query_one("#import-failed", Static).update("")
            self.query_one(ProgressBar).update(total=None, progress=0)
            self.query_one("#import-stage", Static).update("Reading the file…")
        else:
            self.query_one("#import-path", Input).focus()

    # -- the import, in a thread -----------------------------------------------------------------

    def _show_progress(self, done: int, total: int | None) -> None:
        bar = self.query_one(ProgressBar)
        stage = self.query_one("#import-stage", Static)
        if total is None:
            bar.update(total=None)
            stage.update(f"Checking… {plural(done, 'row')}")
        elif total and done >= total and not self.dry_run_requested:
            bar.update(total=total, progress=done)
            stage.update("Grading the imported requisitions…")
        else:
            bar.update(total=total, progress=done)
            stage.update(f"Writing… {done:,} of {plural(total, 'row')}")

    @property
    def dry_run_requested(self) -> bool:
        return self.query_one("#import-dry-run", Checkbox).value

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def _import(self, path: Path, mapping: ImportMapping | None, dry_run: bool, create_people: bool = False) -> None:
        app: App[Any] = self.app
        worker = get_current_worker()

        def progress(done: int, total: int | None) -> None:
            if worker.is_cancelled:
                raise _Cancelled
            app.call_from_thread(self._show_progress, done, total)

        shared = self.services.store
        try:
            # Its own connection: the import's long transaction must not swallow the screens' reads and writes.
            with Store(shared.path, now=shared.now, actor=shared.actor) as store:
                report = import_requisitions(
                    store, path, mapping=mapping, dry_run=dry_run, progress=progress, create_people=create_people
                )
                outcome = ImportOutcome(report)
                if report.written and (report.created or report.updated):
                    outcome = self._grade(store, report)
        except _Cancelled:
            app.call_from_thread(self._cancelled)
            return
        except (ImportFileError, ImportAborted, StoreError) as exc:
            app.call_from_thread(self._failed, str(exc))
            return
        except Exception as exc:  # never leave the dialog stuck "running" on a fault
            app.call_from_thread(self._failed, f"The import stopped on an unexpected problem: {exc!r}")
            return
        app.call_from_thread(self.dismiss, outcome)

    def _grade(self, store: Store, report: ImportReport) -> ImportOutcome:
        """Grades what the import wrote; estimates follow when new filled requisitions move the time-to-fill history."""
        mediator = self.services.mediator
        if mediator is None:
            return ImportOutcome(report, grading_problem="the rule pack is not loaded, so grades were not recomputed")
        # Imported here, not at the top: the console's start path must not load rule-engine.
        from mediation_console.console.core.rules.refresh import refresh_changed, refresh_derived

        try:
            if report.resumed:  # the rows an interrupted run wrote were never graded
                return ImportOutcome(report, graded=refresh_derived(store, mediator))
            return ImportOutcome(report, graded=refresh_changed(store, report.changed_ids, mediator))
        except StoreError as exc:
            return ImportOutcome(report, grading_problem=f"the grades could not be recomputed: {exc}")

    def _cancelled(self) -> None:
        self._set_running(False)
        self.notify("Import stopped; nothing was written", title="Import", severity="warning")

    def _failed(self, message: str) -> None:
        self._set_running(False)
        self.query_one("#import-failed", Static).update(message)
        self.notify(message, title="Not imported", severity="error")


class ImportReportModal(ModalScreen[None]):
    """What an import found: the summary and details, and every rejected row by number, column and reason."""

    DEFAULT_CSS = """
    ImportReportModal #report-summary { text-style: bold; margin: 0 0 1 0; }
    ImportReportModal #report-summary.ok { color: $success; }
    ImportReportModal #report-summary.rejected { color: $error; }
    ImportReportModal #report-details { height: auto; max-height: 10; }
    ImportReportModal .detail { color: $text-muted; }
    ImportReportModal .detail.warning { color: $warning; }
    ImportReportModal #report-problems { height: auto; max-height: 16; margin: 1 0 0 0; }
    ImportReportModal #report-problems:focus { background-tint: $foreground 3%; }
    ImportReportModal #report-problems-table { width: 100%; }
    ImportReportModal #report-more { color: $text-muted; margin: 1 0 0 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter,q", "close", "Close", tooltip="Back to the console")]

    def __init__(self, outcome: ImportOutcome) -> None:
        super().__init__()
        self.outcome = outcome

    def compose(self) -> ComposeResult:
        report = self.outcome.report
        title = "Rejected" if not report.ok else ("Dry run" if report.dry_run else "Imported")
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = f"{title} · {Path(report.source).name}"
            dialog.styles.width = REPORT_WIDTH  # room for reasons on one line; the app's `.dialog` caps it at 95%
            dialog.border_subtitle = "esc close"
            yield Static(report.summary(), id="report-summary", classes="ok" if report.ok else "rejected", markup=False)
            with VerticalScroll(id="report-details"):
                for line in report.details():
                    yield Static(line, classes="detail", markup=False)
                if self.outcome.graded:
                    graded = self.outcome.graded
                    yield Static(
                        f"Grades recomputed for {graded:,} requisition{'s' if graded != 1 else ''}.",
                        classes="detail",
                        markup=False,
                    )
                if self.outcome.grading_problem:
                    yield Static(f"Note: {self.outcome.grading_problem}.", classes="detail warning", markup=False)
            if report.problems:
                with VerticalScroll(id="report-problems", can_focus=True):
                    yield Static(problems_table(report), id="report-problems-table")
                hidden = len(report.problems) - SHOWN_PROBLEMS
                if hidden > 0:
                    yield Static(
                        f"… and {hidden:,} more. Run `mediate import requisitions FILE --dry-run` to list them all.",
                        id="report-more",
                        markup=False,
                    )
            with Horizontal(classes="buttons"):
                yield Button(escape("Close [esc]"), variant="primary", id="report-close")

    def on_mount(self) -> None:
        # Focus where the keys are useful: the rejected rows scroll with the arrows and page keys.
        self.query_one("#report-problems" if self.outcome.report.problems else "#report-close").focus()

    @on(Button.Pressed, "#report-close")
    def action_close(self) -> None:
        self.dismiss(None)


def problems_table(report: ImportReport) -> Table:
    """Each rejected row by number (as the spreadsheet shows it), column and reason; reasons wrap."""
    table = Table(box=None, padding=(0, 2, 0, 0), expand=True, header_style="bold")
    table.add_column("Row", justify="right", no_wrap=True)
    table.add_column("Column", no_wrap=True, max_width=24, overflow="ellipsis")
    table.add_column("Reason", ratio=1)
    for problem in report.problems[:SHOWN_PROBLEMS]:
        table.add_row(f"{problem.row:,}", Text(problem.column or "(whole row)"), Text(problem.reason))
    return table


def start_import(app: Any, services: Services) -> None:
    """Opens the import dialog; afterwards shows the report and refreshes every open queue."""
    if not app.can_write():
        return

    def imported(outcome: ImportOutcome | None) -> None:
        if outcome is None:
            return
        report = outcome.report
        if report.written:
            refresh_queues(app)
            app.notify(report.summary(), title="Import")
        app.push_screen(ImportReportModal(outcome))

    app.push_screen(ImportDialog(services), imported)


def refresh_queues(app: Any) -> None:
    """Imported rows belong in the queue whichever screen the import was started from."""
    try:
        stack = app.get_screen_stack(QUEUE_MODE)
    except KeyError:
        return  # no queue mode in this app
    for screen in stack:
        # A queue never shown yet has nothing to refresh: it reads the database when it mounts.
        if screen.is_mounted:
            screen.post_message(DataChanged())
