"""Finding 5 of issue 21: two consoles editing one requisition never overwrite each other.

The last save used to win silently, reverting the other console's field, and the audit log showed the
second console changing a field it never touched.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from mediation_console.console.core.database import open_store
from mediation_console.db.models import Person, Requisition, Team
from mediation_console.db.store import EditConflict

NOW = dt.datetime(2026, 11, 23, 9, 0)


def _audit(store, req_id):
    rows = store.conn.execute(
        "SELECT actor, before, after FROM events WHERE entity = 'requisition' AND entity_id = ? AND action = 'update' "
        "ORDER BY id",
        (req_id,),
    ).fetchall()
    return [(row["actor"], json.loads(row["before"]), json.loads(row["after"])) for row in rows]


@pytest.fixture
def two_consoles(tmp_path):
    path = tmp_path / "team.db"
    first = open_store(path, now=lambda: NOW, actor="rita")
    sam = first.add_person(Person(name="Sam Seller", team=Team.SALES))
    req = first.add_requisition(Requisition(title="Data engineer", client="Initech", sales_owner_id=sam.id))
    second = open_store(path, now=lambda: NOW, actor="sam")
    yield first, second, req.id
    first.close()
    second.close()


def test_the_second_save_is_refused_with_what_changed_and_by_whom_and_nothing_is_lost(two_consoles):
    rita, sam, req_id = two_consoles
    rita_opened = rita.get_requisition(req_id)
    sam_opened = sam.get_requisition(req_id)

    sam.update_requisition(sam_opened.model_copy(update={"client": "Initech Europe"}), sam_opened)
    with pytest.raises(EditConflict) as refused:
        rita.update_requisition(rita_opened.model_copy(update={"title": "Senior data engineer"}), rita_opened)
    message = str(refused.value)
    assert "client" in message and "Initech Europe" in message and "by sam" in message
    assert rita.get_requisition(req_id).title == "Data engineer"  # nothing saved by the refused edit

    # Re-applying Rita's own change on top of the current version keeps both.
    current = refused.value.current
    rita.update_requisition(current.model_copy(update={"title": "Senior data engineer"}), current)
    final = sam.get_requisition(req_id)
    assert (final.title, final.client) == ("Senior data engineer", "Initech Europe")

    # The audit log holds only what each changed.
    assert _audit(rita, req_id) == [
        ("sam", {"client": "Initech"}, {"client": "Initech Europe"}),
        ("rita", {"title": "Data engineer"}, {"title": "Senior data engineer"}),
    ]


def test_a_status_changed_elsewhere_refuses_the_form_with_the_status_named_then_re_applies(two_consoles):
    rita, sam, req_id = two_consoles
    rita_opened = rita.get_requisition(req_id)
    sam.change_status(req_id, "qualified")
    with pytest.raises(EditConflict) as refused:
        rita.update_requisition(rita_opened.model_copy(update={"openings": 3}), rita_opened)
    assert "status" in str(refused.value)
    current = refused.value.current
    saved = rita.update_requisition(current.model_copy(update={"openings": 3}), current)
    assert (saved.status, saved.openings) == ("qualified", 3)


async def test_two_console_apps_on_one_file_the_second_form_save_is_refused_then_re_applied(tmp_path):
    from textual.widgets import Input

    from mediation_console.console.app import MediationApp
    from mediation_console.screens.dialogs.requisition_form import RequisitionForm

    path = tmp_path / "team.db"
    store = open_store(path, now=lambda: NOW, actor="rita")
    sam_person = store.add_person(Person(name="Sam Seller", team=Team.SALES))
    req = store.add_requisition(Requisition(title="Data engineer", client="Initech", sales_owner_id=sam_person.id))
    other = open_store(path, now=lambda: NOW, actor="sam")
    app = MediationApp(store, now=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        form = RequisitionForm(store.get_requisition(req.id), store.list_people(team="sales"), [])
        saved = []
        app.push_screen(form, saved.append)
        await pilot.pause()
        # Meanwhile the other console saves a change to the client.
        opened = other.get_requisition(req.id)
        other.update_requisition(opened.model_copy(update={"client": "Initech Europe"}), opened)
        form.query_one("#field-title", Input).value = "Senior data engineer"
        await pilot.pause()
        form.action_save()
        await pilot.pause()
        assert app.screen is form and not saved  # refused: the form stays open with what was typed
        assert form.query_one("#field-title", Input).value == "Senior data engineer"
        form.action_save()  # the second save re-applies the user's own field on top of theirs
        await pilot.pause()
        assert saved
    final = other.get_requisition(req.id)
    assert (final.title, final.client) == ("Senior data engineer", "Initech Europe")
    store.close()
    other.close()
