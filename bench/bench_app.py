"""Benchmarks of the console itself: cold start, filter, sort, detail, screen switches, the track record's table and memory at 100,000 requisitions.

Cold start and memory are measured in a fresh process (bench/launch_app.py). The interactive figures
are measured in-process on a headless app: each one times the app's own work — the handler, the
Store queries it issues, and the drawing of every visible table line — never Pilot's idle waits.
Beside each query-backed figure stands the bare SQLite time of the very queries it issued, run on a
plain sqlite3 connection, so the app's overhead is visible as a ratio.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.common import CACHE, SIZES, Figure, database, percentile

SIZE = 100_000
SCREEN = (140, 40)
COLD_RUNS = 5
KEYSTROKES = 50

COLD_START_TARGET_S = 1.5
FILTER_P95_TARGET_MS = 50.0
SORT_TARGET_MS = 100.0
SWITCH_TARGET_MS = 100.0
OVERHEAD_RATIO_TARGET = 3.0
MEMORY_TARGET_MB = 250.0


# -- a fresh process ---------------------------------------------------------------------------------


def _launcher_env() -> dict[str, str]:
    env = dict(os.environ)
    # An installed console has its bytecode compiled; keep ours in the cache, not beside the sources.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(CACHE / "pycache")
    # Never the user's settings or rule pack: a private config folder.
    env["XDG_CONFIG_HOME"] = str(CACHE / "config")
    env["XDG_DATA_HOME"] = str(CACHE / "data")
    return env


def _launch(path: Path, *extra: str) -> tuple[float, list[dict[str, Any]]]:
    """Seconds from spawning the process to its first line (the queue's first rows), and every line it printed."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.launch_app", str(path), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_launcher_env(),
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    elapsed = time.perf_counter() - start
    rest, errors = process.communicate(timeout=300)
    if not first:
        raise RuntimeError(f"the console did not show the queue: {errors.strip()[-2000:]}")
    return elapsed, [json.loads(line) for line in (first + rest).splitlines() if line.startswith("{")]


def _cold_start(size: int) -> Figure:
    path = database(size)
    _launch(path)  # compiles bytecode into the cache and warms the OS file cache, as a second launch would
    samples = [_launch(path)[0] for _ in range(COLD_RUNS)]
    return Figure(
        "cold start of mediate to the queue's first rows",
        statistics.median(samples),
        unit="s",
        target=COLD_START_TARGET_S if size == SIZE else None,
        size=size,
        note=f"headless process, median of {COLD_RUNS}",
        extra={"samples_s": [round(s, 3) for s in samples]},
    )


def _memory(size: int) -> list[Figure]:
    _, lines = _launch(database(size), "--tour")
    at_start = lines[0]["rss_mb"]
    after = next((line["after_tour_rss_mb"] for line in lines if "after_tour_rss_mb" in line), at_start)
    return [
        Figure("peak memory (RSS), queue open", at_start, unit="MB", size=size),
        Figure(
            "peak memory (RSS) after every screen, sort, filter, last row",
            after,
            unit="MB",
            target=MEMORY_TARGET_MB,
            size=size,
        ),
    ]


# -- in-process ---------------------------------------------------------------------------------------


def _bare(
    conn: sqlite3.Connection, statements: list[tuple[str, list[Any]]], repeat: int = 3, *, first: bool = False
) -> float:
    """Median milliseconds of running the statements and fetching every row, on a plain connection; with
    `first`, the time of the first run alone (the connection's page cache as cold as the app's was)."""
    samples = []
    for _ in range(repeat):
        # Like the app's timed action, each replay starts after a collection, which walks every Python
        # object and leaves the CPU caches cold (~0.3 ms on a filter's statements); replayed warm, the
        # bare figure would be flattered next to the app's.
        gc.collect()
        start = time.perf_counter()
        for sql, params in statements:
            conn.execute(sql, params).fetchall()
        samples.append((time.perf_counter() - start) * 1000)
    return samples[0] if first else statistics.median(samples)


class _Recorder:
    """Collects the SQL the Store runs on its connection (the bare-query figures replay it)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.statements: list[tuple[str, list[Any]]] = []
        self._conn = store.conn
        recorder = self

        class Spy:
            def execute(self, sql: str, params: Any = ()) -> Any:
                if sql.lstrip().upper().startswith("SELECT"):
                    recorder.statements.append((sql, list(params)))
                return recorder._conn.execute(sql, params)

            def __getattr__(self, name: str) -> Any:
                return getattr(recorder._conn, name)

        self.spy = Spy()

    def __enter__(self) -> _Recorder:
        self.statements = []
        self.store.conn = self.spy
        return self

    def __exit__(self, *_exc: object) -> None:
        self.store.conn = self._conn


def _overhead_ratio(what: str, samples: list[float], bare: list[float], size: int) -> Figure:
    """The app's median time for `what` over the median of the bare SQL it issued."""
    return Figure(
        f"{what} overhead ratio to the bare query (median)",
        statistics.median(samples) / max(statistics.median(bare), 1e-6),
        unit="×",
        target=OVERHEAD_RATIO_TARGET,
        size=size,
    )


def _filter_texts(store: Any) -> list[str]:
    """Fifty filter-box states, as a lead types words from the data (and deletes them again) one key at a time."""
    row = store.conn.execute(
        "SELECT r.title, r.client, s.name FROM requisitions r JOIN people s ON s.id = r.sales_owner_id "
        "ORDER BY r.id LIMIT 1 OFFSET 4321"
    ).fetchone()
    words = [str(row[0]).split()[0], str(row[1]).split()[0], str(row[2]).split()[-1], "eng", "zz"]
    texts: list[str] = []
    while len(texts) < KEYSTROKES:
        for word in words:
            typed = [word[: i + 1].lower() for i in range(len(word))]
            texts += typed + list(reversed(typed[:-1])) + [""]
    return texts[:KEYSTROKES]


async def _interactive(size: int) -> list[Figure]:
    from textual.widgets import Input

    from mediation_console.console.app import MODES, MediationApp
    from mediation_console.db.store import Store
    from mediation_console.screens.queue import QueueScreen
    from mediation_console.screens.widgets.paged_table import PagedTable

    path = database(size)
    store = Store(path, readonly=True)
    bare_conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    app = MediationApp(store)
    figures: list[Figure] = []
    async with app.run_test(size=SCREEN) as pilot:
        await pilot.pause()
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        table = queue.query_one(PagedTable)
        filter_box = queue.query_one("#filter", Input)

        def draw() -> None:
            # What the compositor asks of the table after a change: every visible line.
            for y in range(table.size.height):
                table.render_line(y)

        issued: list[tuple[str, list[Any]]] = []  # the SQL of the last timed action

        def timed(action: Callable[[], object], *, first: bool = False) -> tuple[float, float]:
            """(ms of the action and the redraw, ms of the bare SQL it issued; `first`: see _bare)."""
            gc.collect()
            with _Recorder(store) as recorder:
                start = time.perf_counter()
                action()
                draw()
                elapsed = (time.perf_counter() - start) * 1000
            issued[:] = recorder.statements
            return elapsed, _bare(bare_conn, recorder.statements, first=first)

        # Filter keystrokes: what Input.Changed runs (the query, the count, the chrome) and the redraw.
        samples, bare = [], []
        for text in _filter_texts(store):
            ms, sql_ms = timed(lambda text=text: queue._filter_typed(Input.Changed(filter_box, text)))
            samples.append(ms)
            bare.append(sql_ms)
        queue._filter_typed(Input.Changed(filter_box, ""))
        figures += [
            Figure(
                "filter keystroke to updated table, p95",
                percentile(samples, 95),
                target=FILTER_P95_TARGET_MS,
                size=size,
                bare=percentile(bare, 95),
                note=f"{KEYSTROKES} keystrokes",
            ),
            Figure(
                "filter keystroke to updated table, median",
                statistics.median(samples),
                size=size,
                bare=statistics.median(bare),
            ),
            _overhead_ratio("filter", samples, bare, size),
        ]

        # Sort changes: every column, both directions, as the sort menu and `r` apply them. Each sort
        # reads another index, which the app's connection has not read since the previous sort (the
        # page cache holds ~2 MB): the app runs each statement once, cold in its page cache, so the bare
        # figure is the first replay on the bare connection, which has just read another sort's index
        # too (both warm in the OS file cache). The warm replay (median of three) is kept beside it.
        samples, bare, bare_warm = [], [], []
        for column in table.columns:
            for descending in (False, True):

                def sort(column: str = column.key, descending: bool = descending) -> None:
                    queue.query_state = replace(queue.query_state, sort=column, descending=descending)
                    queue.refresh_queue(reset_cursor=True)

                ms, sql_ms = timed(sort, first=True)
                samples.append(ms)
                bare.append(sql_ms)
                bare_warm.append(_bare(bare_conn, issued))
        worst = max(range(len(samples)), key=samples.__getitem__)
        figures += [
            Figure(
                "sort change to updated table, slowest column",
                samples[worst],
                target=SORT_TARGET_MS,
                size=size,
                bare=bare[worst],
                note=f"of {len(samples)}: every column, both directions",
            ),
            Figure(
                "sort change to updated table, median",
                statistics.median(samples),
                size=size,
                bare=statistics.median(bare),
                note="bare SQL: first run, cold page cache like the app's",
                extra={"bare_warm_median_ms": round(statistics.median(bare_warm), 3)},
            ),
            _overhead_ratio("sort", samples, bare, size),
        ]

        # The last row (`end`) and back to the first (`home`), the deepest pages there are.
        queue.query_state = replace(queue.query_state, sort="title", descending=False)
        queue.refresh_queue(reset_cursor=True)
        deep, deep_bare = timed(table.action_last)
        figures.append(
            Figure(
                "jump to the last row (end), sorted by title", deep, size=size, bare=deep_bare, target=SORT_TARGET_MS
            )
        )
        queue.query_state = replace(queue.query_state, sort="code", descending=False)
        queue.refresh_queue(reset_cursor=True)

        async def settle() -> None:
            # Every message queued by the action handled, then one layout and paint, as the next frame would.
            for _ in range(3):
                await pilot._wait_for_screen()
            app.screen._on_timer_update()

        # Opening the detail panel of a requisition (its fields, scorecard and timeline).
        app.mediator  # noqa: B018  (the console warms the rules up in the background after start)
        samples = []
        for step in range(10):
            table.cursor = step * 7
            await pilot._wait_for_screen()
            gc.collect()
            start = time.perf_counter()
            queue.action_detail()
            await settle()
            samples.append((time.perf_counter() - start) * 1000)
            app.pop_screen()
            await pilot._wait_for_screen()
        figures.append(
            Figure(
                "open the detail panel",
                statistics.median(samples),
                size=size,
                target=SWITCH_TARGET_MS,
                note="median of 10 requisitions",
            )
        )

        # Switching screens: the first visit mounts the screen, later visits resume it.
        order = [mode.name for mode in MODES[1:]] + [MODES[0].name]
        for visit in ("first visit", "return"):
            for name in order:
                # Each switch starts from a quiet app: the previous screen's workers (metrics, proposals)
                # would otherwise compete for the GIL and be billed to this screen.
                await app.workers.wait_for_complete()
                await pilot.pause()
                gc.collect()
                start = time.perf_counter()
                await app.switch_mode(name)
                await settle()
                ms = (time.perf_counter() - start) * 1000
                if visit == "return" or name != MODES[0].name:
                    figures.append(Figure(f"switch to {name} ({visit})", ms, target=SWITCH_TARGET_MS, size=size))
                if visit == "first visit" and name != MODES[0].name:
                    # The screen shows at once and reads its rows in a worker after its first paint: how
                    # long until they are shown too (the track record works out 2,500 people's figures).
                    await app.workers.wait_for_complete()
                    await settle()
                    figures.append(
                        Figure(
                            f"switch to {name} (first visit), until its data shows",
                            (time.perf_counter() - start) * 1000,
                            size=size,
                            note="the screen's workers done and their rows painted",
                        )
                    )
        figures += await _track_record(app, pilot, settle, size)
        await pilot.pause()
    bare_conn.close()
    store.close()
    return figures


async def _track_record(app: Any, pilot: Any, settle: Callable[[], Any], size: int) -> list[Figure]:
    """The track record's people table (~2,500 people at 100,000 requisitions): a sort change and the
    rows shown when the worker's report arrives, each the screen's own work plus drawing every visible
    line of the table (no Pilot waits timed)."""
    from mediation_console.console.core.track_record import SORT_COLUMNS
    from mediation_console.screens.track_record import TrackRecordScreen

    await app.switch_mode("track_record")
    await app.workers.wait_for_complete()
    await settle()
    screen = app.screen
    assert isinstance(screen, TrackRecordScreen) and screen.report is not None
    people = screen.people_table
    report = screen.report

    def timed(action: Callable[[], object]) -> float:
        gc.collect()
        start = time.perf_counter()
        action()
        for y in range(people.size.height):  # what the compositor asks of the table next: every visible line
            people.render_line(y)
        return (time.perf_counter() - start) * 1000

    # Every column the sort menu offers (which a header click applies too), then `r` after each.
    samples = []
    for key in SORT_COLUMNS:
        samples.append(timed(lambda key=key: screen._sort(key)))
        await settle()  # the highlight and title messages handled between changes, as a lead's keys are
        samples.append(timed(screen.action_reverse_sort))
        await settle()

    # The worker's report arriving: both tables filled and the detail strip, every line drawn afresh
    # (a first visit has drawn none of them).
    fills = []
    for _ in range(5):
        people._lines.clear()
        fills.append(timed(lambda: screen._show(report)))
        await settle()
    people_count = f"{len(report.people):,} people"
    return [
        Figure(
            f"track record: sort change ({people_count})",
            statistics.median(samples),
            target=SORT_TARGET_MS,
            size=size,
            note=f"median of {len(samples)}: every sort column and its reverse; slowest {max(samples):.1f} ms",
            extra={"slowest_ms": round(max(samples), 3)},
        ),
        Figure(
            f"track record: rows shown after the data arrives ({people_count})",
            statistics.median(fills),
            target=SORT_TARGET_MS,
            size=size,
            note="median of 5: teams, people and the detail strip drawn",
        ),
    ]


def measure() -> list[Figure]:
    figures = [_cold_start(size) for size in SIZES]
    figures += asyncio.run(_interactive(SIZE))
    figures += _memory(SIZE)
    return figures


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(measure())
