"""A requisition's writes and its new grade commit together (console/core/requisition_writes.py)."""

from __future__ import annotations

import pytest

from mediation_console.console.core.requisition_writes import change_status, log_pipeline_event, save_requisition
from mediation_console.console.core.rules.service import Mediator
from mediation_console.db.models import EventKind, PipelineEvent, RequisitionStatus, allowed_transitions
from mediation_console.db.store import StoreError

# Thresholds no ordinary requisition reaches: under this pack nearly everything grades C.
STRICT = "[grades]\nA = 100\nB = 99\n"


@pytest.fixture
def strict(store, tmp_path):
    pack = tmp_path / "strict.toml"
    pack.write_text(STRICT, encoding="utf-8")
    return Mediator(store, extra_packs=[pack])


def _graded_differently(store, strict):
    """A requisition whose stored grade (the default pack's) differs from the strict pack's."""
    default = Mediator(store)
    return next(
        r
        for r in store.iter_requisitions()
        if default.scorecard_for(r.saved_id).grade != strict.scorecard_for(r.saved_id).grade
        and r.grade == default.scorecard_for(r.saved_id).grade
        and RequisitionStatus.ON_HOLD in allowed_transitions(r.status)
    )


def _events(store, entity_id):
    return store.conn.execute(
        "SELECT COUNT(*) FROM events WHERE entity = 'requisition' AND entity_id = ?", (entity_id,)
    ).fetchone()[0]


def test_an_edit_is_stored_with_the_grade_of_the_mediators_pack(store, strict):
    req = _graded_differently(store, strict)
    graded = save_requisition(store, strict, req.model_copy(update={"title": req.title + " (edited)"}), req)
    assert graded.grading_problem is None
    saved = store.get_requisition(req.saved_id)
    assert saved.title.endswith("(edited)")
    card = strict.scorecard_for(req.saved_id)
    assert (saved.grade, saved.score) == (card.grade, card.score) and saved.grade != req.grade


def test_a_new_requisition_is_graded_as_it_is_added(store, strict):
    template = next(store.iter_requisitions())
    new = template.model_copy(update={"id": None, "code": None, "title": "Brand new role", "version": None})
    graded = save_requisition(store, strict, new)
    saved = store.get_requisition(graded.saved.saved_id)
    assert saved.title == "Brand new role" and saved.grade == strict.scorecard_for(saved.saved_id).grade


def test_when_the_grade_cannot_be_stored_the_edit_is_not_saved_either(store, strict, monkeypatch):
    # One transaction: the edit, its audit row and the grade, or none of them.
    req = _graded_differently(store, strict)
    audited = _events(store, req.saved_id)

    def refused(_figures):
        raise StoreError("The database is busy or unavailable: disk I/O error")

    monkeypatch.setattr(store, "set_derived", refused)
    with pytest.raises(StoreError):
        save_requisition(store, strict, req.model_copy(update={"title": "Never saved"}), req)
    assert store.get_requisition(req.saved_id).title == req.title
    assert _events(store, req.saved_id) == audited


def test_a_rule_that_fails_keeps_the_edit_and_says_the_grade_was_not_refreshed(store, strict, monkeypatch):
    req = _graded_differently(store, strict)

    def broken(_requisition_id):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(strict, "scorecard_for", broken)
    graded = save_requisition(store, strict, req.model_copy(update={"title": "Kept"}), req)
    assert graded.grading_problem == "The grade could not be refreshed: division by zero"
    saved = store.get_requisition(req.saved_id)
    assert saved.title == "Kept" and saved.grade == req.grade


def test_a_status_change_and_a_pipeline_event_regrade_with_the_mediators_pack(store, strict, clock):
    req = next(r for r in store.iter_requisitions() if RequisitionStatus.ON_HOLD in allowed_transitions(r.status))
    stale = (-1, "A", None, req.saved_id)  # figures no pack gives: any regrade replaces them

    store.set_derived([stale])
    change_status(store, strict, req.saved_id, RequisitionStatus.ON_HOLD, reason="client paused the search")
    moved, card = store.get_requisition(req.saved_id), strict.scorecard_for(req.saved_id)
    assert moved.status == RequisitionStatus.ON_HOLD and (moved.score, moved.grade) == (card.score, card.grade)

    store.set_derived([stale])
    event = PipelineEvent(requisition_id=req.saved_id, kind=EventKind.SUBMITTAL, at=clock(), note="first CV")
    graded = log_pipeline_event(store, strict, event)
    assert graded.saved.requisition_id == req.saved_id and graded.grading_problem is None
    logged, card = store.get_requisition(req.saved_id), strict.scorecard_for(req.saved_id)
    assert (logged.score, logged.grade) == (card.score, card.grade) != (-1, "A")


def test_without_a_rule_pack_the_write_is_saved_and_the_grade_left_alone(store):
    req = next(store.iter_requisitions())
    graded = save_requisition(store, None, req.model_copy(update={"title": "No rules"}), req)
    assert graded.grading_problem is None
    saved = store.get_requisition(req.saved_id)
    assert saved.title == "No rules" and (saved.grade, saved.score) == (req.grade, req.score)
