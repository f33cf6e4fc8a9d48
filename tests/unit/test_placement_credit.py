"""Placement credit (migration 18): who originated a placement, who filled it and the split in %, recorded
with the placement in one transaction, audited, read by stories; a credit dispute is settled from it."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from mediation_console.db.models import CreditRole, EventKind, PipelineEvent, PlacementCredit, Team
from mediation_console.db.store import RejectedChange

STORY = """
now = "2026-12-03T09:00"
people = [
  { name = "Priya Shah", team = "account manager" },
  { name = "Lena Novak", team = "recruiter" },
  { name = "Ben Carter", team = "recruiter" },
]
[requisition]
title = "Payroll Specialist"
client = "Lumen"
sales = "Priya Shah"
recruiter = "Lena Novak"
status = "filled"
opened = "-40d"
closed = "-2d"
events = [
  { at = "-2d", kind = "placement", source = "sourced", credits = [
      { name = "Priya Shah", role = "originated", split = 40 },
      { name = "Lena Novak", role = "filled" },
      { name = "Ben Carter", role = "assisted", split = "10%" },
  ] },
]
[dispute]
category = "credit_split"
raised_by = "Ben Carter"
counterpart = "Priya Shah"
summary = "Who gets the credit for the Lumen placement"
"""


def _people(store):
    people = {p.team: p for p in store.list_people()}
    return people[Team.SALES], people[Team.RECRUITING]


def test_a_placement_and_its_credit_are_recorded_together_and_audited(store):
    sales, recruiter = _people(store)
    req = next(r for r in store.iter_requisitions() if r.is_open)
    event, credits = store.record_placement(
        PipelineEvent(requisition_id=req.id, kind=EventKind.PLACEMENT, at=store.now()),
        [
            PlacementCredit(requisition_id=req.id, person_id=sales.id, role=CreditRole.ORIGINATED, split_pct=35),
            PlacementCredit(requisition_id=req.id, person_id=recruiter.id, role=CreditRole.FILLED, split_pct=65),
        ],
    )
    assert event.participants == [sales.id, recruiter.id]
    assert [(c.role, c.split_pct, c.placement_event_id) for c in store.placement_credits(req.id)] == [
        (CreditRole.FILLED, 65.0, event.id),
        (CreditRole.ORIGINATED, 35.0, event.id),
    ]
    audit = [e for e in store.requisition_timeline(req.id) if e.entity == "placement_credit"]
    assert len(audit) == 1 and audit[0].action == "credit" and audit[0].before is None
    # A re-credit replaces the split and keeps what it was in the audit row.
    store.set_placement_credits(
        req.id,
        [PlacementCredit(requisition_id=req.id, person_id=recruiter.id, role=CreditRole.FILLED, split_pct=100)],
        placement_event_id=event.id,
    )
    assert [c.split_pct for c in store.placement_credits(req.id)] == [100.0]
    audit = [e for e in store.requisition_timeline(req.id) if e.entity == "placement_credit"]
    assert audit[-1].action == "recredit" and len(audit[-1].before["credits"]) == 2


@pytest.mark.parametrize(
    ("splits", "message"),
    [
        ([60, 30], "add up to 90 %"),
        ([60, 60], "add up to 120 %"),
        ([], "at least one person"),
    ],
)
def test_a_credit_that_does_not_add_up_writes_neither_the_placement_nor_the_credit(store, splits, message):
    sales, recruiter = _people(store)
    req = next(r for r in store.iter_requisitions() if r.is_open)
    before = len(store.list_pipeline_events(req.id))
    credits = [
        PlacementCredit(requisition_id=req.id, person_id=pid, role=role, split_pct=pct)
        for (pid, role), pct in zip(
            [(sales.id, CreditRole.ORIGINATED), (recruiter.id, CreditRole.FILLED)], splits, strict=False
        )
    ]
    with pytest.raises(RejectedChange, match=message):
        store.record_placement(PipelineEvent(requisition_id=req.id, kind=EventKind.PLACEMENT, at=store.now()), credits)
    assert len(store.list_pipeline_events(req.id)) == before
    assert store.placement_credits(req.id) == []


def test_the_same_person_twice_in_one_role_or_a_stranger_is_refused(store):
    sales, recruiter = _people(store)
    req = next(r for r in store.iter_requisitions() if r.is_open)
    with pytest.raises(RejectedChange, match="credited twice"):
        store.set_placement_credits(
            req.id,
            [
                PlacementCredit(requisition_id=req.id, person_id=sales.id, role=CreditRole.ORIGINATED, split_pct=50),
                PlacementCredit(requisition_id=req.id, person_id=sales.id, role=CreditRole.ORIGINATED, split_pct=50),
            ],
        )
    with pytest.raises(RejectedChange, match="not in the team"):
        store.set_placement_credits(
            req.id, [PlacementCredit(requisition_id=req.id, person_id=999, role=CreditRole.FILLED, split_pct=100)]
        )
    # One person may both originate and fill (a full-desk recruiter).
    both = store.set_placement_credits(
        req.id,
        [
            PlacementCredit(requisition_id=req.id, person_id=recruiter.id, role=CreditRole.ORIGINATED, split_pct=50),
            PlacementCredit(requisition_id=req.id, person_id=recruiter.id, role=CreditRole.FILLED, split_pct=50),
        ],
    )
    assert len(both) == 2


def test_a_story_records_the_credit_of_its_placement_with_the_split_left_to_the_filler(empty_store):
    from mediation_console.console.core.stories import load_story

    loaded = load_story(empty_store, tomllib.loads(STORY))
    req = loaded.requisitions[0]
    people = {p.id: p.name for p in empty_store.list_people()}
    got = [(people[c.person_id], c.role.value, c.split_pct) for c in empty_store.placement_credits(req.id)]
    assert got == [("Lena Novak", "filled", 50.0), ("Priya Shah", "originated", 40.0), ("Ben Carter", "assisted", 10.0)]
    placement = next(e for e in empty_store.list_pipeline_events(req.id) if e.kind == EventKind.PLACEMENT)
    assert sorted(people[p] for p in placement.participants) == ["Ben Carter", "Lena Novak", "Priya Shah"]
    assert placement.at == dt.datetime(2026, 12, 1, 9, 0)
