"""Builds a demo database end to end: the generated records, then the grades the rules module derives."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from mediation_console.console.core.database import open_store
from mediation_console.console.core.metric_registry import default_expectations
from mediation_console.console.core.rules.refresh import derived_figures
from mediation_console.console.core.rules.service import Mediator
from mediation_console.db import safe_file
from mediation_console.db.demo import generate_demo
from mediation_console.db.store import Store

SIDE_FILES = ("-wal", "-shm", "-journal")
# SQLite's page cache while the demo is written, which is also what each of the index sorts holds in memory
# before it spills a sorted run to a temporary file; and the threads those sorts use. Measured on 8 million
# pipeline events (one index): 256 MB, one thread: 17.3 s, 534 MB; 64 MB, two helper threads: 11.0 s, 271 MB.
DEMO_CACHE_KIB = 64 * 1024
DEMO_SORT_THREADS = 2


def fill_demo(
    store: Store, *, requisitions: int, seed: int, extra_packs: list[Path] | None = None, include_user_pack: bool = True
) -> dict[str, int]:
    """Generates the demo into an open, empty store and computes every requisition's grade.

    The Mediator is loaded first so that a broken rule pack is reported before anything is written.
    """
    mediator = Mediator(store, extra_packs=extra_packs, include_user_pack=include_user_pack)
    # Graded beside the rest of the demo, stored in its last transaction before the indexes over the grades.
    return generate_demo(
        store,
        requisitions=requisitions,
        seed=seed,
        expectations=default_expectations(),
        figures=lambda written: derived_figures(written, mediator),
    )


def write_demo_file(
    path: str | os.PathLike[str],
    *,
    requisitions: int,
    seed: int = 7,
    extra_packs: list[Path] | None = None,
    include_user_pack: bool = True,
) -> dict[str, int]:
    """Writes a fresh demo into a private file beside `path` and moves it over `path` once it is whole.

    The demo commits in batches (bounded memory), so a stopped demo would leave a file
    half written: it is written beside the target instead, and until the move `path` stays exactly
    as it was (empty, an old demo, or data --force was about to replace). A killed run's file is
    removed by the next one. Raises safe_file.UnsafeTarget where `path` cannot be written safely.
    """
    target = Path(path)
    if safe_file.database_in_use(target):
        raise safe_file.UnsafeTarget(
            f"{target} is open in another program (a console, or mediate serve): close it there, then run "
            "the demo again. Replaced now, what that program saves next would be lost"
        )
    _remove_dead_side_files(target)
    with safe_file.staged_file(target, force=True, what="demo") as tmp:
        try:
            with open_store(tmp) as store:
                conn = store.conn
                # Nothing in this file is kept unless it is whole (only then is it moved into place), so it
                # is written as a scratch file: no journal (each page written once, not into the WAL and
                # again at the checkpoint: gigabytes at 1,000,000 requisitions) while the records are
                # loaded, no fsync per batch, and the indexes rebuilt at the end sorted by three threads.
                conn.execute("PRAGMA journal_mode = OFF")
                conn.execute("PRAGMA synchronous = OFF")
                conn.execute(f"PRAGMA cache_size = -{DEMO_CACHE_KIB}")
                conn.execute(f"PRAGMA threads = {DEMO_SORT_THREADS}")
                summary = fill_demo(
                    store,
                    requisitions=requisitions,
                    seed=seed,
                    extra_packs=extra_packs,
                    include_user_pack=include_user_pack,
                )
                conn.execute("PRAGMA journal_mode = WAL")  # kept in the file: as every console opens it
        finally:
            for suffix in SIDE_FILES:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(f"{tmp}{suffix}")
        # The old file's WAL would be replayed onto the new one: it goes first.
        for suffix in SIDE_FILES:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{target}{suffix}")
    return summary


def _remove_dead_side_files(target: Path) -> None:
    """The WAL and shared-memory files of a demo whose writer was killed (safe_file removes the file itself)."""
    prefix = f".{target.name}."
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            name = entry.name
            if not name.startswith(prefix) or not name.endswith(SIDE_FILES):
                continue
            pid = name[len(prefix) :].split(".", 1)[0]
            if pid.isdigit() and not safe_file.pid_alive(int(pid)):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def build_demo_database(path: str | os.PathLike[str], *, requisitions: int, seed: int = 7) -> dict[str, int]:
    """A fresh demo file at `path` with the shipped rules only (benchmarks and tests)."""
    return write_demo_file(path, requisitions=requisitions, seed=seed, include_user_pack=False)
