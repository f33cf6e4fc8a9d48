"""A long write (a big import) as a run of short transactions, so the lead's own saves get through.

SQLite has one writer at a time: a transaction that writes 300,000 rows holds the write lock for
seconds, longer than the console's busy timeout. `ShortTransactions` commits whenever the current
transaction has held the lock for `window` seconds and then, when a write is waiting for the lock,
leaves it free for `gap` seconds: a writer waiting in SQLite's busy handler polls at most every
100 ms, so it finds the gap and goes first. A console's write that finds the lock taken says so
(`writers.waiting`, a note beside the database); another program's cannot, so the lock is also left
free for a quarter of a second once every `every` seconds whoever waits (within the 5 s busy timeout
Python's sqlite3 waits by default). Pausing only then, a long write nobody waits for no longer spends a
third of its time asleep.
Each transaction is whole (the rows and their audit rows together), and `on_commit` runs in
each one just before it commits, to record how far the long write has come.

A chunk (one statement over many rows) that starts just before the window runs out carries the
transaction past it by as long as the chunk takes, and a chunk of a fixed size takes several times
longer on a busy disk or into a bigger index (1,000 imported rows: median 57 ms, one in ten over
0.37 s, at load ~10). `ChunkSizer` sizes each chunk from how long the last one took (about
a fifth of the window), and `checkpoint(upcoming=...)` commits first when the next chunk is expected
to end past the window.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType
from typing import Any, Protocol

from mediation_console.db import writers

# The longest the write lock is held by one transaction of a long write, and the pause after each.
WRITE_WINDOW_SECONDS = 0.25
WRITER_GAP_SECONDS = 0.12
# The longest a long write goes without a pause when no write says it waits (another program's may),
# and that pause: long enough for two of the 100 ms polls of a writer waiting in SQLite's busy handler.
UNANNOUNCED_PAUSE_SECONDS = 2.0
UNANNOUNCED_GAP_SECONDS = 0.25
# What one chunk of a long write aims to take, as a share of the window.
CHUNK_SHARE = 0.2


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
        what: str | None = None,
        every: float = UNANNOUNCED_PAUSE_SECONDS,
        someone_waits: Callable[[], bool] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`what` ("an import") is what a console that waits for the lock meanwhile is told it waits for.
        `someone_waits()` says whether a write waits for the lock (by default: a `writers.waiting` note
        beside the store's database); a run pauses for it at its window's end, and once every `every`
        seconds in any case."""
        self.store = store
        self.every = every
        self.sleep = sleep
        self.someone_waits = someone_waits if someone_waits is not None else self._noted_waiting
        self.what = what
        self._announced: AbstractContextManager[None] | None = None
        self.on_commit = on_commit
        self.window = window
        self.gap = gap
        self.clock = clock
        self.commits = 0
        self.longest = 0.0  # the longest any of these transactions held the write lock, in seconds
        self._current: AbstractContextManager[Any] | None = None
        self._started = 0.0
        self._run_started = 0.0
        self._last_pause = 0.0
        self._pieces = 0

    def __enter__(self) -> ShortTransactions:
        path = getattr(self.store, "path", None)
        if self.what and path is not None:
            self._announced = writers.announce(path, self.what)
            self._announced.__enter__()
        try:
            self._begin()
        except BaseException:
            self._unannounce()
            raise
        return self

    def _unannounce(self) -> None:
        announced, self._announced = self._announced, None
        if announced is not None:
            announced.__exit__(None, None, None)

    def _noted_waiting(self) -> bool:
        path = getattr(self.store, "path", None)
        return path is not None and writers.someone_waits(path)

    def _begin(self) -> None:
        # A run of transactions with less than `gap` between them (this one's, or the ones before it
        # on this store: a regrade calls set_derived again and again) pauses once it has lasted `window`
        # if a write waits for the lock, and once it has lasted `every` whoever waits.
        now = self.clock()
        run_started, last_commit, last_pause = getattr(self.store, "_short_run", (now, -self.gap, now))
        if now - last_commit >= self.gap:
            run_started = last_pause = now
        elif now - run_started >= self.window:
            if self.someone_waits():
                pause = self.gap
            else:
                pause = max(self.gap, UNANNOUNCED_GAP_SECONDS) if now - last_pause >= self.every else 0.0
            if pause:
                self.sleep(pause)
                now = last_pause = self.clock()
            run_started = now
        self._run_started = run_started
        self._last_pause = last_pause
        self._current = self.store.transaction()
        self._current.__enter__()
        self._started = self.clock()
        self._pieces = 0  # checkpoints passed in this transaction: each is followed by a piece of work

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
        setattr(self.store, "_short_run", (self._run_started, now, self._last_pause))  # noqa: B010 (see _begin)

    def checkpoint(self, upcoming: float = 0.0) -> bool:
        """Commits and pauses if this transaction has held the lock for its window, or would once the
        next piece of work (expected to take `upcoming` seconds) is done; True if it did. Called before
        each piece: the first piece after a commit goes in whatever it is expected to take, so a
        slow piece is not preceded by a transaction with nothing in it."""
        elapsed = self.clock() - self._started
        if elapsed < self.window and (elapsed + upcoming < self.window or not self._pieces):
            self._pieces += 1
            return False
        self._commit()
        self._begin()  # after the pause: this run has lasted its window
        self._pieces = 1
        return True

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is None:
                self._commit()
                return
            current, self._current = self._current, None
            if current is not None:
                current.__exit__(exc_type, exc, tb)
        finally:
            self._unannounce()


class ChunkSizer:
    """How many rows the next chunk of a long write takes, so that one chunk takes about `target` seconds.

    Sized from the last chunk's time per row: it shrinks at once after a slow chunk (a busy disk, an
    index grown bigger), grows back at most twofold a chunk, and stays between `least` and `most`.
    The first chunk, timed before anything is known, is a tenth of `most` (four doublings reach it).
    """

    def __init__(
        self,
        most: int,
        *,
        least: int = 20,
        target: float = WRITE_WINDOW_SECONDS * CHUNK_SHARE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.most = max(1, most)
        self.least = max(1, min(least, self.most))
        self.target = target
        self.clock = clock
        self.size = max(self.least, self.most // 10)
        self.seconds_per_row: float | None = None  # the last chunk's; None before the first

    def expected(self, rows: int | None = None) -> float:
        """Seconds a chunk of `rows` (the next chunk's size by default) is expected to take; 0 before the first."""
        if self.seconds_per_row is None:
            return 0.0
        return self.seconds_per_row * (self.size if rows is None else rows)

    def record(self, rows: int, seconds: float) -> None:
        """A chunk of `rows` took `seconds`: the next chunk is sized from it."""
        if rows <= 0:
            return
        self.seconds_per_row = per_row = max(seconds, 0.0) / rows
        fits = self.most if per_row <= 0 else int(self.target / per_row)
        self.size = max(self.least, min(self.most, fits, self.size * 2))

    @contextmanager
    def timed(self, rows: int) -> Iterator[None]:
        """Times the chunk of `rows` written inside the block (not recorded if it fails)."""
        started = self.clock()
        yield
        self.record(rows, self.clock() - started)


__all__ = [
    "CHUNK_SHARE",
    "UNANNOUNCED_GAP_SECONDS",
    "UNANNOUNCED_PAUSE_SECONDS",
    "WRITER_GAP_SECONDS",
    "WRITE_WINDOW_SECONDS",
    "ChunkSizer",
    "ShortTransactions",
]
