"""A real `mediate serve` on a demo database and a headless Chromium (Debian's) driven by Playwright."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import stop

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
HOW_TO_ENABLE = (
    "browser tests need Debian's chromium and the playwright package: "
    "`apt-get install chromium` and `pip install -e '.[test]'` (or set MEDIATE_CHROMIUM to a Chromium binary)"
)
LEAD_TOKEN = "lead-token-for-the-browser-tests"
VIEWER_TOKEN = "viewer-token-for-the-browser-tests"
# Textual draws the screen with escape sequences between runs of text; what a person reads is the text.
ESCAPES = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|[@-Z\\-_])")


def chromium_path() -> str | None:
    given = os.environ.get("MEDIATE_CHROMIUM")
    if given:
        return given
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class Served:
    origin: str
    db: Path
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)

    def consoles_running(self) -> int:
        """The console processes textual-serve runs for the open tabs (a closed tab's stops soon after)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return len(children.read_text().split()) if children.exists() else 0

    def wait_until_no_console_runs(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while self.consoles_running() and time.monotonic() < deadline:
            time.sleep(0.05)

    def url(self, token: str | None) -> str:
        return f"{self.origin}/" + (f"?token={token}" if token else "")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    if chromium_path() is None:
        pytest.skip(HOW_TO_ENABLE)
    pytest.importorskip("playwright.sync_api", reason=HOW_TO_ENABLE)
    home = tmp_path_factory.mktemp("serve")
    db = home / "team.db"
    env = {
        **os.environ,
        "MEDIATE_SETTINGS": str(home / "settings.json"),
        "MEDIATE_EXPORT_DIR": str(home),
        "MEDIATE_DB": "",
    }
    mediate = [sys.executable, "-m", "mediation_console", "--db", str(db)]
    subprocess.run([*mediate, "demo", "--requisitions", "30"], check=True, env=env, capture_output=True)
    port = _free_port()
    process = subprocess.Popen(
        [*mediate, "serve", "--port", str(port), "--lead-token", LEAD_TOKEN, "--viewer-token", VIEWER_TOKEN],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(f"http://127.0.0.1:{port}", db, process)
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        served.output.append(line)
        if line.startswith("viewer"):
            break
        if process.poll() is not None:
            pytest.fail("mediate serve stopped:\n" + "".join(served.output))
    else:
        process.kill()
        pytest.fail("mediate serve printed no addresses:\n" + "".join(served.output))
    yield served
    stop(process)


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


class Seat:
    """One browser tab on the console: every request it makes, and the text the console drew in it."""

    def __init__(self, browser: Any, served: Served, token: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.received = bytearray()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("websocket", self._watch)
        self.response = self.page.goto(served.url(token))

    def _watch(self, websocket: Any) -> None:
        self.requests.append(websocket.url)

        def frame(payload: bytes | str) -> None:
            self.received += payload if isinstance(payload, bytes) else payload.encode()

        websocket.on("framereceived", frame)

    def text(self, since: int = 0) -> str:
        return ESCAPES.sub(b"", bytes(self.received[since:])).decode("utf-8", "replace")

    def mark(self) -> int:
        return len(self.received)

    def wait_for(self, words: str, *, since: int = 0, timeout: float = 15) -> float:
        """Seconds until the console drew `words` (after `since`); fails with what it did draw."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if words in self.text(since):
                return time.monotonic() - start
            self.page.wait_for_timeout(25)
        raise AssertionError(f"the console never showed {words!r}; it showed:\n{self.text(since)[-2000:]}")

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def open_seat(browser: Any, served: Served) -> Iterator[Any]:
    """Opens a tab with a token (the lead's, a viewer's, a wrong one); closes them after the test."""
    seats: list[Seat] = []

    def opened(token: str | None) -> Seat:
        seat = Seat(browser, served, token)
        seats.append(seat)
        return seat

    yield opened
    for seat in seats:
        seat.close()
