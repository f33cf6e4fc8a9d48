"""Mode 1, the requisition queue: filter, sort and page through requisitions in SQLite; create, edit, move them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Sequence
from dataclasses import replace
from functools import partial
from operator import attrgetter
from typing import Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Center, Horizontal
from textual.widgets import Input, Label, Static
from textual.worker import Worker, get_current_worker

from mediation_console.console.core.services import Services
from mediation_console.db.models import CLOSED_STATUSES, Requisition, RequisitionRow, RequisitionStatus, Team
from mediation_console.db.store import BackgroundReadInterrupted, QueueQuery, StoreError
from mediation_console.screens.base import TEAM_KEY, ModeScreen
from mediation_console.screens.commands import Command, bindings, register
from mediation_console.screens.dialogs.modals import STATUS_LABELS, PickerModal, PipelineEventModal, StatusChangeModal
from mediation_console.screens.dialogs.requisition_form import RequisitionForm
from mediation_console.screens.widgets.paged_table import Cell, Column, PagedTable, Tone

QUEUE_COMMANDS = register(
    Command(
        "queue.new",
        "n",
        "queue",
        "new requisition",
        "Open an empty requisition form",
        "new_requisition",
        footer="New",
        writes=True,
    ),
    Command(
        "queue.edit",
        "e",
        "queue",
        "edit requisition",
        "Edit the highlighted requisition's fields",
        "edit_requisition",
        footer="Edit",
        writes=True,
    ),
    Command(
        "queue.status",
        "s",
        "queue",
        "change status",
        "Move the highlighted requisition to an allowed status",
        "change_status",
        footer="Status",
        writes=True,
    ),
    Command(
        "queue.event",
        "x",
        "queue",
        "log pipeline event",
        "Record a submittal, client feedback, interview, offer or placement",
        "log_event",
        footer="Event",
        writes=True,
    ),
    Command(
        "queue.detail",
        "enter",
        "queue",
        "open detail",
        "Fields, scorecard reasons and timeline of the highlighted requisition",
        "detail",
        key_display="enter",
    ),
    Command(
        "queue.filter",
        "slash",
        "queue",
        "filter as you type",
        "Find requisitions by code, title, client, notes or people's names",
        "focus_filter",
        footer="Filter",
        key_display="/",
    ),
    Command(
        "queue.clear",
        "escape",
        "queue",
        "clear filters",
        "Clear the typed filter; pressed again, clear the quick filters too",
        "clear_filters",
        key_display="esc",
    ),
    Command(
        "queue.sort",
        "o",
        "queue",
        "sort by column",
        "Choose the column the queue is ordered by",
        "sort_menu",
        footer="Sort",
    ),
    Command("queue.reverse", "r", "queue", "reverse sort", "Flip the order of the sort column", "reverse_sort"),
    Command(
        "queue.by_status", "f", "queue", "filter by status", "Show only requisitions in one status", "status_filter"
    ),
    Command(
        "queue.by_person",
        "p",
        "queue",
        "filter by person",
        "Show only one salesperson's or recruiter's requisitions",
        "person_filter",
    ),
    Command(
        "queue.open_only",
        "c",
        "queue",
        "show or hide closed",
        "Toggle between open requisitions only and every requisition",
        "toggle_open_only",
    ),
    Command(
        "queue.at_risk",
        "a",
        "queue",
        "at-risk only",
        "Toggle showing only promises that are already past or earlier than the realistic estimate",
        "toggle_at_risk",
    ),
)

GRADE_TONES: dict[str, Tone] = {"A": "good", "B": "warn", "C": "bad"}
# Cells shared by every row that shows them.
NOT_APPLICABLE = Cell("–", "dim")
NONE_YET = Cell("0", "dim")
GRADE_CELLS: dict[str | None, Cell] = {
    None: NOT_APPLICABLE,
    **{grade: Cell(grade, tone) for grade, tone in GRADE_TONES.items()},
}
STATUS_CELLS = {
    status: Cell(
        STATUS_LABELS[status],
        "dim" if status in CLOSED_STATUSES else ("warn" if status == RequisitionStatus.ON_HOLD else None),
    )
    for status in RequisitionStatus
}
# The widest the people columns get: longer names are cut with an ellipsis.
NAME_WIDTH = 20
# The code column: as wide as the longest code read so far (REQ-0001 fits the narrowest), up to the most.
CODE_WIDTH = 8
CODE_MAX_WIDTH = 20
# Sorting "days open" or "grade" ascending should read naturally (fewest days, best grade first),
# which is the reverse of the underlying SQL column (opened_at, score).
INVERTED_SORTS = {"days_open", "grade"}


def promise_is_at_risk(row: RequisitionRow, today: dt.date) -> bool:
    """Past already, or earlier than the realistic estimate (opened + estimated days to fill)."""
    if row.promised_date is None:
        return False
    if row.promised_date < today:
        return True
    if row.estimate_days is not None:
        return row.promised_date < row.opened_at.date() + dt.timedelta(days=row.estimate_days)
    return False


class RequisitionTable(PagedTable[RequisitionRow]):
    """The queue's columns over a PagedTable; `today` comes from the app's clock."""

    def __init__(self, today: dt.date, name_width: int = NAME_WIDTH, **kwargs: Any) -> None:
        self.today = today
        self.name_width = name_width
        self.code_width = CODE_WIDTH
        super().__init__(self._columns(), **kwargs)

    def rows_arrived(self, rows: Sequence[RequisitionRow]) -> None:
        # A code is what the lead reads out and types into the filter: never cut it. Widened after this
        # draw (a page arrives while a line is drawn), never narrowed, so columns do not jump about.
        longest = min(CODE_MAX_WIDTH, max((len(row.code) for row in rows), default=0))
        if longest > self.code_width:
            self.code_width = longest
            self.call_later(self.set_columns, self._columns())

    def fit_names(self, longest: int) -> None:
        """The people columns as wide as the longest name now in the team (a person added or renamed)."""
        if longest != self.name_width:
            self.name_width = longest
            self.set_columns(self._columns())

    def row_cache_key(self, row: RequisitionRow) -> Hashable:
        # Every field the cells read (the row is a tuple of them), and today (days open, promises at
        # risk): an edited requisition or a new day draws afresh, an unchanged row is drawn once.
        return (self.today, row)

    def _columns(self) -> list[Column[RequisitionRow]]:
        # A sort change draws a screen of rows never drawn before: cells that only a handful of values
        # can have are made once, and untoned columns give just their text.
        def grade(row: RequisitionRow) -> Cell:
            return GRADE_CELLS.get(row.grade) or Cell(row.grade or "–", GRADE_TONES.get(row.grade or "", "dim"))

        def promised(row: RequisitionRow) -> Cell:
            if row.promised_date is None or row.status in CLOSED_STATUSES:
                return NOT_APPLICABLE
            days = (row.promised_date - self.today).days
            if days < 0:
                return Cell(f"{days}d", "bad")  # the minus says it: the promised date passed that long ago
            if promise_is_at_risk(row, self.today):
                return Cell(f"{days}d!", "bad")  # ahead, but sooner than the realistic estimate
            return Cell(f"{days}d")

        def count(value: int) -> Cell:
            return Cell(str(value)) if value else NONE_YET

        # By priority for the width (see PagedTable): at 80 columns the code, title, status, grade, promise
        # and counts show, and `right` scrolls to the client, the people and the days open. The people
        # columns are as wide as the longest name (up to NAME_WIDTH), so a wide line never cuts one.
        names = max(8, min(NAME_WIDTH, self.name_width))
        return [
            Column("code", "Code", text=attrgetter("code"), width=self.code_width, priority=0),
            Column("title", "Title", text=attrgetter("title"), width=14, flex=4, priority=1),
            Column("client", "Client", text=attrgetter("client"), width=10, flex=2, max_width=26, priority=4),
            Column(
                "sales_owner",
                "Sales",
                text=attrgetter("sales_owner"),
                width=names,
                flex=1,
                max_width=names,
                priority=3,
            ),
            Column(
                "recruiter",
                "Recruiter",
                lambda r: Cell(r.recruiter) if r.recruiter else NOT_APPLICABLE,
                width=names,
                flex=1,
                max_width=names,
                priority=3,
            ),
            Column("status", "Status", lambda r: STATUS_CELLS[r.status], width=12, priority=1),
            Column("grade", "Grade", grade, width=6, align="right", priority=1),  # "Grade▲" when sorted by it
            Column(
                "days_open",
                "Open",
                text=lambda r: f"{(self.today - r.opened_at.date()).days}d",
                width=5,
                align="right",
                priority=5,
            ),
            Column("promised", "Promise", promised, width=7, align="right", priority=1),
            Column("submittals", "Subs", lambda r: count(r.submittals), width=4, align="right", priority=2),
            Column("open_disputes", "Disp", lambda r: count(r.open_disputes), width=4, align="right", priority=2),
        ]


class QueueScreen(ModeScreen):
    """The requisitions, filtered and sorted in SQLite, drawn a page at a time."""

    COMMAND_AREA = "queue"
    KEY_ACTIONS = ("new_requisition", "focus_filter")
    SUB_TITLE = "Requisition queue"
    BINDINGS: ClassVar = bindings(QUEUE_COMMANDS)

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self._shown_stamp: tuple[Any, ...] | None = None  # the data the queue's rows were read from
        self.query_state = QueueQuery(open_only=True, sort="code")
        self.total_all = 0
        self.shown = 0
        # True while a worker counts the rows of a broad filter; the table shows its first page meanwhile.
        self.counting = False
        # Counts already made, by filter, while the database stays unchanged: a sort change or a
        # deleted letter never counts again.
        self._counts: dict[tuple[Any, ...], int] = {}
        self._counts_version: tuple[int, int] | None = None
        # What the chips, the count and the empty message show now, by widget id; which chips are
        # active and whether the table shows.
        self._chrome: dict[str, str] = {}
        self._chrome_flags: tuple[bool, ...] | None = None
        self._count_worker: Worker[None] | None = None
        self._table: RequisitionTable | None = None
        self._names: tuple[tuple[int, ...] | None, int] = (None, 0)

    # -- layout ----------------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="filter-bar"):
            yield Input(placeholder="/ filter: code, title, client, notes, people", id="filter", compact=True)
            yield Static("", id="queue-count")
        with Horizontal(id="chips"):
            yield Label("", id="chip-status", classes="chip")
            yield Label("", id="chip-person", classes="chip")
            yield Label("", id="chip-open", classes="chip")
            yield Label("", id="chip-risk", classes="chip")
        yield RequisitionTable(self.services.now().date(), self._longest_name(), id="queue-table")
        # The hatch fills the area around the message, never the spaces between its words.
        with Center(id="queue-empty-area"):
            yield Static("", id="queue-empty")

    def on_mount(self) -> None:
        self.refresh_queue(reset_cursor=True)
        self.query_one(RequisitionTable).focus()

    def _longest_name(self) -> int:
        # Worked out again only when the people change (a keystroke refreshes the queue too).
        store = self.services.store
        stamp = store.table_versions("people")
        if self._names[0] != stamp:
            self._names = (stamp, max((len(person.name) for person in store.list_people()), default=0))
        return self._names[1]

    @property
    def table(self) -> RequisitionTable:
        if self._table is None:  # looked up once: every keystroke asks for it several times
            self._table = self.query_one(RequisitionTable)
        return self._table

    # -- data ------------------------------------------------------------------------------------

    def _sql_query(self) -> QueueQuery:
        q = self.query_state
        descending = q.descending != (q.sort in INVERTED_SORTS)
        return replace(q, descending=descending, today=self.services.now().date())

    @staticmethod
    def _filter_key(query: QueueQuery) -> tuple[Any, ...]:
        # What decides which rows show (not their order), i.e. what a count depends on.
        return (query.text, tuple(query.statuses), query.open_only, query.person_id, query.at_risk_only, query.today)

    def _known_counts(self) -> tuple[dict[tuple[Any, ...], int], tuple[int, int]]:
        """The counts made while the database has stayed as it is now (by `_filter_key`), and its version."""
        version = self.services.store.data_version()
        if version != self._counts_version:
            self._counts.clear()
            self._counts_version = version
        return self._counts, version

    def refresh_data(self) -> None:
        self.refresh_queue()

    def on_screen_resume(self, _event: events.ScreenResume) -> None:
        # A dispute logged from the standup, a status changed elsewhere: the rows' counts (Disp, Subs)
        # changed while the queue was hidden; its cached pages are read again only when data changed.
        if self.needs_reload(self._shown_stamp):
            self.refresh_queue()

    def refresh_queue(self, *, reset_cursor: bool = False) -> None:
        """Points the table at the current filter and sort; only visible pages are fetched.

        A new filter whose first page is full may match tens of thousands of rows, and counting them
        costs more than a keystroke may (~20 ms at 100,000 requisitions): the table shows its first
        page at once and a worker counts the rest. Refreshes after a change keep the cursor where it
        was, so they count at once."""
        store = self.services.store
        self._shown_stamp = self.data_stamp()
        query = self._sql_query()
        table = self.table
        table.today = self.services.now().date()
        table.fit_names(self._longest_name())
        table.sort_key, table.descending = self.query_state.sort, self.query_state.descending
        everything = replace(QueueQuery(), today=query.today)
        counts, version = self._known_counts()
        total_all = counts.get(self._filter_key(everything))
        if total_all is None:
            total_all = counts[self._filter_key(everything)] = store.count_queue(QueueQuery())
        self.total_all = total_all
        shown = counts.get(self._filter_key(query)) if total_all else 0
        first_page = None
        if shown is None and reset_cursor:
            first_page = store.query_queue(query, 0, table.page_size)
            if len(first_page) < table.page_size:
                shown = len(first_page)
        elif shown is None:
            shown = store.count_queue(query)
        if shown is not None:
            self._counts[self._filter_key(query)] = shown
        self.counting = shown is None
        store.interrupt_background_reads()  # an older count is for a filter no longer shown
        self.shown = len(first_page or ()) if shown is None else shown
        table.set_source(
            self._page_source(query, shown), self.shown, keep_cursor=not reset_cursor, first_page=first_page
        )
        if self._count_worker is not None:
            # Cancels just the one older count: an exclusive worker would walk every count started
            # since the loop last ran (a fast typist's dozens) on every keystroke.
            self._count_worker.cancel()
            self._count_worker = None
        if self.counting:
            self._count_worker = self.run_worker(
                partial(self._count_in_background, query, version),
                thread=True,
                group="queue-count",
                exit_on_error=False,
            )
        self._update_chrome()
        self._remember_selection()

    def _page_source(self, query: QueueQuery, total: int | None) -> Any:
        store = self.services.store
        # Knowing the total lets the Store read pages in the far half backwards (`end` stays instant).
        return lambda offset, limit: store.query_queue(query, offset, limit, total=total)

    def _count_in_background(self, query: QueueQuery, version: tuple[int, int]) -> None:
        worker = get_current_worker()
        store = self.services.store
        count = None
        # An interruption meant for an older count can catch this one as it starts: try again.
        for _attempt in range(3):
            if worker.is_cancelled:
                return
            try:
                count = store.count_queue(query, in_background=True)
                break
            except BackgroundReadInterrupted:
                continue
            except StoreError as exc:
                self.app.call_from_thread(self.notify, str(exc), title="Not counted", severity="error")
                return
        if count is not None and not worker.is_cancelled:
            self.app.call_from_thread(self._counted, query, version, count)

    def _counted(self, query: QueueQuery, version: tuple[int, int], count: int) -> None:
        if self._filter_key(query) != self._filter_key(self._sql_query()):
            return  # the filter changed while counting
        if self.services.store.data_version() == version:
            self._counts[self._filter_key(query)] = count
        self.counting = False
        self.shown = count
        self.table.set_total(count, self._page_source(self._sql_query(), count))
        self._update_chrome()

    def _update_chrome(self) -> None:
        q = self.query_state
        person = self.services.store.get_person(q.person_id) if q.person_id is not None else None
        chips = {
            "chip-status": (
                "[b]f[/b] status: " + (STATUS_LABELS[RequisitionStatus(q.statuses[0])] if q.statuses else "any"),
                bool(q.statuses),
            ),
            "chip-person": (f"[b]p[/b] person: {person.name if person else 'anyone'}", person is not None),
            "chip-open": ("[b]c[/b] open only" if q.open_only else "[b]c[/b] open and closed", q.open_only),
            "chip-risk": ("[b]a[/b] at risk only" if q.at_risk_only else "[b]a[/b] at risk: any", q.at_risk_only),
        }
        noun = "requisition" if self.total_all == 1 else "requisitions"
        shown = "counting…" if self.counting else f"{self.shown:,}"
        if self.total_all == 0 and not self.services.store.list_people(active_only=True):
            empty_text = (
                f"No team yet — press [b]{TEAM_KEY}[/b] (Team) to add people, then [b]n[/b] here adds a requisition"
            )
        elif self.total_all == 0:
            empty_text = "No requisitions yet — press [b]n[/b] to add one, or run [b]mediate demo[/b]"
        elif self.shown == 0:
            empty_text = "No requisitions match — press [b]esc[/b] to clear the filters"
        else:
            empty_text = self._chrome.get("queue-empty", "")
        # A keystroke changes the count and seldom anything else: parsing and laying out every label
        # again would cost more than the query, so only what changed is updated.
        for widget_id, text in (
            *((chip_id, text) for chip_id, (text, _) in chips.items()),
            ("queue-count", f"{shown} of {self.total_all:,} {noun}"),
            ("queue-empty", empty_text),
        ):
            if self._chrome.get(widget_id) != text:
                self._chrome[widget_id] = text
                self.query_one(f"#{widget_id}", Static).update(text)
        flags = (*(active for _, active in chips.values()), self.shown > 0)
        if flags != self._chrome_flags:
            self._chrome_flags = flags
            for chip_id, (_, active) in chips.items():
                self.query_one(f"#{chip_id}", Label).set_class(active, "active")
            self.table.display = self.shown > 0
            self.query_one("#queue-empty-area").display = self.shown == 0
        self.refresh_bindings()

    def show_requisition(self, requisition_id: int) -> bool:
        """Selects the requisition and scrolls it into the middle of the table, keeping the sort. Filters
        that would hide it are cleared first (with a toast saying so). False when it no longer exists."""
        store = self.services.store
        requisition = store.get_requisition(requisition_id)
        if requisition is None:
            self.notify("That requisition no longer exists", severity="warning")
            return False
        position = store.queue_position(self._sql_query(), requisition_id)
        if position is None:
            q = self.query_state
            self.query_state = QueueQuery(
                open_only=requisition.status not in CLOSED_STATUSES, sort=q.sort, descending=q.descending
            )
            box = self.query_one("#filter", Input)
            with box.prevent(Input.Changed):  # its handler would re-query and put the cursor on the top row
                box.value = ""
            position = store.queue_position(self._sql_query(), requisition_id) or 0
            self.notify(f"Filters cleared to show {requisition.code}", title="Queue")
        self.refresh_queue()  # keeps the cursor, so it counts at once: the cursor may go anywhere
        table = self.table
        table.cursor = position
        table.centre_cursor()
        self.services.selected_requisition_id = requisition_id
        table.focus()
        return True

    def _remember_selection(self) -> None:
        row = self.table.current_row if self.shown else None
        self.services.selected_requisition_id = row.id if row else None

    @on(PagedTable.RowHighlighted)
    def _highlighted(self, event: PagedTable.RowHighlighted) -> None:
        self.services.selected_requisition_id = event.row.id if event.row else None
        self.refresh_bindings()

    @on(PagedTable.RowSelected)
    def _selected(self) -> None:
        self.action_detail()

    @on(Input.Changed, "#filter")
    def _filter_typed(self, event: Input.Changed) -> None:
        self.query_state = replace(self.query_state, text=event.value)
        self.refresh_queue(reset_cursor=True)

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.table.focus()

    # -- which commands apply ----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("edit_requisition", "change_status", "log_event", "detail"):
            return True if self.services.selected_requisition_id is not None and self.shown else None
        return True

    def _selected_requisition(self) -> Requisition | None:
        req_id = self.services.selected_requisition_id
        requisition = self.services.store.get_requisition(req_id) if req_id is not None else None
        if requisition is None:
            self.notify("Highlight a requisition first", severity="warning")
        return requisition

    # -- actions ---------------------------------------------------------------------------------

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filters(self) -> None:
        box = self.query_one("#filter", Input)
        if box.value:
            box.value = ""  # its Changed message re-queries
        else:
            self.query_state = QueueQuery(
                open_only=True, sort=self.query_state.sort, descending=self.query_state.descending
            )
            self.refresh_queue(reset_cursor=True)
        self.table.focus()

    def action_sort_menu(self) -> None:
        choices = [
            (column.label if column.key != "promised" else "Promised date", column.key) for column in self.table.columns
        ]

        def chosen(key: str | None) -> None:
            if key is not None:
                self.query_state = replace(self.query_state, sort=key, descending=False)
                self.refresh_queue(reset_cursor=True)

        self.app.push_screen(PickerModal("Sort by", choices, self.query_state.sort), chosen)

    def action_reverse_sort(self) -> None:
        self.query_state = replace(self.query_state, descending=not self.query_state.descending)
        self.refresh_queue(reset_cursor=True)

    def action_status_filter(self) -> None:
        choices: list[tuple[str, str]] = [("any status", "")]
        choices += [(STATUS_LABELS[s], s.value) for s in RequisitionStatus]
        current = self.query_state.statuses[0] if self.query_state.statuses else ""

        def chosen(status: str | None) -> None:
            if status is not None:
                self.query_state = replace(self.query_state, statuses=(status,) if status else ())
                self.refresh_queue(reset_cursor=True)

        self.app.push_screen(PickerModal("Filter by status", choices, current), chosen)

    def action_person_filter(self) -> None:
        people = self.services.store.list_people()
        choices: list[tuple[str, int]] = [("anyone", -1)]
        choices += [
            (f"{p.name} · {p.team}" + ("" if p.active else " (inactive)"), p.saved_id)
            for p in people
            if p.team != Team.LEAD
        ]
        current = self.query_state.person_id if self.query_state.person_id is not None else -1

        def chosen(person_id: int | None) -> None:
            if person_id is not None:
                self.query_state = replace(self.query_state, person_id=None if person_id < 0 else person_id)
                self.refresh_queue(reset_cursor=True)

        self.app.push_screen(PickerModal("Filter by person", choices, current), chosen)

    def action_toggle_open_only(self) -> None:
        self.query_state = replace(self.query_state, open_only=not self.query_state.open_only)
        self.refresh_queue(reset_cursor=True)

    def action_toggle_at_risk(self) -> None:
        self.query_state = replace(self.query_state, at_risk_only=not self.query_state.at_risk_only)
        self.refresh_queue(reset_cursor=True)

    def _form(self, requisition: Requisition | None) -> RequisitionForm:
        store = self.services.store
        return RequisitionForm(
            self.services,
            requisition,
            sales_people=[p for p in store.list_people(active_only=True) if p.team in (Team.SALES, Team.LEAD)],
            recruiters=store.list_people(team=Team.RECRUITING, active_only=True),
        )

    def _saved(self, requisition: Requisition | None) -> None:
        if requisition is None:
            return
        self.notify(f"{requisition.code} saved", title="Saved")
        self.refresh_queue()
        self.table.move_to(lambda row: row.id == requisition.id)

    def action_new_requisition(self) -> None:
        if not self.can_write():
            return
        form = self._form(None)
        if not form.sales_people:
            # The form could never be saved: a requisition needs a sales owner from the team.
            self.notify(
                f"A requisition needs a sales owner: add the team first (press {TEAM_KEY} for the Team screen, "
                "then n to add a person)",
                title="No one in sales yet",
                severity="warning",
                timeout=8,
            )
            return
        self.app.push_screen(form, self._saved)

    def action_edit_requisition(self) -> None:
        if self.can_write() and (requisition := self._selected_requisition()):
            self.app.push_screen(self._form(requisition), self._saved)

    def action_change_status(self) -> None:
        if self.can_write() and (requisition := self._selected_requisition()):
            self.app.push_screen(StatusChangeModal(self.services, requisition), self._changed)

    def action_log_event(self) -> None:
        if self.can_write() and (requisition := self._selected_requisition()):
            modal = PipelineEventModal(
                self.services, requisition, self.services.store.list_people(active_only=True), self.services.now()
            )
            self.app.push_screen(modal, self._changed)

    def _changed(self, result: Any) -> None:
        if result is not None:
            self.refresh_queue()

    def action_detail(self) -> None:
        requisition = self._selected_requisition()
        if requisition is None:
            return
        self.show_requisition_detail(requisition)
