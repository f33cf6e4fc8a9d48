"""The writes to a requisition that carry a domain rule: its stored grade, score and time-to-fill
estimate follow the rules after every change. Each is one transaction (the change, its audit row and
the new grade commit together), for every caller: the console's forms and anything else."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from mediation_console.db.models import PipelineEvent, PlacementCredit, Requisition, RequisitionStatus
from mediation_console.db.store import Store, StoreError

if TYPE_CHECKING:  # the rules engine loads on first use
    from mediation_console.console.core.rules.service import Mediator

T = TypeVar("T")


@dataclass(frozen=True)
class Graded(Generic[T]):
    """What was saved, and why its requisition's stored grade was left as it was (a rule that failed on
    this record), or None when it was graded (or there is no rule pack to grade with)."""

    saved: T
    grading_problem: str | None = None


def save_requisition(
    store: Store, mediator: Mediator | None, requisition: Requisition, started_from: Requisition | None = None
) -> Graded[Requisition]:
    """Adds `requisition` (when `started_from` is None) or saves the lead's edit of it (refused with
    EditConflict when the stored record changed since `started_from`), graded by `mediator`'s pack."""

    def write() -> Requisition:
        if started_from is None:
            return store.add_requisition(requisition)
        return store.update_requisition(requisition, started_from)

    return _graded(store, mediator, write, lambda saved: saved.saved_id)


def change_status(
    store: Store, mediator: Mediator | None, requisition_id: int, status: RequisitionStatus | str, reason: str = ""
) -> Graded[Requisition]:
    """Moves the requisition to `status` (the Store checks the move and the reason), graded again."""
    return _graded(
        store,
        mediator,
        lambda: store.change_status(requisition_id, status, reason=reason),
        lambda _saved: requisition_id,
    )


def log_pipeline_event(
    store: Store, mediator: Mediator | None, event: PipelineEvent, credits: Sequence[PlacementCredit] = ()
) -> Graded[PipelineEvent]:
    """Logs a submittal, feedback, an interview... on a requisition (a placement with its credit, when
    given), and grades the requisition again: its pipeline is part of its scorecard."""

    def write() -> PipelineEvent:
        if credits:
            return store.record_placement(event, credits)[0]
        return store.add_pipeline_event(event)

    return _graded(store, mediator, write, lambda saved: saved.requisition_id)


def _graded(
    store: Store, mediator: Mediator | None, write: Callable[[], T], requisition_of: Callable[[T], int]
) -> Graded[T]:
    with store.transaction():
        saved = write()
        if mediator is None:
            return Graded(saved)
        requisition_id = requisition_of(saved)
        try:
            card = mediator.scorecard_for(requisition_id)
        except StoreError:
            raise
        except Exception as exc:  # a rule that fails on this record must not lose the lead's change
            return Graded(saved, f"The grade could not be refreshed: {exc}")
        estimate = card.estimate.days if card.estimate else None
        store.set_derived([(card.score, card.grade, estimate, requisition_id)])
    return Graded(saved)
