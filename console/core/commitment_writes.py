"""The writes to expectations (what the two teams agree to measure) and commitments (what one person
promises by a date), for every caller. Each is one transaction with its audit row; the Store refuses
what the domain does not allow (an owner outside the team, agreeing to a target someone changed since
it was read, revisiting an outcome the track record already counts)."""

from __future__ import annotations

from mediation_console.db.models import Commitment, CommitmentStatus, Expectation, ExpectationStatus
from mediation_console.db.store import Store


def propose_expectation(store: Store, expectation: Expectation) -> Expectation:
    """Records a new expectation as the form proposed it (it is measured once both teams agree)."""
    return store.add_expectation(expectation)


def set_expectation_status(
    store: Store, expectation_id: int, status: ExpectationStatus | str, started_from: Expectation | None = None
) -> Expectation:
    """Agrees to or retires an expectation; agreeing to one whose target changed since `started_from` is
    refused (EditConflict): both teams agree to what they read."""
    return store.set_expectation_status(expectation_id, status, started_from=started_from)


def make_commitment(store: Store, commitment: Commitment) -> Commitment:
    """Records a commitment (its owner must be a person in the team)."""
    return store.add_commitment(commitment)


def close_commitment(
    store: Store,
    commitment_id: int,
    status: CommitmentStatus | str,
    reason: str = "",
    started_from: Commitment | None = None,
) -> Commitment:
    """Records a commitment's outcome (kept, missed, or cancelled with a reason); an outcome already
    recorded, elsewhere since `started_from` included, is not revisited."""
    return store.set_commitment_status(commitment_id, status, reason=reason, started_from=started_from)
