"""Ten viewers: `mediate serve` on a 100,000-requisition database, the lead filtering the queue during a standup.

Measured from outside, as the lead and the team use it (issue 17's last acceptance point). The real
`mediate serve` runs on a private copy of the cached database; the lead's seat is a websocket client
that draws the console's output with pyte as the page's xterm.js would (bench/web_seat.py). The lead
starts a standup, goes to the queue and types filter words; each keystroke is timed from sending it
up the lead's websocket to the arrival of the frame after which the lead's screen shows the rows that
keystroke leaves (recorded once, untimed, before any timing).

- **floor**: the same keystrokes with no viewer connected, in the same run: before the viewers come
  and again after they leave (so a busy moment of the machine falls on both);
- **with viewers**: `VIEWERS` read-only seats (bench/viewers.py, each in a process of its own, as
  each viewer's browser is, drawing its screen) on the standup screen following the lead; between rounds of keystrokes the lead
  moves the meeting to the next item, and each viewer's screen must show it ("item K of M · following
  the lead"): that delay is a figure too. Every frame every viewer draws is checked for an error
  (bench/web_seat.ERROR_WORDS) or a closed seat.

Everything runs on one machine: the server, eleven console processes and the clients share its cores.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from bench.blackbox import _rows, filter_words
from bench.common import Figure, percentile, working_copy
from bench.outside import MEDIATE, ROOT, sandbox_env
from bench.terminal import cpu_seconds, status_mb
from bench.web_seat import BACKSPACE, CTRL_S, ENTER, SeatTimeout, WebSeat, queue_rows_shown, shows

SIZE = int(os.environ.get("BENCH_SERVE_SIZE", "100000"))  # issue 17 asks for 100,000
VIEWERS = int(os.environ.get("BENCH_SERVE_VIEWERS", "10"))
ROUNDS = int(os.environ.get("BENCH_SERVE_ROUNDS", "3"))  # rounds of keystrokes with the viewers connected
FILTER_MS = 100.0  # issue 17: the lead's filter keystroke stays under 100 ms with ten viewers
FOLLOW_MS = 1000.0  # issue 17: a viewer's standup moves within a second of the lead's key
LEAD_TOKEN = "bench-lead-token-0123456789"
VIEWER_TOKEN = "bench-viewer-token-0123456789"
FIRST_ROW = 4  # the queue's first table line at 140x40


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _keys(words: list[str]) -> list[str]:
    """Each word typed letter by letter and deleted back to an empty box (every round ends where it began)."""
    keys: list[str] = []
    for word in words:
        keys += list(word) + [BACKSPACE] * len(word)
    return keys


def _tree(pid: int) -> list[int]:
    """A process and all its descendants (the server and every seat's console)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
        found.append(p)
    return found


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (the server and every seat's console)."""
    total = 0.0
    for p in _tree(pid):
        with contextlib.suppress(OSError, LookupError):
            total += status_mb(p, "VmRSS")
    return total


def _tree_cpu_seconds(pid: int) -> float:
    """CPU time used so far by a process and all its descendants."""
    total = 0.0
    for p in _tree(pid):
        with contextlib.suppress(OSError):
            total += cpu_seconds(p)
    return total


async def _tree_quiet(pid: int, quiet: float = 0.5, share: float = 0.3, timeout: float = 120.0) -> float:
    """Waits until the server and its seats' consoles together use under `share` of a core for `quiet`
    seconds (each console's start-up work, such as the rules' warm-up, is over); returns the wait."""
    started = time.perf_counter()
    before = _tree_cpu_seconds(pid)
    while time.perf_counter() - started < timeout:
        await asyncio.sleep(quiet)
        after = _tree_cpu_seconds(pid)
        if after - before < share * quiet:
            break
        before = after
    return time.perf_counter() - started


class ViewerProcess:
    """bench/viewers.py in a subprocess: JSON commands in, JSON answers out."""

    def __init__(self, origin: str, count: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.viewers", origin, VIEWER_TOKEN, str(count)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=sandbox_env(),
        )

    async def answer(self, timeout: float = 300) -> dict:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(self.process.stdout.readline), timeout)
        if not line:
            raise RuntimeError(f"the viewers' process stopped (exit {self.process.poll()})")
        return json.loads(line)

    async def ask(self, command: dict, timeout: float = 60) -> dict:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return await self.answer(timeout)

    def stop(self) -> None:
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
            self.process.stdin.flush()
            self.process.wait(20)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


class Run:
    def __init__(self) -> None:
        self.floor: list[float] = []
        self.loaded: list[float] = []
        self.follow: list[float | None] = []
        self.unmatched = {"floor": 0, "loaded": 0}
        self.viewer_errors: dict[str, list[str]] = {}
        self.viewers_ready_s = 0.0
        self.viewers_settled_s = 0.0
        self.items = 0
        self.rss_floor_mb = 0.0
        self.rss_loaded_mb = 0.0
        self.frames = 0


async def _settle(seat: WebSeat, quiet: float = 0.15) -> None:
    await seat.settle(quiet, timeout=10)


async def _type(
    lead: WebSeat, keys: list[str], expected: list[tuple[str, ...] | None] | None, samples: list[float] | None
) -> tuple[list[tuple[str, ...] | None], int]:
    """Types `keys` into the lead's focused filter box: calibrating (no `expected`) records what each
    key leaves once the console is quiet; timing waits for exactly that. Keys that leave the rows as
    they were are typed, not timed; a key whose calibrated rows never show is counted, not timed."""
    recorded: list[tuple[str, ...] | None] = []
    unmatched = 0
    previous = _rows(lead, FIRST_ROW)  # type: ignore[arg-type]
    for i, key in enumerate(keys):
        if expected is None:
            await lead.send(key)
            await _settle(lead, 0.4)
            rows = _rows(lead, FIRST_ROW)  # type: ignore[arg-type]
            recorded.append(rows if rows != previous else None)
            previous = rows
            continue
        want = expected[i]
        if want is None:
            await lead.send(key)
            await _settle(lead)
            continue
        try:
            seconds = await lead.press(
                key,
                lambda s, want=want: _rows(s, FIRST_ROW) == want,  # type: ignore[arg-type]
                timeout=10,
                what=f"the lead's rows after {key!r}",
            )
        except SeatTimeout:
            unmatched += 1
        else:
            assert samples is not None
            samples.append(seconds * 1000)
        await _settle(lead)
    return recorded, unmatched


def _current_item(db: Path) -> tuple[int, int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        standup_id, current = conn.execute(
            "SELECT id, current_item FROM standups WHERE ended_at IS NULL ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
        (items,) = conn.execute("SELECT count(*) FROM standup_items WHERE standup_id = ?", (standup_id,)).fetchone()
    return current, items


LEAD_ITEM = re.compile(r"item (\d+) of \d+")


def _lead_item(seat: WebSeat) -> int | None:
    """The item number the lead's standup screen shows ("item K of M", counted as the agenda counts)."""
    match = LEAD_ITEM.search(seat.text())
    return int(match.group(1)) if match else None


async def _session(origin: str, db: Path, server_pid: int) -> Run:
    run = Run()
    words = filter_words(db)
    keys = _keys(words)
    async with aiohttp.ClientSession() as session:
        lead = WebSeat(session, origin, LEAD_TOKEN)
        await lead.open()
        await lead.wait_for(queue_rows_shown, lead.opened_at, timeout=180, what="the lead's queue")
        await _settle(lead, 1.0)  # the rules module is imported in a worker once the queue shows
        # The lead starts the standup (the agenda of a 100,000-requisition team), then filters the queue.
        await lead.press("5", shows("Standup"), timeout=60, what="the standup screen")
        await _settle(lead, 1.0)
        await lead.press("s", shows("Who is here"), timeout=60, what="the standup's attendance")
        await _settle(lead, 0.3)
        await lead.press(CTRL_S, shows("Standup started"), timeout=120, what="the standup to start")
        await _settle(lead, 1.0)
        run.items = _current_item(db)[1]

        async def to_queue_filter() -> None:
            await lead.press("1", queue_rows_shown, timeout=60, what="the queue")
            await _settle(lead, 0.3)
            await lead.send("/")
            await _settle(lead, 0.3)

        async def leave_filter() -> None:
            await lead.send(ENTER)  # back to the table, so number keys switch screens
            await _settle(lead, 0.3)

        await to_queue_filter()
        expected, _ = await _type(lead, keys, None, None)

        # Floor, first half: nobody else connected.
        _, missed = await _type(lead, keys, expected, run.floor)
        run.unmatched["floor"] += missed
        run.rss_floor_mb = _tree_rss_mb(server_pid)
        await leave_filter()

        # One process a viewer, as each viewer's browser is its own: drawing ten screens in one event loop
        # can keep a viewer from answering the server's websocket pings in time.
        viewers = [ViewerProcess(origin, 1) for _ in range(VIEWERS)]
        try:
            async with lead.reading():  # the lead's tab stays open (and answers pings) while they connect
                readies = await asyncio.gather(*(v.answer(timeout=600) for v in viewers))
            failed = [r["failed"] for r in readies if "failed" in r]
            if failed:
                raise RuntimeError(f"{len(failed)} viewers did not follow the lead: {failed[0]}")
            run.viewers_ready_s = max(r["ready"] for r in readies)
            # Ten consoles that have just started each load the rules in a worker (~0.6 s of CPU): the
            # meeting moves on once they are idle, as it does after people have joined.
            async with lead.reading():
                run.viewers_settled_s = await _tree_quiet(server_pid)
            for _ in range(ROUNDS):
                # The lead moves the meeting on; every viewer's screen must show the new item.
                await lead.press("5", shows("Standup"), timeout=60, what="the lead's standup")
                await _settle(lead, 0.3)
                before = _lead_item(lead)
                since = await lead.send(" ")
                # Space walks the items the meeting talks about (it passes a section's "+N more" line, and
                # the screen counts as the agenda does), so the item the viewers must show is the one the
                # lead's own screen moved to, not the next row of the agenda.
                await lead.wait_for(
                    lambda s, before=before: _lead_item(s) not in (None, before),
                    since,
                    timeout=15,
                    what="the lead's next item",
                )
                command = {"cmd": "follow", "item": _lead_item(lead), "since": since, "timeout": 15}
                async with lead.reading():
                    answers = await asyncio.gather(*(v.ask(command) for v in viewers))
                run.follow += [s for a in answers for s in a["follow"]]
                await _settle(lead, 0.3)
                await to_queue_filter()
                _, missed = await _type(lead, keys, expected, run.loaded)
                run.unmatched["loaded"] += missed
                run.rss_loaded_mb = max(run.rss_loaded_mb, _tree_rss_mb(server_pid))
                await leave_filter()
            async with lead.reading():
                reports = await asyncio.gather(*(v.ask({"cmd": "report"}) for v in viewers))
            for n, report in enumerate(reports):
                if report["errors"]:
                    run.viewer_errors[str(n)] = report["errors"]["0"]
                run.frames += report["frames"]
        finally:
            async with lead.reading():
                await asyncio.gather(*(asyncio.to_thread(v.stop) for v in viewers))
        async with lead.reading():
            await asyncio.sleep(2)  # the viewers' consoles stop once their tabs close

        # Floor, second half.
        await to_queue_filter()
        _, missed = await _type(lead, keys, expected, run.floor)
        run.unmatched["floor"] += missed
        lead_errors = lead.errors_shown()
        if lead_errors:
            run.viewer_errors["lead"] = lead_errors
        await lead.close()
    return run


def _serve(db: Path, port: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [
            MEDIATE,
            "serve",
            "--db",
            str(db),
            "--port",
            str(port),
            "--lead-token",
            LEAD_TOKEN,
            "--viewer-token",
            VIEWER_TOKEN,
        ],
        env=sandbox_env(),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 120
    output = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        output.append(line)
        if line.startswith("viewer"):
            return process
        if process.poll() is not None:
            break
    process.kill()
    raise RuntimeError("mediate serve did not start:\n" + "".join(output))


def measure() -> list[Figure]:
    started = time.perf_counter()
    db = working_copy(SIZE, "serve")
    port = _free_port()
    server = _serve(db, port)
    try:
        run = asyncio.run(_session(f"http://127.0.0.1:{port}", db, server.pid))
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    load = os.getloadavg()[0]
    if not run.loaded or not run.floor:
        raise RuntimeError(f"ten-viewer bench: no keystroke was timed (unmatched {run.unmatched})")

    def spread(values: list[float]) -> tuple[float, float, float]:
        return min(values), statistics.median(values), percentile(values, 95)

    follow = [s * 1000 for s in run.follow if s is not None]
    missed_follow = sum(1 for s in run.follow if s is None)
    errors = len([k for k in run.viewer_errors if k != "lead"])
    floor_low, floor_mid, floor_high = spread(run.floor)
    figures = [
        Figure(
            f"{VIEWERS} viewers: the lead's filter keystroke to changed rows",
            percentile(run.loaded, 95),
            size=SIZE,
            target=FILTER_MS,
            bare=percentile(run.floor, 95),
            anchor="no viewers",
            basis="p95",
            spread=spread(run.loaded),
            samples=len(run.loaded),
            note=f"browser seat (websocket + pyte) of `mediate serve` during a standup, {VIEWERS} viewer seats "
            f"following it; {len(run.loaded)} keys with viewers, {len(run.floor)} without (floor min/median/p95 "
            f"{floor_low:.0f} / {floor_mid:.0f} / {floor_high:.0f} ms); keys that never showed their rows: "
            f"{run.unmatched['loaded']} with, {run.unmatched['floor']} without; load {load:.1f}",
            extra={"samples": [round(v, 2) for v in run.loaded], "floor_samples": [round(v, 2) for v in run.floor]},
        ),
        Figure(
            f"{VIEWERS} viewers: a viewer's standup shows the lead's next item",
            percentile(follow, 95) if follow else float("inf"),
            size=SIZE,
            target=FOLLOW_MS,
            basis="p95",
            spread=spread(follow) if follow else None,
            samples=len(follow),
            note=f"space on the lead's seat until each viewer's screen draws 'item K of {run.items} · following the "
            f"lead'; {ROUNDS} moves x {VIEWERS} viewers, {missed_follow} not shown within 15 s; the first move "
            f"once the consoles were idle ({run.viewers_settled_s:.1f} s after the last viewer followed)",
            extra={"samples": [None if s is None else round(s * 1000, 1) for s in run.follow]},
        ),
        Figure(
            f"{VIEWERS} viewers: seats that showed an error or closed",
            float(errors + (1 if "lead" in run.viewer_errors else 0)),
            unit="seats",
            size=SIZE,
            target=0.0,
            note="every frame of every viewer checked (tracebacks, error toasts, a closed websocket); "
            + (json.dumps(run.viewer_errors)[:300] if run.viewer_errors else "none"),
            extra={"errors": run.viewer_errors, "frames_drawn": run.frames},
        ),
        Figure(
            f"{VIEWERS} viewers: memory of the server and every seat's console",
            run.rss_loaded_mb,
            unit="MB",
            size=SIZE,
            bare=run.rss_floor_mb,
            anchor="lead alone",
            basis="once",
            note=f"VmRSS of `mediate serve` and its descendants; the viewers took {run.viewers_ready_s:.0f} s "
            "to connect and follow",
        ),
    ]
    print(f"  ten viewers at {SIZE:,}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return figures


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table(measure())
