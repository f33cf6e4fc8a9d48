"""Mode 3, Expectations: the agreements measured against their targets, and the open commitments by due date."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Sparkline, Static
from textual.worker import Worker, get_current_worker

from mediation_console.console.core.commitment_writes import (
    close_commitment,
    make_commitment,
    propose_expectation,
    set_expectation_status,
)
from mediation_console.console.core.metric_registry import definition
from mediation_console.console.core.metrics import Measurement, Verdict, measure_all
from mediation_console.console.core.services import MEASUREMENTS, Services
from mediation_console.db.models import Commitment, CommitmentStatus, Expectation, ExpectationStatus, Person, Team
from mediation_console.db.store import StoreError
from mediation_console.db.words import plural
from mediation_console.screens.base import ModeScreen, SizedTable, row_at_cursor
from mediation_console.screens.commands import Command, bindings, register
from mediation_console.screens.dialogs.commitment_form import CancelCommitment, CommitmentForm
from mediation_console.screens.dialogs.expectation_breaches import ExpectationBreaches
from mediation_console.screens.dialogs.expectation_form import ExpectationForm
from mediation_console.screens.dialogs.modals import ConfirmModal, PersonPickerModal
from mediation_console.screens.dialogs.weekly_chart import WeeklyChart

# The most open commitments listed at once (the most urgent first); a big team has thousands.
COMMITMENT_LIST_LIMIT = 200
TEAM_NAMES = {Team.SALES: "Sales", Team.RECRUITING: "Recruiting", Team.LEAD: "Lead"}
VERDICT_STYLES = {Verdict.MET: "success", Verdict.AT_RISK: "warning", Verdict.MISSED: "error", Verdict.NO_DATA: ""}
VERDICT_MARKS = {
    Verdict.MET: "● met",
    Verdict.AT_RISK: "▲ at risk",
    Verdict.MISSED: "✖ missed",
    Verdict.NO_DATA: "○ no data",
}
SPARK = "▁▂▃▄▅▆▇█"
# Actions on the selected expectation or commitment: they apply only once one is selected.
SELECTION_ACTIONS = frozenset({"agree", "retire", "breaches", "kept", "missed", "cancel_commitment", "weekly_chart"})

COMMANDS = register(
    Command(
        "expectations.new",
        "n",
        "expectations",
        "new expectation or commitment",
        "Propose a new expectation (expectations table focused) or record a commitment (commitments table focused)",
        "new",
        footer="new",
        writes=True,
    ),
    Command(
        "expectations.agree",
        "a",
        "expectations",
        "agree",
        "Both teams agreed: the proposed expectation is now measured as agreed",
        "agree",
        footer="agree",
        writes=True,
    ),
    Command(
        "expectations.retire",
        "r",
        "expectations",
        "retire",
        "Retire the selected expectation (asks first); its history stays",
        "retire",
        footer="retire",
        writes=True,
    ),
    Command(
        "expectations.breaches",
        "enter",
        "expectations",
        "breaches",
        "List the selected expectation's breaches, each linked to its requisition",
        "breaches",
        footer="breaches",
    ),
    Command(
        "expectations.kept",
        "k",
        "expectations",
        "commitment kept",
        "Mark the selected commitment kept (late ones count as kept, noted late)",
        "kept",
        footer="kept",
        writes=True,
    ),
    Command(
        "expectations.missed",
        "m",
        "expectations",
        "commitment missed",
        "Mark the selected commitment missed",
        "missed",
        footer="missed",
        writes=True,
    ),
    Command(
        "expectations.cancel",
        "c",
        "expectations",
        "cancel commitment",
        "Cancel the selected commitment, with the reason it is no longer needed",
        "cancel_commitment",
        footer="cancel",
        writes=True,
    ),
    Command(
        "expectations.chart",
        "w",
        "expectations",
        "weekly chart",
        "The selected expectation's compliance by week as a chart with labelled axes and its target",
        "weekly_chart",
        footer="chart",
    ),
    Command(
        "expectations.whose",
        "p",
        "expectations",
        "whose commitments",
        "Show one person's open commitments (type part of their name: yours, on a viewer seat), or everyone's",
        "whose",
        footer="whose",
    ),
    Command(
        "expectations.switch_table",
        "tab",
        "expectations",
        "switch table",
        "Move between the expectations and the commitments",
        "switch_table",
    ),
)


def spark_text(trend: Sequence[float | None]) -> str:
    """A one-line trend for a table cell: one block per week, a dot where a week had no data."""
    return "".join(
        "·" if value is None else SPARK[min(len(SPARK) - 1, int(value / 100 * len(SPARK)))] for value in trend
    )


def due_state(due: dt.date, today: dt.date) -> tuple[str, str]:
    """Words for how close a commitment's due date is, and the theme colour to show them in."""
    days = (due - today).days
    if days < 0:
        return f"overdue {-days}d", "error"
    if days == 0:
        return "due today", "warning"
    return (f"in {days}d", "") if days > 1 else ("tomorrow", "")


