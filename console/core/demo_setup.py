"""Builds a demo database end to end: the generated records, then the grades the rules module derives."""

from __future__ import annotations

import os
from pathlib import Path

from mediation_console.console.core.database import open_store
from mediation_console.console.core.metric_registry import default_expectations
from mediation_console.console.core.rules.refresh import refresh_derived
from mediation_console.console.core.rules.service import Mediator
from mediation_console.db.demo import generate_demo
from mediation_console.db.store import Store


def fill_demo(
    store: Store, *, requisitions: int, seed: int, extra_packs: list[Path] | None = None, include_user_pack: bool = True
) -> dict[str, int]:
    """Generates the demo into an open, empty store and computes every requisition's grade.

    The Mediator is loaded first so that a broken rule pack is reported before anything is written.
    """
    mediator = Mediator(store, extra_packs=extra_packs, include_user_pack=include_user_pack)
    summary = generate_demo(store, requisitions=requisitions, seed=seed, expectations=default_expectations())
    refresh_derived(store, mediator)
    return summary


def build_demo_database(path: str | os.PathLike[str], *, requisitions: int, seed: int = 7) -> dict[str, int]:
    """A fresh demo file at `path` with the shipped rules only (benchmarks and tests)."""
    with open_store(path) as store:
        return fill_demo(store, requisitions=requisitions, seed=seed, include_user_pack=False)
