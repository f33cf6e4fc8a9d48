"""Black-box figures: `mediate` in a real pseudo-terminal, keys sent, the clock stopped when the screen shows the change.

Beside it, in the same run and the same harness (`bench/terminal.py`): a bare Textual app showing
and filtering the same rows (`bench/bare_app.py`, the floor) and VisiData opening and filtering a CSV
of the same rows (the peer). Each program is launched `RUNS` times (after one untimed launch that
compiles bytecode, warms the OS file cache and records what each filter keystroke must show); every
figure is the min / median / p95 over the samples of all launches, and pass/MISS judges the p95 (the
median for cold start and memory). Nothing here imports the console: it is driven as a user drives
it, and what it shows is read off the screen.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import CACHE, Figure, black_box_sizes, database, percentile
from bench.outside import KEPT_CACHE, OTHER_MEDIATE, ROOT, generated, sandbox_env
from bench.outside import MEDIATE as THIS_MEDIATE
from bench.terminal import BACKSPACE, DOWN, ENTER, ESCAPE, ScreenTimeout, Terminal

RUNS = int(os.environ.get("BENCH_BLACKBOX_RUNS", "5"))
MEDIATE = OTHER_MEDIATE or THIS_MEDIATE
LAUNCH_TRIES = 3  # a launch whose screen did not show what was waited for is run again, at most this often
COLUMNS, LINES = 140, 40
KEYSTROKES = 30  # per launch: words from the data typed and deleted one key at a time
DETAILS = 3  # detail panels opened per launch
EARLY_VISIT_AFTER = 0.5  # seconds after the first rows that the early launches go to a screen
RETURN_CYCLES = 2  # rounds of keys 1-5 per launch once every screen has been visited

COLD_START_RATIO = 3.0  # × the bare Textual app
FILTER_P95_MS = {100_000: 30.0, 1_000_000: 50.0}
RETURN_MS = 30.0
FIRST_VISIT_MS = {100_000: 300.0, 1_000_000: 1000.0}
DETAIL_MS = 60.0
MEMORY_MB = 250.0

Check = Callable[[Terminal], bool]


def _matches(pattern: str) -> Check:
    regex = re.compile(pattern, re.MULTILINE)
    return lambda term: regex.search(term.text()) is not None


def _title(term: Terminal) -> str:
    return term.screen.display[0]


# What each of the console's screens shows once its data is there (read off the screen, 140x40). A
# screen still reading says so ("Loading disputes…", "reading…", "measuring…", "working it out…").
LOADING = ("Loading", "reading…", "measuring…", "Measuring…", "working it out…")
SCREENS: dict[str, tuple[str, str, re.Pattern[str]]] = {
    "1": ("queue", "Requisition queue", re.compile(r"^\s+REQ-\d+ ", re.M)),
    "2": ("disputes", "Disputes", re.compile(r"^\s*D-\d+\s+(?:\w+\s+)?\d+d\s", re.M)),
    "3": (
        "expectations",
        "Expectations",
        re.compile(r"\d+% \(\d+/.*^\s+(?:overdue|due|\w{3} \d{2} \w{3})", re.M | re.S),
    ),
    "4": ("track record", "Track record", re.compile(r"People · [\d,]+ ·.*^\s+\S.*\d+%", re.M | re.S)),
    "5": ("standup", "Standup", re.compile(r"Last standup|Agenda|agenda", re.M)),
}


def screen_ready(key: str) -> Check:
    _, title, data = SCREENS[key]

    def ready(term: Terminal) -> bool:
        if title not in _title(term):
            return False
        text = term.text()
        return data.search(text) is not None and not any(word in text for word in LOADING)

    return ready


def DETAIL_OPEN(term: Terminal) -> bool:
    # The panel is composed whole (facts, scorecard, disputes, timeline); a requisition with disputes
    # pushes the timeline below a 40-line screen, so the scorecard's title says the panel is drawn.
    return any("esc close" in line for line in term.screen.display) and any(
        "Fillability" in line for line in term.screen.display
    )


def DETAIL_CLOSED(term: Terminal) -> bool:
    return not any("esc close" in line for line in term.screen.display)


# -- what to type ------------------------------------------------------------------------------------


def filter_words(path: Path) -> list[str]:
    """Words from the data, as the in-process bench types them: a title, a client, a salesperson's surname."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT r.title, r.client, s.name FROM requisitions r JOIN people s ON s.id = r.sales_owner_id "
            "ORDER BY r.id LIMIT 1 OFFSET 4321"
        ).fetchone()
    finally:
        conn.close()
    return [
        str(row[0]).split()[0].lower(),
        str(row[1]).split()[0].lower(),
        str(row[2]).split()[-1].lower(),
        "eng",
        "zz",
    ]


