"""Importing requisitions from an ATS or spreadsheet CSV in the console: the file dialog, its progress, the report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, ProgressBar, Select, Static
from textual.worker import get_current_worker

from mediation_console.console.core.services import Services
from mediation_console.db.csv_import import (
    AUTO_PRESET,
    NO_PRESET,
    ImportAborted,
    ImportFileError,
    ImportGrader,
    ImportMapping,
    ImportPreview,
    ImportReport,
    MappingError,
    PreviewRow,
    import_requisitions,
    preview_requisitions,
)
from mediation_console.db.presets import preset_names
from mediation_console.db.store import Store, StoreError
from mediation_console.db.words import closest_name, plural
from mediation_console.screens.dialogs.modals import STATUS_LABELS
from mediation_console.screens.messages import DataChanged
from mediation_console.screens.widgets.tick import Tick

if TYPE_CHECKING:
    from textual.app import App

# A report lists every rejected row; past this many it stops (a screenful is read, not a thousand)
# and says how to get the whole list.
SHOWN_PROBLEMS = 500
QUEUE_MODE = "queue"  # the app's mode showing QueueScreen
DIALOG_WIDTH = 110
PREVIEW_PROBLEMS = 4  # the preview lists this many of its rows' problems; the report lists them all
REPORT_WIDTH = 104


@dataclass(frozen=True)
class ImportOutcome:
    """What an import from the console did: the importer's report and how the grades were refreshed."""

    report: ImportReport
    graded: int = 0
    grading_problem: str = ""


def _field(label: str, field_id: str, widget: Widget) -> ComposeResult:
    """One line of the form: the label, the field, and its message right under it."""
    with Horizontal(classes="form-row", id=f"row-{field_id}"):
        yield Label(label, classes="form-label")
        with Vertical(classes="form-input"):
            yield widget
            yield Static("", id=f"error-{field_id}", classes="field-error")


def _salary(row: PreviewRow) -> str:
    req = row.requisition
    if req is None or (req.salary_min is None and req.salary_max is None):
        return ""
    low, high = req.salary_min, req.salary_max
    if low is None or high is None or low == high:
        return f"{low if low is not None else high:,}"
    return f"{low:,}–{high:,}"


def preview_renderable(preview: ImportPreview) -> RenderableType:
    """The first rows as they will be imported (a table), their problems, then what the header says."""
    shown = len(preview.rows)
    details = preview.report.details()
    # What the file is read as comes first: it decides every column below.
    parts: list[RenderableType] = [Text(details.pop(0))] if details and preview.report.preset else []
    if not shown:
        parts.append(Text("The file has a header but no rows." if not preview.problem else ""))
    else:
        table = Table(box=None, padding=(0, 2, 0, 0), expand=True, header_style="bold")
        table.add_column("Row", justify="right", no_wrap=True)
        table.add_column("", no_wrap=True)
        for name, ratio in (("Title", 3), ("Client", 2), ("Sales owner", 2), ("Recruiter", 2)):
            table.add_column(name, ratio=ratio, no_wrap=True, overflow="ellipsis")
        table.add_column("Status", no_wrap=True)
        table.add_column("Salary", justify="right", no_wrap=True)
        for row in preview.rows:
            req = row.requisition
            if req is None:
                table.add_row(f"{row.row:,}", Text("rejected", style="bold"), Text(""), "", "", "", "", "")
                continue
            table.add_row(
                f"{row.row:,}",
                "new" if row.new else "update",
                Text(req.title),
                Text(req.client),
                Text(row.sales_owner),
                Text(row.recruiter),
                STATUS_LABELS[req.status],
                _salary(row),
            )
        heading = (
            f"The first {plural(shown, 'row')} of the file"
            if preview.more
            else ("The one row of the file" if shown == 1 else f"All {shown:,} rows of the file")
        )
        parts.append(Text(heading + ", as they will be imported:", style="bold"))
        parts.append(table)
        problems = [p for row in preview.rows for p in row.problems]
        for problem in problems[:PREVIEW_PROBLEMS]:
            parts.append(Text(f"✗ {problem}"))
        if len(problems) > PREVIEW_PROBLEMS:
            parts.append(Text(f"… and {plural(len(problems) - PREVIEW_PROBLEMS, 'more problem')} on these rows"))
    parts.extend(Text(line) for line in details)
    return Group(*parts)


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


