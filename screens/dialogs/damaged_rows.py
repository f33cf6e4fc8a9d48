"""The damaged rows, one line each (the notice's key, ctrl+d): which row, which field and what is wrong.

A damaged row is a stored row its model refuses (db.damage): another tool or a bug wrote it. The
console leaves it out of every screen and leaves it as it is; this list says, for each one the console
has met, what `mediate doctor` says of it — the row's code (or its table and row id), the field and
the problem — and never any other data of the record (its title or name is what may be wrong, and
what must not reach the terminal).
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from mediation_console.db.damage import RECORD_MODELS, DamagedRow, DamageRegister
from mediation_console.db.text import inert_line
from mediation_console.db.words import plural

# What each table's row is, in the list's "record" column.
RECORD_NAMES = {
    "people": "person",
    "requisitions": "requisition",
    "pipeline_events": "pipeline event",
    "disputes": "dispute",
    "expectations": "expectation",
    "commitments": "commitment",
    "standups": "standup",
    "standup_items": "standup item",
}
_TABLE_ORDER = {table: index for index, (table, _model) in enumerate(RECORD_MODELS)}
CHECK_EVERY = 0.5  # seconds: rows a scan or a read meets while the list is open join it


def ordered(rows: list[DamagedRow]) -> list[DamagedRow]:
    return sorted(rows, key=lambda row: (_TABLE_ORDER.get(row.table, len(_TABLE_ORDER)), row.row_id or 0, row.table))


def lines(rows: list[DamagedRow]) -> list[tuple[str, str, str, str]]:
    """(row, record, field, problem) for each problem of each damaged row, in the list's order."""
    found = []
    for row in ordered(rows):
        for field, problem in row.each:
            found.append((row.label, RECORD_NAMES.get(row.table, row.table), field, problem))
    return found


def rows_table(rows: list[DamagedRow]) -> Table:
    """A row's code and record, then each field with its problem (wrapped under it at 80 columns)."""
    table = Table(box=None, padding=(0, 1, 0, 0), expand=True, header_style="bold", show_edge=False)
    table.add_column("Row", no_wrap=True)
    table.add_column("Record", no_wrap=True, style="dim")
    table.add_column("Field: problem", ratio=1)
    for label, record, field, problem in lines(rows):
        # Plain text, never markup: nothing here is the record's data, but a field or a problem is
        # still shown as the characters it is.
        table.add_row(
            Text(inert_line(label), style="bold"),
            Text(record),
            Text.assemble((inert_line(field), "bold"), ": ", problem),
        )
    return table


class DamagedRows(ModalScreen[None]):
    """Every damaged row the console has met (the scan at start and after outside writes, and the
    reads), one line per problem; it follows the register while open (a row mended meanwhile goes)."""

    DEFAULT_CSS = """
    DamagedRows .dialog.damaged { width: 110; height: auto; max-height: 90%; }
    DamagedRows #damaged-summary { height: auto; margin: 0 0 1 0; }
    DamagedRows #damaged-scroll { height: auto; max-height: 100%; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,ctrl+d", "close", "Close", tooltip="Back to the screen"),
    ]

    def __init__(self, register: DamageRegister) -> None:
        super().__init__()
        self.register = register
        self._version = -1

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog damaged") as box:
            box.border_title = "Damaged rows"
            box.border_subtitle = "↑↓ scroll · esc close"
            yield Static(id="damaged-summary", markup=False)
            with VerticalScroll(id="damaged-scroll"):
                yield Static(id="damaged-list", markup=False)

    def on_mount(self) -> None:
        self.check()
        self.set_interval(CHECK_EVERY, self.check)
        self.query_one("#damaged-scroll").focus()

    def check(self) -> None:
        if self.register.version == self._version:
            return
        self._version = self.register.version
        rows = self.register.rows()
        self.query_one("#damaged-summary", Static).update(summary_text(rows))
        self.query_one("#damaged-list", Static).update(rows_table(rows) if rows else "")

    def action_close(self) -> None:
        self.dismiss(None)


def summary_text(rows: list[DamagedRow]) -> Text:
    if not rows:
        return Text("No damaged rows now: the rows listed before were mended (or read cleanly) meanwhile.")
    return Text.assemble(
        (plural(len(rows), "damaged row"), "bold"),
        ", left out of the screens and left as stored: another tool or a bug wrote values their model "
        "refuses. Each with its code, field and problem only, as `mediate doctor` lists them.",
    )
