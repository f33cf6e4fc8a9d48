"""The facts the metrics look up for each case (schema migration 11) stay what a full recount says.

Triggers keep them as events are logged, in any order of time; the migration and the demo generator
work them out for every row at once. Both must agree, or a metric would count the wrong cases.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from mediation_console.db.demo import generate_demo
from mediation_console.db.models import Person, Requisition, Team
from mediation_console.db.schema import FACTS_BACKFILL_STATEMENTS
from mediation_console.db.store import Store

NOW = dt.datetime(2026, 11, 23, 9, 0)
# Qualified and the pausing statuses more often than the rest: those are the ones with facts.
STATUSES = ("qualified", "qualified", "on_hold", "lost", "declined", "sourcing", "submitted", "filled")
KINDS = ("submittal", "client_feedback", "interview", "status_change", "status_change", "status_change")


def facts(store: Store) -> tuple[list[tuple], list[tuple]]:
    requisitions = store.conn.execute(
        "SELECT id, status_changed_at, opened_status FROM requisitions ORDER BY id"
    ).fetchall()
    events = store.conn.execute(
        "SELECT id, answered_at, requalified_at, paused_at, prev_status_at FROM pipeline_events ORDER BY id"
    ).fetchall()
    return [tuple(r) for r in requisitions], [tuple(e) for e in events]


def recounted(store: Store) -> tuple[list[tuple], list[tuple]]:
    """The facts as the migration's backfill works them out, without keeping its changes."""
    store.conn.execute("SAVEPOINT recount")
    try:
        for statement in FACTS_BACKFILL_STATEMENTS:
            store.conn.execute(statement)
        return facts(store)
    finally:
        store.conn.execute("ROLLBACK TO recount")
        store.conn.execute("RELEASE recount")


@pytest.mark.parametrize("seed", range(8))
def test_events_logged_out_of_order_keep_the_same_facts_as_a_recount(tmp_path, seed):
    rng = random.Random(seed)
    with Store(tmp_path / "facts.db", now=lambda: NOW) as store:
        sales = store.add_person(Person(name="Sam Seller", team=Team.SALES))
        recruiter = store.add_person(Person(name="Rita Recruiter", team=Team.RECRUITING))
        ids = [
            store.add_requisition(
                Requisition(
                    title=f"Role {n}",
                    client="Northwind",
                    sales_owner_id=sales.id,
                    recruiter_id=recruiter.id,
                    status=rng.choice(("intake", "sourcing", "on_hold")),
                )
            ).id
            for n in range(3)
        ]
        start = NOW - dt.timedelta(days=20)
        with store.transaction():
            for _ in range(120):
                # Times drawn at random, several on the same minute, logged in no particular order.
                at = start + dt.timedelta(hours=rng.randrange(0, 400, 3))
                kind = rng.choice(KINDS)
                from_status, to_status = (
                    (rng.choice(STATUSES), rng.choice(STATUSES)) if kind == "status_change" else (None, None)
                )
                store.conn.execute(
                    "INSERT INTO pipeline_events (requisition_id, kind, at, from_status, to_status) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (rng.choice(ids), kind, at.strftime("%Y-%m-%d %H:%M:%S"), from_status, to_status),
                )
        kept = facts(store)
        assert kept == recounted(store)
        # Not vacuous: every kind of fact was set somewhere.
        requisitions, events = kept
        assert any(r[1] for r in requisitions) and any(r[2] for r in requisitions)
        for column in (1, 2, 3, 4):
            assert any(e[column] for e in events)
        # A corrected opening moves the "previous change" of the requisition's first status change.
        with store.transaction():
            store.conn.execute(
                "UPDATE requisitions SET opened_at = ? WHERE id = ?",
                ((start - dt.timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S"), ids[0]),
            )
        assert facts(store) == recounted(store)
        assert facts(store) != kept


def test_the_demo_generator_works_the_facts_out_after_its_bulk_load(tmp_path):
    with Store(tmp_path / "demo.db", now=lambda: NOW) as store:
        generate_demo(store, requisitions=60, seed=3)
        kept = facts(store)
        assert kept == recounted(store)
        assert sum(1 for e in kept[1] if e[1]) > 10
        # The triggers are back after the bulk load: a new feedback answers the waiting submittal.
        waiting = store.conn.execute(
            "SELECT id, requisition_id, at FROM pipeline_events WHERE kind = 'submittal' AND answered_at IS NULL"
        ).fetchone()
        assert waiting is not None
        with store.transaction():
            store.conn.execute(
                "INSERT INTO pipeline_events (requisition_id, kind, at) VALUES (?, 'client_feedback', ?)",
                (waiting["requisition_id"], waiting["at"]),
            )
        answered = store.conn.execute("SELECT answered_at FROM pipeline_events WHERE id = ?", (waiting["id"],))
        assert answered.fetchone()[0] == waiting["at"]
