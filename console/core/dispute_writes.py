"""The writes to a dispute, for every caller (the console's screens and dialogs, anything else): logging
or editing one, moving it along (mediating, escalated, withdrawn) and accepting a proposal. Each is one
transaction with its audit row; the Store refuses what the domain does not allow (parties who are not
in the team, a status move on a closed dispute, an edit over someone else's newer one: EditConflict)."""

from __future__ import annotations

from collections.abc import Sequence

from mediation_console.db.models import Commitment, Dispute, DisputeStatus
from mediation_console.db.store import Store


def save_dispute(store: Store, dispute: Dispute, started_from: Dispute | None = None) -> Dispute:
    """Logs `dispute` (when `started_from` is None) or saves the lead's edit of it: refused with
    EditConflict when the stored dispute changed since `started_from`, the dispute as the lead opened it."""
    if started_from is None:
        return store.add_dispute(dispute)
    return store.update_dispute(dispute, started_from=started_from)


def set_dispute_status(
    store: Store, dispute_id: int, status: DisputeStatus | str, started_from: Dispute | None = None
) -> Dispute:
    """Moves the dispute to `status` (refused if it changed since `started_from`, or is closed)."""
    return store.set_dispute_status(dispute_id, status, started_from=started_from)


def accept_proposal(
    store: Store, read: Dispute, resolution: str, proposal_id: str | None, commitments: Sequence[Commitment]
) -> tuple[Dispute, list[Commitment]]:
    """Resolves the dispute `read` (as the lead read it) with the resolution both sides agreed to and the
    proposal it came from (`proposal_id`, None when written by hand), and records each side's commitments
    on the dispute and its requisition — all of it in one transaction or nothing. Refused with
    EditConflict when the dispute changed since it was read, and when it is no longer open."""
    return store.resolve_dispute(read.saved_id, resolution, proposal_id, commitments, started_from=read)
