"""Keeps the stored score, grade and time-to-fill estimate of requisitions in step with the rules."""

from __future__ import annotations

import statistics
from collections import defaultdict

from mediation_console.console.core.rules.service import Mediator
from mediation_console.db.models import RequisitionStatus
from mediation_console.db.store import Store

BATCH = 5000


def refresh_derived(store: Store, mediator: Mediator | None = None) -> int:
    """Scores every requisition and stores (score, grade, estimate_days); returns how many were refreshed.

    Two passes: grades first, then each estimate from the medians of filled requisitions with the
    same (freshly computed) grade and engagement, so the estimate never rests on a stale grade.
    """
    mediator = mediator or Mediator(store)
    scorer = mediator.scorer
    default_days = round(mediator.pack.constant("default_time_to_fill_days"))
    min_history = int(mediator.pack.constant("min_history"))
    graded: list[tuple[int, str, int, str]] = []  # (score, grade, id, engagement)
    durations: dict[tuple[str, str], list[float]] = defaultdict(list)
    for req in store.iter_requisitions():
        card = scorer.score(req)
        engagement = req.engagement.value
        graded.append((card.score, card.grade, req.saved_id, engagement))
        if (
            req.status == RequisitionStatus.FILLED
            and req.opened_at
            and req.closed_at
            and req.closed_at >= req.opened_at
        ):
            durations[(card.grade, engagement)].append((req.closed_at - req.opened_at).total_seconds() / 86400)
    estimates = {
        key: round(statistics.median(days)) if len(days) >= min_history else default_days
        for key, days in durations.items()
    }
    batch: list[tuple[int, str, int, int]] = []
    for score, grade, req_id, engagement in graded:
        batch.append((score, grade, estimates.get((grade, engagement), default_days), req_id))
        if len(batch) >= BATCH:
            store.set_derived(batch)
            batch = []
    if batch:
        store.set_derived(batch)
    mediator.reload_history()
    return len(graded)


def refresh_one(store: Store, requisition_id: int, mediator: Mediator | None = None) -> None:
    """Re-scores one requisition after it was created or edited."""
    mediator = mediator or Mediator(store)
    card = mediator.scorecard_for(requisition_id)
    estimate = card.estimate.days if card.estimate else None
    store.set_derived([(card.score, card.grade, estimate, requisition_id)])
