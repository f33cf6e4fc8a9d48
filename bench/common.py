"""Shared benchmark plumbing: cached generated databases, timing helpers, and the Figure record."""

from __future__ import annotations

import os
import shutil
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

# Every command a benchmark starts runs as a user's install does, keeping the bytecode it compiles. A
# machine that says not to write it (PYTHONDONTWRITEBYTECODE, as these bench machines do) would have
# every timed start of the editable install compile the package from source again (~0.2 s a start).
# Every benchmark module imports this one, whichever way it is run.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

# Generated databases (0.9 GB at 100,000 requisitions, 8.7 GB at 1,000,000) live outside the repository,
# in the user's cache folder, so no checkout, `git clean` or `make test` ever touches them.
CACHE = Path(os.environ.get("MEDIATE_BENCH_CACHE") or platformdirs.user_cache_path("mediation-console-bench"))
SIZES = (1_000, 10_000, 100_000)
# Sizes the black-box and command figures run at: 100,000 by default; `python -m bench --size 1m` (or
# MEDIATE_BENCH_SIZES=100k,1m) adds the 1,000,000-requisition database, built once into the cache.
SIZE_NAMES = {"100k": 100_000, "1m": 1_000_000}


def sizes_from_env(variable: str, names: Mapping[str, int], what: str, default: str = "100k") -> list[int]:
    """The sizes named in `variable` ("100k,1m", by the keys of `names`), or `default`; an unknown name
    stops the benchmark, saying which `what` sizes there are."""
    sizes = []
    for name in os.environ.get(variable, default).split(","):
        name = name.strip().lower()
        if name not in names:
            raise SystemExit(f"unknown {what} size {name!r}: use {', '.join(names)}")
        sizes.append(names[name])
    return sizes


def black_box_sizes() -> list[int]:
    return sizes_from_env("MEDIATE_BENCH_SIZES", SIZE_NAMES, "bench")


@dataclass
class Figure:
    """One measured figure. `value` and `target` are in `unit` (ms, s or MB); lower is better.

    `bare` is the floor measured in the same run (what `anchor` names: the bare SQL query, a bare
    Textual app, the sqlite3 CLI); `peer` another program doing the same (VisiData). `target_ratio`
    is a target on the ratio to the floor. Black-box figures carry their spread (min, median, p95)
    over `samples` and say which of them `value` is (`basis`).
    """

    name: str
    value: float
    unit: str = "ms"
    target: float | None = None
    size: int | None = None  # requisitions in the database measured
    bare: float | None = None  # the floor's figure, same unit, where one exists
    note: str = ""
    extra: dict = field(default_factory=dict)
    anchor: str = "bare SQL"
    peer: float | None = None
    peer_name: str = ""
    target_ratio: float | None = None
    basis: str = ""
    spread: tuple[float, float, float] | None = None
    samples: int = 0
    error: str = ""  # set when the benchmark could not measure this figure (it counts as missed)

    @property
    def passed(self) -> bool | None:
        if self.error:
            return False
        if self.target is None and self.target_ratio is None:
            return None
        ok = True
        if self.target is not None:
            ok = self.value <= self.target
        if self.target_ratio is not None:
            ok = ok and self.ratio is not None and self.ratio <= self.target_ratio
        return ok

    @property
    def peer_ratio(self) -> float | None:
        return None if not self.peer else self.value / self.peer

    @property
    def ratio(self) -> float | None:
        return None if not self.bare else self.value / self.bare


def database(size: int, seed: int = 7, *, migrate: bool = True) -> Path:
    """A demo database of `size` requisitions, generated once into the cache folder; returns a copy-safe path.
    `migrate=False` leaves a cached file at its own schema (another build's, see outside.OTHER_MEDIATE)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"demo-{size}.db"
    if not migrate:
        if not path.exists():
            raise FileNotFoundError(f"{path}: generate it with the other build's `mediate demo` first")
        return path
    if not path.exists():
        from mediation_console.console.core.demo_setup import build_demo_database

        tmp = CACHE / f"demo-{size}.tmp.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
        build_demo_database(tmp, requisitions=size, seed=seed)
        shutil.move(tmp, path)
    migrate_cached(path)
    return path


def migrate_cached(path: Path) -> None:
    """A database cached before a newer migration shipped is brought up to date (benchmarks open it read-only)."""
    import sqlite3

    from mediation_console.db.schema import SCHEMA_VERSION

    conn = sqlite3.connect(path)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()
    if version < SCHEMA_VERSION:
        from mediation_console.db.store import Store

        store = Store(path)
        store.close()
        if store.backup_path is not None:
            # The cache is regenerated at will; a pre-migration copy of it would only fill the disk.
            store.backup_path.unlink(missing_ok=True)


def working_copy(size: int, name: str) -> Path:
    """A private copy of the cached database for benchmarks that write."""
    src = database(size)
    dest = CACHE / f"work-{name}-{size}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{dest}{suffix}").unlink(missing_ok=True)
    shutil.copy(src, dest)
    return dest


def time_call(func: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of `func` in milliseconds over `repeat` runs (after one warm-up)."""
    func()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]
