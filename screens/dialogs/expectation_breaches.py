"""The breaches of one expectation, worst first; each links to its requisition (detail, or the queue)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from mediation_console.console.core.metrics import BREACH_LIMIT, Measurement
from mediation_console.db.store import StoreError
from mediation_console.db.words import plural


class ExpectationBreaches(ModalScreen[int | None]):
    """enter opens the requisition's detail on top; g closes and shows it in the queue (the dismissed id)."""

    DEFAULT_CSS = """
    ExpectationBreaches { align: center middle; }
    ExpectationBreaches #breaches {
        width: 96%; height: 90%;
        border: round $primary; background: $surface; padding: 0 1; border-title-style: bold;
    }
    ExpectationBreaches #breaches-summary { height: auto; margin: 0 0 1 0; }
    ExpectationBreaches #breaches-table { height: 1fr; }
    ExpectationBreaches .empty { color: $text-muted; padding: 1 2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "close", tooltip="Back to the expectations"),
        Binding("enter", "detail", "requisition", tooltip="Open the requisition's detail: scorecard and timeline"),
        Binding("g", "go_to_queue", "show in queue", tooltip="Close and select the requisition in the queue"),
    ]

    def __init__(
        self,
        measurement: Measurement,
        show_detail: Callable[[int], None],
        load: Callable[[], Measurement] | None = None,
    ) -> None:
        """`load` (called in a worker) measures again with the breaches listed, when `measurement` has its
        count but not its list (the screen's figures leave the list out: it reads every case)."""
        super().__init__()
        self.measurement = measurement
        self.show_detail = show_detail
        self._load = load if measurement.breach_count and not measurement.breaches else None

    def compose(self) -> ComposeResult:
        m = self.measurement
        with Vertical(id="breaches") as box:
            box.border_title = f"Breaches · {m.expectation.title}"
            box.border_subtitle = "enter requisition · g show in queue · esc close"
            yield Static(self._summary(), id="breaches-summary")
            table: DataTable[Any] = DataTable(id="breaches-table", cursor_type="row", zebra_stripes=True)
            table.display = bool(m.breaches) and self._load is None
            yield table
            worst = min(m.breach_count, BREACH_LIMIT)
            reading = f"Reading the {plural(worst, 'worst breach', 'worst breaches')}…"
            yield Static(
                reading if self._load is not None else "No breaches in this window.",
                id="breaches-note",
                classes="empty",
            )

    def _summary(self) -> Text:
        m = self.measurement
        shown = len(m.breaches)
        breaches = plural(m.breach_count, "breach", "breaches")
        count = (
            breaches if shown == m.breach_count or self._load is not None else f"{breaches}, the {shown} worst shown"
        )
        return Text.assemble(
            (m.summary, "bold"), f" · target {m.target:g}% · ", count, f" · since {m.window_start:%d %b %Y}"
        )

    def on_mount(self) -> None:
        if self._load is not None:
            self._read_breaches(self._load)
        elif self.measurement.breaches:
            self._fill()

    @work(thread=True, exclusive=True, group="breaches")
    def _read_breaches(self, load: Callable[[], Measurement]) -> None:
        try:
            measurement = load()
        except StoreError as exc:
            self.app.call_from_thread(self._not_read, str(exc))
            return
        self.app.call_from_thread(self._read, measurement)

    def _read(self, measurement: Measurement) -> None:
        self.measurement, self._load = measurement, None
        self.query_one("#breaches-summary", Static).update(self._summary())
        note = self.query_one("#breaches-note", Static)
        note.update("No breaches in this window.")
        if measurement.breaches:
            self._fill()
        self.refresh_bindings()

    def _not_read(self, problem: str) -> None:
        self.query_one("#breaches-note", Static).update(f"The breaches could not be read: {problem}")

    def _fill(self) -> None:
        self.query_one("#breaches-note", Static).display = False
        table: DataTable[Any] = self.query_one("#breaches-table", DataTable)
        table.display = True
        by_hand = self.measurement.expectation.metric is None
        table.add_column("Requisition", key="code")
        table.add_column("Check-in" if by_hand else "Title", key="title")
        table.add_column("What happened", key="what")
        table.add_column("By", key="by")
        for i, breach in enumerate(self.measurement.breaches):
            table.add_row(
                Text(breach.code or "—", style="bold"),
                _clip(breach.title, 38),
                breach.what,
                breach.by,
                key=str(i),
            )
        table.focus()

    @property
    def selected_requisition_id(self) -> int | None:
        if not self.measurement.breaches or self._load is not None:
            return None
        row = self.query_one("#breaches-table", DataTable).cursor_row
        if row is None or row >= len(self.measurement.breaches):
            return None
        return self.measurement.breaches[row].requisition_id

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("detail", "go_to_queue"):
            return True if self.is_mounted and self.selected_requisition_id is not None else None
        return True

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_detail()

    def action_detail(self) -> None:
        requisition_id = self.selected_requisition_id
        if requisition_id is not None:
            self.show_detail(requisition_id)

    def action_go_to_queue(self) -> None:
        requisition_id = self.selected_requisition_id
        if requisition_id is not None:
            self.dismiss(requisition_id)

    def action_close(self) -> None:
        self.dismiss(None)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


__all__ = ["ExpectationBreaches"]
