"""The damaged-row scan on a big file (issue 21, finding 6; bench/bench_damage_scan.py has its cost):
it reads each table in short statements of a few ids at a time, finding the same rows as one statement
would, and it stops at once when the console closes (a minute's scan at 1,000,000 requisitions kept
`q` from ending the process until the scan was done: 5.8-7.7 s after `q` at 100,000)."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from mediation_console.db import damage
from mediation_console.db.store import Store
from tests.reliability.damaged_rows import DAMAGES, NOW, damaged_copy


def _found(path, chunk: int) -> set[tuple[str, int | None, tuple[tuple[str, str], ...]]]:
    conn = sqlite3.connect(path)
    try:
        register = damage.DamageRegister()
        damage.scan(conn, register, chunk=chunk)
        return {(row.table, row.row_id, row.each) for row in register.rows()}
    finally:
        conn.close()


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_a_scan_in_small_statements_finds_what_one_statement_finds(template, tmp_path, chunk):
    path, ids = damaged_copy(template, tmp_path, *DAMAGES)
    whole = _found(path, chunk=10**9)
    assert {(table, row) for table, row, _each in whole} == {
        (d.table, row_id) for d, row_id in zip(DAMAGES, ids, strict=True)
    }
    assert _found(path, chunk=chunk) == whole


def test_a_row_another_tool_wrote_at_the_largest_id_is_scanned_without_walking_the_gap(template, tmp_path):
    """Ids far apart (a row written by another tool at 2^63 - 1): the scan goes from one stored id to the
    next, not through the ids between (that walk would never end)."""
    path, _ids = damaged_copy(template, tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO people (id, name, team, active) VALUES (-5, ?, 'sales', 1)", ("x" * 500,))
        conn.execute("INSERT INTO people (id, name, team, active) VALUES (?, ?, 'sales', 1)", (2**63 - 1, "y" * 500))
    conn.close()
    found = _found(path, chunk=10)
    assert {(table, row) for table, row, _each in found} == {("people", -5), ("people", 2**63 - 1)}


def test_closing_the_store_stops_its_scan_in_a_worker_keeping_what_it_found(template, tmp_path):
    path, _ids = damaged_copy(template, tmp_path, *DAMAGES)
    store = Store(path, now=lambda: NOW)
    store.scan_for_damage()
    before = {(row.table, row.row_id) for row in store.damage.rows()}
    assert len(before) == 12
    reached_people, closed = threading.Event(), threading.Event()
    outcome: list[object] = []
    scan = damage.scan

    def paused_scan(conn, register, **kwargs):
        # The worker's scan, held after its first table until the console has closed the Store.
        def on_table(table: str, _took: float) -> None:
            reached_people.set()
            closed.wait(10)

        return scan(conn, register, on_table=on_table, **kwargs)

    def worker() -> None:
        try:
            outcome.append(store.scan_for_damage(in_background=True))
        except damage.ScanStopped as stopped:
            outcome.append(stopped)

    import mediation_console.db.store.connection as connection

    original = connection.damage_scan
    connection.damage_scan = paused_scan
    try:
        thread = threading.Thread(target=worker)
        thread.start()
        assert reached_people.wait(10)
        store.close()  # as the console does when it quits
        closed.set()
        thread.join(10)
    finally:
        connection.damage_scan = original
    assert not thread.is_alive()
    [result] = outcome
    assert isinstance(result, damage.ScanStopped)  # it stopped after the table it was in
    # Stopped early, it drops nothing: a row it did not reach again is not taken for mended.
    assert {(row.table, row.row_id) for row in store.damage.rows()} == before


def test_a_running_statement_is_interrupted_when_the_scan_is_stopped(tmp_path):
    """The statement a stop meets is interrupted, not waited for (a table's statement at 1,000,000)."""
    conn = sqlite3.connect(tmp_path / "t.db", check_same_thread=False)
    conn.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, team TEXT, active INTEGER)")
    conn.commit()
    control = damage.ScanControl()
    control.start(conn)
    started = threading.Event()

    def slow(_value: object) -> int:
        started.set()
        return 0

    conn.create_function("slow", 1, slow)
    stopper = threading.Thread(target=lambda: (started.wait(10), control.stop()))
    stopper.start()
    with pytest.raises(sqlite3.OperationalError, match="interrupted"):
        # A statement that would run for ever: only the interrupt ends it.
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n WHERE slow(i) = 1"
        ).fetchone()
    stopper.join(10)
    assert control.stopped
    control.end()
    conn.close()


