"""The Team screen (key 6): a new database is set up from the console, people are added, edited and deactivated."""

from __future__ import annotations

import datetime as dt

from textual.widgets import Input, Select, Static

from mediation_console.db.models import Commitment, Person, Team
from mediation_console.screens.dialogs.person_form import PersonForm
from mediation_console.screens.dialogs.requisition_form import RequisitionForm
from mediation_console.screens.queue import QueueScreen
from mediation_console.screens.standup import StandupScreen
from mediation_console.screens.team import TeamScreen
from tests.app.screen_text import screen_text
from tests.pilot import press_to

SIZE = (80, 24)


async def type_text(pilot, text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


def toasts(app) -> str:
    return " ".join(str(n.message) for n in app._notifications)


async def add_person(pilot, name: str, role_downs: int, team: str = "", email: str = "") -> None:
    """As the lead types it: n, the name, tab to the role, open it and pick, tab, team, tab, email, enter."""
    await press_to(pilot, "n", PersonForm)
    await type_text(pilot, name)
    await pilot.press("tab", "space")
    await pilot.pause()
    await pilot.press(*["down"] * role_downs, "enter")
    await pilot.pause()
    await pilot.press("tab")
    await type_text(pilot, team)
    await pilot.press("tab")
    await type_text(pilot, email)
    await pilot.press("enter")
    await pilot.pause()


async def test_a_new_database_is_set_up_from_the_console_until_a_requisition_can_be_saved(empty_store, app_factory):
    store = empty_store
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # The queue of an empty database says where the team is set up, and n says it again.
        assert "No team yet — press 6 (Team) to add people" in screen_text(app)
        await press_to(pilot, "n", QueueScreen)
        assert "press 6 for the Team screen" in toasts(app)
        # The standup cannot start without people, and says which key opens the Team screen.
        await press_to(pilot, "5", StandupScreen)
        app.screen.action_start()
        await pilot.pause()
        assert "Press 6 for the Team screen" in toasts(app)

        await press_to(pilot, "6", TeamScreen)
        assert "Nobody in the team yet." in screen_text(app)
        await add_person(pilot, "Jordan Hay", 1, "Tech desk", "jordan@example.com")
        assert isinstance(app.screen, TeamScreen)
        await add_person(pilot, "Rita Reyes", 2)
        shown = screen_text(app)
        assert "Jordan Hay" in shown and "Rita Reyes" in shown and "recruiter" in shown
        assert "jordan@example.com" in shown and "Tech desk" in shown

        await pilot.press("1")
        await pilot.pause()
        form = await press_to(pilot, "n", RequisitionForm)
        owner = form.query_one("#field-sales_owner_id", Select)
        assert [p.name for p in form.sales_people] == ["Jordan Hay"]
        await type_text(pilot, "Controller")
        form.query_one("#field-client", Input).value = "Initech"
        owner.value = store.person_by_name("Jordan Hay").saved_id
        await pilot.pause()
        await press_to(pilot, "ctrl+s", QueueScreen)

    jordan = store.person_by_name("Jordan Hay")
    assert (jordan.team, jordan.team_name, jordan.email) == (Team.SALES, "Tech desk", "jordan@example.com")
    assert store.person_by_name("Rita Reyes").team == Team.RECRUITING
    assert [e.action for e in store.timeline("person", jordan.saved_id)] == ["create"]
    saved = store.requisition_by_code("REQ-0001")
    assert saved is not None and saved.sales_owner_id == jordan.id


async def test_the_person_form_shows_each_error_by_its_field_and_saves_nothing_invalid(empty_store, app_factory):
    store = empty_store
    store.add_person(Person(name="Jordan Hay", team=Team.SALES, email="jordan@example.com"))
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await pilot.pause()
        form = await press_to(pilot, "n", PersonForm)
        await type_text(pilot, "jordan hay")
        await pilot.pause()
        assert "There is already someone called Jordan Hay" in str(form.query_one("#name-error", Static).render())
        form.query_one("#name", Input).value = "Ann Lee"
        form.query_one("#email", Input).value = "JORDAN@example.com"
        await pilot.pause()
        assert "Jordan Hay already has this email" in str(form.query_one("#email-error", Static).render())
        await pilot.press("enter")  # no role chosen, a taken email: nothing is saved
        await pilot.pause()
        assert isinstance(app.screen, PersonForm)
        assert "Choose sales, recruiter or lead" in str(form.query_one("#role-error", Static).render())
        form.query_one("#email", Input).value = "ann at home"
        await pilot.pause()
        assert "not an email address" in str(form.query_one("#email-error", Static).render())
        assert [p.name for p in store.list_people()] == ["Jordan Hay"]


async def test_editing_and_deactivating_a_person_is_saved_and_audited(store, app_factory):
    casey = store.person_by_name("Casey Lin")
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        screen = await press_to(pilot, "6", TeamScreen)
        assert screen.table.move_to(lambda m: m.person.id == casey.id)
        form = await press_to(pilot, "e", PersonForm)
        assert form.query_one("#name", Input).value == "Casey Lin"
        form.query_one("#email", Input).value = "casey@example.com"
        form.query_one("#team_name", Input).value = "Finance desk"
        await pilot.pause()
        await press_to(pilot, "enter", TeamScreen)
        await pilot.press("a")
        await pilot.pause()
        assert "Casey Lin (inactive)" in screen_text(app)
        assert "no longer offered in forms and standups" in toasts(app)
    edited = store.get_person(casey.saved_id)
    assert (edited.email, edited.team_name, edited.active) == ("casey@example.com", "Finance desk", False)
    changes = store.timeline("person", casey.saved_id)
    assert [e.action for e in changes] == ["create", "update", "update"]
    assert changes[1].after == {"team_name": "Finance desk", "email": "casey@example.com"}
    assert changes[2].after == {"active": False}


async def test_each_person_shows_their_open_requisitions_and_commitments(store, app_factory):
    casey = store.person_by_name("Casey Lin")
    today = store.now().date()
    store.add_commitment(Commitment(owner_id=casey.saved_id, text="Call the client", due=today))
    store.add_commitment(Commitment(owner_id=casey.saved_id, text="Send the brief", due=today - dt.timedelta(days=3)))
    open_reqs = store.open_requisitions_by_person()[casey.saved_id]
    commitments, late = store.open_commitments_by_owner(today)[casey.saved_id]
    assert open_reqs > 0 and commitments >= 2 and late >= 1
    app = app_factory(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("6")
        await pilot.pause()
        line = next(line for line in screen_text(app).splitlines() if "Casey Lin" in line)
        assert f"sales — — {open_reqs} {commitments} ({late} late) yes" in " ".join(line.split()), line


def test_open_requisitions_per_person_count_a_requisition_once_even_when_one_person_owns_and_recruits_it(store):
    """The Team screen's "Reqs" (schema 23's index scans) agree with counting every open requisition
    by hand: its sales owner and its recruiter, one person who is both counted once, closed ones not."""
    from collections import Counter

    from mediation_console.db.models import OPEN_STATUSES

    owner = store.person_by_name("Casey Lin")
    own = [r.saved_id for r in store.iter_requisitions(open_only=True) if r.sales_owner_id == owner.saved_id][:2]
    assert own
    with store.transaction() as conn:
        for req_id in own:
            conn.execute("UPDATE requisitions SET recruiter_id = sales_owner_id WHERE id = ?", (req_id,))
    expected: Counter[int] = Counter()
    for req in store.iter_requisitions():
        if req.status in OPEN_STATUSES:
            expected.update({req.sales_owner_id, req.recruiter_id} - {None})
    assert store.open_requisitions_by_person() == dict(expected)
