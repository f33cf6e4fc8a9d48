"""Findings 3, 4 and 11 (JSON) of issue 21: stored or imported text reaches a real terminal inert.

Each test runs `mediate` on a pseudo-terminal and reads the raw bytes it received. Textual draws with
escape sequences of its own; what must never arrive is a sequence, a NUL, a CR or a bidi control that
came from the data: the clipboard write (OSC 52), the screen wipe, the window title, the line
overwrite. The same text must be there, visibly (␛, ␍, ⟮U+202E⟯), so nothing is hidden either.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from pathlib import Path

import pytest

from mediation_console.console.core.database import open_store
from mediation_console.db.models import DisputeCategory, Person, Requisition, Team
from tests.helpers import raise_dispute
from tests.reliability.helpers import mediate
from tests.reliability.pty_run import PtySession

CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4K\x07"  # puts `rm -rf ~` in the clipboard
WIPE = "\x1b[2Jwiped"
RETITLE = "\x1b]0;pwned\x07"
ALTSCREEN = "\x1b[?1049h\x1b[?25lhidden"
OVERWRITE = "Senior role\rFAKE"
BIDI = "invoice\u202efdp.exe"
C1 = "\x9b31mred"
NUL = "nul\x00\x00\x00bytes"

# What the terminal must never receive: each payload's live form (bytes as sent).
LIVE = {
    "clipboard (OSC 52)": b"\x1b]52;",
    "screen wipe": WIPE.encode(),
    "window title": RETITLE[:-1].encode(),
    "alternate screen from data": b"\x1b[?25lhidden",
    "CR overwrite": b"\rFAKE",
    "bidi override": "\u202e".encode(),
    "8-bit CSI": "\x9b".encode(),
    "NUL": b"\x00",
}


def assert_inert(output: bytes, *, visible: tuple[str, ...] = ()) -> None:
    for what, live in LIVE.items():
        assert live not in output, f"{what} reached the terminal"
    text = output.decode("utf-8", "replace")
    for mark in visible:
        assert mark in text, f"{mark!r} is not shown"


@pytest.fixture
def hostile_db(tmp_path) -> Path:
    return make_hostile_db(tmp_path)


def make_hostile_db(tmp_path: Path) -> Path:
    """A file whose text was written by something other than this console (an older version, a
    script, another tool): every field the queue and the disputes screen show carries a payload."""
    path = tmp_path / "hostile.db"
    store = open_store(path)
    try:
        sam = store.add_person(Person(name="Sam Seller", team=Team.SALES))
        rita = store.add_person(Person(name="Rita Recruiter", team=Team.RECRUITING))
        req = store.add_requisition(Requisition(title="Role", client="Client", sales_owner_id=sam.id))
        store.add_requisition(Requisition(title="Second", client="Other", sales_owner_id=sam.id))
        raise_dispute(store, sam, rita, DisputeCategory.OVERPROMISED_TIMELINE, "Dates", about=req)
    finally:
        store.close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE people SET name = ? WHERE name = 'Sam Seller'", (f"Sam {RETITLE}{BIDI}",))
        conn.execute(
            "UPDATE requisitions SET title = ?, client = ?, notes = ? WHERE title = 'Role'",
            (f"Role {CLIPBOARD}{WIPE}", f"{OVERWRITE} {C1}", f"{NUL} {ALTSCREEN}"),
        )
        conn.execute("UPDATE disputes SET summary = ?", (f"Dates {CLIPBOARD} {OVERWRITE} {BIDI}",))
    conn.close()
    return path


def test_the_console_shows_stored_escape_sequences_and_controls_without_sending_them(hostile_db):
    with PtySession(["--db", str(hostile_db)], columns=120, rows=40) as console:
        assert console.wait_for(b"Second"), console.output.decode("utf-8", "replace")[-2000:]
        console.read_for(1.0)
        console.send("\r", settle=1.5)  # the requisition's detail: title, client, notes
        console.send("\x1b", settle=1.0)
        console.send("2", settle=2.5)  # the disputes screen: summary and names
        console.send("q", settle=0.5)
        code = console.finish()
    assert code == 0
    assert_inert(bytes(console.output), visible=("␛]52;", "⟮U+202E⟯", "␛[2Jwiped", "⟮U+009B⟯"))
    # The CR no longer sends the cursor back: what follows it stays on the line, after the text.
    assert re.search("Senior role␍?FAKE", console.output.decode("utf-8", "replace"))


def _crafted_csv(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["Job Title", "Company", "Owner", f"Notes {CLIPBOARD}", f"Color {WIPE}"])
        writer.writerow([f"Analyst {RETITLE}", "Initech", f"Sam {BIDI}", "x", "y"])
        writer.writerow([f"Controller {OVERWRITE}", f"Initech {C1}", f"Rita {ALTSCREEN}", "x", "y"])
    return path


def test_an_import_report_prints_crafted_names_headers_and_cells_inert(tmp_path):
    crafted = _crafted_csv(tmp_path / "crafted.csv")
    db = tmp_path / "team.db"
    with PtySession(
        ["import", "requisitions", "--create-people", str(crafted), "--db", str(db)], columns=120, rows=40
    ) as cli:
        cli.finish(timeout=60)
    assert_inert(bytes(cli.output), visible=("␛]52;", "␛[2Jwiped"))


def test_a_rejected_import_names_its_crafted_cells_inert(tmp_path):
    crafted = tmp_path / "bad.csv"
    with crafted.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["Job Title", "Company", "Owner", "Status", "Date Added"])
        writer.writerow(["Analyst", "Initech", "Sam", f"Open {CLIPBOARD}{WIPE}", f"2025-13-45 {OVERWRITE}"])
    with PtySession(["import", "requisitions", "--create-people", str(crafted), "--db", str(tmp_path / "t.db")]) as cli:
        code = cli.finish(timeout=60)
    assert code == 1
    # The row is refused for its control characters, named, and nothing of the payload is sent.
    assert_inert(bytes(cli.output), visible=("U+001B (ESC)",))


def test_json_export_to_a_terminal_keeps_every_character_but_sends_no_control(hostile_db):
    with PtySession(["export", "requisitions", "--format", "json", "--db", str(hostile_db)]) as cli:
        code = cli.finish(timeout=60)
    assert code == 0
    assert_inert(bytes(cli.output))
    # Lossless where it is data: parsed back, the JSON holds exactly what is stored.
    result = mediate("export", "requisitions", "--format", "json", "--db", str(hostile_db))
    titles = {record["title"] for record in json.loads(result.stdout)}
    assert f"Role {CLIPBOARD}{WIPE}" in titles
    assert "\u202e" not in result.stdout and "\x9b" not in result.stdout and "\x1b" not in result.stdout


# Finding 4 on every screen: the stored text of every free-text field of every record (whatever the
# screen: the queue, a requisition's detail, disputes, expectations, track record, standup, team).
# First in each field, so that even a column cut short on screen shows (and sends) its start; the NUL
# last (SQLite compares text up to a NUL: names unique by NOCASE would all compare equal).
PAYLOAD = f"\u202e{WIPE}{C1} \rFAKE{CLIPBOARD}{RETITLE} "


def _every_text_field_hostile(path: Path) -> None:
    """Puts PAYLOAD before every text field the models limit in length (the free text), kept within it."""
    from mediation_console.db.damage import RECORD_MODELS

    conn = sqlite3.connect(path)
    with conn:
        for table, model in RECORD_MODELS:
            columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            for name, info in model.model_fields.items():
                limit = next((rule.max_length for rule in info.metadata if hasattr(rule, "max_length")), None)
                if name in columns and limit is not None and limit > len(PAYLOAD) + 8:
                    keep = limit - len(PAYLOAD) - 1
                    conn.execute(
                        f"UPDATE {table} SET {name} = ? || substr({name}, 1, ?) || char(0) WHERE {name} IS NOT NULL",
                        (PAYLOAD, keep),
                    )
    conn.close()


def test_every_screen_shows_stored_controls_inert(tmp_path):
    from tests.reliability.damaged_rows import demo_template

    path = tmp_path / "team.db"
    path.write_bytes(demo_template(tmp_path).read_bytes())
    _every_text_field_hostile(path)
    shown: dict[str, bool] = {}
    with PtySession(["--db", str(path)], columns=160, rows=45) as console:
        assert console.wait_for("⟮U+202E⟯".encode()), console.output.decode("utf-8", "replace")[-2000:]
        console.read_for(1.0)
        for key, screen in (
            ("\r", "requisition detail"),
            ("\x1b", "queue"),
            ("2", "disputes"),
            ("3", "expectations"),
            ("4", "track record"),
            ("5", "standup idle"),
            ("s", "standup plan"),
            ("\r", "standup running"),
            ("6", "team"),
        ):
            # Until its stored text is drawn (the idle standup screen has none), then until the screen is still.
            shown[screen] = console.send_until(key, None if screen == "standup idle" else "⟮U+202E⟯".encode())
        console.send("q", settle=0.5)
        code = console.finish()
    assert code == 0
    assert_inert(bytes(console.output), visible=("␛]52;", "␛[2Jwiped", "⟮U+009B⟯"))
    # Each screen drew stored text, shown visibly (so each was checked); the idle standup screen shows
    # only counts and the keys to start one.
    shown.pop("standup idle")
    assert all(shown.values()), shown
