"""Runs `mediate` in a real pseudo-terminal and keeps every byte the terminal receives."""

from __future__ import annotations

import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Sequence
from fcntl import ioctl

from tests.reliability.helpers import PYTHON, REPO, clean_env


class PtySession:
    """`mediate` on a pseudo-terminal of a fixed size; `output` is the raw bytes it has written."""

    def __init__(self, args: Sequence[str], *, columns: int = 120, rows: int = 40, **env: str) -> None:
        self.master, slave = pty.openpty()
        ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        environment = clean_env(TERM="xterm-256color", COLUMNS=str(columns), LINES=str(rows), **env)
        environment.pop("TEXTUAL", None)
        self.process = subprocess.Popen(
            [PYTHON, "-m", "mediation_console", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=environment,
            cwd=REPO,
            start_new_session=True,
        )
        os.close(slave)
        self.output = bytearray()

    def read_for(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], min(left, 0.1))
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                self.output.extend(chunk)

    def wait_for(self, needle: bytes, timeout: float = 30) -> bool:
        """Reads until `needle` has been received (True) or `timeout` passed (False)."""
        deadline = time.monotonic() + timeout
        while needle not in self.output and time.monotonic() < deadline:
            self.read_for(0.2)
            if self.process.poll() is not None:
                self.read_for(0.2)
                break
        return needle in self.output

    def send(self, keys: str | bytes, settle: float = 0.6) -> None:
        os.write(self.master, keys.encode() if isinstance(keys, str) else keys)
        self.read_for(settle)

    def _read_within(self, seconds: float) -> bool:
        """Reads what arrives within `seconds` (at most one read); False when nothing did (or the end)."""
        ready, _, _ = select.select([self.master], [], [], seconds)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:
            return False
        self.output.extend(chunk)
        return bool(chunk)

    def send_until(
        self, keys: str | bytes, needle: bytes | None = None, *, quiet: float = 0.75, most: float = 2.5
    ) -> bool:
        """Sends `keys`, reads until `needle` has arrived after them (at most 30 s; not waited for when
        None), then until the terminal has received nothing for `quiet` seconds, a screen drawn whole (at
        most `most` seconds more: a clock on screen ticks). Returns whether `needle` arrived after `keys`."""
        start = len(self.output)
        os.write(self.master, keys.encode() if isinstance(keys, str) else keys)
        deadline = time.monotonic() + 30
        while needle is not None and needle not in self.output[start:] and time.monotonic() < deadline:
            if not self._read_within(0.1) and self.process.poll() is not None:
                break
        deadline = time.monotonic() + most
        while (left := deadline - time.monotonic()) > 0 and self._read_within(min(quiet, left)):
            pass
        return needle is not None and needle in self.output[start:]

    def finish(self, timeout: float = 20) -> int:
        """Waits for the program to end (reading what it still writes); kills it if it does not."""
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self.read_for(0.2)
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.read_for(0.2)
        os.close(self.master)
        return self.process.returncode

    def __enter__(self) -> PtySession:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        try:
            os.close(self.master)
        except OSError:
            pass
