"""Viewers for the ten-viewer bench: N read-only seats on `mediate serve`, each drawing its screen, in one process.

`python -m bench.viewers ORIGIN VIEWER_TOKEN N` opens N viewer tabs (bench/web_seat.py: textual-serve's
websocket, drawn with pyte as xterm.js would), waits for each to show the queue, switches each to the
standup screen and waits until it follows the lead. It then draws every frame each viewer receives,
noting the moment each first shows the lead's item K ("item K of M · following the lead") and any line
that shows an error, and answers JSON commands, one a line, on stdin:

  {"cmd": "follow", "item": K, "since": T}  -> {"follow": [seconds from T (monotonic) per viewer, or null]}
  {"cmd": "report"}                         -> {"errors": {...}, "frames": n, "bytes": n}
  {"cmd": "quit"}

It runs in its own process so that drawing ten screens never delays the lead's seat's clock.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time

import aiohttp

from bench.web_seat import SeatClosed, SeatTimeout, WebSeat, queue_rows_shown, shows

FOLLOWING = re.compile(r"item (\d+) of \d+ · following the lead")


class Viewer:
    def __init__(self, seat: WebSeat) -> None:
        self.seat = seat
        self.items: dict[int, float] = {}  # item number -> when this viewer first drew it
        self.errors: list[str] = []
        self.changed = asyncio.Event()

    def look(self, arrived: float) -> None:
        match = FOLLOWING.search(self.seat.text())
        if match:
            self.items.setdefault(int(match.group(1)), arrived)
        for line in self.seat.errors_shown():
            if line not in self.errors:
                self.errors.append(line)
        self.changed.set()

    async def pump(self) -> None:
        seat = self.seat
        try:
            while True:
                got = await seat._receive(3600)
                if got is None:
                    continue
                seat._feed(got[1])
                self.look(got[0])
        except Exception as exc:  # a closed websocket, or anything else: the viewer saw it stop
            self.errors.append(seat.closed_reason or f"{type(exc).__name__}: {exc}")
            self.changed.set()


async def _open(session: aiohttp.ClientSession, origin: str, token: str) -> tuple[Viewer, float, float]:
    seat = WebSeat(session, origin, token)
    await seat.open()
    first = await seat.wait_for(queue_rows_shown, seat.opened_at, timeout=180, what="a viewer's queue")
    await seat.settle(0.3, timeout=10)
    follow = await seat.press("5", shows("following the lead"), timeout=120, what="a viewer following the lead")
    return Viewer(seat), first, follow


async def _follow(viewers: list[Viewer], item: int, since: float, timeout: float) -> list[float | None]:
    deadline = time.monotonic() + timeout

    async def one(viewer: Viewer) -> float | None:
        while item not in viewer.items:
            viewer.changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                await asyncio.wait_for(viewer.changed.wait(), left)
            except TimeoutError:
                return None
        return viewer.items[item] - since

    return list(await asyncio.gather(*(one(v) for v in viewers)))


def _say(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def main(origin: str, token: str, count: int) -> None:
    async with aiohttp.ClientSession() as session:
        started = time.monotonic()
        try:
            opened = await asyncio.gather(*(_open(session, origin, token) for _ in range(count)))
        except (SeatTimeout, SeatClosed) as exc:
            _say({"failed": str(exc)})
            return
        viewers = [v for v, _, _ in opened]
        pumps = [asyncio.create_task(v.pump()) for v in viewers]
        _say(
            {
                "ready": round(time.monotonic() - started, 2),
                "first_rows": [round(f, 3) for _, f, _ in opened],
                "following": [round(f, 3) for _, _, f in opened],
            }
        )
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := await reader.readline():
            command = json.loads(line)
            if command["cmd"] == "follow":
                seconds = await _follow(viewers, command["item"], command["since"], command.get("timeout", 10))
                _say({"follow": seconds})
            elif command["cmd"] == "report":
                _say(
                    {
                        "errors": {str(i): v.errors for i, v in enumerate(viewers) if v.errors},
                        "frames": sum(v.seat.frames for v in viewers),
                        "bytes": sum(v.seat.bytes_read for v in viewers),
                        "screens": [v.seat.text() for v in viewers[:1]],
                    }
                )
            elif command["cmd"] == "quit":
                break
        for pump in pumps:
            pump.cancel()
        for viewer in viewers:
            await viewer.seat.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
