"""Accepting a proposal (console/core/dispute_writes.py): the resolution, the proposal it came from and each
side's commitments are written together, and never over a dispute someone changed after the lead read it."""

from __future__ import annotations

import datetime as dt

import pytest

from mediation_console.console.core.dispute_writes import accept_proposal, save_dispute
from mediation_console.db.models import Commitment, Dispute, DisputeCategory, DisputeStatus, Team
from mediation_console.db.store import EditConflict, RejectedChange


def _logged(store) -> Dispute:
    sales = next(p for p in store.list_people() if p.team == Team.SALES)
    recruiting = next(p for p in store.list_people() if p.team == Team.RECRUITING)
    return save_dispute(
        store,
        Dispute(
            raised_by_id=recruiting.saved_id,
            counterpart_id=sales.saved_id,
            category=DisputeCategory.OVERPROMISED_TIMELINE,
            summary="Client was promised a hire by Friday",
        ),
    )


def _steps(dispute: Dispute) -> list[Commitment]:
    due = dt.date(2026, 12, 8)
    return [
        Commitment(owner_id=dispute.counterpart_id, text="Tell the client the realistic date", due=due),
        Commitment(owner_id=dispute.raised_by_id, text="Send three screened candidates", due=due),
    ]


def test_accepting_a_proposal_resolves_the_dispute_with_both_sides_commitments(store):
    read = _logged(store)
    resolved, made = accept_proposal(store, read, "Reset the date with the client", "timeline.reset", _steps(read))
    stored = store.get_dispute(read.saved_id)
    assert (stored.status, stored.resolution, stored.proposal_id) == (
        DisputeStatus.RESOLVED,
        "Reset the date with the client",
        "timeline.reset",
    )
    assert resolved == stored
    assert sorted(c.id for c in store.list_commitments(dispute_id=read.saved_id)) == sorted(c.id for c in made)
    assert len(made) == 2
    with pytest.raises(RejectedChange, match="already resolved"):
        accept_proposal(store, stored, "Again", None, [])


def test_a_dispute_changed_since_it_was_read_is_not_resolved_and_nothing_is_written(store):
    read = _logged(store)
    save_dispute(store, read.model_copy(update={"summary": "Client was promised a hire by Monday"}), started_from=read)
    commitments = len(store.list_commitments())
    with pytest.raises(EditConflict) as refused:
        accept_proposal(store, read, "Reset the date with the client", None, _steps(read))
    assert store.get_dispute(read.saved_id).status == DisputeStatus.OPEN
    assert len(store.list_commitments()) == commitments
    # Read again (the dialog keeps the version it was refused over), it is resolved.
    resolved, made = accept_proposal(store, refused.value.current, "Reset the date", None, _steps(read))
    assert resolved.status == DisputeStatus.RESOLVED and len(made) == 2
