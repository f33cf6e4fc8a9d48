"""A console write that finds the write lock taken: tried once without waiting on the UI thread
(MustWait, nothing written), waited for with what holds it (from the long writers' notes), given up
after its limit with a message saying so; the notes themselves (db.writers)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading

import pytest

from mediation_console.console.core.waiting_writes import MustWait, Waiting, WaitStopped, write_when_free
from mediation_console.db.models import Requisition
from mediation_console.db.short_transactions import ShortTransactions
from mediation_console.db.store import StoreError
from mediation_console.db.store.connection import _lock_taken
from mediation_console.db.writers import announce, current_writers
from tests.app.test_save_waits import LockHolder


def new_requisition(store, title: str) -> Requisition:
    owner = store.person_by_name("Casey Lin")
    return Requisition(title=title, client="Contoso", sales_owner_id=owner.id)


def test_a_free_lock_writes_at_once_and_a_taken_one_says_who_has_it_before_writing_anything(store):
    saved = write_when_free(store, lambda: store.add_requisition(new_requisition(store, "First")))
    assert saved.saved_id
    count = store.count_requisitions()
    with LockHolder(store.path), pytest.raises(MustWait) as busy:
        write_when_free(store, lambda: store.add_requisition(new_requisition(store, "Second")))
    assert busy.value.holder == "an import"
    assert store.count_requisitions() == count
    assert not store.conn.in_transaction


def test_a_wait_is_told_who_holds_the_lock_and_ends_when_it_is_free(store):
    told: list[Waiting] = []
    with LockHolder(store.path) as holder:

        def on_wait(waiting: Waiting) -> None:
            told.append(waiting)
            if waiting.seconds >= 0.6:
                holder.release.set()

        saved = write_when_free(store, lambda: store.add_requisition(new_requisition(store, "Waited")), on_wait)
    assert store.get_requisition(saved.saved_id).title == "Waited"
    assert told[0].message == "Waiting for an import to finish writing… 0 s"
    assert len(told) >= 2 and told[-1].seconds >= 0.6


def test_a_wait_goes_on_while_a_worker_reads_on_the_same_connection(store):
    # SQLite keeps one error message per connection: a BEGIN refused for the lock, read while a worker's
    # read steps on the connection, said "another row available" (a DatabaseError), and the save was
    # dropped with that as its reason instead of waiting on.
    reading = threading.Event()
    reads = 0

    def read_meanwhile() -> None:
        nonlocal reads
        while not reading.is_set():
            store.conn.execute("SELECT id, title FROM requisitions").fetchall()
            reads += 1

    with LockHolder(store.path) as holder:
        reader = threading.Thread(target=read_meanwhile)
        reader.start()
        try:

            def on_wait(waiting: Waiting) -> None:
                if waiting.seconds >= 1.5:
                    # The reads stop before the lock is free: what is shown here is the wait (the write
                    # itself beside a read on the same connection is another matter, left to SQLite).
                    reading.set()
                    reader.join()
                    holder.release.set()

            saved = write_when_free(store, lambda: store.add_requisition(new_requisition(store, "Beside")), on_wait)
        finally:
            reading.set()
            reader.join()
    assert store.get_requisition(saved.saved_id).title == "Beside"
    assert reads > 100  # the reads did run beside the wait


@pytest.mark.parametrize("said", ["database is locked", "another row available", "not an error"])
def test_a_refused_begin_is_a_taken_lock_when_sqlite_says_so_or_says_no_error_at_all(said):
    assert _lock_taken(sqlite3.DatabaseError(said))


class SilentRefusal:
    """The store's connection, whose first BEGIN IMMEDIATEs start nothing and raise nothing: what the
    connection's one error state can make of a refused BEGIN when another thread's read steps meanwhile
    (seen once in twelve runs of the test above on a loaded machine). Two by default: a write's first
    try, which does not wait (a refusal there says the lock is taken), and its first try that waits."""

    def __init__(self, conn: sqlite3.Connection, times: int = 2) -> None:
        self.conn, self.refused, self.times = conn, 0, times

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        if sql == "BEGIN IMMEDIATE" and self.refused < self.times:
            self.refused += 1
            return self.conn.execute("SELECT 1")
        return self.conn.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self.conn, name)


def test_a_begin_that_silently_opened_no_transaction_is_tried_again_and_the_write_is_whole(store, monkeypatch):
    connection = SilentRefusal(store.conn)
    monkeypatch.setattr(store, "conn", connection)
    waits: list[Waiting] = []
    saved = write_when_free(store, lambda: store.add_requisition(new_requisition(store, "Whole")), waits.append)
    monkeypatch.undo()
    assert connection.refused == 2 and len(waits) == 1  # it waited once, then began for real
    assert store.get_requisition(saved.saved_id).title == "Whole"
    assert (
        store.conn.execute(
            "SELECT count(*) FROM events WHERE entity = 'requisition' AND entity_id = ?", (saved.saved_id,)
        ).fetchone()[0]
        >= 1
    )


def test_without_waiting_a_begin_that_silently_opened_no_transaction_is_refused_with_nothing_written(
    store, monkeypatch
):
    count = store.count_requisitions()
    monkeypatch.setattr(store, "conn", SilentRefusal(store.conn))
    with pytest.raises(StoreError, match="busy or unavailable"):
        store.add_requisition(new_requisition(store, "Half"))
    monkeypatch.undo()
    assert store.count_requisitions() == count


@pytest.mark.parametrize("said", ["database or disk is full", "attempt to write a readonly database", "disk I/O error"])
def test_a_begin_refused_for_another_reason_ends_the_wait(said):
    assert not _lock_taken(sqlite3.OperationalError(said))


def test_a_wait_gives_up_after_its_limit_or_when_stopped_with_nothing_written(store):
    count = store.count_requisitions()
    with LockHolder(store.path):
        with pytest.raises(StoreError, match=r"an import kept the database busy for 1 s\. Nothing was changed"):
            write_when_free(
                store, lambda: store.add_requisition(new_requisition(store, "x")), lambda w: None, longest=1.2
            )
        with pytest.raises(WaitStopped, match="you stopped waiting for an import"):
            write_when_free(
                store, lambda: store.add_requisition(new_requisition(store, "y")), lambda w: None, stopped=lambda: True
            )
    assert store.count_requisitions() == count
    # The connection is as before: a save now needs no waiting.
    write_when_free(store, lambda: store.add_requisition(new_requisition(store, "z")))
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000


def test_a_long_write_leaves_its_note_while_it_runs_and_a_dead_writers_note_is_ignored(store, tmp_path):
    with ShortTransactions(store, what="an import"):
        assert current_writers(store.path) == ["an import"]
        with announce(store.path, "the grading of requisitions"):
            assert current_writers(store.path) == ["the grading of requisitions"]
        assert current_writers(store.path) == ["an import"]
    assert current_writers(store.path) == []
    with pytest.raises(RuntimeError), ShortTransactions(store, what="an import"):
        raise RuntimeError("the import failed")
    assert current_writers(store.path) == []
    # A note left by a process that is gone (a killed import) is not believed, and is removed.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = store.path.with_name(f"{store.path.name}-writer-{int(dead.stdout)}")
    left.write_text("an import")
    # Nor is a note of control characters (terminal escapes) from anyone.
    odd = store.path.with_name(f"{store.path.name}-writer-{os.getpid()}")
    odd.write_text("\x1b[31mred")
    assert current_writers(store.path) == []
    assert not left.exists()
    odd.unlink()
    assert sqlite3.connect(store.path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
