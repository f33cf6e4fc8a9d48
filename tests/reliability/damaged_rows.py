"""Damaged rows for finding 6 of issue 21: values another tool (or a bug) wrote with sqlite3 directly,
each one its model refuses: a bogus status, a bad date, bad JSON, a 5,000-character title."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from textual.app import App
from textual.widgets import Static

from mediation_console.db import demo
from mediation_console.db.damage import RECORD_MODELS
from mediation_console.db.models import STORED
from mediation_console.db.store import Store

NOW = dt.datetime(2026, 11, 23, 9, 0)
# Record data that must never reach the terminal nor an export's messages.
SECRET = "Confidential-Acquisition-Target"
LONG = SECRET + "x" * (5000 - len(SECRET))


@dataclass(frozen=True)
class Damage:
    name: str
    table: str
    row: str  # SQL picking the damaged row's id
    column: str
    value: str
    field: str  # the field the notice names
    screen: str  # the mode that shows this table

    def apply(self, path: Path) -> int:
        with sqlite3.connect(path) as conn:
            row_id = conn.execute(self.row).fetchone()[0]
            conn.execute(f"UPDATE {self.table} SET {self.column} = ? WHERE id = ?", (self.value, row_id))
        conn.close()
        return int(row_id)


OPEN_REQUISITION = (
    "SELECT id FROM requisitions WHERE status IN ('intake', 'qualified', 'sourcing', 'submitted', "
    "'interviewing', 'offer') ORDER BY id LIMIT 1"
)
OPEN_DISPUTE = "SELECT id FROM disputes WHERE status IN ('open', 'mediating') ORDER BY id LIMIT 1"
LATEST_STANDUP = "SELECT id FROM standups ORDER BY started_at DESC, id DESC LIMIT 1"
OPEN_COMMITMENT = "SELECT id FROM commitments WHERE status = 'open' ORDER BY due, id LIMIT 1"

DAMAGES = [
    Damage("requisition status", "requisitions", OPEN_REQUISITION, "status", "bogus", "status", "queue"),
    Damage("requisition opened_at", "requisitions", OPEN_REQUISITION, "opened_at", "not a date", "opened_at", "queue"),
    Damage(
        "requisition promised_date",
        "requisitions",
        OPEN_REQUISITION,
        "promised_date",
        "2026-13-45",
        "promised_date",
        "queue",
    ),
    Damage("requisition title", "requisitions", OPEN_REQUISITION, "title", LONG, "title", "queue"),
    Damage("dispute status", "disputes", OPEN_DISPUTE, "status", "bogus", "status", "disputes"),
    Damage("dispute parties", "disputes", OPEN_DISPUTE, "parties", "{not json", "parties", "disputes"),
    Damage("dispute opened_at", "disputes", OPEN_DISPUTE, "opened_at", "yesterday", "opened_at", "disputes"),
    Damage("dispute summary", "disputes", OPEN_DISPUTE, "summary", LONG, "summary", "disputes"),
    Damage(
        "expectation status",
        "expectations",
        "SELECT MIN(id) FROM expectations",
        "status",
        "bogus",
        "status",
        "expectations",
    ),
    Damage(
        "expectation created_at",
        "expectations",
        "SELECT MIN(id) FROM expectations",
        "created_at",
        "x",
        "created_at",
        "expectations",
    ),
    Damage(
        "expectation title", "expectations", "SELECT MIN(id) FROM expectations", "title", LONG, "title", "expectations"
    ),
    Damage("commitment due", "commitments", OPEN_COMMITMENT, "due", "soon", "due", "track_record"),
    Damage("commitment status", "commitments", OPEN_COMMITMENT, "status", "bogus", "status", "track_record"),
    Damage("commitment text", "commitments", OPEN_COMMITMENT, "text", LONG, "text", "track_record"),
    Damage("standup attendees", "standups", LATEST_STANDUP, "attendees", "[1,", "attendees", "standup"),
    Damage("standup started_at", "standups", LATEST_STANDUP, "started_at", "x", "started_at", "standup"),
    Damage(
        "standup item title",
        "standup_items",
        f"SELECT MIN(id) FROM standup_items WHERE standup_id = ({LATEST_STANDUP})",
        "title",
        LONG,
        "title",
        "standup",
    ),
    Damage("person name", "people", "SELECT MIN(id) FROM people WHERE team = 'sales'", "name", LONG, "name", "team"),
    Damage(
        "pipeline event kind",
        "pipeline_events",
        "SELECT MIN(id) FROM pipeline_events",
        "kind",
        "bogus",
        "kind",
        "queue",
    ),
]
BY_NAME = {damage.name: damage for damage in DAMAGES}


def demo_template(folder: Path) -> Path:
    """The demo team's database (60 requisitions, disputes, expectations, commitments, standups)."""
    path = folder / "demo-template.db"
    if not path.exists():
        store = Store(path, now=lambda: NOW)
        try:
            demo.generate_demo(store, requisitions=60, seed=7)
        finally:
            store.close()
    return path


def damage_notice(app: App[object]) -> str:
    """The line under the header that names the damaged rows, or "" while it is not shown."""
    notice = app.screen.query_one("#damage-notice", Static)
    return str(notice.render()) if notice.has_class("-shown") else ""


def damaged_copy(template: Path, folder: Path, *damages: Damage) -> tuple[Path, list[int]]:
    path = folder / "team.db"
    shutil.copy(template, path)
    return path, [damage.apply(path) for damage in damages]


def model_refuses(path: Path, damage: Damage, row_id: int) -> bool:
    """The finding's premise: the stored row is one its model refuses (read unguarded, it raised)."""
    model = dict(RECORD_MODELS)[damage.table]
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        data = dict(conn.execute(f"SELECT * FROM {damage.table} WHERE id = ?", (row_id,)).fetchone())
    finally:
        conn.close()
    if damage.table == "standups":
        try:
            data["attendees"] = json.loads(data["attendees"])
        except ValueError:
            return True
    try:
        model.model_validate(data, context=STORED)
    except ValidationError:
        return True
    return False