def filter_keys(words: list[str], count: int = KEYSTROKES) -> list[str]:
    """Each word typed letter by letter, then deleted back to an empty box."""
    keys: list[str] = []
    while len(keys) < count:
        for word in words:
            keys += list(word) + [BACKSPACE] * len(word)
    return keys[:count]


def _rows(term: Terminal, first: int) -> tuple[str, ...]:
    # The table's lines without the scrollbar (whose thumb moves when a count arrives later).
    return tuple(line[: term.columns - 3] for line in term.screen.display[first:-1])


# -- one launch of each program ------------------------------------------------------------------------


class Samples(dict[str, list[float]]):
    def add(self, name: str, seconds: float) -> None:
        self.setdefault(name, []).append(seconds * 1000)


def _settle(term: Terminal, quiet: float = 0.15) -> None:
    term.settle(quiet=quiet, timeout=10)


def _type_filter(
    term: Terminal,
    keys: list[str],
    first_row: int,
    expected: list[tuple[str, ...] | None] | None,
    samples: Samples | None,
    name: str,
) -> list[tuple[str, ...] | None]:
    """Types `keys` into the focused filter box. Calibrating (no `expected`), records what each key
    leaves on screen once the program is quiet; timing, waits for exactly that and records the time.
    A key that leaves the rows as they were (the change cannot be seen) is typed but not timed."""
    recorded: list[tuple[str, ...] | None] = []
    previous = _rows(term, first_row)
    for i, key in enumerate(keys):
        if expected is None:
            term.send(key)
            _settle(term, 0.4)
            rows = _rows(term, first_row)
            recorded.append(rows if rows != previous else None)
            previous = rows
            continue
        want = expected[i]
        if want is None:
            term.send(key)
            _settle(term)
            continue
        seconds = term.press(
            key, lambda t, want=want: _rows(t, first_row) == want, timeout=20, what=f"the rows after typing {key!r}"
        )
        assert samples is not None
        samples.add(name, seconds)
        _settle(term)
    return recorded


def mediate_launch(
    db: Path, keys: list[str], expected: list[tuple[str, ...] | None] | None, samples: Samples
) -> list[tuple[str, ...] | None]:
    """One launch of `mediate --db DB`: cold start, detail panels, filter keys, every screen, memory."""
    with Terminal([MEDIATE, "--db", str(db)], COLUMNS, LINES, env=sandbox_env(), cwd=ROOT) as term:
        samples.add("cold", term.wait_for(screen_ready("1"), term.spawned_at, timeout=120, what="the queue's rows"))
        # The rules are loaded in a worker once the queue shows (~0.6 s of CPU): a lead reading the queue
        # never sees it, and a panel opened meanwhile waits for it. Timed once it is over.
        samples.add("warm", term.settle_cpu(0.3, timeout=30))
        for _ in range(DETAILS):
            samples.add("detail", term.press(ENTER, DETAIL_OPEN, what="the detail panel"))
            _settle(term)
            term.press(ESCAPE, DETAIL_CLOSED, what="the detail panel to close")
            _settle(term)
            term.send(DOWN)
            _settle(term)
        term.send("/")
        _settle(term)
        recorded = _type_filter(term, keys, 4, expected, samples, "filter")
        term.send(ENTER)  # back to the table, so number keys switch screens
        _settle(term, 0.3)
        for key in "2345":
            samples.add(
                f"first {key}",
                term.press(key, screen_ready(key), timeout=120, what=f"the {SCREENS[key][0]} screen's data"),
            )
            _settle(term, 0.3)
        for _ in range(RETURN_CYCLES):
            for key in "12345":
                samples.add(
                    f"return {key}",
                    term.press(key, screen_ready(key), timeout=60, what=f"the {SCREENS[key][0]} screen"),
                )
                _settle(term, 0.3)
        samples.setdefault("memory", []).append(term.peak_rss_mb())
        term.close("q")
    return recorded


def mediate_early_launch(db: Path, key: str, samples: Samples, *, kept: bool = True) -> None:
    """A launch whose first move is a visit to screen `key` soon after the first rows, while the console's
    start-up work (the rules' warm-up, then the prefetch of the track record and the measurements) may
    still be running: what a lead who goes straight there waits. Not `kept`: with the console's cache
    folder emptied first, so no settled day's tally is kept (the first launch on a new machine)."""
    if not kept:
        shutil.rmtree(KEPT_CACHE, ignore_errors=True)
    with Terminal([MEDIATE, "--db", str(db)], COLUMNS, LINES, env=sandbox_env(), cwd=ROOT) as term:
        term.wait_for(screen_ready("1"), term.spawned_at, timeout=120, what="the queue's rows")
        time.sleep(EARLY_VISIT_AFTER)
        samples.add(
            f"early {key}" if kept else f"early {key}, none kept",
            term.press(key, screen_ready(key), timeout=120, what=f"the {SCREENS[key][0]} screen's data"),
        )
        term.close("q")


