"""`mediate serve` from outside, without a browser: the addresses it prints and the page's own
addresses work for a team on other machines and behind a proxy, and what it refuses it refuses before
printing any address."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers import stop

LEAD = "lead-token-for-the-address-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    home = tmp_path_factory.mktemp("serve-addresses")
    env = {**os.environ, "MEDIATE_SETTINGS": str(home / "settings.json"), "MEDIATE_DB": ""}
    db = home / "team.db"
    subprocess.run(
        [sys.executable, "-m", "mediation_console", "--db", str(db), "demo", "--requisitions", "5"],
        check=True,
        env=env,
        capture_output=True,
    )
    return db, env


def mediate(db: Path, env: dict[str, str], *args: str) -> list[str]:
    return [sys.executable, "-m", "mediation_console", "--db", str(db), "serve", *args]


@contextmanager
def serving(db: Path, env: dict[str, str], *args: str) -> Iterator[tuple[int, list[str]]]:
    """`mediate serve ARGS` on a free port until it has printed its addresses: (port, printed lines)."""
    port = free_port()
    process = subprocess.Popen(
        mediate(db, env, "--port", str(port), *args),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                pytest.fail("mediate serve stopped:\n" + "".join(lines))
            lines.append(line)
            if "Ctrl+C" in line:
                break
        for _ in range(100):  # listening once it has printed; a moment for the socket
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield port, lines
    finally:
        stop(process)


def page(port: int, token: str, headers: dict[str, str] | None = None) -> str:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/?token={token}", headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


def page_addresses(html: str) -> list[str]:
    return re.findall(r"(?:https?|wss?)://[^\"'\s]+?(?=/static|/ws/)", html)


def test_the_page_points_back_at_the_address_the_browser_used_not_at_the_listening_one(team):
    db, env = team
    with serving(db, env, "--host", "0.0.0.0", "--lead-token", LEAD) as (port, lines):
        printed = next(line for line in lines if line.startswith("lead"))
        assert "0.0.0.0" not in printed and f"{socket.getfqdn()}:{port}/?token={LEAD}" in printed
        assert "--viewers adds read-only seats" in "".join(lines)  # no viewer address to give anyone
        # A teammate reaching the machine by its name, and the same page behind a TLS proxy.
        by_name = page_addresses(page(port, LEAD, {"Host": f"standup-laptop:{port}"}))
        assert by_name and set(by_name) == {f"http://standup-laptop:{port}", f"ws://standup-laptop:{port}"}
        proxied = page_addresses(page(port, LEAD, {"Host": "standup.example.com", "X-Forwarded-Proto": "https"}))
        assert set(proxied) == {"https://standup.example.com", "wss://standup.example.com"}


def test_a_public_url_is_what_is_printed_and_what_the_page_uses(team):
    db, env = team
    with serving(db, env, "--lead-token", LEAD, "--public-url", "https://standup.example.com/") as (port, lines):
        assert f"https://standup.example.com/?token={LEAD}" in "".join(lines)
        assert set(page_addresses(page(port, LEAD))) == {"https://standup.example.com", "wss://standup.example.com"}


def test_a_token_is_printed_as_an_address_that_works(team):
    db, env = team
    token = "aaaaaaaaaaaaaaaa&x=1 #b"
    with serving(db, env, "--lead-token", token) as (port, lines):
        printed = next(line for line in lines if line.startswith("lead")).split()[-1]
        assert printed.endswith("?token=aaaaaaaaaaaaaaaa%26x%3D1%20%23b")
        with urllib.request.urlopen(printed.replace(printed.split("/?")[0], f"http://127.0.0.1:{port}"), timeout=10):
            pass  # 200: a 401 raises


def test_a_viewer_token_in_the_settings_opens_the_viewer_seat_on_its_own(team, tmp_path):
    db, env = team
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"serve_token": LEAD, "serve_viewer_token": "viewer-token-from-settings"}))
    with serving(db, {**env, "MEDIATE_SETTINGS": str(settings)}) as (port, lines):
        assert any(line.startswith("viewer") and "viewer-token-from-settings" in line for line in lines), lines
        assert "Give the viewer address to the team" in "".join(lines)


def test_a_missing_database_or_a_taken_port_is_refused_before_any_address_is_printed(team, tmp_path):
    db, env = team
    missing = subprocess.run(
        mediate(tmp_path / "typo.db", env, "--port", str(free_port())), env=env, capture_output=True, text=True
    )
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "typo.db does not exist: create it with" in missing.stderr and missing.stdout == ""
    assert not (tmp_path / "typo.db").exists()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        taken = subprocess.run(mediate(db, env, "--port", str(port)), env=env, capture_output=True, text=True)
    assert taken.returncode == 2 and f"Cannot listen on 127.0.0.1:{port}" in taken.stderr
    assert "token" not in taken.stdout + taken.stderr
