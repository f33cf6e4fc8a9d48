"""The import's short transactions stay short when the work gets slow: chunks are sized from how
long the last one took, and a chunk expected to end past the window goes into the next transaction."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Any

from mediation_console.db import audit
from mediation_console.db.models import Person, Requisition, Team
from mediation_console.db.short_transactions import UNANNOUNCED_GAP_SECONDS, ChunkSizer, ShortTransactions
from mediation_console.db.store import Store

NOW = dt.datetime(2026, 12, 4, 9, 0)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class CountingStore:
    """Just `transaction()`: counts the transactions begun and committed."""

    def __init__(self) -> None:
        self.begun = 0
        self.committed = 0

    @contextmanager
    def transaction(self) -> Any:
        self.begun += 1
        yield None
        self.committed += 1


def test_a_slow_chunk_shrinks_the_next_at_once_and_quick_ones_grow_it_back_at_most_twofold():
    sizer = ChunkSizer(1000, target=0.05)
    assert sizer.size == 100  # a tenth of the largest before anything is timed
    assert sizer.expected() == 0.0
    sizer.record(100, 1.0)  # 10 ms a row: 5 rows fit in the target, but never fewer than 20
    assert sizer.size == 20
    assert sizer.expected() == 20 * 0.01
    sizer.record(20, 0.0001)  # quick again: twice the last size, not the 10,000 the rate allows
    assert sizer.size == 40
    for _ in range(10):
        sizer.record(sizer.size, 0.0)
    assert sizer.size == 1000  # never more than the largest
    sizer.record(1000, 0.5)  # 0.5 ms a row: 100 rows in 50 ms
    assert sizer.size == 100


def test_the_transaction_commits_before_a_chunk_that_would_end_past_its_window():
    clock, store = FakeClock(), CountingStore()
    with ShortTransactions(store, window=0.25, gap=0.0, clock=clock) as batches:
        # The first piece of a transaction goes in however long it is expected to take: no empty transaction.
        assert batches.checkpoint(upcoming=1.0) is False
        clock.now = 1.0
        assert batches.checkpoint(upcoming=0.05) is True  # past the window: committed, as before
        assert batches.checkpoint(upcoming=0.05) is False  # the new transaction's first piece
        clock.now = 1.15
        assert batches.checkpoint(upcoming=0.05) is False  # ends at 0.20 of the window: inside
        clock.now = 1.22
        assert batches.checkpoint(upcoming=0.05) is True  # would end at 0.27: committed before it
        assert store.committed == 2
    assert store.committed == store.begun == 3


def test_an_import_whose_chunks_turn_slow_keeps_each_transaction_near_its_window(tmp_path):
    """SQLite made slow as a busy disk makes it (the clock moves 1 ms every 250 virtual-machine steps,
    so a thousand-row chunk takes well over a second): no transaction holds the lock much past its window."""
    clock = FakeClock()
    with Store(tmp_path / "team.db", now=lambda: NOW) as store:
        owner = store.add_person(Person(name="Ivy Importer", team=Team.SALES))
        rows = 3000
        reqs = [
            Requisition(
                title=f"Imported role {n}", client="Fabrikam", sales_owner_id=owner.id, opened_at=NOW, updated_at=NOW
            )
            for n in range(rows)
        ]

        def slow() -> int:
            clock.now += 0.001
            return 0

        sizes: list[int] = []
        with store.import_staging():
            store.stage_new_requisitions(reqs)
            store.conn.set_progress_handler(slow, 250)
            try:
                with ShortTransactions(store, window=0.25, gap=0.0, clock=clock) as batches:
                    before = clock.now
                    store.insert_staged_requisitions({}, lambda done: sizes.append(done), batches)
                    seconds = clock.now - before
            finally:
                store.conn.set_progress_handler(None, 0)
        chunks = [b - a for a, b in zip([0, *sizes], sizes, strict=False)]
        per_row = seconds / rows
        # The work is slow enough that a fixed thousand-row chunk alone would hold the lock over a second.
        assert per_row * 1000 > 1.0, f"{per_row * 1000:.2f} s per thousand rows: not slow enough to tell"
        assert min(chunks) < 100
        assert batches.commits > 10
        # The window plus at most about one target chunk (a fifth of it) and the commit's own steps.
        assert batches.longest <= 0.25 * 1.6, f"a transaction held the lock {batches.longest:.2f} s"
        assert store.count_requisitions() == rows
        assert audit.verify_chain(store.conn).ok


def _run_windows(waits: Any, windows: int = 40) -> list[tuple[float, float]]:
    """A long write of `windows` short transactions (0.25 s each, back to back) on the fake clock: the
    (moment, length) of each pause it made (each moves the clock on by its length)."""
    clock, store, pauses = FakeClock(), CountingStore(), []

    def sleep(seconds: float) -> None:
        pauses.append((clock.now, seconds))
        clock.now += seconds

    with ShortTransactions(
        store, window=0.25, gap=0.12, clock=clock, every=2.0, someone_waits=waits, sleep=sleep
    ) as batches:
        for _ in range(windows):
            batches.checkpoint()
            clock.now += 0.25
    assert store.committed == store.begun
    return pauses


def test_a_long_write_nobody_waits_for_pauses_only_every_two_seconds(monkeypatch):
    pauses = _run_windows(lambda: False)
    # 10 s of writing: a pause about every 2 s for another program's write, which cannot say it waits,
    # each long enough for two polls of SQLite's busy handler (every 100 ms).
    assert 4 <= len(pauses) <= 5
    moments = [at for at, _length in pauses]
    assert all(b - a <= 2.0 + 0.25 + 0.25 + 1e-9 for a, b in zip([0.0, *moments], moments, strict=False))
    assert {length for _at, length in pauses} == {UNANNOUNCED_GAP_SECONDS} and UNANNOUNCED_GAP_SECONDS >= 0.2


def test_a_long_write_pauses_after_each_window_while_a_write_says_it_waits(monkeypatch):
    pauses = _run_windows(lambda: True)
    assert len(pauses) >= 35  # after (nearly) every one of its 40 transactions
    assert {length for _at, length in pauses} == {0.12}


def test_a_write_that_finds_the_lock_taken_says_so_until_it_gets_in(tmp_path):
    import os
    import threading
    import time

    from mediation_console.db import writers

    path = tmp_path / "team.db"
    with Store(path, now=lambda: NOW) as importer, Store(path, now=lambda: NOW) as console:
        owner = importer.add_person(Person(name="Ivy Importer", team=Team.SALES))
        assert not writers.someone_waits(path)
        seen: list[bool] = []
        with importer.transaction():  # the long write holds the lock
            saving = threading.Thread(
                target=lambda: console.add_requisition(
                    Requisition(title="Lead's", client="Contoso", sales_owner_id=owner.id)
                )
            )
            saving.start()
            note = tmp_path / f"team.db-waiting-{os.getpid()}"
            deadline = time.monotonic() + 5
            while not note.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            seen.append(note.exists() and writers.someone_waits(path))
        saving.join(timeout=10)
        assert seen == [True]
        assert not writers.someone_waits(path)  # the note went once the write got in
        assert [p.name for p in tmp_path.iterdir() if "-waiting-" in p.name] == []
        assert [r.title for r in console.iter_requisitions()] == ["Lead's"]


def test_another_programs_write_that_cannot_say_it_waits_still_gets_in_during_a_long_write(tmp_path):
    """Another program's write (plain sqlite3 with a busy timeout) leaves no note: the long write still
    leaves the lock free once every `every` seconds, so it gets in well within its timeout. (Shipped:
    every 2 s, inside the 5 s Python's sqlite3 waits by default; here 1 s and 4 s, for a quicker test.)"""
    import sqlite3
    import threading
    import time

    from mediation_console.db.short_transactions import UNANNOUNCED_PAUSE_SECONDS

    assert UNANNOUNCED_PAUSE_SECONDS + 0.5 < 5.0
    path = tmp_path / "team.db"
    with Store(path, now=lambda: NOW) as store:
        store.conn.execute("CREATE TABLE their_log (at REAL)")
        store.conn.execute("CREATE TABLE our_work (n INTEGER)")
        waits: list[float] = []
        errors: list[str] = []
        started = threading.Event()

        def another_program_writes() -> None:
            conn = sqlite3.connect(path, timeout=4.0, isolation_level=None)
            try:
                started.wait()
                asked = time.monotonic()
                try:
                    conn.execute("INSERT INTO their_log VALUES (?)", (asked,))
                except sqlite3.OperationalError as exc:
                    errors.append(str(exc))
                waits.append(time.monotonic() - asked)
            finally:
                conn.close()

        writer = threading.Thread(target=another_program_writes)
        writer.start()
        finish = time.monotonic() + 5.0  # past the other's timeout: without a pause it would fail
        with ShortTransactions(store, every=1.0) as batches:
            while time.monotonic() < finish:
                batches.checkpoint()
                store.conn.execute("INSERT INTO our_work VALUES (1)")
                started.set()
                time.sleep(0.002)
        writer.join(timeout=10)
    assert errors == []
    assert waits and waits[0] <= 2.5, f"waited {waits[0]:.2f} s"


def test_another_thread_waiting_for_the_same_store_says_so_too(tmp_path):
    """The console's own threads share one Store: a save waiting on its transaction lock behind a long
    write of another thread is seen as waiting, so the long write lets it in."""
    import threading
    import time

    from mediation_console.db import writers

    path = tmp_path / "team.db"
    with Store(path, now=lambda: NOW) as store:
        owner = store.add_person(Person(name="Ivy Importer", team=Team.SALES))
        with store.transaction():  # this thread's long write
            saving = threading.Thread(
                target=lambda: store.add_requisition(
                    Requisition(title="Lead's", client="Contoso", sales_owner_id=owner.id)
                )
            )
            saving.start()
            deadline = time.monotonic() + 5
            while not writers.someone_waits(path) and time.monotonic() < deadline:
                time.sleep(0.01)
            seen = writers.someone_waits(path)
        saving.join(timeout=10)  # before the Store closes, whatever was seen
        assert seen
        assert not writers.someone_waits(path)
        assert [r.title for r in store.iter_requisitions()] == ["Lead's"]