BARE_ROWS: Check = _matches(r"^\s*REQ-\d+ ")


def BARE_DETAIL_OPEN(term: Terminal) -> bool:
    return any("external_id" in line for line in term.screen.display)


def BARE_DETAIL_CLOSED(term: Terminal) -> bool:
    return not BARE_DETAIL_OPEN(term)


# A person's line: a name of two or more words (with initials, hyphens, apostrophes: "Adam A. Abbott",
# the first name at 1,000,000 requisitions), then the team.
BARE_PEOPLE: Check = _matches(r"^\s*(?!REQ-)[^\W\d][\w.'’-]*( [\w.'’-]+)+\s+(sales|recruiting|lead)\b")


def bare_launch(
    db: Path, keys: list[str], expected: list[tuple[str, ...] | None] | None, samples: Samples
) -> list[tuple[str, ...] | None]:
    """One launch of the bare Textual app: the same steps where it has them."""
    argv = [sys.executable, "-m", "bench.bare_app", str(db)]
    with Terminal(argv, COLUMNS, LINES, env=sandbox_env(), cwd=ROOT) as term:
        samples.add("cold", term.wait_for(BARE_ROWS, term.spawned_at, timeout=60, what="the bare app's rows"))
        _settle(term, 0.3)
        for _ in range(DETAILS):
            samples.add("detail", term.press(ENTER, BARE_DETAIL_OPEN, what="the bare app's detail"))
            _settle(term)
            term.press(ESCAPE, BARE_DETAIL_CLOSED, what="the bare app's detail to close")
            _settle(term)
            term.send(DOWN)
            _settle(term)
        term.send("/")
        _settle(term)
        recorded = _type_filter(term, keys, 1, expected, samples, "filter")
        term.send(ENTER)
        _settle(term, 0.3)
        samples.add("first", term.press("2", BARE_PEOPLE, what="the bare app's second screen"))
        _settle(term, 0.3)
        for _ in range(RETURN_CYCLES):
            samples.add(
                "return",
                term.press("1", lambda t: BARE_ROWS(t) and not BARE_PEOPLE(t), what="the bare app's rows again"),
            )
            _settle(term, 0.3)
            samples.add("return", term.press("2", BARE_PEOPLE, what="the bare app's second screen again"))
            _settle(term, 0.3)
        samples.setdefault("memory", []).append(term.peak_rss_mb())
        term.close("q")
    return recorded


def visidata_csv(db: Path, size: int) -> Path:
    """The queue's columns of every requisition as a CSV, for VisiData (written once into the cache)."""
    path = CACHE / f"visidata-{size}.csv"
    if path.exists():
        return path
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    tmp = path.with_suffix(".part")
    try:
        with open(tmp, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["Code", "Title", "Client", "Sales", "Recruiter", "Status", "Grade"])
            writer.writerows(
                conn.execute(
                    "SELECT r.code, r.title, r.client, s.name, rc.name, r.status, r.grade FROM requisitions r "
                    "JOIN people s ON s.id = r.sales_owner_id LEFT JOIN people rc ON rc.id = r.recruiter_id "
                    "ORDER BY r.id"
                )
            )
    finally:
        conn.close()
    tmp.rename(path)
    return path


VD_ROWS: Check = _matches(r"^\s*REQ-\d+\s+│")
VD_ROW_SHEET: Check = _matches(r"^\s*column\s+║\s+value")