# The dialog's words for what a row lacks (the importer's own are the command line's).
DIALOG_HINTS = {
    "client": "type the client in the Client field",
    "sales_owner": "type the account manager in the Sales owner field",
    "people": "add them first on the Team screen, key 6, or tick Create the people it names",
    "create_people": "tick Create the people it names to create them with this import",
    "preset": "the ATS export field chooses another, None reads it without one",
    "chosen": "chosen in the ATS export field",
}
FIELD_NAMES = {"client": "the Client field", "sales_owner": "the Sales owner field"}
PREVIEW_DELAY = 0.3  # seconds after the last keystroke before the file is read again


def preset_options() -> list[tuple[str, str]]:
    """The ATS export choices: detect from the header, each shipped preset by its label, or none."""
    shipped = [(ImportMapping.preset_named(name).label, name) for name in preset_names()]
    return [
        ("Detect from the header", AUTO_PRESET),
        *shipped,
        ("None: spreadsheet or console headers", NO_PRESET),
    ]


class ImportDialog(ModalScreen[ImportOutcome | None]):
    """Asks for the CSV, the ATS it came from, a mapping file, the client and sales owner of rows that name
    none, and whether to only check; previews the first rows as they will be imported; runs the import in
    a worker."""

    DEFAULT_CSS = """
    ImportDialog #import-dry-run, ImportDialog #import-create-people { background: $surface; }
    ImportDialog .form-checks { layout: horizontal; height: auto; margin: 1 0 0 0; }
    ImportDialog .form-checks Checkbox { width: auto; margin: 0 3 0 0; }
    ImportDialog #import-preview { height: 1fr; margin: 1 0 0 0; }
    ImportDialog #import-preview-text { color: $text-muted; }
    ImportDialog #import-preview-fit { color: $warning; text-style: bold; }
    ImportDialog #import-running { height: auto; margin: 1 0 0 0; display: none; }
    ImportDialog #import-running.shown { display: block; }
    ImportDialog #import-progress { width: 1fr; }
    ImportDialog #import-stage { color: $text-muted; }
    ImportDialog #import-failed { color: $error; text-style: bold; height: auto; margin: 1 0 0 0; display: none; }
    ImportDialog #import-failed.shown { display: block; }
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
        self.preview: ImportPreview | None = None  # the last preview shown (None: none yet, or no file)
        self._preview_timer: Timer | None = None
        self._needed: set[str] = set()  # the fields whose message says the file lacks them
        self._checked: dict[str, str | None] = {}  # field -> the value its message is about

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = "Import requisitions from CSV"
            dialog.styles.width = DIALOG_WIDTH  # inline: the app's `.dialog` rule outranks DEFAULT_CSS
            dialog.styles.height = "90%"  # the preview takes what the fields leave
            dialog.border_subtitle = "ctrl+s import · esc cancel"
            yield Static(
                "An export from your ATS or a spreadsheet. All rows or none: if any row is rejected, "
                "nothing is imported and the report lists why.",
                classes="question",
            )
            yield from _field(
                "CSV file",
                "import-path",
                Input(self.initial_path, placeholder="e.g. ~/Downloads/job-orders.csv", id="import-path", compact=True),
            )
            yield from _field(
                "ATS export",
                "import-preset",
                Select(preset_options(), value=AUTO_PRESET, allow_blank=False, id="import-preset", compact=True),
            )
            yield from _field(
                "Mapping file",
                "import-map",
                Input(
                    placeholder="optional: a .toml naming other headers and status words", id="import-map", compact=True
                ),
            )
            yield from _field(
                "Client",
                "import-client",
                Input(placeholder="for rows that name none (Greenhouse, Lever)", id="import-client", compact=True),
            )
            yield from _field(
                "Sales owner",
                "import-sales-owner",
                Input(
                    placeholder="for rows that name none: a person of the team", id="import-sales-owner", compact=True
                ),
            )
            # One line for both (at 80x24 the fields, the preview and the buttons all show).
            with Horizontal(classes="form-checks"):
                yield Tick("Dry run: write nothing", id="import-dry-run", compact=True)
                # Off by default: a name nobody in the team has is most often a typo, and rejects its row.
                yield Tick("Create the people it names", id="import-create-people", compact=True)
            with VerticalScroll(id="import-preview"):
                yield Static("", id="import-preview-fit", markup=False)
                yield Static("Type the path of a CSV file to see its first rows here.", id="import-preview-text")
            with Vertical(id="import-running"):
                yield ProgressBar(total=None, show_eta=False, id="import-progress")
                yield Static("", id="import-stage")
            yield Static("", id="import-failed")
            with Horizontal(classes="buttons"):
                yield Button(escape("Import [ctrl+s]"), variant="primary", id="import-go")
                yield Button(escape("Cancel [esc]"), id="import-cancel")

    def on_mount(self) -> None:
        self.query_one("#import-path", Input).focus()
        self.query_one("#import-preview-fit").display = False  # until a file does not fit
        if self.initial_path:
            self._schedule_preview()

    # -- the form --------------------------------------------------------------------------------

    def _show_error(self, field: str, message: str) -> None:
        if field in ("import-path", "import-map", "import-client", "import-sales-owner"):
            self._checked[field] = self.query_one(f"#{field}", Input).value if message else None
        error = self.query_one(f"#error-{field}", Static)
        error.update(message)
        error.set_class(bool(message), "shown")
        self.query_one(f"#row-{field}").set_class(bool(message), "invalid")

    @on(Input.Changed)
    def _edited(self, event: Input.Changed) -> None:
        # A message stays until the lead changes what it is about (a change message that arrives after
        # the check, for the value the check saw, leaves it).
        assert event.input.id is not None
        if self._checked.get(event.input.id) != event.value:
            self._show_error(event.input.id, "")
            self._needed.discard(event.input.id)
        self._show_failure("")
        self._schedule_preview()

    @on(Select.Changed, "#import-preset")
    @on(Checkbox.Changed, "#import-create-people")
    def _choice_changed(self) -> None:
        self._schedule_preview()

    @on(Input.Submitted)
    @on(Button.Pressed, "#import-go")
    def _submitted(self) -> None:
        self.action_start()

    @on(Button.Pressed, "#import-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def _mapping(self, *, show: bool = True) -> tuple[ImportMapping | None, bool]:
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
        if show:
            self._show_error("import-map", problem)
        return None, False

    @property
    def chosen_preset(self) -> str:
        value = self.query_one("#import-preset", Select).value
        return value if isinstance(value, str) else AUTO_PRESET

    def _defaults(self) -> dict[str, str | tuple[str, str]]:
        """The Client and Sales owner fields, for rows (or exports) that name none, and where they come from."""
        given: dict[str, str | tuple[str, str]] = {}
        for name, widget_id in (("client", "#import-client"), ("sales_owner", "#import-sales-owner")):
            value = self.query_one(widget_id, Input).value.strip()
            if value:
                given[name] = (value, FIELD_NAMES[name])
        return given

    def _sales_owner_problem(self) -> str:
        """Why the Sales owner typed cannot be used ("" when it can): nobody in the team has that name."""
        name = self.query_one("#import-sales-owner", Input).value.strip()
        if not name or self.query_one("#import-create-people", Checkbox).value:
            return ""
        store = self.services.store
        if store.person_by_name(name) is not None:
            return ""
        close = closest_name(name, [p.name for p in store.list_people()])
        hint = f"; did you mean {close}?" if close else ""
        return f"Nobody in the team is called {name}{hint} (or tick Create the people it names)"

    def action_start(self) -> None:
        if self.running:
            return
        path_text = self.query_one("#import-path", Input).value
        problem = file_problem(path_text)
        self._show_error("import-path", problem)
        mapping, mapping_ok = self._mapping()
        owner_problem = self._sales_owner_problem()
        self._show_error("import-sales-owner", owner_problem)
        if problem or not mapping_ok or owner_problem:
            first = "#import-path" if problem else ("#import-map" if not mapping_ok else "#import-sales-owner")
            self.query_one(first, Input).focus()
            return
        dry_run = self.query_one("#import-dry-run", Checkbox).value
        create_people = self.query_one("#import-create-people", Checkbox).value
        self._set_running(True)
        self._import(
            Path(path_text.strip()).expanduser(), mapping, dry_run, create_people, self.chosen_preset, self._defaults()
        )

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
        for widget_id in (
            "#import-path",
            "#import-preset",
            "#import-map",
            "#import-client",
            "#import-sales-owner",
            "#import-dry-run",
            "#import-create-people",
            "#import-go",
        ):
            self.query_one(widget_id).disabled = running
        if running:
            self._show_failure("")
            self.query_one(ProgressBar).update(total=None, progress=0)
            self.query_one("#import-stage", Static).update("Reading the file…")
        else:
            self.query_one("#import-path", Input).focus()

    # -- the preview: the header and the first rows, read as the import will read them -------------

    def _schedule_preview(self) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._preview_timer = self.set_timer(PREVIEW_DELAY, self._start_preview)

    def _start_preview(self) -> None:
        self._preview_timer = None
        if self.running:
            return
        path_text = self.query_one("#import-path", Input).value
        if file_problem(path_text):
            self._show_preview(None, "Type the path of a CSV file to see its first rows here.")
            return
        mapping, mapping_ok = self._mapping(show=False)
        if not mapping_ok:
            self._show_preview(None, "The mapping file cannot be read; press ctrl+s to see why.")
            return
        self._preview(
            Path(path_text.strip()).expanduser(),
            mapping,
            self.chosen_preset,
            self._defaults(),
            self.query_one("#import-create-people", Checkbox).value,
        )

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False)
    def _preview(
        self,
        path: Path,
        mapping: ImportMapping | None,
        preset: str,
        defaults: dict[str, str | tuple[str, str]],
        create_people: bool,
    ) -> None:
        app: App[Any] = self.app
        shared = self.services.store
        try:
            # Its own connection, as the import's: SQLite connections stay in the thread that opened them.
            with Store(shared.path, now=shared.now, actor=shared.actor) as store:
                preview = preview_requisitions(
                    store,
                    path,
                    mapping=mapping,
                    preset=preset,
                    defaults=defaults,
                    create_people=create_people,
                    hints=DIALOG_HINTS,
                )
        except (ImportFileError, MappingError, StoreError) as exc:
            app.call_from_thread(self._show_preview, None, str(exc))
            return
        except Exception as exc:  # an old preview must not stay up as if it were this file's
            app.call_from_thread(
                self._show_preview, None, f"The file could not be previewed ({type(exc).__name__}: {exc})"
            )
            return
        if get_current_worker().is_cancelled:
            return
        app.call_from_thread(self._show_preview, preview, "")

    def _show_preview(self, preview: ImportPreview | None, message: str) -> None:
        self.preview = preview
        fit = self.query_one("#import-preview-fit", Static)
        text = self.query_one("#import-preview-text", Static)
        for name in ("client", "sales_owner"):
            # By the field the file lacks: what it is and why the file has none (a preset says why).
            field_id = f"import-{name.replace('_', '-')}"
            if preview is not None and name in preview.missing:
                reason = preview.missing[name]
                self._show_error(field_id, f"Needed: {reason[:1].upper() + reason[1:]}; type it here")
                self._needed.add(field_id)
            elif field_id in self._needed:
                self._show_error(field_id, "")
                self._needed.discard(field_id)
        if preview is None:
            fit.update("")
            fit.display = False
            text.update(message)
            return
        fit_text = preview.problem or preview.fit
        fit.update(fit_text[:1].upper() + fit_text[1:])
        fit.display = bool(fit_text)
        text.update(preview_renderable(preview))

    # -- the import, in a thread    # -- the import, in a thread -----------------------------------------------------------------

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
    def _import(
        self,
        path: Path,
        mapping: ImportMapping | None,
        dry_run: bool,
        create_people: bool = False,
        preset: str = AUTO_PRESET,
        defaults: Mapping[str, str | tuple[str, str]] | None = None,
    ) -> None:
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
                    store,
                    path,
                    mapping=mapping,
                    dry_run=dry_run,
                    progress=progress,
                    create_people=create_people,
                    preset=preset,
                    defaults=defaults,
                    hints=DIALOG_HINTS,
                    grader=self._grader(),
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

    def _grader(self) -> ImportGrader | None:
        """What writes the new requisitions graded (None: no rules loaded, or they are graded afterwards)."""
        if self.services.mediator is None:
            return None
        from mediation_console.console.core.rules.refresh import ImportGrades

        return ImportGrades.for_import(self.services.mediator)

    def _grade(self, store: Store, report: ImportReport) -> ImportOutcome:
        """Grades what the import wrote; estimates follow when new filled requisitions move the time-to-fill history."""
        mediator = self.services.mediator
        if mediator is None:
            return ImportOutcome(report, grading_problem="the rule pack is not loaded, so grades were not recomputed")
        # Imported here, not at the top: the console's start path must not load rule-engine.
        from mediation_console.console.core.rules.refresh import refresh_after_import

        try:
            return ImportOutcome(report, graded=refresh_after_import(store, report, mediator))
        except StoreError as exc:
            return ImportOutcome(report, grading_problem=f"the grades could not be recomputed: {exc}")

    def _cancelled(self) -> None:
        self._set_running(False)
        self.notify("Import stopped; nothing was written", title="Import", severity="warning")

    def _failed(self, message: str) -> None:
        self._set_running(False)
        self._show_failure(message)
        self.notify(message, title="Not imported", severity="error")

    def _show_failure(self, message: str) -> None:
        """Why the last import stopped, above the buttons; no row at all while there is nothing to say."""
        failed = self.query_one("#import-failed", Static)
        failed.update(message)
        failed.set_class(bool(message), "shown")


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
