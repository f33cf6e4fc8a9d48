"""Browsing the file with Datasette (`mediate browse`): the views answer a lead's questions by name,
full-text search finds requisitions, and nothing a browser sends can write."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys

import httpx

from mediation_console.console.core.browse import build_datasette
from mediation_console.db.models import Commitment
from mediation_console.db.views import VIEWS


async def _json(store, path: str) -> dict:
    datasette = build_datasette(store.path)
    response = await datasette.client.get(f"/{store.path.stem}{path}")
    assert response.status_code == 200, response.text
    return response.json()


async def test_search_finds_requisitions_by_title_client_and_owner(store):
    everyone = await _json(store, "/requisitions.json?_shape=objects&_size=max")
    matched = await _json(store, "/requisitions.json?_search=Payroll&_shape=objects&_size=max")
    assert 0 < len(matched["rows"]) < len(everyone["rows"])
    assert all("Payroll" in row["title"] for row in matched["rows"])
    by_person = await _json(store, "/requisitions.json?_search=Okafor&_shape=objects&_size=max")
    okafor = store.person_by_name("Dana Okafor")
    assert by_person["rows"]
    assert all(okafor.id in (row["recruiter_id"], row["sales_owner_id"]) for row in by_person["rows"])


async def test_every_view_opens_and_names_people_instead_of_ids(store):
    owner = store.person_by_name("Eli Novak")
    store.add_commitment(Commitment(owner_id=owner.saved_id, text="Send the shortlist", due=dt.date(2000, 1, 3)))
    for view in VIEWS:
        await _json(store, f"/{view}.json")
    overdue = await _json(store, "/overdue_commitments.json?_shape=objects")
    assert [(row["owner"], row["text"]) for row in overdue["rows"]] == [("Eli Novak", "Send the shortlist")]
    queue = await _json(store, "/open_queue.json?_shape=objects&_size=max")
    assert queue["rows"] and all(row["sales_owner"] for row in queue["rows"])
    assert {row["status"] for row in queue["rows"]}.isdisjoint({"filled", "lost", "cancelled"})


async def test_a_browser_cannot_write_to_the_file(store):
    before = store.conn.execute("SELECT count(*) FROM requisitions").fetchone()[0]
    # As a browser sees it: the server's answer, not the exception inside it.
    transport = httpx.ASGITransport(app=build_datasette(store.path).app(), raise_app_exceptions=False)
    name = store.path.stem
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as browser:
        for sql in ("DELETE FROM requisitions", "UPDATE requisitions SET title = 'x'", "DROP TABLE people"):
            response = await browser.get(f"/{name}.json", params={"sql": sql})
            assert response.status_code >= 400, sql
        response = await browser.post(f"/{name}/requisitions/-/insert", json={"row": {"title": "x"}})
        assert response.status_code >= 400
    assert store.conn.execute("SELECT count(*) FROM requisitions").fetchone()[0] == before


def test_the_views_are_in_the_file_for_any_sqlite_tool(store):
    conn = sqlite3.connect(store.path)
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    conn.close()
    assert set(VIEWS) <= names


def test_browse_on_a_port_in_use_is_a_clean_environment_error(store):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "mediation_console", "browse", "--db", str(store.path), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"Cannot listen on 127.0.0.1:{port}" in result.stderr


def test_browse_of_a_missing_file_is_refused_not_created(tmp_path):
    missing = tmp_path / "nowhere.db"
    result = subprocess.run(
        [sys.executable, "-m", "mediation_console", "browse", "--db", str(missing)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert not missing.exists()
