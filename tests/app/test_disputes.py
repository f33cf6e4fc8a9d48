"""Disputes from the keyboard: quick capture with prefill, type-ahead, validation, and mediating to a resolution."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label

from mediation_console.console.app import MediationApp
from mediation_console.db.models import (
    CommitmentSource,
    CommitmentStatus,
    Dispute,
    DisputeStatus,
    Person,
    Requisition,
    Team,
)
from mediation_console.db.store import Store
from mediation_console.screens.dialogs.dispute_accept import ResolveDispute
from mediation_console.screens.dialogs.dispute_capture import DisputeCapture
from mediation_console.screens.disputes import DisputesScreen
from mediation_console.screens.widgets.wrapped_input import WrappedInput
from tests.helpers import store_fixture
from tests.pilot import press_to, settle

NOW = dt.datetime(2026, 11, 23, 9, 0)
SIZE = (120, 36)


def seed_disputes(store: Store) -> dict[str, int]:
    """Two salespeople, two recruiters, three requisitions and two open disputes, all on a fixed clock."""
    sam = store.add_person(Person(name="Sam Seller", team=Team.SALES))
    dana = store.add_person(Person(name="Dana Deal", team=Team.SALES))
    rita = store.add_person(Person(name="Rita Recruiter", team=Team.RECRUITING))
    ravi = store.add_person(Person(name="Ravi Sourcer", team=Team.RECRUITING))
    data_engineer = store.add_requisition(
        Requisition(
            title="Senior Data Engineer",
            client="Northwind Analytics",
            sales_owner_id=sam.id,
            recruiter_id=rita.id,
            salary_min=120_000,
            salary_max=130_000,
            market_salary=150_000,
            promised_date=dt.date(2026, 12, 4),
            opened_at=NOW - dt.timedelta(days=20),
        )
    )
    payroll = store.add_requisition(
        Requisition(
            title="Payroll Specialist",
            client="Contoso Retail",
            sales_owner_id=dana.id,
            recruiter_id=ravi.id,
            opened_at=NOW - dt.timedelta(days=9),
        )
    )
    store.add_requisition(
        Requisition(
            title="Staff Frontend Engineer",
            client="Fabrikam",
            sales_owner_id=sam.id,
            recruiter_id=ravi.id,
            opened_at=NOW - dt.timedelta(days=3),
        )
    )
    pay = store.add_dispute(
        Dispute(
            requisition_id=data_engineer.id,
            raised_by_id=rita.id,
            counterpart_id=sam.id,
            category="pay_below_market",
            severity=3,
            summary="Salary cap is 13% under market; nobody takes the call",
            sales_interest="Keep the client and the fee",
            recruiting_interest="Not spend a month sourcing at that pay",
            opened_at=NOW - dt.timedelta(days=6),
        )
    )
    slow = store.add_dispute(
        Dispute(
            requisition_id=payroll.id,
            raised_by_id=dana.id,
            counterpart_id=ravi.id,
            category="slow_submittals",
            severity=2,
            summary="No candidate after nine days",
            opened_at=NOW - dt.timedelta(days=2),
        )
    )
    return {
        "sam": sam.id,
        "dana": dana.id,
        "rita": rita.id,
        "ravi": ravi.id,
        "data_engineer": data_engineer.id,
        "payroll": payroll.id,
        "pay": pay.id,
        "slow": slow.id,
    }


store = store_fixture(NOW)


@pytest.fixture
def seeded(store):
    return seed_disputes(store)


class Keys:
    """Presses keys through the Pilot and counts them, so the keystroke budget is measured, not assumed."""

    def __init__(self, pilot) -> None:
        self.pilot = pilot
        self.count = 0

    async def press(self, *keys: str) -> None:
        self.count += len(keys)
        await self.pilot.press(*keys)

    async def type(self, text: str) -> None:
        # Typed prose is not part of the budget: the summary costs what it costs.
        await self.pilot.press(*text)


def app_for(store: Store) -> MediationApp:
    return MediationApp(store, now=lambda: NOW)


@asynccontextmanager
async def console_on(store: Store, size: tuple[int, int] = SIZE) -> AsyncIterator[tuple[MediationApp, Pilot]]:
    """The console on `store` at `size`, once it has drawn its first screen."""
    app = app_for(store)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        yield app, pilot


@asynccontextmanager
async def on_the_disputes(store: Store) -> AsyncIterator[tuple[MediationApp, Pilot]]:
    """The console on `store`, on its disputes screen once that has settled."""
    async with console_on(store) as (app, pilot):
        await pilot.press("2")
        await settle(pilot)
        yield app, pilot


def count_disputes(store: Store) -> int:
    return len(store.list_disputes())


# -- capture ---------------------------------------------------------------------------------------


async def test_logging_a_dispute_from_the_queue_prefills_the_requisition_and_takes_few_keys(store, seeded):
    async with console_on(store) as (app, pilot):
        assert app.selected_requisition_id == seeded["data_engineer"]
        keys = Keys(pilot)
        await keys.press("d")
        capture = app.screen
        assert isinstance(capture, DisputeCapture)
        assert capture.query_one("#requisition", Input).value.startswith("REQ-0001 · Senior Data Engineer")
        await keys.press("3", "p")  # severity high, category pay below market
        await keys.type("Client will not move the salary cap")
        await keys.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, DisputeCapture)
        assert keys.count <= 8, f"logging a dispute took {keys.count} keys besides the summary"
    logged = store.dispute_by_code("D-0003")
    assert logged is not None
    assert logged.requisition_id == seeded["data_engineer"]
    # Pay below market is recruiting's complaint: the recruiter raised it with the salesperson.
    assert (logged.raised_by_id, logged.counterpart_id) == (seeded["rita"], seeded["sam"])
    assert logged.category == "pay_below_market" and logged.severity == 3
    assert logged.summary == "Client will not move the salary cap"
    assert store.get_requisition(seeded["data_engineer"]).open_disputes == 2


async def test_the_toast_names_the_new_dispute_code(store, seeded):
    async with console_on(store) as (app, pilot):
        await pilot.press("d", "c", *"Client added two must-haves", "enter")
        await pilot.pause()
        assert any("D-0003 logged" in str(n.message) for n in app._notifications)


async def test_a_sales_complaint_is_raised_by_sales_and_x_swaps_the_sides(store, seeded):
    async with console_on(store) as (app, pilot):
        await pilot.press("d", "s")  # slow submittals: sales raises it
        capture = app.screen
        assert (capture.raised_by, capture.counterpart) == (seeded["sam"], seeded["rita"])
        await pilot.press("shift+tab")  # back to the category keys, where x swaps
        await pilot.press("x")
        assert (capture.raised_by, capture.counterpart) == (seeded["rita"], seeded["sam"])
        await pilot.press("tab", *"Who is slow, really?", "enter")
        await pilot.pause()
    logged = store.dispute_by_code("D-0003")
    assert (logged.raised_by_id, logged.counterpart_id) == (seeded["rita"], seeded["sam"])


async def test_logging_a_dispute_from_the_disputes_screen_finds_the_requisition_by_typing(store, seeded):
    async with console_on(store) as (app, pilot):
        await pilot.press("2")
        assert isinstance(app.screen, DisputesScreen)
        capture = await press_to(pilot, "d", DisputeCapture)
        # Walk back up to the requisition field, clear the prefill, and type part of a client's name.
        await pilot.press("shift+tab", "shift+tab", "shift+tab")
        assert app.focused is capture.query_one("#requisition", Input)
        await pilot.press("ctrl+u", *"contoso")
        await pilot.pause()
        suggestions = capture.query_one("#suggestions")
        assert suggestions.has_class("-shown")
        await pilot.press("enter")  # takes the best match
        assert capture.requisition is not None and capture.requisition.code == "REQ-0002"
        await pilot.press("q", *"Candidates miss the brief", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DisputesScreen)
        codes = [d.code for d in app.screen.disputes]
        assert "D-0003" in codes
    logged = store.dispute_by_code("D-0003")
    assert logged.requisition_id == seeded["payroll"]
    # Candidate quality is sales' complaint about recruiting: Dana (sales owner) raised it with Ravi.
    assert (logged.raised_by_id, logged.counterpart_id) == (seeded["dana"], seeded["ravi"])
    assert logged.category == "candidate_quality"


async def test_a_dispute_without_a_summary_shows_the_error_and_saves_nothing(store, seeded):
    app = app_for(store)
    before = count_disputes(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("d", "p", "enter")
        await pilot.pause()
        capture = app.screen
        assert isinstance(capture, DisputeCapture), "the form stays open so nothing typed is lost"
        error = capture.query_one("#summary-error", Label)
        assert error.has_class("-shown")
        assert "one-line summary" in str(error.render())
        assert app.focused is capture.query_one("#summary", Input)
        # The error follows the typing: it goes away once there is a summary.
        await pilot.press(*"Client ghosted us")
        assert not error.has_class("-shown")
    assert count_disputes(store) == before


async def test_the_same_person_on_both_sides_is_refused_next_to_the_people(store, seeded):
    app = app_for(store)
    before = count_disputes(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("d")
        capture = app.screen
        # As if the lead picked the raiser again in the counterpart list.
        capture.query_one("#counterpart").value = capture.raised_by
        await pilot.pause()
        await pilot.press("p", *"Talking to myself", "enter")
        await pilot.pause()
        error = capture.query_one("#people-error", Label)
        assert isinstance(app.screen, DisputeCapture)
        assert "two different people" in str(error.render())
    assert count_disputes(store) == before


async def test_a_dispute_logged_without_a_category_is_saved_as_not_sure(store, seeded):
    async with console_on(store) as (app, pilot):
        await pilot.press("d", "tab", *"No idea what kind", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, DisputeCapture)
    logged = max(store.list_disputes(), key=lambda d: d.id)
    assert logged.summary == "No idea what kind"
    assert logged.category == "unsure"


async def test_n_on_the_category_picker_logs_not_sure(store, seeded):
    async with console_on(store) as (app, pilot):
        await pilot.press("d", "n", *"Something is off between them", "enter")
        await pilot.pause()
    assert max(store.list_disputes(), key=lambda d: d.id).category == "unsure"


async def suggestion_settled(app, pilot) -> str:
    """Waits for the typing pause and the diagnosis worker, then reads the suggestion line."""
    await pilot.pause(0.35)
    await app.workers.wait_for_complete()
    await pilot.pause()
    return str(app.screen.query_one("#category-suggestion", Label).render())


async def test_the_capture_suggests_the_category_from_the_summary_and_f2_takes_it(store, seeded):
    async with console_on(store) as (app, pilot):
        # The Data Engineer requisition also has no intake after 20 days; the words tip it to pay.
        await pilot.press("d", "tab", *"Two candidates declined on pay; the salary range is too low")
        shown = await suggestion_settled(app, pilot)
        capture = app.screen
        assert "Pay below market" in shown and "declined on pay" in shown
        assert "f2 takes it" in shown
        # Only a suggestion: nothing is picked until the lead takes it.
        assert capture.query_one("#picker").category is None
        await pilot.press("f2")
        await pilot.pause()
        assert capture.query_one("#picker").category == "pay_below_market"
        assert "as picked" in str(capture.query_one("#category-suggestion", Label).render())
        await pilot.press("enter")
        await pilot.pause()
    assert max(store.list_disputes(), key=lambda d: d.id).category == "pay_below_market"


async def test_the_suggestion_follows_the_interests_and_never_overrides_the_lead(store, seeded):
    async with console_on(store) as (app, pilot):
        # The lead picks candidate quality, then the words say the client never answers.
        await pilot.press("d", "q", *"Stuck on this one", "tab", *"Keep the client happy", "tab")
        await pilot.press(*"The client ghosted us: no feedback, gone silent on everyone we send")
        shown = await suggestion_settled(app, pilot)
        assert "Client unresponsive" in shown and "you picked Candidate quality" in shown
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, DisputeCapture)
    assert max(store.list_disputes(), key=lambda d: d.id).category == "candidate_quality"


async def test_escape_closes_the_capture_without_saving(store, seeded):
    async with console_on(store) as (app, pilot):
        await pilot.press("d", "p", *"Never mind", "escape")
        await pilot.pause()
        assert not isinstance(app.screen, DisputeCapture)
    assert count_disputes(store) == 2


# -- the disputes screen ---------------------------------------------------------------------------


async def test_the_disputes_screen_lists_open_disputes_most_severe_first(store, seeded):
    store.set_dispute_status(seeded["slow"], DisputeStatus.WITHDRAWN)
    async with on_the_disputes(store) as (app, pilot):
        screen = app.screen
        assert [d.code for d in screen.disputes] == ["D-0001", "D-0002"]
        await pilot.press("o")  # open only
        assert [d.code for d in screen.disputes] == ["D-0001"]
        await pilot.press("o", "slash", *"nine")
        assert [d.code for d in screen.disputes] == ["D-0002"]


async def test_marking_a_dispute_as_mediating(store, seeded):
    async with on_the_disputes(store) as (app, pilot):
        await pilot.press("m")
        await pilot.pause()
        assert any("D-0001 is being mediated" in str(n.message) for n in app._notifications)
    assert store.get_dispute(seeded["pay"]).status == DisputeStatus.MEDIATING


async def test_escalating_asks_first_and_then_records_it(store, seeded):
    async with on_the_disputes(store) as (app, pilot):
        await pilot.press("exclamation_mark")
        await pilot.pause()
        await pilot.press("n")  # changed their mind
        await pilot.pause()
        assert store.get_dispute(seeded["pay"]).status == DisputeStatus.OPEN
        await pilot.press("exclamation_mark")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
    escalated = store.get_dispute(seeded["pay"])
    assert escalated.status == DisputeStatus.ESCALATED
    assert escalated.closed_at == NOW
    assert store.get_requisition(seeded["data_engineer"]).open_disputes == 0


async def test_withdrawing_a_dispute_asks_first(store, seeded):
    async with on_the_disputes(store) as (app, pilot):
        await pilot.press("down")  # D-0002
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert any("D-0002 withdrawn" in str(n.message) for n in app._notifications)
    assert store.get_dispute(seeded["slow"]).status == DisputeStatus.WITHDRAWN
    assert store.get_dispute(seeded["pay"]).status == DisputeStatus.OPEN


async def test_editing_a_dispute_records_the_interests(store, seeded):
    async with on_the_disputes(store) as (app, pilot):
        await pilot.press("down", "e")
        capture = app.screen
        assert isinstance(capture, DisputeCapture) and capture.editing is not None
        await pilot.press("tab", *"Keep the client's trust", "tab", *"Time to source properly", "enter")
        await settle(pilot)
    edited = store.get_dispute(seeded["slow"])
    assert edited.sales_interest == "Keep the client's trust"
    assert edited.recruiting_interest == "Time to source properly"
    assert edited.summary == "No candidate after nine days"
    assert store.dispute_by_code("D-0003") is None


async def test_a_resolution_in_the_leads_own_words_with_one_commitment(store, seeded):
    async with on_the_disputes(store) as (app, pilot):
        resolve = await press_to(pilot, "R", ResolveDispute)
        await pilot.press(*"Sam raises the cap to 140k with the client")
        resolve.query_one("#owner-0").value = seeded["sam"]
        resolve.query_one("#text-0", WrappedInput).value = "Send the client the market report"
        resolve.query_one("#due-0", Input).value = "2026-11-25"
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ResolveDispute)
    resolved = store.get_dispute(seeded["pay"])
    assert resolved.status == DisputeStatus.RESOLVED
    assert resolved.resolution == "Sam raises the cap to 140k with the client"
    assert resolved.proposal_id is None
    [commitment] = store.list_commitments(dispute_id=seeded["pay"])
    assert (commitment.owner_id, commitment.due, commitment.source) == (
        seeded["sam"],
        dt.date(2026, 11, 25),
        CommitmentSource.DISPUTE,
    )


async def test_a_past_due_date_is_refused_before_anything_is_saved(store, seeded):
    async with on_the_disputes(store) as (app, pilot):
        await pilot.press("R", *"Agreed in the room")
        resolve = app.screen
        resolve.query_one("#owner-0").value = seeded["rita"]
        resolve.query_one("#text-0", WrappedInput).value = "Send three profiles"
        resolve.query_one("#due-0", Input).value = "2026-11-01"
        await press_to(pilot, "enter", ResolveDispute)
        assert "already past" in str(resolve.query_one("#line-0-error", Label).render())
    assert store.get_dispute(seeded["pay"]).status == DisputeStatus.OPEN
    assert store.list_commitments(dispute_id=seeded["pay"]) == []


async def test_accepting_a_proposal_records_the_resolution_and_its_commitments(store, seeded):
    pytest.importorskip("mediation_console.console.core.rules.service")
    async with on_the_disputes(store) as (app, pilot):
        screen = app.screen
        analysis = screen.analysis
        assert analysis is not None and analysis.dispute_id == seeded["pay"]
        assert analysis.proposals, "the shipped pack has proposals for pay below market"
        top, promised = analysis.proposals[0], analysis.commitments[0]
        resolve = await press_to(pilot, "a", ResolveDispute)
        assert resolve.proposal_id == top.id
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ResolveDispute)
    resolved = store.get_dispute(seeded["pay"])
    assert resolved.status == DisputeStatus.RESOLVED
    assert resolved.proposal_id == top.id
    assert top.title in resolved.resolution
    created = store.list_commitments(dispute_id=seeded["pay"])
    # The store lists them by due date (the package's check-in, due first, is last in the proposal).
    assert sorted((c.due, c.owner_id, c.text) for c in created) == sorted((c.due, c.owner_id, c.text) for c in promised)
    assert all(c.status == CommitmentStatus.OPEN and c.source == CommitmentSource.DISPUTE for c in created)
    assert all(c.requisition_id == seeded["data_engineer"] for c in created)
    actions = [e.action for e in store.timeline("dispute", seeded["pay"])]
    assert actions[-1] == "resolve"


async def test_a_proposal_shows_its_own_record_here_once_it_has_been_accepted(store, seeded):
    """The learned ranking on the disputes screen: a rule accepted before says how often and how much of
    what it promised was kept."""
    import io

    from rich.console import Console
    from textual.widgets import OptionList

    from mediation_console.console.core.rules.service import Mediator

    mediator = Mediator(store, include_user_pack=False)
    pay = store.get_dispute(seeded["pay"])
    earlier = store.add_dispute(pay.model_copy(update={"id": None, "code": None, "opened_at": None}))
    top = mediator.proposals(earlier)[0]
    _done, made = store.resolve_dispute(earlier.saved_id, top.title, top.id, mediator.commitments_for(top, earlier))
    for commitment in made:
        store.set_commitment_status(commitment.saved_id, CommitmentStatus.KEPT)
    app = app_for(store)
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.pause()
        await pilot.press("2")
        await settle(pilot)
        assert app.screen.analysis.dispute_id == seeded["pay"]
        ranked = app.screen.analysis.proposals
        assert ranked[0].id == top.id and ranked[0].record.accepted == 1
        options = app.screen.query_one("#proposals", OptionList)
        console = Console(width=100, record=True, file=io.StringIO())
        for index in range(options.option_count):
            console.print(options.get_option_at_index(index).prompt)
        text = " ".join(console.export_text().split())
        assert f"Its record accepted once here; 100 % of its commitments kept ({len(made)} of {len(made)})" in text
        assert text.count("Its record") == 1  # the rules never accepted here say nothing
