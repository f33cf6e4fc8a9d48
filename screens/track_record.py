"""Mode 4, Track record: follow-through and disputes per team and per person, computed from the data, sortable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Sparkline, Static
from textual.worker import get_current_worker

from mediation_console.console.core.services import TRACK_RECORD, Services
from mediation_console.console.core.track_record import (
    DISPUTE_WINDOW_DAYS,
    SORT_COLUMNS,
    TEAM_LABELS,
    TRACK_RECORD_LABELS,
    TrackRecord,
    TrackRecordReport,
    sort_records,
)
from mediation_console.db.words import plural
from mediation_console.screens.base import ModeScreen, SizedTable, row_at_cursor, text_width
from mediation_console.screens.commands import Command, bindings, register
from mediation_console.screens.dialogs.modals import PersonPickerModal, PickerModal
from mediation_console.screens.dialogs.weekly_chart import WeeklyChart
from mediation_console.screens.expectations import spark_text
from mediation_console.screens.widgets.paged_table import Cell, Column, PagedTable, StripedTable

# Follow-through at or above GOOD reads as healthy, below FAIR as a problem worth a conversation.
GOOD, FAIR = 80.0, 60.0
# Table columns: (key, header); the sort keys are the track record's own field names.
COLUMNS = [
    ("subject", "Name"),
    ("team", "Team"),
    ("follow_through_30", "30 d"),
    ("follow_through_90", "90 d"),
    ("kept", "Kept"),
    ("missed", "Missed"),
    ("late", "Late"),
    ("open", "Open"),
    ("overdue", "Overdue"),
    ("trend", "12 weeks"),
    ("disputes_raised", "Raised"),
    ("disputes_resolved", "Resolved"),
    ("median_days_to_resolve", "Median d"),
]
# Below this many terminal columns the team column gives way (the teams table above says it anyway).
WIDE = 130
# Counts that read the same whichever way; everything numeric sorts highest first by default.
ASCENDING_FIRST = {"subject"}
# The people's name column fits the longest name within these bounds (a longer one ends in "…").
NAME_WIDTH = (10, 32)

COMMANDS = register(
    Command(
        "track_record.sort",
        "s",
        "track record",
        "sort by column",
        "Sort the team and people tables by any column (clicking a header does too)",
        "sort_menu",
        footer="sort",
    ),
    Command(
        "track_record.reverse",
        "r",
        "track record",
        "reverse order",
        "Reverse the sort order",
        "reverse_sort",
        footer="reverse",
    ),
    Command(
        "track_record.chart",
        "w",
        "track record",
        "weekly chart",
        "The selected person's or team's follow-through by week as a chart with labelled axes",
        "weekly_chart",
        footer="chart",
    ),
    Command(
        "track_record.find_person",
        "p",
        "track record",
        "find a person",
        "Go to one person's record (type part of their name: yours, on a viewer seat)",
        "find_person",
        footer="find",
    ),
    Command(
        "track_record.switch_table",
        "tab",
        "track record",
        "switch table",
        "Move between the teams and the people",
        "switch_table",
    ),
)


def rate_cell(value: float | None) -> Cell:
    if value is None:
        return NO_DATA
    return Cell(f"{value:.0f}%", "good" if value >= GOOD else "warn" if value >= FAIR else "bad")


def count_cell(value: int, alarm: bool = False) -> Cell:
    if not value:
        return ZERO
    return Cell(str(value), "bad" if alarm else None)


# Cells many people share.
NO_DATA = Cell("no data", "dim")
ZERO = Cell("0", "dim")
NO_MEDIAN = Cell("—", "dim")


class PeopleTable(StripedTable[TrackRecord]):
    """Everyone's track record, drawn a screen at a time from the sorted list: filling it or sorting it
    again costs the visible lines, where a DataTable of 2,500 people froze the console ~200 ms each time."""

    def __init__(self, *, with_team: bool, **kwargs: Any) -> None:
        self.with_team = with_team
        self.name_width = NAME_WIDTH[0]
        super().__init__(self._columns(), zebra_stripes=True, **kwargs)

    def row_cache_key(self, row: TrackRecord) -> Hashable:
        return row  # frozen: its fields are everything a line shows

    def fit_names(self, records: list[TrackRecord]) -> None:
        """Widens (or narrows) the name column to the longest name, when the people change."""
        longest = max((len(r.subject) for r in records), default=0)
        width = max(NAME_WIDTH[0], min(NAME_WIDTH[1], longest))
        if width != self.name_width:
            self.name_width = width
            self.set_columns(self._columns())

    def _columns(self) -> list[Column[TrackRecord]]:
        def number(key: str, label: str, cell: Callable[[Any], Cell], width: int = 0) -> Column[TrackRecord]:
            # Right-aligned under a right-aligned header; spare width is shared out a little to each.
            width = max(width, len(label))
            return Column(key, label, cell, width=width, flex=1, max_width=width + 2, align="right")

        columns = [
            Column(
                "subject",
                "Name",
                lambda r: Cell(r.subject, None if r.active else "dim"),
                width=self.name_width,
                flex=1,
                max_width=self.name_width + 2,
                priority=0,
            ),
            Column("team", "Team", text=lambda r: TEAM_LABELS[r.team], width=10, flex=1, max_width=12),
            number("follow_through_30", "30 d", lambda r: rate_cell(r.follow_through_30), 7),
            number("follow_through_90", "90 d", lambda r: rate_cell(r.follow_through_90), 7),
            number("kept", "Kept", lambda r: count_cell(r.kept)),
            number("missed", "Missed", lambda r: count_cell(r.missed)),
            number("late", "Late", lambda r: count_cell(r.late)),
            number("open", "Open", lambda r: count_cell(r.open)),
            number("overdue", "Overdue", lambda r: count_cell(r.overdue, alarm=True)),
            # Right-aligned like the figures around it, so the weeks sit apart from the overdue count.
            Column(
                "trend",
                "12 weeks",
                lambda r: Cell(spark_text(r.trend), "accent"),
                width=12,
                flex=1,
                max_width=14,
                align="right",
            ),
            number("disputes_raised", "Raised", lambda r: count_cell(r.disputes_raised)),
            number("disputes_resolved", "Resolved", lambda r: count_cell(r.disputes_resolved)),
            number(
                "median_days_to_resolve",
                "Median d",
                lambda r: NO_MEDIAN if r.median_days_to_resolve is None else Cell(f"{r.median_days_to_resolve:.1f}"),
            ),
        ]
        return [c for c in columns if c.key != "team" or self.with_team]


class TrackRecordScreen(ModeScreen):
    """Nothing here is typed: every figure comes from commitments and disputes, computed in a worker."""

    COMMAND_AREA: ClassVar[str] = "track record"
    KEY_ACTIONS = ("sort_menu",)
    SUB_TITLE = "Track record"
    # The people, not the teams table (the first focusable widget), so a first visit focuses once.
    AUTO_FOCUS = "#people-table"
    BINDINGS: ClassVar[list[BindingType]] = bindings(COMMANDS)

    DEFAULT_CSS = """
    TrackRecordScreen .block-title { height: 1; padding: 0 1; margin: 1 0 0 0; }
    TrackRecordScreen #teams-table { height: auto; margin: 0 1; }
    TrackRecordScreen #people-table { height: 1fr; margin: 0 1; }
    TrackRecordScreen DataTable:focus { background-tint: $foreground 3%; }
    TrackRecordScreen #record-detail { height: 3; margin: 0 1; padding: 0 1; background: $boost; }
    TrackRecordScreen #record-summary { width: 1fr; height: 3; }
    TrackRecordScreen #record-trend { width: 36; height: 3; margin: 0 0 0 2; }
    """

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.report: TrackRecordReport | None = None
        self.sort_key = "follow_through_30"
        self.descending = False  # the weakest follow-through first: where the conversation starts
        self.columns = list(COLUMNS)
        self._people_ordered: list[TrackRecord] = []  # the people table's rows, in its order
        self._detail_shown: TrackRecord | None = None  # what the strip below shows: drawn once a person
        # What the report was worked out at (data version, day): a visit with nothing changed redoes nothing.
        # (The first visit's resume asks nothing: the Store would be busy with on_mount's worker.)
        self._stamp: tuple[Any, ...] | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="track-title", classes="block-title")
        yield SizedTable(id="teams-table", cursor_type="row")
        yield Static("", id="people-title", classes="block-title")
        # The team column gives way on a narrow terminal (as the teams table's does, on mount).
        yield PeopleTable(with_team=self.app.size.width >= WIDE, id="people-table")
        with Horizontal(id="record-detail"):
            yield Static("", id="record-summary")
            yield Sparkline([], id="record-trend")

    def on_mount(self) -> None:
        self.columns = [(k, h) for k, h in COLUMNS if k != "team" or self.app.size.width >= WIDE]
        for key, header in self.columns:
            self.teams_table.add_column(header, key=key)
        self.query_one("#track-title", Static).update(Text("Track record · working it out…", style="dim"))
        self.refresh_data()
        self.people_table.focus()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Commitments are marked and disputes resolved on other screens; when nothing changed (and on the
        # first visit, which on_mount just started) the report still holds.
        if self.needs_reload(self._stamp):
            self.refresh_data()

    @property
    def teams_table(self) -> SizedTable:
        return self.query_one("#teams-table", SizedTable)

    @property
    def people_table(self) -> PeopleTable:
        return self.query_one("#people-table", PeopleTable)

    # -- data --------------------------------------------------------------------------------------

    def refresh_data(self) -> None:
        self._stamp = self.data_stamp()
        self._compute(self._stamp, self.services.now())

    @work(thread=True, exclusive=True, group="track-record")
    def _compute(self, stamp: tuple[Any, ...], now: dt.datetime) -> None:
        worker = get_current_worker()
        if not self.services.has_shared(TRACK_RECORD, stamp):
            self.wait_for_paint()  # the screen first: working the report out holds the interpreter
        # Worked out once per stamp (the console's prefetch may have done it already), on a connection of
        # its own: on the Store's main one, every UI-thread query would wait for the statement it runs.
        report = self.services.track_record(stamp, now)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show, report)

    def _show(self, report: TrackRecordReport) -> None:
        self.report = report
        self.query_one("#track-title", Static).update(
            Text.assemble(
                ("Teams", "bold"),
                (
                    f" · follow-through = kept ÷ (kept + missed) · counts over the last "
                    f"{DISPUTE_WINDOW_DAYS} days · as of {report.today:%a %d %b}",
                    "dim",
                ),
            )
        )
        self._fill(self.teams_table, report.teams)
        self._fill_people(report.people)
        label = TRACK_RECORD_LABELS[self.sort_key]
        direction = "highest first" if self.descending else "lowest first"
        self.query_one("#people-title", Static).update(
            Text.assemble(
                ("People", "bold"),
                f" · {len(report.people)}",
                (f" · sorted by {label.lower()}, {direction} · s sort · r reverse", "dim"),
            )
        )
        self._show_detail()

    def _fill_people(self, records: list[TrackRecord]) -> None:
        """Points the people table at the sorted list: only the visible lines are drawn, so 2,500 people
        cost what a screenful does. The highlighted person stays highlighted wherever the sort puts them."""
        table = self.people_table
        current = table.current_row if table.total else None
        ordered = sort_records(records, self.sort_key, self.descending)
        position = 0
        if current is not None:
            position = next((i for i, r in enumerate(ordered) if r.person_id == current.person_id), 0)
        self._people_ordered = ordered
        table.fit_names(ordered)
        table.sort_key, table.descending = self.sort_key, self.descending
        table.set_source(lambda offset, limit: ordered[offset : offset + limit], len(ordered), cursor=position)

    def _fill(self, table: SizedTable, records: list[TrackRecord]) -> None:
        current = self._selected(table)
        keep = current.subject if current else None
        ordered = sort_records(records, self.sort_key, self.descending)
        rows = [self._cells(record) for record in ordered]
        table.clear()
        # 2,500 people: the columns fit their widest cell, worked out from the text here rather than
        # by the table measuring 30,000 cells as rich renderables (~300 ms with the interface frozen).
        table.fit_columns(
            {key: max((text_width(row[i]) for row in rows), default=0) for i, (key, _header) in enumerate(self.columns)}
        )
        for record, row in zip(ordered, rows, strict=False):
            table.add_row(*row, key=record.subject)
        if ordered:
            cursor = next((i for i, r in enumerate(ordered) if r.subject == keep), 0)
            table.move_cursor(row=cursor)
        table.sorted_records = ordered  # type: ignore[attr-defined]

    def _cells(self, r: TrackRecord) -> list[Any]:
        def rate(value: float | None) -> Text:
            if value is None:
                return Text("no data", style="dim")
            colour = "success" if value >= GOOD else "warning" if value >= FAIR else "error"
            return Text(f"{value:.0f}%", style=f"bold {self.theme_colour(colour)}", justify="right")

        def count(value: int, alarm: bool = False) -> Text:
            if not value:
                return Text("0", style="dim", justify="right")
            return Text(str(value), style=f"bold {self.theme_colour('error')}" if alarm else "", justify="right")

        name = Text(r.subject, style="bold" if r.is_team else "" if r.active else "dim")
        median = r.median_days_to_resolve
        cells = [
            name,
            Text("whole team", style="dim") if r.is_team else TEAM_LABELS[r.team],
            rate(r.follow_through_30),
            rate(r.follow_through_90),
            count(r.kept),
            count(r.missed),
            count(r.late),
            count(r.open),
            count(r.overdue, alarm=True),
            Text(spark_text(r.trend), style=self.theme_colour("accent")),
            count(r.disputes_raised),
            count(r.disputes_resolved),
            Text("—" if median is None else f"{median:.1f}", style="dim" if median is None else "", justify="right"),
        ]
        if all(key != "team" for key, _ in self.columns):
            del cells[1]
        return cells

    def _selected(self, table: DataTable[Any] | PeopleTable) -> TrackRecord | None:
        if isinstance(table, PeopleTable):
            return table.current_row
        return row_at_cursor(table, getattr(table, "sorted_records", None) or [])

    @on(DataTable.RowHighlighted)
    @on(PagedTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()

    def on_descendant_focus(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        table = self.teams_table if self.focused is self.teams_table else self.people_table
        record = self._selected(table)
        if record is self._detail_shown and record is not None:
            return  # a sort, a refocus or the cursor watcher's message: the same person, already shown
        self._detail_shown = record
        summary = self.query_one("#record-summary", Static)
        trend = self.query_one("#record-trend", Sparkline)
        if record is None:
            summary.update("")
            trend.data = []
            return
        late = f", {record.late} of them late" if record.late else ""
        rates = " · ".join(
            f"{label} {'no data' if value is None else f'{value:.0f}%'}"
            for label, value in (("30 days", record.follow_through_30), ("90 days", record.follow_through_90))
        )
        summary.update(
            Text.assemble(
                (record.subject, "bold"),
                f" ({TEAM_LABELS[record.team]})" if not record.is_team else " team",
                f" · follow-through {rates}",
                "\n",
                f"{record.kept} kept{late} · {record.missed} missed · {record.open} open",
                (f" · {record.overdue} overdue, waiting for a decision", f"bold {self.theme_colour('error')}")
                if record.overdue
                else "",
                "\n",
                (
                    f"{plural(record.disputes_raised, 'dispute')} raised · {record.disputes_resolved} resolved"
                    + (
                        f" in a median {record.median_days_to_resolve:.1f} days"
                        if record.median_days_to_resolve is not None
                        else ""
                    ),
                    "dim",
                ),
            )
        )
        weeks = [value for value in record.trend if value is not None]
        trend.data = weeks
        trend.tooltip = "follow-through by week, weeks with data only" if weeks else "no weekly data yet"

    def action_find_person(self) -> None:
        """Moves to one person's row (a viewer looking up their own record); the strip below shows it."""
        if self.report is None:
            self.notify("The track record is still being worked out", title="Not yet")
            return
        records = sorted(self.report.people, key=lambda r: r.subject.lower())
        choices = [(f"{r.subject} · {TEAM_LABELS[r.team]}", r.person_id) for r in records if r.person_id is not None]
        current = self.people_table.current_row

        def chosen(person_id: int | None) -> None:
            if person_id is None or person_id < 0:
                return
            position = next((i for i, r in enumerate(self._people_ordered) if r.person_id == person_id), None)
            if position is None:
                return
            self.people_table.focus()
            self.people_table.cursor = position
            self._show_detail()

        self.app.push_screen(
            PersonPickerModal("Find a person", choices, current.person_id if current else None, "(keep where I am)"),
            chosen,
        )

    def action_weekly_chart(self) -> None:
        table = self.teams_table if self.focused is self.teams_table else self.people_table
        record = self._selected(table)
        if record is None:
            return
        who = f"{record.subject} team" if record.is_team else record.subject
        self.app.push_screen(
            WeeklyChart(
                f"{who} · follow-through by week",
                record.trend,
                self.services.now().date(),
                measure="Follow-through",
            )
        )

    # -- sorting -----------------------------------------------------------------------------------

    def _sort(self, key: str, descending: bool | None = None) -> None:
        if key not in SORT_COLUMNS and key != "team":
            self.notify("That column is a picture of the weeks; sort by a number instead", severity="warning")
            return
        if key == "team":
            key = "subject"  # teams group by name already; within people, the name is the useful order
        self.descending = (key not in ASCENDING_FIRST) if descending is None else descending
        self.sort_key = key
        if self.report is not None:
            self._show(self.report)

    def action_sort_menu(self) -> None:
        choices = [(TRACK_RECORD_LABELS[key], key) for key in SORT_COLUMNS]

        def chosen(key: str | None) -> None:
            if key is not None:
                self._sort(key)

        self.app.push_screen(PickerModal("Sort by", choices, current=self.sort_key), chosen)

    def action_reverse_sort(self) -> None:
        self._sort(self.sort_key, not self.descending)

    @on(DataTable.HeaderSelected)
    @on(PagedTable.HeaderSelected)
    def _header_clicked(self, event: DataTable.HeaderSelected | PagedTable.HeaderSelected) -> None:
        key = event.column_key if isinstance(event, PagedTable.HeaderSelected) else str(event.column_key.value)
        if key == self.sort_key:
            self.action_reverse_sort()
        else:
            self._sort(key)

    def action_switch_table(self) -> None:
        target = self.teams_table if self.focused is self.people_table else self.people_table
        target.focus()


__all__ = ["TrackRecordScreen", "COMMANDS"]