async def test_quitting_the_console_stops_its_scan(template, tmp_path, monkeypatch):
    """The console's `q` while its worker scans: the app stops the scan as it unmounts (Python would
    otherwise wait for the worker's thread before the process ends)."""
    import time

    import mediation_console.db.store.connection as connection
    from mediation_console.console.app import MediationApp

    path, _ids = damaged_copy(template, tmp_path, *DAMAGES)
    store = Store(path, now=lambda: NOW)
    scanning, ended = threading.Event(), []
    scan = damage.scan

    def held_scan(conn, register, **kwargs):
        def on_table(_table: str, _took: float) -> None:
            scanning.set()
            deadline = time.monotonic() + 20  # a long table: until the scan is stopped
            while not store.damage_scan.stopped and time.monotonic() < deadline:
                time.sleep(0.01)

        try:
            return scan(conn, register, on_table=on_table, **kwargs)
        except damage.ScanStopped:
            ended.append("stopped")
            raise

    monkeypatch.setattr(connection, "damage_scan", held_scan)
    app = MediationApp(store, now=lambda: NOW)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(100):
                await pilot.pause(0.05)
                if scanning.is_set():
                    break
            assert scanning.is_set()
            await pilot.press("q")
        for _ in range(100):  # the worker's thread ends once it sees the stop
            if ended:
                break
            time.sleep(0.05)
        assert ended == ["stopped"]
    finally:
        store.close()


def test_a_scan_gives_way_between_statements_while_asked_and_finds_the_same_rows(template, tmp_path):
    """The console's scan is background work: while `give_way()` says the lead is at work it starts no
    statement, and once it says no more the scan goes on to the end, finding what it would have."""
    path, _ids = damaged_copy(template, tmp_path, *DAMAGES)
    whole = _found(path, chunk=10**9)
    conn = sqlite3.connect(path, check_same_thread=False)
    register = damage.DamageRegister()
    lead_at_work = threading.Event()
    lead_at_work.set()
    asked = threading.Event()

    def give_way() -> bool:
        asked.set()
        return lead_at_work.is_set()

    control = damage.ScanControl(give_way=give_way)
    control.start(conn)
    outcome: list[int] = []
    scan = threading.Thread(target=lambda: outcome.append(damage.scan(conn, register, control=control, chunk=7)))
    scan.start()
    assert asked.wait(10)
    scan.join(0.3)
    assert scan.is_alive() and not register.rows()  # held before its first statement, for as long as asked
    lead_at_work.clear()
    scan.join(10)
    assert not scan.is_alive()
    assert {(row.table, row.row_id, row.each) for row in register.rows()} == whole
    assert outcome == [len({(table, row) for table, row, _each in whole})]
    assert control.waited >= 0.3
    control.end()
    conn.close()


def test_a_stop_ends_a_scan_that_gives_way_at_once(template, tmp_path):
    path, _ids = damaged_copy(template, tmp_path, *DAMAGES)
    conn = sqlite3.connect(path, check_same_thread=False)
    control = damage.ScanControl(give_way=lambda: True)  # a lead who never stops typing
    control.start(conn)
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(damage.scan(conn, damage.DamageRegister(), control=control))
        except damage.ScanStopped as stopped:
            outcome.append(stopped)

    scan = threading.Thread(target=run)
    scan.start()
    scan.join(0.2)
    assert scan.is_alive()
    control.stop()  # the console closing
    scan.join(2)
    assert not scan.is_alive()
    assert isinstance(outcome[0], damage.ScanStopped)
    control.end()
    conn.close()


def test_rows_sql_suspects_but_the_model_accepts_never_hide_damaged_rows_after_them(tmp_path, monkeypatch):
    """Another tool's integer times make SQL suspect a row the model accepts; enough of them fill a
    statement's limit. The scan goes on after the last row it read, so damaged rows further on in the
    same range are found, whatever the statement's size."""
    monkeypatch.setattr(damage, "SCANNED_PER_TABLE", 5)
    store = Store(tmp_path / "t.db", now=lambda: NOW)
    store.conn.execute("INSERT INTO people (id, name, team, active) VALUES (1, 'Sam Seller', 'sales', 1)")
    suspect = [(i, "open", 1740000000) for i in range(1, 31)]  # accepted by the model
    damaged = [(i, "bogus", "2025-02-01 09:00:00") for i in range(31, 34)]
    store.conn.executemany(
        "INSERT INTO commitments (id, owner_id, text, due, source, status, created_at) "
        "VALUES (?, 1, 'Promise', '2025-03-01', 'standup', ?, ?)",
        suspect + damaged,
    )
    store.conn.commit()
    for chunk in (1, 7, 10**9):
        register = damage.DamageRegister()
        damage.scan(store.conn, register, chunk=chunk)
        assert {row.row_id for row in register.rows() if row.table == "commitments"} == {31, 32, 33}, chunk
    store.close()
