"""Moving a running standup through its agenda. Each move is one transaction: the item left keeps the
time spent on it (and is marked done when the meeting finished it), and the meeting's current item
moves, with both audit rows, or neither — so a reopened console resumes on the item the lead saw."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from mediation_console.console.core.agenda import item_seconds_for, talk_items
from mediation_console.db.models import Dispute, Standup, StandupItem
from mediation_console.db.store import Store


def move_to_item(store: Store, standup: Standup, index: int, seconds_on_current: int, *, finish: bool) -> Standup:
    """The meeting moves from its current item (which gets `seconds_on_current` more seconds, and is
    done when `finish`) to item `index` (kept within the agenda). Returns the standup as stored."""
    if not standup.items:
        raise ValueError("The standup has no items to move through")
    index = max(0, min(index, len(standup.items) - 1))
    current = standup.current_item
    item = standup.items[current]
    update: dict[str, Any] = {"seconds_spent": item.seconds_spent + seconds_on_current}
    if finish:
        update["done"] = True
    with store.transaction():
        left = store.update_standup_item(item.model_copy(update=update))
        moved = store.update_standup(standup.model_copy(update={"current_item": index}))
    items = list(standup.items)
    items[current] = left
    return moved.model_copy(update={"items": items})


def end_standup(store: Store, standup: Standup, seconds_on_current: int, now: dt.datetime) -> Standup:
    """Ends the meeting at `now`: the item on screen keeps its time (not marked done: it counts as discussed
    only if the meeting stayed on it or wrote on it) and the standup gets its end time, together."""
    with store.transaction():
        if standup.items:
            item = standup.items[standup.current_item]
            store.update_standup_item(
                item.model_copy(update={"seconds_spent": item.seconds_spent + seconds_on_current})
            )
        return store.update_standup(standup.model_copy(update={"ended_at": now}))


def log_dispute_at_item(store: Store, dispute: Dispute, item: StandupItem) -> tuple[Dispute, StandupItem]:
    """Logs a dispute raised while the meeting is on `item`; an item that leads to no dispute yet now
    leads to this one (the notes list it under "disputes discussed"). Both or neither."""
    with store.transaction():
        stored = store.add_dispute(dispute)
        if item.dispute_id is None:
            item = store.update_standup_item(item.model_copy(update={"dispute_id": stored.id}))
    return stored, item


def start_standup(store: Store, standup: Standup) -> Standup:
    """Starts the meeting `standup` plans, unless one is already running (started from another window
    or console meanwhile): that one is returned to be resumed. The check and the start are one
    transaction, so two consoles starting at the same moment hold one meeting, not two."""
    with store.transaction():
        running = store.running_standup()
        if running is not None:
            return running
        return store.start_standup(standup)


TYPED_ON_ITEM = ("notes", "decision")


def save_typed(store: Store, standup: Standup, typed: Mapping[str, str]) -> Standup:
    """Saves what the lead typed: `notes` and `decision` on the meeting's current item, `blockers` on the
    meeting, in one transaction (only the fields that differ from `standup`; nothing is written when none
    does). Returns the standup as stored."""
    items = list(standup.items)
    current = min(standup.current_item, len(items) - 1)
    item = items[current] if items else None
    on_item = {k: v for k, v in typed.items() if k in TYPED_ON_ITEM and item is not None}
    item_changed = item is not None and any(getattr(item, k) != v for k, v in on_item.items())
    blockers = typed.get("blockers")
    blockers_changed = blockers is not None and blockers != standup.blockers
    if not item_changed and not blockers_changed:
        return standup
    with store.transaction():
        if item is not None and item_changed:
            items[current] = store.update_standup_item(item.model_copy(update=on_item))
        if blockers_changed:
            standup = store.update_standup(standup.model_copy(update={"blockers": blockers}))
    return standup.model_copy(update={"items": items})


def set_meeting_length(store: Store, standup: Standup, minutes: int) -> Standup:
    """The meeting is to last `minutes`: each item it talks about gets an equal share (the agenda's
    "more ..." rows take none). Returns the standup as stored."""
    seconds = item_seconds_for(minutes * 60, talk_items(standup.items))
    return store.update_standup(standup.model_copy(update={"timebox_seconds": seconds}))
