"""A long write (a big import) as a run of short transactions, so the lead's own saves get through.

SQLite has one writer at a time: a transaction that writes 300,000 rows holds the write lock for
seconds, longer than the console's busy timeout. `ShortTransactions` commits whenever the current
transaction has held the lock for `window` seconds and then leaves the lock free for `gap` seconds:
a writer waiting in SQLite's busy handler polls at most every 100 ms, so it finds the gap and goes
first. Each transaction is whole (the rows and their audit rows together), and `on_commit` runs in
each one just before it commits, to record how far the long write has come.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Protocol

# The longest the write lock is held by one transaction of a long write, and the pause after each.
WRITE_WINDOW_SECONDS = 0.25
WRITER_GAP_SECONDS = 0.12


class _Transactional(Protocol):
    def transaction(self) -> AbstractContextManager[Any]: ...


class ShortTransactions:
    def __init__(
        self,
        store: _Transactional,
        *,
        on_commit: Callable[[], None] | None = None,
        window: float = WRITE_WINDOW_SECONDS,
        gap: float = WRITER_GAP_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.on_commit = on_commit
        self.window = window
        self.gap = gap
        self.clock = clock
        self.commits = 0
        self.longest = 0.0  # the longest any of these transactions held the write lock, in seconds
        self._current: AbstractContextManager[Any] | None = None
        self._started = 0.0
        self._run_started = 0.0

    def __enter__(self) -> ShortTransactions:
        self._begin()
        return self

    def _begin(self) -> None:
        # A run of transactions with less than `gap` between them (this one's, or the ones before it
        # on this store: a regrade calls set_derived again and again) pauses once it has lasted `window`.
        now = self.clock()
        run_started, last_commit = getattr(self.store, "_short_run", (now, -self.gap))
        if now - last_commit >= self.gap:
            run_started = now
        elif now - run_started >= self.window:
            time.sleep(self.gap)
            run_started = now = self.clock()
        self._run_started = run_started
        self._current = self.store.transaction()
        self._current.__enter__()
        self._started = self.clock()

    def _commit(self) -> None:
        assert self._current is not None
        current, self._current = self._current, None
        try:
            if self.on_commit is not None:
                self.on_commit()
        except BaseException as exc:
            current.__exit__(type(exc), exc, exc.__traceback__)
            raise
        current.__exit__(None, None, None)
        self.commits += 1
        now = self.clock()
        self.longest = max(self.longest, now - self._started)
        setattr(self.store, "_short_run", (self._run_started, now))  # noqa: B010 (any store, see _begin)

    def checkpoint(self) -> bool:
        """Commits and pauses if this transaction has held the lock for its window; True if it did."""
        if self.clock() - self._started < self.window:
            return False
        self._commit()
        self._begin()  # after the pause: this run has lasted its window
        return True

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self._commit()
            return
        current, self._current = self._current, None
        if current is not None:
            current.__exit__(exc_type, exc, tb)


__all__ = ["ShortTransactions", "WRITE_WINDOW_SECONDS", "WRITER_GAP_SECONDS"]
