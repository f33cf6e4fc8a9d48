"""The floor for the black-box figures: the least a Textual app can do to show and filter the same rows.

Usage: python -m bench.bare_app DB

A filter box over a DataTable of the first 100 requisitions (code, title, client, sales owner,
recruiter, status, grade), read from the bench's database with plain sqlite3; typing re-reads the
first 100 matches from the same full-text index the console's filter reads (prefix match, rowid
order) and replaces the table's rows. `2` shows a second screen (people), `1` comes back, `enter`
opens a modal with the highlighted row's fields, `escape` closes it, `q` quits. It imports nothing
from the console: what it costs is Python, Textual and SQLite, which the console cannot go below.
"""

from __future__ import annotations

import sqlite3
import sys
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, Static

PAGE = 100
COLUMNS = ("Code", "Title", "Client", "Sales", "Recruiter", "Status", "Grade")
SELECT = (
    "SELECT r.code, r.title, r.client, s.name, COALESCE(rc.name, ''), r.status, COALESCE(r.grade, '') "
    "FROM requisitions r JOIN people s ON s.id = r.sales_owner_id LEFT JOIN people rc ON rc.id = r.recruiter_id "
)


def fts_query(text: str) -> str:
    """Each typed word as a quoted prefix term, as a filter-as-you-type box means it."""
    return " ".join('"' + word.replace('"', '""') + '"*' for word in text.split())


class Detail(ModalScreen[None]):
    BINDINGS: ClassVar = [Binding("escape", "dismiss", "close")]

    def __init__(self, fields: dict[str, Any]) -> None:
        super().__init__()
        self.fields = fields

    def compose(self) -> ComposeResult:
        width = max(len(key) for key in self.fields)
        yield Static("\n".join(f"{key:>{width}}  {value}" for key, value in self.fields.items()), id="detail")


class Rows(Screen[None]):
    BINDINGS: ClassVar = [Binding("slash", "filter", "filter"), Binding("enter", "detail", "detail")]
    CSS = "#detail { border: round $primary; }"

    def compose(self) -> ComposeResult:
        yield Input(placeholder="/ filter", id="filter", compact=True)
        yield DataTable(id="rows", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        self.show("")
        table.focus()

    def show(self, text: str) -> None:
        conn: sqlite3.Connection = self.app.conn  # type: ignore[attr-defined]
        if text.strip():
            rows = conn.execute(
                SELECT + "WHERE r.id IN (SELECT rowid FROM requisitions_fts WHERE requisitions_fts MATCH ? "
                "ORDER BY rowid LIMIT ?) ORDER BY r.id",
                (fts_query(text), PAGE),
            ).fetchall()
        else:
            rows = conn.execute(SELECT + "ORDER BY r.id LIMIT ?", (PAGE,)).fetchall()
        table = self.query_one(DataTable)
        table.clear()
        table.add_rows(rows)

    def on_input_changed(self, event: Input.Changed) -> None:
        try:
            self.show(event.value)
        except sqlite3.OperationalError:  # a half-typed query the index cannot read
            self.show("")

    def on_input_submitted(self) -> None:
        self.query_one(DataTable).focus()

    def action_filter(self) -> None:
        self.query_one(Input).focus()

    def action_detail(self) -> None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return
        code = table.get_row_at(table.cursor_row)[0]
        conn: sqlite3.Connection = self.app.conn  # type: ignore[attr-defined]
        cursor = conn.execute("SELECT * FROM requisitions WHERE code = ?", (code,))
        names = [d[0] for d in cursor.description]
        self.app.push_screen(Detail(dict(zip(names, cursor.fetchone(), strict=True))))

    def on_data_table_row_selected(self) -> None:
        self.action_detail()


class People(Screen[None]):
    def compose(self) -> ComposeResult:
        yield DataTable(id="people", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Name", "Team")
        conn: sqlite3.Connection = self.app.conn  # type: ignore[attr-defined]
        table.add_rows(conn.execute("SELECT name, team FROM people ORDER BY name LIMIT ?", (PAGE,)).fetchall())


class BareApp(App[None]):
    TITLE = "bare"
    MODES: ClassVar = {"rows": Rows, "people": People}
    BINDINGS: ClassVar = [
        Binding("1", "switch_mode('rows')"),
        Binding("2", "switch_mode('people')"),
        Binding("q", "quit"),
    ]

    def __init__(self, path: str) -> None:
        super().__init__()
        self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def on_mount(self) -> None:
        self.switch_mode("rows")


if __name__ == "__main__":
    BareApp(sys.argv[1]).run()
