"""Benchmarks the expectation metrics and the track record on the 100,000-requisition demo database."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

from bench.common import CACHE, Figure, time_call
from mediation_console.console.core import metrics
from mediation_console.console.core.metric_registry import default_expectations
from mediation_console.console.core.track_record import track_record
from mediation_console.db.kept_tallies import KeptTallies
from mediation_console.db.store import QueueQuery, Store

SIZE = 100_000
TOTAL_TARGET_MS = 1000.0
NOW = dt.datetime(2026, 11, 23, 9, 0)  # the clock of the fallback database


def _fallback_database(size: int, seed: int = 7) -> Path:
    """The demo generator's data with grades and estimates filled in (the rules are not run here), used
    while the shared demo database builder (console.demo_setup) is not there."""
    from mediation_console.db.demo import generate_demo

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"metrics-demo-{size}.db"
    if path.exists():
        return path
    tmp = CACHE / f"metrics-demo-{size}.tmp.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    store = Store(tmp, now=lambda: NOW)
    try:
        generate_demo(store, requisitions=size, seed=seed, expectations=default_expectations())
        # A deterministic spread of grades (A 1 in 4, B 2 in 4, C 1 in 4) and realistic estimates.
        store.set_derived(
            [
                (score, grade, estimate, rid)
                for rid in range(1, size + 1)
                for score, grade, estimate in [((82, "A", 30), (58, "B", 38), (60, "B", 42), (35, "C", 55))[rid % 4]]
            ]
        )
    finally:
        store.close()
    shutil.move(tmp, path)
    return path


def _database(size: int) -> Path:
    try:
        from bench.common import database

        return database(size)
    except ImportError:
        return _fallback_database(size)


def _clock_of(store: Store) -> dt.datetime:
    """The moment the database was generated: its newest requisition's opening, rounded up to the hour."""
    newest = store.query_queue(QueueQuery(sort="days_open", descending=True), limit=1)
    if not newest:
        return NOW
    return newest[0].opened_at.replace(minute=0, second=0) + dt.timedelta(hours=1)


def measure() -> list[Figure]:
    path = _database(SIZE)
    store = Store(path, readonly=True)
    now = _clock_of(store)
    store.now = lambda: now
    figures: list[Figure] = []
    expectations = default_expectations()
    try:
        # Each metric alone, for information: which one to look at next.
        for expectation in expectations:
            result = {}

            def run(expectation=expectation, result=result) -> None:
                result["m"] = metrics.measure(store, expectation, now)

            ms = time_call(run, repeat=3)
            measured = result["m"]
            figures.append(
                Figure(
                    name=f"metric {expectation.metric}",
                    value=ms,
                    size=SIZE,
                    note=f"{measured.summary}; {measured.breach_count:,} breaches",
                )
            )
        # The target is on what the expectations screen and the agenda call: every metric at once.
        result = {}

        def run_all() -> None:
            result["all"] = metrics.measure_all(store, expectations, now)

        ms = time_call(run_all, repeat=3)
        figures.append(
            Figure(
                name="every metric, 12-week trends and breaches (measure_all)",
                value=ms,
                target=TOTAL_TARGET_MS,
                size=SIZE,
                note=f"{sum(m.breach_count for m in result['all']):,} breaches in all",
            )
        )
        # As the expectations screen measures (the breaches listed when the lead asks): with no settled
        # hour kept yet (tallied and kept as it goes), then with every settled hour kept.
        with tempfile.TemporaryDirectory() as folder:
            kept = KeptTallies(Path(folder) / "tallies.sqlite")
            started = time.perf_counter()
            metrics.measure_all(store, expectations, now, breach_limit=0, kept_tallies=kept)
            filling = (time.perf_counter() - started) * 1000
            figures.append(
                Figure(
                    name="every metric as the screen measures it, no settled hour kept yet",
                    value=filling,
                    size=SIZE,
                    note="breaches left to the breaches dialog; each settled hour's tally kept as it goes (once)",
                )
            )

            def run_kept() -> None:
                result["kept"] = metrics.measure_all(store, expectations, now, breach_limit=0, kept_tallies=kept)

            ms = time_call(run_kept, repeat=3)
            kept.close()
        figures_of = [[(m.kept, m.total, m.trend) for m in result[name]] for name in ("all", "kept")]
        if figures_of[0] != figures_of[1]:
            raise AssertionError("the kept tallies gave other figures than reading every case")
        figures.append(
            Figure(
                name="every metric as the screen measures it, settled hours kept",
                value=ms,
                target=TOTAL_TARGET_MS,
                size=SIZE,
                note="only the hours not yet settled and each week's edges read; the same figures as measure_all",
            )
        )
        started = time.perf_counter()
        report = track_record(store, now)
        figures.append(
            Figure(
                name="track record (people and teams)",
                value=(time.perf_counter() - started) * 1000,
                size=SIZE,
                note=f"{len(report.people):,} people, {len(report.teams)} teams",
            )
        )
    finally:
        store.close()
    return figures


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(measure())
