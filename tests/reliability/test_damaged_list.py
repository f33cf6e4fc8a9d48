"""Finding 6 of issue 21, the console's list of damaged rows: the notice under every screen's header
names a key (ctrl+d, also in the footer while there are damaged rows) that lists each damaged row with
its code, the field and the problem: the same facts `mediate doctor` prints, and no other data of the
record. The rows stay as they are stored.
"""

from __future__ import annotations

import re
import sqlite3

from textual.widgets import Static

from mediation_console.console import app as app_module
from mediation_console.db.store import Store
from mediation_console.screens.dialogs.damaged_rows import DamagedRows, lines
from mediation_console.screens.textual_compat import FooterKey
from tests.reliability.damaged_rows import BY_NAME, DAMAGES, NOW, SECRET, damage_notice, damaged_copy
from tests.reliability.pty_run import PtySession

SIZE = (140, 40)


def _footer_labels(app) -> list[str]:
    return [key.description for key in app.screen.query(FooterKey)]


def _stored(path, damages, ids) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return [
            tuple(conn.execute(f"SELECT * FROM {damage.table} WHERE id = ?", (row_id,)).fetchone())
            for damage, row_id in zip(damages, ids, strict=True)
        ]
    finally:
        conn.close()


def _doctor_lines(path) -> set[tuple[str, int | None, str]]:
    """What `mediate doctor` says of each record its model refuses: (table, row, "(code) field: problem")."""
    with Store(path, now=lambda: NOW) as store:
        report = store.doctor()
    return {(p.table, p.row, p.what) for p in report.problems if p.check == "records" and p.table != "events"}


def _listed(app) -> set[tuple[str, int | None, str]]:
    """What the console's list holds, worded as doctor words it."""
    found = set()
    for row in app.store.damage.rows():
        for field, problem in row.each:
            found.add(
                (row.table, row.row_id, f"({row.code}) {field}: {problem}" if row.code else f"{field}: {problem}")
            )
    return found


async def _wait(pilot, check, tries: int = 60) -> bool:
    for _ in range(tries):
        await pilot.pause(0.1)
        if check():
            return True
    return False


async def test_the_notices_key_lists_each_damaged_row_with_what_doctor_says_and_leaves_the_rows_as_stored(
    template, tmp_path
):
    path, ids = damaged_copy(template, tmp_path, *DAMAGES)
    before = _stored(path, DAMAGES, ids)
    doctor_says = _doctor_lines(path)
    damaged = {(damage.table, row_id) for damage, row_id in zip(DAMAGES, ids, strict=True)}
    assert {(table, row) for table, row, _what in doctor_says} == damaged  # doctor names each damaged row
    store = Store(path, now=lambda: NOW)
    app = app_module.MediationApp(store, now=lambda: NOW)
    try:
        async with app.run_test(size=SIZE) as pilot:
            # The scan at start finds every damaged row, and the notice and the footer name the key.
            assert await _wait(pilot, lambda: _listed(app) == doctor_says), _listed(app) ^ doctor_says
            await pilot.pause(0.6)
            text = damage_notice(app)
            assert re.search(r"\b\d+ damaged rows left out \(", text) and "ctrl+d lists each" in text, text
            assert "mediate doctor" in text
            assert "Damaged" in _footer_labels(app), _footer_labels(app)
            await pilot.press("ctrl+d")
            assert await _wait(pilot, lambda: isinstance(app.screen, DamagedRows))
            await pilot.pause(0.2)
            # One line per problem of each row: the row's code (or table and row id), its record, field, problem.
            shown = lines(app.store.damage.rows())
            assert len(shown) == len(doctor_says)
            assert {label for label, *_rest in shown} == {row.label for row in app.store.damage.rows()}
            summary = str(app.screen.query_one("#damaged-summary", Static).render())
            assert summary.startswith(f"{len(app.store.damage)} damaged rows,"), summary
            # No record data beyond the code: none of the refused values, nor the rows' other fields.
            for _label, _record, field, problem in shown:
                assert SECRET not in problem and "bogus" not in problem and "not a date" not in problem
                assert field in {d.field for d in DAMAGES} or field.split(".")[0] in {d.field for d in DAMAGES}
            await pilot.press("escape")
            assert await _wait(pilot, lambda: not isinstance(app.screen, DamagedRows))
    finally:
        store.close()
    assert app.crash is None, app.crash
    assert _stored(path, DAMAGES, ids) == before  # left as stored: listing them changed nothing


async def test_without_damaged_rows_the_key_is_not_offered_and_does_nothing(template, tmp_path):
    path, _ids = damaged_copy(template, tmp_path)
    store = Store(path, now=lambda: NOW)
    app = app_module.MediationApp(store, now=lambda: NOW)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(1.0)
            assert damage_notice(app) == ""
            assert "Damaged" not in _footer_labels(app)
            await pilot.press("ctrl+d")
            await pilot.pause(0.3)
            assert not isinstance(app.screen, DamagedRows)
    finally:
        store.close()


async def test_the_list_follows_the_file_a_row_mended_meanwhile_leaves_it(template, tmp_path):
    status, summary = BY_NAME["requisition status"], BY_NAME["dispute summary"]
    path, (req_id, dispute_id) = damaged_copy(template, tmp_path, status, summary)
    store = Store(path, now=lambda: NOW)
    app = app_module.MediationApp(store, now=lambda: NOW)
    try:
        async with app.run_test(size=SIZE) as pilot:
            assert await _wait(pilot, lambda: len(store.damage) == 2)
            await pilot.press("ctrl+d")
            assert await _wait(pilot, lambda: isinstance(app.screen, DamagedRows))
            # Another tool mends the requisition while the list is open.
            with sqlite3.connect(path) as conn:
                conn.execute("UPDATE requisitions SET status = 'sourcing' WHERE id = ?", (req_id,))
            conn.close()
            assert await _wait(pilot, lambda: len(store.damage) == 1, tries=100)
            await pilot.pause(0.6)
            listed = str(app.screen.query_one("#damaged-summary", Static).render())
            assert listed.startswith("1 damaged row,"), listed
            assert [label for label, *_rest in lines(store.damage.rows())] == [
                store.damage.get("disputes", dispute_id).label
            ]
    finally:
        store.close()


def test_on_a_terminal_the_list_shows_codes_and_fields_and_no_record_data(template, tmp_path):
    damages = [BY_NAME[n] for n in ("requisition title", "dispute parties", "person name", "standup started_at")]
    path, ids = damaged_copy(template, tmp_path, *damages)
    with Store(path, now=lambda: NOW) as store:
        store.scan_for_damage()
        labels = [store.damage.get(d.table, i).label for d, i in zip(damages, ids, strict=True)]
    with PtySession(["--db", str(path)], columns=140, rows=40, MEDIATE_LOG_DIR=str(tmp_path / "logs")) as session:
        assert session.wait_for(b"ctrl+d lists each", timeout=30), bytes(session.output[-2000:])
        start = len(session.output)
        session.send("\x04", settle=1.5)
        listed = bytes(session.output[start:])
        session.send("\x1b", settle=0.5)
        session.send("q", settle=0.5)
        code = session.finish()
    raw = bytes(session.output)
    assert code == 0, raw[-2000:]
    assert b"Damaged rows" in listed, listed[-2000:]
    for label in labels:
        assert label.encode() in listed, (label, listed[-3000:])
    for field in (b"title", b"parties", b"name", b"started_at"):
        assert field in listed
    assert SECRET.encode() not in raw and b"{not json" not in raw and b"Traceback" not in raw