def visidata_launch(path: Path, size: int, words: list[str], samples: Samples) -> None:
    """One launch of VisiData on the CSV: first rows, load, select-by-regex + open the selection (its
    filter), a row's sheet (its detail), back to the previous sheet (a return), memory."""
    vd = str(Path(sys.executable).with_name("vd"))
    with Terminal([vd, "-N", str(path)], COLUMNS, LINES, env=sandbox_env(), cwd=CACHE) as term:
        samples.add("cold", term.wait_for(VD_ROWS, term.spawned_at, timeout=60, what="VisiData's rows"))
        term.wait_for(_matches(rf"\b{size} rows"), term.spawned_at, timeout=600, what="VisiData to load every row")
        _settle(term, 0.3)
        for word in words:
            term.send("g|")
            _settle(term)
            term.send(word)
            _settle(term)
            # VisiData 3 shows the selection's size as "•N" on its status line once the regex has run.
            selected = term.press(
                ENTER,
                lambda t: re.search(r"•[\d,]+", t.screen.display[-1]) is not None,
                timeout=600,
                what="VisiData's selection",
            )
            _settle(term)
            shown = term.press(
                '"', lambda t: "selectedref" in t.screen.display[-1] and VD_ROWS(t), what="VisiData's selected rows"
            )
            samples.add("filter", selected + shown)
            _settle(term)
            for _ in range(DETAILS):
                samples.add("detail", term.press(ENTER, VD_ROW_SHEET, what="VisiData's row sheet"))
                _settle(term)
                samples.add(
                    "return",
                    # `q` closes the row's sheet and shows the selection again (ctrl+^ would swap the
                    # two and leave the row sheets stacked under the selection).
                    term.press("q", lambda t: VD_ROWS(t) and not VD_ROW_SHEET(t), what="VisiData's previous sheet"),
                )
                _settle(term)
                term.send(DOWN)
                _settle(term)
            term.send("q")  # close the selection's sheet, unselect everything
            _settle(term)
            term.send("gu")
            _settle(term, 0.3)
        samples.setdefault("memory", []).append(term.peak_rss_mb())
        term.close("gq")


# -- figures --------------------------------------------------------------------------------------------


def _stats(values: list[float]) -> tuple[float, float, float]:
    return min(values), statistics.median(values), percentile(values, 95)


def _figure(
    name: str,
    values: list[float],
    *,
    size: int,
    target: float | None = None,
    basis: str = "p95",
    floor: list[float] | None = None,
    peer: list[float] | None = None,
    unit: str = "ms",
    target_ratio: float | None = None,
    note: str = "",
) -> Figure:
    pick = {"p95": lambda v: percentile(v, 95), "median": statistics.median}[basis]
    low, mid, high = _stats(values)
    return Figure(
        name,
        pick(values),
        unit=unit,
        target=target,
        size=size,
        bare=pick(floor) if floor else None,
        anchor="bare Textual" if floor else "",
        peer=pick(peer) if peer else None,
        peer_name="VisiData" if peer else "",
        target_ratio=target_ratio,
        basis=basis,
        spread=(low, mid, high),
        samples=len(values),
        note=note,
        extra={"samples": [round(v, 2) for v in values], "floor_samples": floor, "peer_samples": peer},
    )


