"""The import's short transactions stay short when the work gets slow: chunks are sized from how
long the last one took, and a chunk expected to end past the window goes into the next transaction."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Any

from mediation_console.db import audit
from mediation_console.db.models import Person, Requisition, Team
from mediation_console.db.short_transactions import ChunkSizer, ShortTransactions
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
