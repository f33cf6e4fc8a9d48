"""A browser tab's worth of `mediate serve`: textual-serve's websocket, its output drawn into a pyte screen.

A tab of the served console is a websocket to textual-serve: keys go up as `["stdin", text]`, the
console's terminal output comes down as binary frames (the same escape sequences a terminal gets),
which the page's xterm.js draws. This client does what the page does, with `pyte` (a VT100/xterm
screen model) in place of xterm.js, so a figure is the time from sending a key to the arrival of the
frame after which the screen shows the change: each frame is time-stamped when it arrives, before it
is parsed (as `bench/terminal.py` does for a pty). Times are `time.monotonic()`, the same clock in
every process of the machine, so a key sent by one process can time a screen drawn in another.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import AsyncIterator, Callable

import aiohttp
import pyte

Predicate = Callable[["WebSeat"], bool]

ENTER = "\r"
BACKSPACE = "\x7f"
ESCAPE = "\x1b"
CTRL_S = "\x13"

# What a seat must never show: a crashed or refused read (the console's error toasts say "could not",
# "not loaded", "not read", "Not measured", "Not counted"), a traceback, or the console stopping.
ERROR_WORDS = re.compile(r"Traceback|could not|not loaded|not read\b|Not measured|Not counted|stopped|Error")


class SeatClosed(RuntimeError):
    pass


class SeatTimeout(RuntimeError):
    def __init__(self, what: str, screen_text: str) -> None:
        super().__init__(f"timed out waiting for {what}; the seat showed:\n{screen_text}")
        self.screen_text = screen_text


class WebSeat:
    """One tab on a served console (`origin` like http://127.0.0.1:8000, the seat's `token`)."""

    def __init__(self, session: aiohttp.ClientSession, origin: str, token: str, columns: int = 140, lines: int = 40):
        self.session, self.origin, self.token = session, origin, token
        self.columns, self.lines = columns, lines
        self.screen = pyte.Screen(columns, lines)
        self.stream = pyte.ByteStream(self.screen)
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.closed_reason: str | None = None
        self.frames = 0
        self.bytes_read = 0
        self.opened_at = 0.0

    async def open(self) -> None:
        url = self.origin.replace("http", "ws", 1) + f"/ws/{self.token}?width={self.columns}&height={self.lines}"
        self.opened_at = time.monotonic()
        self.ws = await self.session.ws_connect(url, max_msg_size=0, heartbeat=None)

    # -- reading ------------------------------------------------------------------------------------

    def display(self) -> list[str]:
        return list(self.screen.display)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    async def _receive(self, timeout: float) -> tuple[float, bytes] | None:
        """The next frame of terminal output and when it arrived; None if nothing came within `timeout`."""
        assert self.ws is not None
        if self.closed_reason:
            raise SeatClosed(self.closed_reason)
        while True:
            try:
                message = await asyncio.wait_for(self.ws.receive(), max(0.0, timeout))
            except TimeoutError:
                return None
            arrived = time.monotonic()
            if message.type == aiohttp.WSMsgType.BINARY:
                self.frames += 1
                self.bytes_read += len(message.data)
                return arrived, message.data
            if message.type == aiohttp.WSMsgType.TEXT:
                continue  # textual-serve's meta messages (open_url, downloads, pong)
            self.closed_reason = f"the websocket closed ({message.type.name}, {self.ws.close_code})"
            raise SeatClosed(self.closed_reason)

    def _feed(self, data: bytes) -> None:
        self.stream.feed(data)

    async def wait_for(
        self, predicate: Predicate, since: float, timeout: float = 30.0, what: str = "the screen"
    ) -> float:
        """Seconds from `since` (monotonic) to the arrival of the frame after which `predicate` holds."""
        if predicate(self):
            return time.monotonic() - since
        deadline = time.monotonic() + timeout
        while True:
            try:
                got = await self._receive(deadline - time.monotonic())
            except SeatClosed:
                raise SeatTimeout(what + f" ({self.closed_reason})", self.text()) from None
            if got is None:
                raise SeatTimeout(what, self.text())
            arrived, data = got
            self._feed(data)
            if predicate(self):
                return arrived - since

    async def settle(self, quiet: float = 0.3, timeout: float = 30.0) -> None:
        """Reads until the console has drawn nothing for `quiet` seconds (or `timeout` passed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = await self._receive(min(quiet, deadline - time.monotonic()))
            if got is None:
                return
            self._feed(got[1])

    async def pump(self) -> None:
        """Draws every frame as it comes, until the websocket closes (a viewer's background reader)."""
        try:
            while True:
                got = await self._receive(3600)
                if got is not None:
                    self._feed(got[1])
        except SeatClosed:
            return

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[None]:
        """Keeps drawing the seat's frames while the caller waits on something else, as a browser tab
        does: the server pings every websocket (every 15 s of silence) and closes one whose pong does
        not come back, and aiohttp answers a ping only while the seat is reading."""
        task = asyncio.create_task(self.pump())
        try:
            yield
        finally:
            # Python 3.11's wait_for swallows a cancel that arrives as the frame it waits for comes in
            # (the pump then waits for the next frame, up to an hour on a quiet screen): cancel until done.
            while not task.done():
                task.cancel()
                await asyncio.wait([task], timeout=0.1)
            with contextlib.suppress(asyncio.CancelledError):
                task.result()

    # -- writing ------------------------------------------------------------------------------------

    async def send(self, keys: str) -> float:
        assert self.ws is not None
        sent = time.monotonic()
        await self.ws.send_str(json.dumps(["stdin", keys]))
        return sent

    async def press(self, keys: str, predicate: Predicate, timeout: float = 30.0, what: str = "the screen") -> float:
        return await self.wait_for(predicate, await self.send(keys), timeout, what)

    async def close(self) -> None:
        if self.ws is not None and not self.ws.closed:
            await self.ws.close()

    def errors_shown(self) -> list[str]:
        """Lines of the screen that show an error (see ERROR_WORDS), or why the seat closed."""
        found = [line.strip() for line in self.screen.display if ERROR_WORDS.search(line)]
        if self.closed_reason:
            found.append(self.closed_reason)
        return found


def shows(text: str) -> Predicate:
    return lambda seat: any(text in line for line in seat.screen.display)


QUEUE_ROWS = re.compile(r"^\s+REQ-\d+ ", re.M)


def queue_rows_shown(seat: WebSeat) -> bool:
    """The queue's rows are drawn (a viewer's title line says it is read-only instead of the screen's name)."""
    text = seat.text()
    return " requisitions" in text and QUEUE_ROWS.search(text) is not None