def measure_size(size: int) -> list[Figure]:
    if OTHER_MEDIATE:
        db = database(size, migrate=False)
    else:
        db = database(size) if size <= 100_000 else generated(size)[0]
    words = filter_words(db)
    keys = filter_keys(words)
    started = time.perf_counter()

    app, bare, vd = Samples(), Samples(), Samples()
    repeated: list[str] = []

    def launch(what: str, run: Callable[[Samples], list[tuple[str, ...] | None] | None], into: Samples) -> Any:
        """One launch; one whose screen never showed what was waited for is run again (its samples are
        dropped, never mixed in) and counted in the figures' notes, up to LAUNCH_TRIES times."""
        for attempt in range(LAUNCH_TRIES):
            these = Samples()
            try:
                result = run(these)
            except ScreenTimeout as exc:
                repeated.append(f"{what}: {str(exc).splitlines()[0]}")
                print(f"  black-box at {size:,}: {what} repeated ({str(exc).splitlines()[0]})", file=sys.stderr)
                if attempt == LAUNCH_TRIES - 1:
                    raise
                continue
            for name, values in these.items():
                into.setdefault(name, []).extend(values)
            return result
        raise AssertionError("unreachable")

    # Untimed first launches: bytecode compiled, the OS file cache warm, and what each key must show.
    expected_app = launch("mediate", lambda s: mediate_launch(db, keys, None, s), Samples())
    expected_bare = launch("bare Textual", lambda s: bare_launch(db, keys, None, s), Samples())
    csv_path = visidata_csv(db, size)
    launch("VisiData", lambda s: visidata_launch(csv_path, size, words[:1], s), Samples())
    runs = RUNS if size <= 100_000 else max(2, RUNS // 2)
    for run in range(runs):
        # Interleaved, so a busy moment on the machine falls on all three alike.
        launch("mediate", lambda s: mediate_launch(db, keys, expected_app, s), app)
        launch("bare Textual", lambda s: bare_launch(db, keys, expected_bare, s), bare)
        chosen = [words[(run * 2 + i) % 3] for i in range(2)]
        launch("VisiData", lambda s, chosen=chosen: visidata_launch(csv_path, size, chosen, s), vd)
        for key in "34":
            launch(f"mediate, early {key}", lambda s, key=key: mediate_early_launch(db, key, s), app)
        launch("mediate, early 3, none kept", lambda s: mediate_early_launch(db, "3", s, kept=False), app)
    timed_keys = sum(1 for e in expected_app if e is not None)
    figures = [
        _figure(
            "black-box: cold start to the queue's first rows",
            app["cold"],
            size=size,
            basis="median",
            floor=bare["cold"],
            peer=vd["cold"],
            target_ratio=COLD_START_RATIO,
            note=f"spawn of `mediate --db` in a {COLUMNS}x{LINES} pty to its first requisition row on screen; "
            f"{runs} launches; target ≤ {COLD_START_RATIO:.0f}× the bare Textual app",
        ),
        _figure(
            "black-box: filter keystroke to changed rows",
            app["filter"],
            size=size,
            target=FILTER_P95_MS.get(size, 50.0),
            floor=bare["filter"],
            peer=vd["filter"],
            note=f"{len(app['filter'])} keystrokes ({timed_keys} of {len(keys)} a launch change the rows); "
            'VisiData: g| regex Enter until every match is selected, plus " until the selection shows',
        ),
        _figure(
            "black-box: detail panel (enter on a queue row)",
            app["detail"],
            size=size,
            target=DETAIL_MS,
            floor=bare["detail"],
            peer=vd["detail"],
            note="until the panel shows its scorecard, opened once the console's start-up work was over (the "
            f"rules' warm-up in a worker, which ends by mounting the panel unseen: {statistics.median(app['warm']):,.0f} "
            "ms after the first rows, the wait ending at 0.3 s under a tenth of a core); the first of each launch's "
            f"{DETAILS} shows a panel never shown before; bare: a modal of the row's fields, new each time; VisiData: "
            "the row's sheet",
        ),
    ]
    visits = [
        (
            key,
            f"first {key}",
            "until its data shows",
            f"key {key}, after the detail panels and the filter (the console's prefetch done, the figures shown "
            "as worked out then); bare: its second screen's first visit (a 100-row table)",
        )
        for key in "2345"
    ] + [
        (
            key,
            f"early {key}",
            f"{EARLY_VISIT_AFTER:g} s after the first rows",
            f"key {key} as the first move of a launch, while the start-up work may still run (the rules' "
            "warm-up, then the prefetch of the track record and the measurements, which the figure above "
            "finds done)",
        )
        for key in "34"
    ]
    visits.append(
        (
            "3",
            "early 3, none kept",
            f"{EARLY_VISIT_AFTER:g} s after the first rows, no settled day kept",
            "as above, with the console's cache folder emptied before the launch: every case of the windows "
            "read (the first launch on a machine; later ones keep each settled day's tally beside the database)",
        )
    )
    for key, sample, when, note in visits:
        figures.append(
            _figure(
                f"black-box: first visit to {SCREENS[key][0]} {when}",
                app[sample],
                size=size,
                target=FIRST_VISIT_MS.get(size, 1000.0),
                floor=bare["first"],
                note=note,
            )
        )
    for key in "12345":
        figures.append(
            _figure(
                f"black-box: return to {SCREENS[key][0]}",
                app[f"return {key}"],
                size=size,
                target=RETURN_MS,
                floor=bare["return"],
                peer=vd["return"],
                note=f"key {key}, screen already visited, until it shows with its data; "
                "VisiData: q closes the row sheet back to the selection",
            )
        )
    figures.append(
        _figure(
            "black-box: peak memory (VmHWM) after every screen",
            app["memory"],
            size=size,
            unit="MB",
            basis="median",
            target=MEMORY_MB,
            floor=bare["memory"],
            peer=vd["memory"],
            note="read from /proc/<pid>/status after the tour; VisiData with every row loaded",
        )
    )
    if repeated:
        # Every figure of the size says so: a launch that timed out says the machine (or a program) stalled.
        for figure in figures:
            figure.note += f"; {len(repeated)} launch(es) repeated after a screen that did not show ({repeated[0]})"
            figure.extra["launches_repeated"] = repeated
    print(f"  black-box at {size:,}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return figures


def measure() -> list[Figure]:
    figures: list[Figure] = []
    for size in black_box_sizes():
        try:
            figures.extend(measure_size(size))
        except ScreenTimeout as exc:
            raise RuntimeError(f"black-box at {size:,}: {exc}") from None
    return figures


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(measure())
