"""A real pseudo-terminal for black-box figures: runs a program in a pty, sends keys, and times the screen.

The program gets a pty of a fixed size (TIOCSWINSZ) as its controlling terminal, like a terminal
emulator gives it; its output is read from the master side as it arrives and fed to `pyte`, a
VT100/xterm screen model, so the harness knows what a person would see. A figure is the time from
writing a key to the master side to the arrival of the output chunk after which the screen first
shows the expected change: each chunk is time-stamped when `os.read` returns it, before it is parsed,
so the parser's own cost is never billed to the program (it only delays reading the next chunk).

Why not tmux: `tmux capture-pane` is a fork and exec of the tmux client per poll (a few ms each), so
a poll loop either adds its interval to every figure or takes a core from the program measured; and
tmux itself sits between the program and the screen, redrawing at its own pace. Reading the pty
directly sees the bytes the moment the program writes them.
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pyte

# Keys as a terminal delivers them.
ENTER = "\r"
BACKSPACE = "\x7f"
ESCAPE = "\x1b"
DOWN = "\x1b[B"
UP = "\x1b[A"
CTRL_Q = "\x11"
CTRL_CARET = "\x1e"  # ctrl+^ (VisiData: back to the previous sheet)

Predicate = Callable[["Terminal"], bool]


class ScreenTimeout(RuntimeError):
    """The screen did not show what was waited for in time; carries what it did show."""

    def __init__(self, what: str, screen_text: str) -> None:
        super().__init__(f"timed out waiting for {what}; the screen showed:\n{screen_text}")
        self.screen_text = screen_text


class Terminal:
    """One program running in a pty of `columns` x `lines`, with a pyte model of its screen."""

    def __init__(
        self,
        argv: Sequence[str],
        columns: int = 140,
        lines: int = 40,
        env: Mapping[str, str] | None = None,
        cwd: str | Path | None = None,
    ) -> None:
        self.columns, self.lines = columns, lines
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        full_env = dict(os.environ if env is None else env)
        full_env.setdefault("TERM", "xterm-256color")
        full_env.setdefault("COLORTERM", "truecolor")
        full_env["LINES"], full_env["COLUMNS"] = str(lines), str(columns)
        self.spawned_at = time.perf_counter()
        self.process = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=full_env,
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
            # The pty becomes the child's controlling terminal (it is a session leader without one).
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
        os.close(slave)
        self.master = master
        os.set_blocking(master, False)
        self.screen = pyte.Screen(columns, lines)
        self.stream = pyte.ByteStream(self.screen)
        self.bytes_read = 0
        self.parse_seconds = 0.0  # the harness's own cost of modelling the screen
        self._closed = False

    @property
    def pid(self) -> int:
        return self.process.pid

    # -- reading --------------------------------------------------------------------------------

    def display(self) -> list[str]:
        return list(self.screen.display)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def _drain(self, timeout: float) -> list[tuple[float, bytes]]:
        """Every chunk the program writes within `timeout` s and right after, each with when it arrived.

        Chunks are only read here, not parsed: a frame comes as several reads of the pty (~4 KB each)
        and parsing between them would stamp the later ones late, so reading goes on while more is
        ready at once, and the caller parses when the program has paused.
        """
        ready, _, _ = select.select([self.master], [], [], max(0.0, timeout))
        chunks: list[tuple[float, bytes]] = []
        while ready:
            try:
                chunk = os.read(self.master, 1 << 16)
            except BlockingIOError:
                chunk = b""
            except OSError:  # EIO: the program closed the terminal (it exited)
                if not chunks:
                    raise EOFError("the program left the terminal") from None
                break
            if not chunk:
                break
            chunks.append((time.perf_counter(), chunk))
            self.bytes_read += len(chunk)
            ready, _, _ = select.select([self.master], [], [], 0)
        return chunks

    def _feed(self, chunk: bytes) -> None:
        parse_start = time.perf_counter()
        self.stream.feed(chunk)
        self.parse_seconds += time.perf_counter() - parse_start

    def wait_for(self, predicate: Predicate, since: float, timeout: float = 30.0, what: str = "the screen") -> float:
        """Seconds from `since` (a perf_counter time) to the arrival of the output after which `predicate` holds.

        The predicate is checked after each chunk, so the figure is the chunk that completed the
        change, not a later one. If it already holds when called, the figure is the time until now.
        """
        if predicate(self):
            return time.perf_counter() - since
        deadline = time.perf_counter() + timeout
        while True:
            try:
                chunks = self._drain(deadline - time.perf_counter())
            except EOFError:
                raise ScreenTimeout(what + " (the program exited)", self.text()) from None
            if not chunks and time.perf_counter() >= deadline:
                raise ScreenTimeout(what, self.text())
            found: float | None = None
            for arrived, chunk in chunks:
                self._feed(chunk)
                if found is None and predicate(self):
                    found = arrived
            if found is not None:
                return found - since

    def settle(self, quiet: float = 0.3, timeout: float = 30.0) -> None:
        """Reads until the program has written nothing for `quiet` seconds (workers done, screen still)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            try:
                chunks = self._drain(quiet)
            except EOFError:
                return
            if not chunks:
                return
            for _, chunk in chunks:
                self._feed(chunk)

    def settle_cpu(self, quiet: float = 0.3, timeout: float = 30.0, busy_share: float = 0.1) -> float:
        """Reads (as `settle`) until the program has used under `busy_share` of a core for `quiet`
        seconds: what it does in its own threads at start (a warm-up writes nothing to the screen) is
        over. Returns the seconds it waited."""
        started = time.perf_counter()
        deadline = started + timeout
        window_start, before = started, self.cpu_seconds()
        while (now := time.perf_counter()) < deadline:
            if now - window_start >= quiet:
                after = self.cpu_seconds()
                if after - before < busy_share * (now - window_start):
                    break
                window_start, before = now, after
            try:
                for _, chunk in self._drain(max(0.0, window_start + quiet - now)):
                    self._feed(chunk)
            except EOFError:
                break
        return time.perf_counter() - started

    def cpu_seconds(self) -> float:
        """The CPU time the program (all its threads) has used."""
        return cpu_seconds(self.pid)

    # -- writing --------------------------------------------------------------------------------

    def send(self, keys: str) -> float:
        """Writes `keys` as typed; returns the time they were written (perf_counter)."""
        data = keys.encode()
        sent = time.perf_counter()
        os.write(self.master, data)
        return sent

    def press(self, keys: str, predicate: Predicate, timeout: float = 30.0, what: str = "the screen") -> float:
        """Seconds from sending `keys` to the screen satisfying `predicate` (which must not hold before)."""
        return self.wait_for(predicate, self.send(keys), timeout, what)

    # -- the process ------------------------------------------------------------------------------

    def peak_rss_mb(self) -> float:
        """The program's peak resident memory (VmHWM), read from outside."""
        return status_mb(self.pid, "VmHWM")

    def close(self, keys: str | None = None, timeout: float = 5.0) -> None:
        if self._closed:
            return
        self._closed = True
        if keys and self.process.poll() is None:
            try:
                os.write(self.master, keys.encode())
                deadline = time.perf_counter() + timeout
                while self.process.poll() is None and time.perf_counter() < deadline:
                    try:
                        self._drain(0.05)
                    except EOFError:
                        break
            except OSError:
                pass
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        os.close(self.master)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def status_mb(pid: int, field: str) -> float:
    """A memory field of /proc/<pid>/status (VmHWM: peak resident set, VmRSS: now) in MB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise LookupError(f"{field} not in /proc/{pid}/status")


def cpu_seconds(pid: int) -> float:
    """The CPU time a process (all its threads) has used, read from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- what a screen shows ----------------------------------------------------------------------------


def shows(text: str) -> Predicate:
    """The screen shows `text` somewhere."""
    return lambda term: any(text in line for line in term.screen.display)


def lines_changed(before: list[str], region: slice) -> Predicate:
    """Any line of `region` differs from `before` (a snapshot of the same region)."""
    return lambda term: term.screen.display[region] != before
