"""Finding 6 of issue 21, in the console: one damaged row (a bogus status, a bad date, bad JSON, a
5,000-character title, written with sqlite3 directly) crashed it with a traceback printing record
data, and a bad date crashed it at start.

Each damage is first shown to be one its model refuses (the read that crashed), then the console
starts at it, shows on every screen how many rows are damaged and which (pointing to `mediate
doctor`), and the rest works: the queue's filter and detail, the other screens. A pty run reads the
raw bytes the terminal receives: no traceback, no record data, exit 0.
"""

from __future__ import annotations

import re
import sqlite3

import pytest
from textual.widgets import Input, Static

from mediation_console.console import app as app_module
from mediation_console.db.store import Store
from tests.pilot import settle
from tests.reliability.damaged_rows import (
    BY_NAME,
    DAMAGES,
    NOW,
    SECRET,
    damage_notice,
    damaged_copy,
    model_refuses,
)
from tests.reliability.pty_run import PtySession

SIZE = (140, 40)


async def _settle(pilot, app, needle: str = "") -> None:
    """Waits for the console's messages and workers, then (at most 3 s more) for `needle` in the notice."""
    await settle(pilot)
    for _ in range(60):
        if not needle or needle in damage_notice(app):
            return
        await pilot.pause(0.05)


async def _until_screen(pilot, name: str) -> None:
    """Settles, then waits (at most 10 s) for the screen on top to be the one named `name`."""
    await settle(pilot)
    for _ in range(200):
        if pilot.app.screen.__class__.__name__ == name:
            return
        await pilot.pause(0.05)


@pytest.mark.parametrize("damage", DAMAGES, ids=lambda d: d.name)
async def test_the_console_starts_at_a_damaged_row_and_every_screen_works_and_names_it(template, tmp_path, damage):
    path, (row_id,) = damaged_copy(template, tmp_path, damage)
    assert model_refuses(path, damage, row_id)  # the finding: read through its model, it raised
    store = Store(path, now=lambda: NOW)
    app = app_module.MediationApp(store, now=lambda: NOW)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await _settle(pilot, app, "mediate doctor")
            for mode in app_module.MODES:
                app.switch_mode(mode.name)
                await _settle(pilot, app, "mediate doctor")
                text = damage_notice(app)
                # On every screen, not only the one that reads this kind of row: the scan at start found it.
                assert re.search(r"\b1 damaged row left out \(", text), (mode.name, text)
                assert "mediate doctor" in text and SECRET not in text and "bogus" not in text, text
                found = store.damage.get(damage.table, row_id)
                assert found is not None and found.label in text and found.field == damage.field, (text, found)
                notice = app.screen.query_one("#damage-notice")  # under the header, never over it
                assert notice.region.y >= app.screen.query_one("Header").region.bottom, mode.name
            # The rest of the queue works: its rows, a filter, a detail.
            app.switch_mode("queue")
            await pilot.pause()
            count = str(app.screen.query_one("#queue-count", Static).render())
            assert re.match(r"\d\d of 60 ", count), count
            await pilot.press("slash")
            app.screen.query_one("#filter", Input).value = "a"
            await settle(pilot)  # the filtered rows, and their count
            await pilot.press("escape", "enter")
            await _until_screen(pilot, "RequisitionDetail")
            assert app.screen.__class__.__name__ == "RequisitionDetail"
            await pilot.press("escape")
            await settle(pilot)
            for mode in ("disputes", "expectations", "standup"):
                app.switch_mode(mode)
                await settle(pilot)
                await pilot.press("enter")
                await settle(pilot)
                await pilot.press("escape")
                await settle(pilot)
    finally:
        store.close()
    assert app.crash is None, app.crash
    assert app.return_code in (None, 0)


def test_in_a_terminal_a_damaged_row_prints_no_traceback_and_no_record_data(template, tmp_path):
    damages = [
        BY_NAME[n] for n in ("requisition opened_at", "requisition title", "dispute parties", "standup started_at")
    ]
    path, _ids = damaged_copy(template, tmp_path, *damages)
    with PtySession(["--db", str(path)], columns=140, rows=40, MEDIATE_LOG_DIR=str(tmp_path / "logs")) as session:
        assert session.wait_for(b"mediate doctor", timeout=30), bytes(session.output[-2000:])
        for key in "234561":
            session.send(key, settle=1.0)
        session.send("q", settle=0.5)
        code = session.finish()
    raw = bytes(session.output)
    assert code == 0, raw[-2000:]
    assert b"Traceback" not in raw and b"ValidationError" not in raw and b"unexpected problem" not in raw
    assert SECRET.encode() not in raw and b"not a date" not in raw and b"{not json" not in raw
    assert b"damaged rows left out" in raw
    assert not (tmp_path / "logs").exists()  # nothing unexpected happened, so no crash log


async def test_a_row_mended_by_another_tool_leaves_the_notice_and_one_damaged_meanwhile_joins_it(template, tmp_path):
    status, title = BY_NAME["requisition status"], BY_NAME["dispute summary"]
    path, (row_id,) = damaged_copy(template, tmp_path, status)
    store = Store(path, now=lambda: NOW)
    app = app_module.MediationApp(store, now=lambda: NOW)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await _settle(pilot, app, "1 damaged row left out")
            label = store.damage.get("requisitions", row_id).label
            assert label in damage_notice(app)
            # Another tool (the sqlite3 shell) mends the row and damages a dispute's summary.
            with sqlite3.connect(path) as conn:
                conn.execute("UPDATE requisitions SET status = 'sourcing' WHERE id = ?", (row_id,))
            conn.close()
            dispute_id = title.apply(path)
            # The dispute is found by one scan and the mended requisition dropped by a later one: wait for both.
            for _ in range(80):
                await pilot.pause(0.1)
                text = damage_notice(app)
                if re.search(r"\b1 damaged row left out \(D-\d{4}\)", text) and label not in text:
                    break
            assert re.search(r"\b1 damaged row left out \(D-\d{4}\)", text) and label not in text, text
            assert store.damage.get("disputes", dispute_id) is not None
            with sqlite3.connect(path) as conn:
                conn.execute("UPDATE disputes SET summary = 'Mended' WHERE id = ?", (dispute_id,))
            conn.close()
            for _ in range(40):
                await pilot.pause(0.1)
                if not damage_notice(app):
                    break
            assert damage_notice(app) == "" and len(store.damage) == 0
    finally:
        store.close()
    assert app.crash is None, app.crash
