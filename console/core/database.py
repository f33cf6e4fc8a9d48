"""Opens the team's database the way the console does: a new file starts with the default expectations."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable

from mediation_console.console.core.metric_registry import propose_default_expectations
from mediation_console.db.store import Store, utcnow


def open_store(
    path: str | os.PathLike[str],
    *,
    readonly: bool = False,
    now: Callable[[], dt.datetime] = utcnow,
    actor: str = "lead",
) -> Store:
    """The Store at `path`; a file it creates proposes the default expectations in the same transaction."""
    return Store(path, readonly=readonly, now=now, actor=actor, on_create=propose_default_expectations)


__all__ = ["open_store"]
