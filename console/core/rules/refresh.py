"""Keeps the stored score, grade and time-to-fill estimate of requisitions in step with the rules."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence

from mediation_console.console.core.rules.service import Mediator
from mediation_console.db.csv_import import ImportReport
from mediation_console.db.models import Requisition, RequisitionStatus
from mediation_console.db.store import Store

# Above this share of the database, grading the changed rows one by one costs more than a full pass.
INCREMENTAL_SHARE = 0.2


def refresh_derived(store: Store, mediator: Mediator) -> int:
    """Scores every requisition and stores (score, grade, estimate_days); returns how many were refreshed.

    Two passes: grades first, then each estimate from the medians of filled requisitions with the
    same (freshly computed) grade and engagement, so the estimate never rests on a stale grade.
    """
    figures = derived_figures(store, mediator)
    store.set_derived(figures)  # in chunks and short transactions of its own
    mediator.reload_history()
    return len(figures)


def derived_figures(store: Store, mediator: Mediator) -> list[tuple[int, str, int, int]]:
    """(score, grade, estimate_days, id) of every requisition, in id order, as `refresh_derived` stores
    them; only reads (a demo computes them on a read-only connection in a second process)."""
    scorer = mediator.scorer
    default_days, min_history = _history_constants(mediator)
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
    estimates = _medians(durations, min_history, default_days)
    return [
        (score, grade, estimates.get((grade, engagement), default_days), req_id)
        for score, grade, req_id, engagement in graded
    ]


def _history_constants(mediator: Mediator) -> tuple[int, int]:
    """(the estimate with too little history, how much history is enough) from the rule pack."""
    return round(mediator.pack.constant("default_time_to_fill_days")), int(mediator.pack.constant("min_history"))


def _medians(
    durations: Mapping[tuple[str, str], list[float]], min_history: int, default_days: int
) -> dict[tuple[str, str], int]:
    """Each (grade, engagement)'s estimate: the median days to fill, or `default_days` on too little history."""
    return {
        key: round(statistics.median(days)) if len(days) >= min_history else default_days
        for key, days in durations.items()
    }


def _by_grade(rows: Sequence[tuple[str | None, str, float]]) -> dict[tuple[str, str], list[float]]:
    durations: dict[tuple[str, str], list[float]] = defaultdict(list)
    for grade, engagement, days in rows:
        if grade is not None:
            durations[(grade, engagement)].append(days)
    return durations


class ImportGrades:
    """Grades an import's new requisitions as they are checked (`import_requisitions(grader=...)`), so
    they are written once, graded: what `refresh_changed` would give them afterwards, without reading
    them back and updating every one. `for_import` gives None when the pack cannot grade a requisition
    before it has its code (a condition reads `requisition_code`): then they are graded after the write."""

    def __init__(self, mediator: Mediator) -> None:
        self._score = mediator.scorer.score
        self.default_days, self._min_history = _history_constants(mediator)

    @classmethod
    def for_import(cls, mediator: Mediator) -> ImportGrades | None:
        return None if "requisition_code" in mediator.scorer.reads else cls(mediator)

    def grade(self, req: Requisition) -> tuple[int, str]:
        card = self._score(req)
        return card.score, card.grade

    def estimates(self, durations: Sequence[tuple[str | None, str, float]]) -> dict[tuple[str, str], int]:
        return _medians(_by_grade(durations), self._min_history, self.default_days)


def refresh_after_import(store: Store, report: ImportReport, mediator: Mediator) -> int:
    """Grades what an import wrote and is not graded yet; returns how many requisitions it graded.

    Rows written graded (`ImportGrades`) count as graded; the updated ones are graded now, and when the
    new filled rows moved the time-to-fill history, every estimate is set from the file as it now is
    (a save made during the import counted). A resumed import's earlier rows are not known here (nor
    whether the history they were graded by was all written), so then every requisition is graded.
    """
    if report.resumed_file:  # (every import that resumed rows is one)
        return refresh_derived(store, mediator)
    if not report.graded_at_insert:
        return refresh_changed(store, report.changed_ids, mediator)
    ids = sorted(set(report.updated_ids))
    if len(ids) > INCREMENTAL_SHARE * max(store.count_requisitions(), 1):
        return refresh_derived(store, mediator)  # every row, counted once
    if not ids and not report.history_moved:
        return report.created  # nothing left to grade
    return report.created + refresh_changed(store, ids, mediator, history_moved=report.history_moved)


def refresh_changed(store: Store, changed: Collection[int], mediator: Mediator, *, history_moved: bool = False) -> int:
    """Grades again only the requisitions in `changed` (created or edited, e.g. by an import); returns how many.

    A scorecard reads only its own requisition, so the others keep their grades. The estimates are
    medians over filled requisitions by (grade, engagement): the changed rows take theirs from the
    history as it now stands, and when a changed row is (or may have been) filled the history moved,
    so every estimate that differs is rewritten in one pass (no scoring). A large share of the
    database falls back to `refresh_derived`. `history_moved`: the history moved by other means (rows
    an import wrote graded), so every estimate is looked at again whatever `changed` holds.
    """
    ids = sorted(set(changed))
    if not ids and not history_moved:
        return 0
    if len(ids) > INCREMENTAL_SHARE * max(store.count_requisitions(), 1):
        return refresh_derived(store, mediator)
    scorer = mediator.scorer
    default_days, min_history = _history_constants(mediator)
    graded: list[tuple[int, str, int, str]] = []
    kept_estimates: list[tuple[int, str, int | None, int]] = []
    for req_id in ids:
        req = store.get_requisition(req_id)
        if req is None:  # deleted meanwhile
            continue
        card = scorer.score(req)
        graded.append((card.score, card.grade, req_id, req.engagement.value))
        kept_estimates.append((card.score, card.grade, req.estimate_days, req_id))
        # A filled row adds to the history; a row graded before may be an edit that left it.
        history_moved = history_moved or req.status == RequisitionStatus.FILLED or req.grade is not None
    # The new grades first: the history below reads the stored grade of every filled requisition.
    store.set_derived(kept_estimates)
    estimates = _medians(_by_grade(store.filled_durations()), min_history, default_days)
    if history_moved:
        store.set_estimates(estimates, default_days)
    else:
        store.set_derived(
            [
                (score, grade, estimates.get((grade, engagement), default_days), req_id)
                for score, grade, req_id, engagement in graded
            ]
        )
    mediator.reload_history()
    return len(graded)


def refresh_one(store: Store, requisition_id: int, mediator: Mediator) -> None:
    """Re-scores one requisition after it was created or edited."""
    card = mediator.scorecard_for(requisition_id)
    estimate = card.estimate.days if card.estimate else None
    store.set_derived([(card.score, card.grade, estimate, requisition_id)])
