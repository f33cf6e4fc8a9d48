"""Finding 5 of issue 21: two consoles editing one requisition never overwrite each other.

The last save used to win silently, reverting the other console's field, and the audit log showed the
second console changing a field it never touched.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from mediation_console.console.core.database import open_store
from mediation_console.db.models import Commitment, DisputeCategory, Expectation, Person, Requisition, Team
from mediation_console.db.store import EditConflict
from tests.helpers import raise_dispute

NOW = dt.datetime(2026, 11, 23, 9, 0)


def _audit_of(store, entity, entity_id, action="update"):
    rows = store.conn.execute(
        "SELECT actor, before, after FROM events WHERE entity = ? AND entity_id = ? AND action = ? ORDER BY id",
        (entity, entity_id, action),
    ).fetchall()
    return [(row["actor"], json.loads(row["before"]), json.loads(row["after"])) for row in rows]


def _audit(store, req_id):
    return _audit_of(store, "requisition", req_id)


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
        form = RequisitionForm(app.services, store.get_requisition(req.id), store.list_people(team="sales"), [])
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


# -- the same for disputes, expectations, commitments and people --------------------------------------


@pytest.fixture
def two_team_consoles(tmp_path):
    """Rita's and Sam's consoles on one file, with a dispute, an expectation and a commitment in it."""
    path = tmp_path / "team.db"
    first = open_store(path, now=lambda: NOW, actor="rita")
    seller = first.add_person(Person(name="Sam Seller", team=Team.SALES))
    recruiter = first.add_person(Person(name="Rita Recruiter", team=Team.RECRUITING))
    req = first.add_requisition(Requisition(title="Data engineer", client="Initech", sales_owner_id=seller.id))
    dispute = raise_dispute(
        first, recruiter, seller, DisputeCategory.PAY_BELOW_MARKET, "Pay is below market", about=req
    )
    expectation = first.add_expectation(
        Expectation(title="Intake within 2 days", owner_team=Team.SALES, metric=None, target=80)
    )
    commitment = first.add_commitment(
        Commitment(owner_id=seller.id, text="Book the intake call", due=dt.date(2026, 11, 25))
    )
    second = open_store(path, now=lambda: NOW + dt.timedelta(minutes=5), actor="sam")
    yield first, second, {"dispute": dispute, "expectation": expectation, "commitment": commitment, "seller": seller}
    first.close()
    second.close()


def test_a_dispute_edited_in_two_consoles_the_second_save_is_refused_naming_the_change_then_both_are_kept(
    two_team_consoles,
):
    rita, sam, made = two_team_consoles
    dispute_id = made["dispute"].id
    rita_opened, sam_opened = rita.get_dispute(dispute_id), sam.get_dispute(dispute_id)

    sam.update_dispute(sam_opened.model_copy(update={"severity": 3}), started_from=sam_opened)
    with pytest.raises(EditConflict) as refused:
        rita.update_dispute(
            rita_opened.model_copy(update={"summary": "Pay is 15% below market"}), started_from=rita_opened
        )
    message = str(refused.value)
    assert "D-0001" in message and "severity" in message and "“2” → “3”" in message
    assert "by sam at 2026-11-23 09:05" in message
    assert rita.get_dispute(dispute_id).summary == "Pay is below market"  # nothing saved

    current = refused.value.current
    rita.update_dispute(current.model_copy(update={"summary": "Pay is 15% below market"}), started_from=current)
    final = sam.get_dispute(dispute_id)
    assert (final.summary, final.severity) == ("Pay is 15% below market", 3)
    assert _audit_of(rita, "dispute", dispute_id) == [
        ("sam", {"severity": 2}, {"severity": 3}),
        ("rita", {"summary": "Pay is below market"}, {"summary": "Pay is 15% below market"}),
    ]


def test_a_dispute_resolved_elsewhere_cannot_be_escalated_from_a_screen_that_showed_it_open(two_team_consoles):
    rita, sam, made = two_team_consoles
    shown = rita.get_dispute(made["dispute"].id)
    sam.set_dispute_status(shown.saved_id, "mediating", started_from=sam.get_dispute(shown.saved_id))
    with pytest.raises(EditConflict) as refused:
        rita.set_dispute_status(shown.saved_id, "escalated", started_from=shown)
    assert "status" in str(refused.value) and "mediating" in str(refused.value) and "by sam" in str(refused.value)
    assert rita.get_dispute(shown.saved_id).status == "mediating"
    with pytest.raises(EditConflict):
        rita.resolve_dispute(shown.saved_id, "Raise the band", None, [], started_from=shown)
    assert rita.get_dispute(shown.saved_id).resolution == ""


def test_an_expectation_whose_target_changed_elsewhere_is_not_agreed_to_the_target_the_lead_read(two_team_consoles):
    rita, sam, made = two_team_consoles
    shown = rita.get_expectation(made["expectation"].id)
    opened = sam.get_expectation(shown.saved_id)
    sam.update_expectation(opened.model_copy(update={"target": 95.0}), started_from=opened)
    with pytest.raises(EditConflict) as refused:
        rita.set_expectation_status(shown.saved_id, "agreed", started_from=shown)
    assert "target" in str(refused.value) and "95" in str(refused.value) and "by sam" in str(refused.value)
    assert rita.get_expectation(shown.saved_id).status == "proposed"
    # Having read the new target, agreeing to it is the lead's choice to make.
    agreed = rita.set_expectation_status(shown.saved_id, "agreed", started_from=refused.value.current)
    assert (agreed.status, agreed.target) == ("agreed", 95.0)
    assert _audit_of(rita, "expectation", shown.saved_id) == [("sam", {"target": 80.0}, {"target": 95.0})]


def test_a_commitment_marked_kept_in_one_console_is_not_marked_missed_by_the_other(two_team_consoles):
    rita, sam, made = two_team_consoles
    shown_rita = rita.get_commitment(made["commitment"].id)
    shown_sam = sam.get_commitment(shown_rita.saved_id)
    sam.set_commitment_status(shown_sam.saved_id, "kept", started_from=shown_sam)
    with pytest.raises(EditConflict) as refused:
        rita.set_commitment_status(shown_rita.saved_id, "missed", started_from=shown_rita)
    message = str(refused.value)
    assert "Book the intake call" in message and "“open” → “kept”" in message and "by sam" in message
    assert rita.get_commitment(shown_rita.saved_id).status == "kept"


def test_a_person_edited_in_two_consoles_keeps_both_changes_and_the_audit_holds_only_each_ones(two_team_consoles):
    rita, sam, made = two_team_consoles
    person_id = made["seller"].id
    rita_opened, sam_opened = rita.get_person(person_id), sam.get_person(person_id)
    sam.update_person(sam_opened.model_copy(update={"active": False}), started_from=sam_opened)
    with pytest.raises(EditConflict) as refused:
        rita.update_person(rita_opened.model_copy(update={"name": "Samantha Seller"}), started_from=rita_opened)
    assert "Sam Seller" in str(refused.value) and "active" in str(refused.value) and "by sam" in str(refused.value)
    assert rita.get_person(person_id).name == "Sam Seller"
    current = refused.value.current
    rita.update_person(current.model_copy(update={"name": "Samantha Seller"}), started_from=current)
    final = sam.get_person(person_id)
    assert (final.name, final.active) == ("Samantha Seller", False)
    assert _audit_of(rita, "person", person_id) == [
        ("sam", {"active": True}, {"active": False}),
        ("rita", {"name": "Sam Seller"}, {"name": "Samantha Seller"}),
    ]


async def test_two_console_apps_the_dispute_form_refuses_the_second_save_then_re_applies_only_its_field(
    two_team_consoles,
):
    from textual.widgets import Input

    from mediation_console.console.app import MediationApp
    from mediation_console.screens.dialogs.dispute_capture import DisputeCapture

    rita, sam, made = two_team_consoles
    dispute_id = made["dispute"].id
    app = MediationApp(rita, now=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        form = DisputeCapture(rita, dispute=rita.get_dispute(dispute_id))
        saved = []
        app.push_screen(form, saved.append)
        await pilot.pause()
        opened = sam.get_dispute(dispute_id)  # meanwhile the other console raises the severity
        sam.update_dispute(opened.model_copy(update={"severity": 3}), started_from=opened)
        form.query_one("#summary", Input).value = "Pay is 15% below market"
        await pilot.pause()
        form.action_save()
        await pilot.pause()
        assert app.screen is form and not saved  # refused: the form stays open with what was typed
        assert "severity" in str(form.query_one("#save-error").render())
        assert form.query_one("#summary", Input).value == "Pay is 15% below market"
        form.action_save()
        await pilot.pause()
        assert saved and saved[0] is not None
    final = sam.get_dispute(dispute_id)
    assert (final.summary, final.severity) == ("Pay is 15% below market", 3)


# -- the acceptance's test: two consoles (two apps) on one file, both with the requisition's form open --


def test_the_finding_a_save_that_carries_no_version_overwrites_the_other_consoles_field(two_consoles):
    """The finding as it was: a save of the whole record the form read reverts the other console's
    field. A save that says which version it started from (as every form's does) is refused instead."""
    rita, sam, req_id = two_consoles
    rita_opened = rita.get_requisition(req_id)
    sam_opened = sam.get_requisition(req_id)
    sam.update_requisition(sam_opened.model_copy(update={"client": "Initech Europe"}), sam_opened)
    with pytest.raises(EditConflict):
        rita.update_requisition(rita_opened.model_copy(update={"title": "Senior data engineer"}), rita_opened)
    # Without the version the user started from, the last save wins: the reported loss.
    rita.update_requisition(rita_opened.model_copy(update={"title": "Senior data engineer"}))
    assert rita.get_requisition(req_id).client == "Initech"


async def test_two_consoles_editing_one_requisition_the_second_save_is_refused_nothing_is_lost_audit_holds_each_ones(
    tmp_path,
):
    from textual.widgets import Input, Static

    from mediation_console.console.app import MediationApp
    from mediation_console.screens.dialogs.requisition_form import RequisitionForm

    path = tmp_path / "team.db"
    rita = open_store(path, now=lambda: NOW, actor="rita")
    seller = rita.add_person(Person(name="Sam Seller", team=Team.SALES))
    req = rita.add_requisition(Requisition(title="Data engineer", client="Initech", sales_owner_id=seller.id))
    sam = open_store(path, now=lambda: NOW, actor="sam")
    rita_app, sam_app = MediationApp(rita, now=lambda: NOW), MediationApp(sam, now=lambda: NOW)
    # Each app is driven by its pilot's keys, handled in that app's own task (a Textual node finds its
    # app through a context variable, which in this test's task names the app started last).
    try:
        async with rita_app.run_test(size=(120, 40)) as rita_pilot, sam_app.run_test(size=(120, 40)) as sam_pilot:
            # Both leads open the same requisition's form from their queue (`e`).
            for pilot, app in ((rita_pilot, rita_app), (sam_pilot, sam_app)):
                await pilot.pause(0.3)
                await pilot.press("e")
                await pilot.pause(0.3)
                assert isinstance(app.screen, RequisitionForm), app.screen
                assert app.screen.requisition.id == req.id
            rita_form, sam_form = rita_app.screen, sam_app.screen
            # Sam changes the client and saves first.
            sam_form.query_one("#field-client", Input).value = "Initech Europe"
            await sam_pilot.pause()
            await sam_pilot.press("ctrl+s")
            await sam_pilot.pause(0.3)
            assert not isinstance(sam_app.screen, RequisitionForm)
            # Rita changes the title on the version she opened: refused, naming the change and who made it.
            rita_form.query_one("#field-title", Input).value = "Senior data engineer"
            await rita_pilot.pause()
            await rita_pilot.press("ctrl+s")
            await rita_pilot.pause(0.3)
            assert rita_app.screen is rita_form  # still open, with what she typed
            refusal = str(rita_form.query_one("#error-form", Static).render())
            assert "client" in refusal and "sam" in refusal, refusal
            assert rita_form.query_one("#field-title", Input).value == "Senior data engineer"
            assert sam.get_requisition(req.id).title == "Data engineer"  # the refused save wrote nothing
            # Saving again re-applies only her own field, on top of Sam's.
            await rita_pilot.press("ctrl+s")
            await rita_pilot.pause(0.3)
            assert rita_app.screen is not rita_form, str(rita_form.query_one("#error-form", Static).render())
        final = sam.get_requisition(req.id)
        assert (final.title, final.client) == ("Senior data engineer", "Initech Europe")  # nothing lost
        assert _audit(rita, req.id) == [
            ("sam", {"client": "Initech"}, {"client": "Initech Europe"}),
            ("rita", {"title": "Data engineer"}, {"title": "Senior data engineer"}),
        ]
    finally:
        rita.close()
        sam.close()