class ExpectationsScreen(ModeScreen):
    """Expectations measured in a worker (they can be slow on big data); commitments below them."""

    COMMAND_AREA: ClassVar[str] = "expectations"
    KEY_ACTIONS = ("kept", "missed")
    SUB_TITLE = "Expectations"
    BINDINGS: ClassVar[list[BindingType]] = bindings(COMMANDS)

    DEFAULT_CSS = """
    ExpectationsScreen .block-title { height: 1; padding: 0 1; margin: 1 0 0 0; }
    ExpectationsScreen #expectations-table { height: auto; max-height: 45%; margin: 0 1; }
    ExpectationsScreen #expectation-detail { height: 3; margin: 0 1; padding: 0 1; background: $boost; }
    ExpectationsScreen #expectation-summary { width: 1fr; height: 3; content-align: left middle; }
    ExpectationsScreen #expectation-trend { width: 36; height: 3; margin: 0 0 0 2; }
    ExpectationsScreen #commitments-table { height: 1fr; margin: 0 1; }
    ExpectationsScreen #commitments-table.no-rows { height: 2; }
    ExpectationsScreen DataTable:focus { background-tint: $foreground 3%; }
    ExpectationsScreen .empty { color: $text-muted; padding: 0 2; height: auto; }
    """

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self._measure_ahead(services)
        self.expectations: list[Expectation] = []
        self.measurements: dict[int, Measurement] = {}
        self.commitments: list[Commitment] = []
        self._people: Mapping[int, Person] = {}
        # Whose open commitments are listed (`p`): one person's, or everyone's (None).
        self.owner_id: int | None = None
        self._title_width = self._text_width = 54
        # What the lists were read at (data version, day): a visit with nothing changed reads nothing.
        self._stamp: tuple[Any, ...] | None = None
        # When the figures shown were measured, if not as the lists were read (the console's prefetch).
        self._measured_at: dt.datetime | None = None

    def _measure_ahead(self, services: Services) -> None:
        """A first visit built before the measurements were worked out (the console's prefetch had not
        run): starts measuring now, before the screen is composed and laid out (~100 ms of the UI
        thread, which the measuring, SQLite's statements, does not need); the visit's worker then waits
        for these figures instead of starting them."""
        stamp = services.stamp()
        if services.has_shared(MEASUREMENTS, stamp):
            return
        now = services.now()
        self.app.run_worker(
            lambda: services.measurements(stamp, now), thread=True, group="measure-ahead", exit_on_error=False
        )

    # -- layout ------------------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        yield Static("", id="expectations-title", classes="block-title")
        yield SizedTable(id="expectations-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="expectations-empty", classes="empty")
        with Horizontal(id="expectation-detail"):
            yield Static("", id="expectation-summary")
            yield Sparkline([], id="expectation-trend")
        yield Static("", id="commitments-title", classes="block-title")
        yield SizedTable(id="commitments-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="commitments-empty", classes="empty")

    def on_mount(self) -> None:
        table = self.expectations_table
        # Fixed widths: the measured figures arrive after the rows, from the worker. The text columns
        # take what the terminal leaves (7 and 6 columns, 2 cells of padding each, margins, scrollbar).
        width = self.app.size.width
        self._title_width = max(24, width - 61 - 14 - 4)
        self._text_width = max(24, width - 65 - 12 - 4)
        # The verdict and the figures beside the title: on a narrow terminal what gives way (scrolled to
        # with left/right) is who owns it and its status, never whether it is met.
        table.add_column("Expectation", key="title", width=self._title_width)
        table.add_column("Verdict", key="verdict", width=10)
        table.add_column("Measured", key="measured", width=15)
        table.add_column("Target", key="target", width=6)
        table.add_column("Owner", key="owner", width=10)
        table.add_column("Status", key="status", width=8)
        table.add_column("12 weeks", key="trend", width=12)
        commitments = self.commitments_table
        commitments.add_column("Due", key="due", width=10)
        commitments.add_column("State", key="state", width=11)
        commitments.add_column("Owner", key="owner", width=16)
        commitments.add_column("Commitment", key="text", width=self._text_width)
        commitments.add_column("From", key="source", width=20)
        commitments.add_column("Req", key="requisition", width=8)
        self.query_one("#expectations-title", Static).update(Text("Expectations · reading…", style="dim"))
        self.query_one("#commitments-title", Static).update(Text("Commitments · reading…", style="dim"))
        self._load_in_background()
        table.focus()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Commitments and the data behind the metrics change on other screens; when nothing changed (and
        # on the first visit, which on_mount just started) the lists and measurements still hold.
        if self.needs_reload(self._stamp):
            self._load_in_background()

    @property
    def store(self) -> Any:
        return self.services.store

    @property
    def expectations_table(self) -> DataTable[Any]:
        return self.query_one("#expectations-table", DataTable)

    @property
    def commitments_table(self) -> DataTable[Any]:
        return self.query_one("#commitments-table", DataTable)

    def _now(self) -> dt.datetime:
        return self.services.now()

    # -- data --------------------------------------------------------------------------------------

    def refresh_data(self, keep_expectation: int | None = None, keep_commitment: int | None = None) -> None:
        """Reads the lists at once (after a change made here the lead expects to see it) and measures in a worker."""
        self.workers.cancel_group(self, "measure")
        self._stamp = self.data_stamp()
        self._show_lists(self._read_lists(self.store, self._now().date()), keep_expectation, keep_commitment)
        self._measure_all()

    def _load_in_background(self) -> None:
        """A visit: the screen shows at once, and a worker reads the lists and then measures them."""
        self._stamp = self.data_stamp()
        self._load_and_measure(self._stamp, self._now())

    def _read_lists(self, store: Any, today: dt.date) -> _Lists:
        expectations = store.list_expectations()
        owner = self.owner_id
        commitments, total = store.open_commitments_due_between(None, dt.date.max, COMMITMENT_LIST_LIMIT, owner)
        _, overdue = store.open_commitments_due_between(None, today - dt.timedelta(days=1), 0, owner)
        return _Lists(
            expectations,
            commitments,
            total,
            overdue,
            store.people_by_id(),
            store.disputes_by_ids([c.dispute_id for c in commitments if c.dispute_id]),
            store.requisitions_by_ids([c.requisition_id for c in commitments if c.requisition_id]),
        )

    def _show_lists(
        self,
        lists: _Lists,
        keep_expectation: int | None = None,
        keep_commitment: int | None = None,
        measured: dict[int, Measurement] | None = None,
    ) -> None:
        if measured:  # worked out by the console's prefetch, at this data: the rows show them at once
            self.measurements = dict(measured)
            self._measured_at = min(m.now for m in measured.values())
        else:  # measured from now on, as the lists were read
            self._measured_at = None
        self._load_expectations(lists, keep_expectation)
        self._load_commitments(lists, keep_commitment)

    def _load_expectations(self, lists: _Lists, keep: int | None = None) -> None:
        table = self.expectations_table
        current = keep if keep is not None else self.selected_expectation_id
        self.expectations = lists.expectations
        table.clear()
        for expectation in self.expectations:
            table.add_row(*self._expectation_cells(expectation), key=str(expectation.id))
        agreed = sum(e.status == ExpectationStatus.AGREED for e in self.expectations)
        proposed = sum(e.status == ExpectationStatus.PROPOSED for e in self.expectations)
        self.query_one("#expectations-title", Static).update(
            Text.assemble(
                ("Expectations", "bold"),
                f" · {agreed} agreed · {proposed} proposed",
                (f" · measured at {self._measured_at or self._now():%a %d %b %H:%M} · enter lists the breaches", "dim"),
            )
        )
        empty = self.query_one("#expectations-empty", Static)
        empty.update("No expectations yet. Press n to propose one both teams can agree to.")
        empty.display = not self.expectations
        table.display = bool(self.expectations)
        if self.expectations:
            row = next((i for i, e in enumerate(self.expectations) if e.id == current), 0)
            table.move_cursor(row=row)
        self._show_detail()

    def _expectation_cells(self, expectation: Expectation) -> list[Any]:
        retired = expectation.status == ExpectationStatus.RETIRED
        style = "dim" if retired else ""
        measurement = self.measurements.get(expectation.id or -1)
        if retired:
            measured, verdict, trend = Text("—", style="dim"), Text("retired", style="dim"), Text("")
        elif measurement is None:
            measured, verdict, trend = Text("measuring…", style="dim italic"), Text(""), Text("")
        else:
            measured = Text(
                "no data"
                if measurement.compliance is None
                else f"{measurement.compliance:.0f}% ({measurement.kept}/{measurement.total})"
            )
            colour = self.theme_colour(VERDICT_STYLES[measurement.verdict])
            verdict = Text(VERDICT_MARKS[measurement.verdict], style=f"bold {colour}" if colour else "dim")
            trend = Text(spark_text(measurement.trend), style=self.theme_colour("accent"))
        status = Text(str(expectation.status), style="bold" if expectation.status == "proposed" else style)
        return [
            Text(_clip(expectation.title, self._title_width), style=style),
            verdict,
            measured,
            Text(f"{expectation.target:g}%", style=style),
            Text(TEAM_NAMES[expectation.owner_team], style=style),
            status,
            trend,
        ]

    def _load_commitments(self, lists: _Lists, keep: int | None = None) -> None:
        table = self.commitments_table
        current = keep if keep is not None else self.selected_commitment_id
        today = self._now().date()
        self.commitments, total, overdue = lists.commitments, lists.total, lists.overdue
        self._people, disputes, requisitions = lists.people, lists.disputes, lists.requisitions
        titles = {e.id: e.title for e in self.expectations}
        table.clear()
        for c in self.commitments:
            state, colour = due_state(c.due, today)
            owner = self._people.get(c.owner_id)
            if c.dispute_id and c.dispute_id in disputes:
                source = f"dispute {disputes[c.dispute_id].code}"
            elif c.expectation_id and c.expectation_id in titles:
                source = _clip(f"check-in: {titles[c.expectation_id]}", 20)
            else:
                source = str(c.source)
            req = requisitions.get(c.requisition_id or -1)
            table.add_row(
                f"{c.due:%a %d %b}",
                Text(state, style=f"bold {self.theme_colour(colour)}" if colour else "dim"),
                owner.name if owner else "?",
                _clip(c.text, self._text_width),
                source,
                req.code if req else "—",
                key=str(c.id),
            )
        shown = "" if total <= len(self.commitments) else f" · the {len(self.commitments)} most urgent shown"
        whose = self._people.get(self.owner_id) if self.owner_id is not None else None
        self.query_one("#commitments-title", Static).update(
            Text.assemble(
                ("Commitments", "bold"),
                (f" · {whose.name}'s (p: everyone's)", "bold") if whose else "",
                f" · {total:,} open",
                (f" · {overdue:,} overdue", f"bold {self.theme_colour('error')}") if overdue else "",
                (f"{shown} · overdue ones wait for k kept / m missed / c cancel", "dim"),
            )
        )
        empty = self.query_one("#commitments-empty", Static)
        if whose:
            empty.update(f"{whose.name} has no open commitments. p shows everyone's.")
        else:
            empty.update("No open commitments. Focus this list (tab) and press n to record one.")
        empty.display = not self.commitments
        # An empty list keeps its header (so tab can still reach it and n record the first one).
        table.set_class(not self.commitments, "no-rows")
        if self.commitments:
            row = next((i for i, c in enumerate(self.commitments) if c.id == current), 0)
            table.move_cursor(row=row)
        self.refresh_bindings()

    # -- measuring (in a worker: a 100,000-requisition database takes a moment) --------------------

    def _measure_all(self) -> None:
        self._measure(self._active(self.expectations), self._now())

    @staticmethod
    def _active(expectations: list[Expectation]) -> list[Expectation]:
        return [e for e in expectations if e.status != ExpectationStatus.RETIRED]

    @work(thread=True, exclusive=True, group="measure")
    def _load_and_measure(self, stamp: tuple[Any, ...], now: dt.datetime) -> None:
        worker = get_current_worker()
        services = self.services
        try:
            # Measured once per data stamp, by whoever asks first: the console's prefetch (then the rows
            # show the figures at once, or as soon as it has them) or this visit (as each is made).
            ready: dict[int, Measurement] | None = services.shared_ready(MEASUREMENTS, stamp)
            if ready is None:
                self.wait_for_paint()  # the screen first, with its "reading…" titles
            with self.store.background_reader() as reader:
                lists = self._read_lists(reader, now.date())
                if worker.is_cancelled:
                    return
                if ready is not None:
                    measured = ready
                    self.app.call_from_thread(self._show_lists, lists, measured=measured)
                    failed: set[int] = set()
                else:
                    self.app.call_from_thread(self._show_lists, lists)
                    on_measured, on_failed, failed = self._reporters(worker)
                    measured = services.measurements(
                        stamp, now, on_measured=on_measured, on_failed=on_failed, stop=lambda: worker.is_cancelled
                    )
                    for measurement in measured.values():  # those measured by the prefetch this waited for
                        on_measured(measurement)
                # What the prefetch could not measure is measured here, and its problem shown.
                missing = [
                    e
                    for e in self._active(lists.expectations)
                    if e.saved_id not in measured and e.saved_id not in failed
                ]
                if missing and not worker.is_cancelled:
                    self._measure_on(reader, missing, now)
        except StoreError as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Expectations not read", severity="error")

    @work(thread=True, exclusive=True, group="measure")
    def _measure(self, expectations: list[Expectation], now: dt.datetime) -> None:
        try:
            with self.store.background_reader() as reader:
                self._measure_on(reader, expectations, now)
        except StoreError as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Not measured", severity="error")

    def _measure_on(self, store: Any, expectations: list[Expectation], now: dt.datetime) -> None:
        """Measures in the worker thread, on the worker's own read-only connection (`store`): on the main
        one, every UI-thread query would wait for the statement being measured."""
        worker = get_current_worker()
        measured, failed, _failed_ids = self._reporters(worker)
        # Two at a time on two connections; each row shows its figures as soon as they are made.
        measure_all(
            store,
            expectations,
            now,
            calendar=self.services.calendar(),
            breach_limit=0,  # the breaches are listed when the lead asks (action_breaches)
            kept_tallies=self.services.kept_tallies(),
            on_measured=measured,
            on_failed=failed,
            stop=lambda: worker.is_cancelled,
        )

    def _reporters(
        self, worker: Worker[Any]
    ) -> tuple[Callable[[Measurement], None], Callable[[Expectation, Exception], None], set[int]]:
        """What a measuring worker tells the screen: each figure once (from any thread), each expectation
        that could not be measured (a toast), and the ids of those."""
        shown: set[int] = set()
        failed_ids: set[int] = set()
        lock = threading.Lock()

        def measured(measurement: Measurement) -> None:
            with lock:
                if worker.is_cancelled or measurement.expectation.saved_id in shown:
                    return
                shown.add(measurement.expectation.saved_id)
            # Delivered later, on the screen's queue: dropped there if a newer load has cancelled this one.
            self.post_from_thread(lambda: None if worker.is_cancelled else self._measured(measurement))

        def failed(expectation: Expectation, exc: Exception) -> None:
            failed_ids.add(expectation.saved_id)
            self.app.call_from_thread(
                self.notify, f"{expectation.title}: {exc}", title="Not measured", severity="error"
            )

        return measured, failed, failed_ids

    def _measured(self, measurement: Measurement) -> None:
        expectation = measurement.expectation
        self.measurements[expectation.saved_id] = measurement
        table = self.expectations_table
        if str(expectation.id) not in {row.value for row in table.rows}:
            return
        for column, cell in zip(
            ("title", "verdict", "measured", "target", "owner", "status", "trend"),
            self._expectation_cells(expectation),
            strict=False,
        ):
            table.update_cell(str(expectation.id), column, cell)
        if self.selected_expectation_id == expectation.id:
            self._show_detail()
            self.refresh_bindings()

    # -- selection ---------------------------------------------------------------------------------

    @property
    def selected_expectation(self) -> Expectation | None:
        return row_at_cursor(self.expectations_table, self.expectations)

    @property
    def selected_expectation_id(self) -> int | None:
        return self.selected_expectation.id if self.is_mounted and self.selected_expectation else None

    @property
    def selected_commitment(self) -> Commitment | None:
        return row_at_cursor(self.commitments_table, self.commitments)

    @property
    def selected_commitment_id(self) -> int | None:
        return self.selected_commitment.id if self.is_mounted and self.selected_commitment else None

    @on(DataTable.RowHighlighted, "#expectations-table")
    def _expectation_highlighted(self) -> None:
        self._show_detail()
        self.refresh_bindings()

    @on(DataTable.RowHighlighted, "#commitments-table")
    def _commitment_highlighted(self) -> None:
        self.refresh_bindings()

    def on_descendant_focus(self) -> None:
        # Which keys apply depends on which table has the focus; the footer follows.
        self.refresh_bindings()

    def _show_detail(self) -> None:
        expectation = self.selected_expectation
        summary = self.query_one("#expectation-summary", Static)
        trend = self.query_one("#expectation-trend", Sparkline)
        if expectation is None:
            summary.update("")
            trend.data = []
            return
        spec = definition(expectation.metric)
        threshold = (
            ""
            if expectation.metric is None or expectation.threshold is None
            else f" · threshold {expectation.threshold:g} {spec.unit}"
        )
        agreed = f" · agreed {expectation.agreed_at:%d %b %Y}" if expectation.agreed_at else f" · {expectation.status}"
        head = Text.assemble(
            (spec.title(expectation.threshold) if expectation.metric else "Checked in by hand", "bold"),
            threshold,
            f" · target {expectation.target:g}%",
            agreed,
        )
        measurement = self.measurements.get(expectation.id or -1)
        if expectation.status == ExpectationStatus.RETIRED:
            body = Text("Retired: no longer measured.", style="dim")
        elif measurement is None:
            body = Text("Measuring…", style="dim italic")
        elif measurement.verdict == Verdict.NO_DATA:
            body = Text(measurement.summary, style="bold")
        else:
            colour = self.theme_colour(VERDICT_STYLES[measurement.verdict])
            breaches = (
                f" · {plural(measurement.breach_count, 'breach', 'breaches')}"
                if measurement.breach_count
                else " · no breaches"
            )
            body = Text.assemble(
                (measurement.summary, "bold"),
                " · ",
                (measurement.verdict_label, f"bold {colour}" if colour else "dim"),
                # Staleness is a snapshot; every other metric covers its window.
                " · right now" if spec.snapshot else f" · over {plural(expectation.window_days, 'day')}",
                breaches,
            )
        summary.update(
            Text.assemble(
                head,
                "\n",
                body,
                "\n",
                (
                    spec.description
                    if expectation.metric
                    else "Its check-ins are commitments linked to it, marked kept or missed.",
                    "dim",
                ),
            )
        )
        weeks = [value for value in (measurement.trend if measurement else ()) if value is not None]
        trend.data = weeks
        trend.tooltip = "compliance by week, weeks with data only" if weeks else "no weekly data yet"

    # -- which commands apply ----------------------------------------------------------------------

    def action_weekly_chart(self) -> None:
        expectation = self.selected_expectation
        measurement = self.measurements.get(expectation.id or -1) if expectation is not None else None
        if expectation is None or measurement is None:
            return
        self.app.push_screen(
            WeeklyChart(
                f"{expectation.title} · compliance by week",
                measurement.trend,
                self._now().date(),
                measure="Compliance",
                target=expectation.target,
            )
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            # Nothing is selected before the tables exist: the footer composed as the screen mounts
            # shows the keys the mounted screen shows (and is not built again a moment later).
            return None if action in SELECTION_ACTIONS else True
        on_expectations = self.focused is self.expectations_table
        on_commitments = self.focused is self.commitments_table
        if action == "weekly_chart":
            expectation = self.selected_expectation if on_expectations else None
            measured = expectation is not None and self.measurements.get(expectation.id or -1) is not None
            return True if measured else None
        if action in ("agree", "retire", "breaches"):
            expectation = self.selected_expectation if on_expectations else None
            if expectation is None:
                return None
            if action == "agree":
                return True if expectation.status == ExpectationStatus.PROPOSED else None
            if action == "retire":
                return True if expectation.status != ExpectationStatus.RETIRED else None
            return True if expectation.id in self.measurements else None
        if action in ("kept", "missed", "cancel_commitment"):
            return True if on_commitments and self.selected_commitment is not None else None
        return True

    def action_whose(self) -> None:
        """One person's open commitments (a salesperson or recruiter looking up their own), or everyone's."""
        people = sorted(self.store.list_people(), key=lambda p: p.name.lower())
        choices = [(f"{p.name} · {p.team}" + ("" if p.active else " (inactive)"), p.saved_id) for p in people]

        def chosen(person_id: int | None) -> None:
            if person_id is None:
                return
            self.owner_id = None if person_id < 0 else person_id
            # Only the list changes: the expectations and their measurements stay as they are.
            self._load_commitments(self._read_lists(self.store, self._now().date()))
            self.commitments_table.focus()

        self.app.push_screen(
            PersonPickerModal("Whose commitments", choices, self.owner_id, "everyone's"),
            chosen,
        )

    # -- expectation actions -----------------------------------------------------------------------

    def action_new(self) -> None:
        if not self.can_write():
            return
        if self.focused is self.commitments_table:
            self._new_commitment()
            return
        self.app.push_screen(
            ExpectationForm(taken_titles=[e.title for e in self.expectations]), self._expectation_proposed
        )

    def _expectation_proposed(self, expectation: Expectation | None) -> None:
        if expectation is None:
            return
        store = self.store

        def proposed(stored: Expectation) -> None:
            self.notify(f"Proposed: {stored.title}. Press a once both teams agree.", title="Expectation")
            self.refresh_data(keep_expectation=stored.id)

        self.write_when_free(
            lambda: propose_expectation(store, expectation),
            proposed,
            what=f"the proposed expectation “{expectation.title}”",
        )

    def _set_expectation_status(self, expectation: Expectation, status: ExpectationStatus, done: str) -> None:
        store = self.store

        def changed(saved: Expectation) -> None:
            self.notify(f"{done}: {saved.title}", title="Expectation")
            self.refresh_data(keep_expectation=saved.id)

        self.write_when_free(
            lambda: set_expectation_status(store, expectation.saved_id, status, started_from=expectation),
            changed,
            lambda exc: self.not_changed(exc, lambda: self.refresh_data(keep_expectation=expectation.id)),
            what=f"“{expectation.title}” {done.lower()}",
        )

    def action_agree(self) -> None:
        expectation = self.selected_expectation
        if expectation is not None and self.can_write():
            self._set_expectation_status(expectation, ExpectationStatus.AGREED, "Agreed")

    @work
    async def action_retire(self) -> None:
        expectation = self.selected_expectation
        if expectation is None or not self.can_write():
            return
        question = f"Retire “{expectation.title}”? It is no longer measured; its history and check-ins stay on record."
        if await self.app.push_screen_wait(ConfirmModal(question, "Retire")):
            self._set_expectation_status(expectation, ExpectationStatus.RETIRED, "Retired")

    @on(DataTable.RowSelected, "#expectations-table")
    def _expectation_chosen(self) -> None:
        if self.check_action("breaches", ()):
            self.action_breaches()

    def action_breaches(self) -> None:
        expectation = self.selected_expectation
        measurement = self.measurements.get(expectation.id or -1) if expectation else None
        if measurement is None:
            return
        services = self.services
        self.app.push_screen(
            ExpectationBreaches(
                measurement,
                self.show_requisition_detail_of,
                load=lambda: services.breaches(measurement.expectation, measurement.now),
            ),
            self._show_in_queue,
        )

    def _show_in_queue(self, requisition_id: int | None) -> None:
        if requisition_id is None:
            return
        self.show_in_queue(requisition_id)

    # -- commitment actions ------------------------------------------------------------------------

    def _new_commitment(self) -> None:
        expectation = self.selected_expectation
        by_hand = expectation.id if expectation and expectation.metric is None else None
        active = [e for e in self.expectations if e.status != ExpectationStatus.RETIRED]
        self.app.push_screen(
            CommitmentForm(self.store.list_people(active_only=True), self._now().date(), active, by_hand),
            self._commitment_made,
        )

    def _commitment_made(self, commitment: Commitment | None) -> None:
        if commitment is None:
            return
        store = self.store

        def made(stored: Commitment) -> None:
            owner = self._people.get(stored.owner_id)
            self.notify(
                f"{owner.name if owner else 'Someone'} commits: {stored.text} (due {stored.due:%a %d %b})",
                title="Commitment",
            )
            self.refresh_data(keep_commitment=stored.id)

        self.write_when_free(
            lambda: make_commitment(store, commitment),
            made,
            what=f"the commitment “{commitment.text}”",
        )

    def _close_commitment(self, status: CommitmentStatus, reason: str = "") -> None:
        commitment = self.selected_commitment
        if commitment is None or not self.can_write():
            return
        store = self.store
        self.write_when_free(
            lambda: close_commitment(store, commitment.saved_id, status, reason=reason, started_from=commitment),
            lambda closed: self._commitment_closed(closed, status),
            lambda exc: self.not_changed(exc, lambda: self.refresh_data(keep_commitment=commitment.id)),
            what=f"the commitment “{commitment.text}” marked {status.value}",
        )

    def _commitment_closed(self, closed: Commitment, status: CommitmentStatus) -> None:
        late = status == CommitmentStatus.KEPT and closed.closed_at and closed.closed_at.date() > closed.due
        words = {
            CommitmentStatus.KEPT: "Kept, late" if late else "Kept",
            CommitmentStatus.MISSED: "Missed",
            CommitmentStatus.CANCELLED: "Cancelled",
        }[status]
        self.notify(f"{words}: {closed.text}", title="Commitment")
        ids = [c.id for c in self.commitments]
        row = ids.index(closed.id) if closed.id in ids else (self.commitments_table.cursor_row or 0)
        next_id = (
            self.commitments[row + 1].id
            if row + 1 < len(self.commitments)
            else self.commitments[row - 1].id
            if row > 0
            else None
        )
        self.refresh_data(keep_commitment=next_id)

    def action_kept(self) -> None:
        self._close_commitment(CommitmentStatus.KEPT)

    def action_missed(self) -> None:
        self._close_commitment(CommitmentStatus.MISSED)

    def action_cancel_commitment(self) -> None:
        commitment = self.selected_commitment
        if commitment is None or not self.can_write():
            return
        owner = self._people.get(commitment.owner_id)

        def cancelled(reason: str | None) -> None:
            if reason:
                self._close_commitment(CommitmentStatus.CANCELLED, reason)

        self.app.push_screen(CancelCommitment(commitment, owner.name if owner else "?"), cancelled)

    def action_switch_table(self) -> None:
        target = self.commitments_table if self.focused is self.expectations_table else self.expectations_table
        target.focus()


@dataclass(frozen=True)
class _Lists:
    """What the screen shows, read in one go (in a worker on a visit, at once after a change made here)."""

    expectations: list[Expectation]
    commitments: list[Commitment]
    total: int
    overdue: int
    people: Mapping[int, Person]
    disputes: dict[int, Any]
    requisitions: dict[int, Any]


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


__all__ = ["ExpectationsScreen", "COMMANDS", "spark_text", "due_state"]
