"""`mediate serve` in a real browser: the token is required, the page is self-contained, viewers cannot write."""

from __future__ import annotations

import hashlib
import sqlite3
import urllib.error
import urllib.request

import pytest

LEAD_TOKEN = "lead-token-for-the-browser-tests"
VIEWER_TOKEN = "viewer-token-for-the-browser-tests"
# One server and one browser for the whole module: keep these tests on one xdist worker.
pytestmark = pytest.mark.xdist_group("browser")


def status_of(url: str, headers: dict[str, str] | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def file_digest(served) -> str:
    """The database file and its write-ahead log, byte for byte."""
    digest = hashlib.sha256(served.db.read_bytes())
    wal = served.db.with_name(served.db.name + "-wal")
    digest.update(wal.read_bytes() if wal.exists() else b"")
    return digest.hexdigest()


def test_without_the_token_nothing_is_served_and_no_console_starts(served, open_seat):
    for path in ("/", "/?token=wrong-token-wrong-token", "/static/js/textual.js", "/static/fonts/", "/download/x"):
        assert status_of(served.origin + path) == 401, path
    upgrade = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    }
    assert status_of(f"{served.origin}/ws/wrong-token-wrong-token?width=80&height=24", upgrade) == 401
    seat = open_seat(None)
    assert seat.response.status == 401
    assert "access token" in seat.page.content()
    seat.page.wait_for_timeout(300)
    assert not seat.received, "no console may draw for a visitor without the token"


def test_the_lead_sees_the_queue_with_nothing_from_the_internet_and_saves_a_change(served, open_seat):
    lead = open_seat(LEAD_TOKEN)
    assert lead.response.status == 200
    lead.wait_for("REQ-0030")
    lead.wait_for("Requisition queue")
    outside = [url for url in lead.requests if not url.startswith((served.origin, served.origin.replace("http", "ws")))]
    assert outside == [], f"the page asked the internet for {outside}"
    assert any("/static/fonts/RobotoMono" in url for url in lead.requests), "the font comes from this server"
    lead.page.click("#terminal")
    mark = lead.mark()
    lead.press("5")
    lead.wait_for("No standup running", since=mark)
    mark = lead.mark()
    lead.press("s")
    lead.wait_for("Who is here", since=mark)
    lead.press("Control+s")
    lead.wait_for("Standup started", since=mark)
    with sqlite3.connect(f"file:{served.db}?mode=ro", uri=True) as conn:
        running = conn.execute("SELECT COUNT(*) FROM standups WHERE ended_at IS NULL").fetchone()[0]
    assert running == 1, "the lead's seat saved the new standup"


def test_a_viewer_sees_the_same_queue_and_cannot_write(served, open_seat):
    served.wait_until_no_console_runs()  # the lead's console, if an earlier test left one closing
    before = file_digest(served)
    viewer = open_seat(VIEWER_TOKEN)
    viewer.wait_for("REQ-0030")
    viewer.wait_for("Read-only")
    viewer.page.click("#terminal")
    mark = viewer.mark()
    viewer.press("n")  # a new requisition
    viewer.wait_for("Not saved", since=mark)
    mark = viewer.mark()
    viewer.press("d")  # log a dispute
    viewer.wait_for("Not saved", since=mark)
    assert "Traceback" not in viewer.text()
    viewer.close()
    served.wait_until_no_console_runs()
    assert file_digest(served) == before, "a viewer's seat left the database byte-identical"
