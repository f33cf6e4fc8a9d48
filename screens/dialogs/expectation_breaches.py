"""The breaches of one expectation, worst first; each links to its requisition (detail, or the queue)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from mediation_console.console.core.metrics import Measurement
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

    def __init__(self, measurement: Measurement, show_detail: Callable[[int], None]) -> None:
        super().__init__()
        self.measurement = measurement
        self.show_detail = show_detail

    def compose(self) -> ComposeResult:
        m = self.measurement
        with Vertical(id="breaches") as box:
            box.border_title = f"Breaches · {m.expectation.title}"
            box.border_subtitle = "enter requisition · g show in queue · esc close"
            shown = len(m.breaches)
            breaches = plural(m.breach_count, "breach", "breaches")
            count = breaches if shown == m.breach_count else f"{breaches}, the {shown} worst shown"
            yield Static(
                Text.assemble(
                    (m.summary, "bold"), f" · target {m.target:g}% · ", count, f" · since {m.window_start:%d %b %Y}"
                ),
                id="breaches-summary",
            )
            if m.breaches:
                yield DataTable(id="breaches-table", cursor_type="row", zebra_stripes=True)
            else:
                yield Static("No breaches in this window.", classes="empty")

    def on_mount(self) -> None:
        if not self.measurement.breaches:
            return
        table: DataTable[Any] = self.query_one("#breaches-table", DataTable)
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
        if not self.measurement.breaches:
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
