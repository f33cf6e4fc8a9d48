"""A console write that finds the write lock taken (an import is writing): tried at once, and when
another program holds the lock, waited for off the UI thread with what it waits for.

`write_when_free(store, write)` runs `write()` in one transaction. Without `on_wait` it only tries
(on the UI thread: a lock that is free costs nothing more than before) and raises `MustWait` when
another program is writing, before anything was done. With `on_wait` (a worker thread) it tries for
the lock about every 50 ms, telling `on_wait` about every quarter second how long it has waited and
for what ("an import", from db.writers), until it gets it, the caller stops it (`stopped()`:
`WaitStopped`) or `longest` seconds pass (StoreError: nothing was saved, and why).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from mediation_console.db.store import Store, StoreError
from mediation_console.db.writers import current_writers

T = TypeVar("T")

# How long a console save waits for another program's write lock before it gives up (nothing saved).
LONGEST_WAIT_S = 120.0
# How often the lead is told how long the save has waited.
TELL_EVERY_S = 0.25
SOMEONE = "another program"


@dataclass(frozen=True)
class Waiting:
    """A save waiting for the write lock: for how long, and for whom."""

    seconds: float
    holder: str = SOMEONE

    @property
    def message(self) -> str:
        return f"Waiting for {self.holder} to finish writing… {int(self.seconds)} s"


class MustWait(Exception):
    """Another program holds the write lock; nothing was written (the write can wait off the UI thread)."""

    def __init__(self, holder: str) -> None:
        super().__init__(f"{holder} is writing")
        self.holder = holder


class WaitStopped(StoreError):
    """The lead stopped waiting; nothing was written."""


def holder_of(store: Store) -> str:
    """What holds the write lock, as far as the long writers said (db.writers): "an import", or
    "another program" when none has said."""
    writers = current_writers(store.path)
    return writers[0] if writers else SOMEONE


def write_when_free(
    store: Store,
    write: Callable[[], T],
    on_wait: Callable[[Waiting], None] | None = None,
    *,
    stopped: Callable[[], bool] = lambda: False,
    longest: float = LONGEST_WAIT_S,
) -> T:
    """`write()` in one transaction (its own transactions join it), once the write lock is free."""
    told = -TELL_EVERY_S
    holder = SOMEONE

    def waiting(seconds: float) -> None:
        nonlocal told, holder
        if on_wait is None:
            raise MustWait(holder_of(store))
        tell = seconds - told >= TELL_EVERY_S
        if tell:
            told = seconds
            # A long writer's name is kept between its notes (a regrade's batches leave moments with none).
            found = holder_of(store)
            holder = found if found != SOMEONE or holder == SOMEONE else holder
        if stopped():
            raise WaitStopped(f"Not saved: you stopped waiting for {holder} to finish writing")
        if seconds >= longest:
            raise StoreError(
                f"The change was not saved: {holder} kept the database busy for {int(seconds)} s. "
                "Nothing was changed; save again when it has finished."
            )
        if tell:
            on_wait(Waiting(seconds, holder))

    with store.transaction(waiting=waiting):
        return write()


__all__ = [
    "LONGEST_WAIT_S",
    "MustWait",
    "WaitStopped",
    "Waiting",
    "holder_of",
    "write_when_free",
]
