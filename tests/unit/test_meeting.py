"""Moving a running standup through its agenda is one transaction (console/core/meeting.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from mediation_console.console.core.agenda import item_seconds_for
from mediation_console.console.core.meeting import (
    end_standup,
    log_dispute_at_item,
    move_to_item,
    save_typed,
    set_meeting_length,
    start_standup,
)
from mediation_console.db.models import Dispute, DisputeCategory, Standup, StandupItem, Team
from mediation_console.db.store import StoreError

START = dt.datetime(2026, 12, 4, 9, 0)


@pytest.fixture
def meeting(store):
    items = [StandupItem(section="wins", title=f"Item {n}") for n in range(3)]
    return store.start_standup(Standup(started_at=START, items=items))


def _audited(store):
    return store.conn.execute("SELECT COUNT(*) FROM events WHERE entity LIKE 'standup%'").fetchone()[0]


def test_the_next_item_stores_the_time_spent_the_item_done_and_where_the_meeting_is(store, meeting):
    moved = move_to_item(store, meeting, 1, 95, finish=True)
    stored = store.get_standup(meeting.saved_id)
    assert stored.current_item == moved.current_item == 1
    assert (stored.items[0].seconds_spent, stored.items[0].done) == (95, True)
    assert moved.items[0] == stored.items[0] and moved.items[1:] == stored.items[1:]
    # Going back leaves the item it leaves not done, and adds to its time.
    back = move_to_item(store, moved, 0, 30, finish=False)
    stored = store.get_standup(meeting.saved_id)
    assert stored.current_item == back.current_item == 0
    assert (stored.items[1].seconds_spent, stored.items[1].done) == (30, False)


def test_a_move_past_the_last_item_stays_on_it(store, meeting):
    assert move_to_item(store, meeting, 7, 0, finish=True).current_item == 2


def test_when_the_meeting_cannot_move_the_item_keeps_its_time_unsaved_too(store, meeting, monkeypatch):
    # Both or neither: a console reopened after a refused move shows the item and time the lead saw.
    audited = _audited(store)

    def refused(_standup):
        raise StoreError("The database is busy or unavailable: database is locked")

    monkeypatch.setattr(store, "update_standup", refused)
    with pytest.raises(StoreError):
        move_to_item(store, meeting, 1, 95, finish=True)
    stored = store.get_standup(meeting.saved_id)
    assert stored.current_item == 0 and (stored.items[0].seconds_spent, stored.items[0].done) == (0, False)
    assert _audited(store) == audited


def test_ending_keeps_the_time_on_the_item_shown_and_ends_the_meeting_together(store, meeting, monkeypatch):
    moved = move_to_item(store, meeting, 2, 10, finish=True)
    ended_at = START + dt.timedelta(minutes=12)
    ended = end_standup(store, moved, 40, ended_at)
    stored = store.get_standup(meeting.saved_id)
    assert stored.ended_at == ended.ended_at == ended_at
    assert (stored.items[2].seconds_spent, stored.items[2].done) == (40, False)

    again = store.start_standup(Standup(started_at=START, items=[StandupItem(section="wins", title="Only")]))

    def refused(_standup):
        raise StoreError("The database is busy or unavailable: database is locked")

    monkeypatch.setattr(store, "update_standup", refused)
    with pytest.raises(StoreError):
        end_standup(store, again, 40, ended_at)
    stored = store.get_standup(again.saved_id)
    assert stored.ended_at is None and stored.items[0].seconds_spent == 0


def _dispute(store):
    sales = next(p for p in store.list_people() if p.team == Team.SALES)
    recruiting = next(p for p in store.list_people() if p.team == Team.RECRUITING)
    return Dispute(
        raised_by_id=recruiting.saved_id,
        counterpart_id=sales.saved_id,
        category=DisputeCategory.OVERPROMISED_TIMELINE,
        summary="Client was promised a hire by Friday",
    )


def test_a_dispute_logged_on_an_item_is_what_the_item_leads_to_and_both_are_saved_together(store, meeting, monkeypatch):
    disputes = len(store.list_disputes())
    stored, item = log_dispute_at_item(store, _dispute(store), meeting.items[0])
    assert item.dispute_id == stored.id and store.get_standup(meeting.saved_id).items[0].dispute_id == stored.id
    # An item that already leads to a dispute keeps it.
    second, kept = log_dispute_at_item(store, _dispute(store), item)
    assert kept.dispute_id == stored.id != second.id and len(store.list_disputes()) == disputes + 2

    def refused(_item):
        raise StoreError("The database is busy or unavailable: database is locked")

    monkeypatch.setattr(store, "update_standup_item", refused)
    with pytest.raises(StoreError):
        log_dispute_at_item(store, _dispute(store), meeting.items[1])
    assert (
        len(store.list_disputes()) == disputes + 2 and store.get_standup(meeting.saved_id).items[1].dispute_id is None
    )


def test_a_standup_started_while_another_runs_resumes_that_one(store, meeting):
    # Two windows pressing start: one meeting, not two (the check and the start are one transaction).
    plan = Standup(started_at=START + dt.timedelta(minutes=1), items=[StandupItem(section="wins", title="New")])
    resumed = start_standup(store, plan)
    assert resumed.id == meeting.id and [i.title for i in resumed.items] == ["Item 0", "Item 1", "Item 2"]
    assert len(store.list_standups()) == 1
    end_standup(store, resumed, 0, START + dt.timedelta(minutes=5))
    started = start_standup(store, plan)
    assert started.id != meeting.id and [i.title for i in started.items] == ["New"]
    assert store.running_standup() == started


def test_typed_notes_decision_and_blockers_are_saved_together(store, meeting, monkeypatch):
    moved = move_to_item(store, meeting, 1, 0, finish=False)
    saved = save_typed(store, moved, {"notes": "Lumen wants feedback", "decision": "Tom calls", "blockers": "VPN"})
    stored = store.get_standup(meeting.saved_id)
    assert (stored.items[1].notes, stored.items[1].decision, stored.blockers) == (
        "Lumen wants feedback",
        "Tom calls",
        "VPN",
    )
    assert saved.items == stored.items and saved.blockers == "VPN"
    # Nothing that differs: nothing is written (no write lock taken, no audit row).
    audited = _audited(store)
    assert save_typed(store, saved, {"notes": "Lumen wants feedback", "blockers": "VPN"}) is saved
    assert _audited(store) == audited

    def refused(_standup):
        raise StoreError("The database is busy or unavailable: database is locked")

    # The blockers refused: the notes typed with them are not saved either (the screen keeps both to retry).
    monkeypatch.setattr(store, "update_standup", refused)
    with pytest.raises(StoreError):
        save_typed(store, saved, {"notes": "changed", "blockers": "none"})
    stored = store.get_standup(meeting.saved_id)
    assert (stored.items[1].notes, stored.blockers) == ("Lumen wants feedback", "VPN")
    assert _audited(store) == audited


def test_the_meeting_length_is_shared_by_the_items_it_talks_about(store, meeting):
    changed = set_meeting_length(store, meeting, 15)
    assert (
        changed.timebox_seconds == item_seconds_for(15 * 60, 3) == store.get_standup(meeting.saved_id).timebox_seconds
    )
