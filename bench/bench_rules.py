"""Benchmarks of the rules module: proposals for one dispute (1,000 and 100,000 requisitions), and
scorecards for 100,000 requisitions."""

from __future__ import annotations

import datetime as dt
import gc
import random
import sqlite3
import statistics
import time
from pathlib import Path

from bench.common import Figure, database, time_call
from mediation_console.console.core.rules.pack import load_pack
from mediation_console.console.core.rules.scorecard import Scorer
from mediation_console.console.core.rules.service import Mediator
from mediation_console.db.models import Dispute, Engagement, Requisition
from mediation_console.db.store import Store

SCORECARDS = 100_000


def _requisitions(count: int, seed: int = 7) -> list[Requisition]:
    """Varied requisitions built in memory, so the figure measures the scorer and not the database."""
    rng = random.Random(seed)
    opened = dt.datetime(2025, 1, 6, 9, 0)
    reqs = []
    for i in range(1, count + 1):
        market = rng.choice([None, 70_000, 90_000, 110_000, 140_000])
        reqs.append(
            Requisition(
                id=i,
                code=f"REQ-{i:04d}",
                title="Engineer",
                client="Acme",
                sales_owner_id=1,
                salary_max=None if rng.random() < 0.05 else rng.randrange(50_000, 160_000, 1000),
                market_salary=market,
                engagement=rng.choice(list(Engagement)),
                fee_pct=rng.choice([None, 12.0, 15.0, 20.0, 25.0]),
                competing_agencies=rng.randrange(0, 5),
                intake_at=None if rng.random() < 0.2 else opened,
                hiring_manager_access=rng.random() < 0.6,
                feedback_agreed_48h=rng.random() < 0.5,
                interview_stages=rng.choice([None, 2, 3, 4, 6]),
                interview_dates_agreed=rng.random() < 0.4,
                promised_date=rng.choice([None, dt.date(2025, 2, 20)]),
                jd_clear=rng.random() < 0.7,
                must_haves=rng.choice([None, 2, 3, 5, 8]),
                headcount_approved=rng.random() < 0.8,
                reason_known=rng.random() < 0.7,
                candidates_exist=rng.random() < 0.6,
                opened_at=opened,
            )
        )
    return reqs


def _scorecards(count: int = SCORECARDS) -> list[Figure]:
    scorer = Scorer(load_pack())
    reqs = _requisitions(count)
    samples = []
    for _ in range(3):
        gc.collect()
        start = time.perf_counter()
        for req in reqs:
            scorer.score(req)
        samples.append(time.perf_counter() - start)
    score_only = statistics.median(samples)
    gc.collect()
    start = time.perf_counter()
    for req in reqs:
        for reason in scorer.score(req).reasons:
            reason.sentence  # noqa: B018  (reading it writes the sentence)
    with_sentences = time.perf_counter() - start
    return [
        Figure(
            f"scorecards for {count:,} requisitions",
            score_only,
            unit="s",
            target=3.0,
            size=count,
            note="score, grade, gates and reasons (sentences written when read); median of 3",
        ),
        Figure(
            f"scorecards for {count:,} requisitions, every sentence written",
            with_sentences,
            unit="s",
            size=count,
            note="what an export of every reason costs",
        ),
    ]


def _proposals(size: int, disputes: int = 20) -> list[Figure]:
    """Proposals for one dispute on the cached demo database of `size` requisitions.

    The figure with the target is the median over `disputes` different disputes with the team's
    history already read (what a screen or the agenda pays per dispute); the second re-reads that
    history first (what the first dispute after a change pays).
    """
    store = Store(database(size), readonly=True)
    try:
        mediator = Mediator(store, include_user_pack=False)
        sample = [d for d in store.list_disputes() if d.requisition_id is not None][:disputes]
        mediator.proposals_for(sample[0].id)  # warm-up: the pack's conditions, SQLite's page cache
        per_dispute = []
        for dispute in sample:
            start = time.perf_counter()
            mediator.proposals_for(dispute.id)
            per_dispute.append((time.perf_counter() - start) * 1000)
        warm = statistics.median(per_dispute)

        def after_change() -> None:
            mediator.reload_history()
            mediator.proposals_for(sample[0].id)

        cold = time_call(after_change, repeat=5)
        categories = len({d.category for d in sample})
    finally:
        store.close()
    return [
        Figure(
            "proposals for one dispute",
            warm,
            unit="ms",
            target=5.0,
            size=size,
            note=f"median of {len(sample)} disputes in {categories} categories: facts read, ranked, filled",
        ),
        Figure(
            "proposals for one dispute, history re-read",
            cold,
            unit="ms",
            size=size,
            note="first dispute after a change: time-to-fill medians, fill rates, follow-through",
        ),
    ]


# The floor of the diagnosis figure: the dispute's facts read with bare SQL, no models and no rules — the
# dispute, its requisition, the people on both sides, the requisition's pipeline events and its audit
# trail (spec changes), and the pair's other disputes in the window.
FACTS_SQL = (
    ("SELECT * FROM disputes WHERE id = ?", "dispute"),
    ("SELECT * FROM requisitions WHERE id = ?", "requisition"),
    ("SELECT * FROM people WHERE id IN (?, ?)", "people"),
    ("SELECT * FROM pipeline_events WHERE requisition_id = ? ORDER BY at, id", "requisition"),
    ("SELECT * FROM events WHERE entity = 'requisition' AND entity_id = ? ORDER BY at, id", "requisition"),
    (
        "SELECT COUNT(*) FROM disputes WHERE id != ? AND ((raised_by_id = ? AND counterpart_id = ?) "
        "OR (raised_by_id = ? AND counterpart_id = ?))",
        "pair",
    ),
)


def _bare_facts(path: Path, sample: list[Dispute]) -> float:
    """Median ms to read one dispute's facts with the sqlite3 module alone (the floor)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        per_dispute = []
        for round_ in range(2):  # the first round warms SQLite's page cache, as the rules' warm-up does
            for dispute in sample:
                args = {
                    "dispute": (dispute.id,),
                    "requisition": (dispute.requisition_id,),
                    "people": (dispute.raised_by_id, dispute.counterpart_id),
                    "pair": (
                        dispute.id,
                        dispute.raised_by_id,
                        dispute.counterpart_id,
                        dispute.counterpart_id,
                        dispute.raised_by_id,
                    ),
                }
                start = time.perf_counter()
                for sql, key in FACTS_SQL:
                    conn.execute(sql, args[key]).fetchall()
                if round_:
                    per_dispute.append((time.perf_counter() - start) * 1000)
        return statistics.median(per_dispute)
    finally:
        conn.close()


def _diagnosis_and_proposals(size: int, disputes: int = 20) -> list[Figure]:
    """What `rules explain D-…` and the disputes screen pay for one dispute: its facts read, every category
    scored from facts and words (the diagnosis), every proposal considered, the supported ones ranked and
    filled; beside the floor, the same facts read with bare SQL."""
    path = database(size)
    store = Store(path, readonly=True)
    try:
        mediator = Mediator(store, include_user_pack=False)
        sample = [d for d in store.list_disputes() if d.requisition_id is not None][:disputes]
        mediator.explain(sample[0].id)  # warm-up: the pack's conditions, the team history, SQLite's cache
        per_dispute = []
        for dispute in sample:
            start = time.perf_counter()
            diagnosis, considered = mediator.explain(dispute.id)
            per_dispute.append((time.perf_counter() - start) * 1000)
        ranked = sum(1 for c in considered if c.proposal is not None)
        supported = len(diagnosis.supported)
    finally:
        store.close()
    bare = _bare_facts(path, sample)
    return [
        Figure(
            "diagnosis and proposals for one dispute",
            statistics.median(per_dispute),
            unit="ms",
            target=5.0,
            size=size,
            bare=bare,
            anchor="facts by bare SQL",
            note=f"median of {len(sample)} disputes: diagnosis of 10 categories, {len(considered)} proposals "
            f"considered (last: {supported} categories supported, {ranked} ranked)",
        )
    ]


def _between_the_teams(size: int, repeat: int = 20) -> list[Figure]:
    """Proposals for a dispute between the two teams (about no requisition): judged on the teams' open
    requisitions (team_facts.py). Warm: their counts already read for this state of the file, as the screen,
    the agenda and the notes read it again; after a change: the counts re-read (one query over every open
    requisition and its events' index), what the first reading after any write pays."""
    from mediation_console.db.models import DisputeCategory, Team

    store = Store(database(size), readonly=True)
    try:
        mediator = Mediator(store, include_user_pack=False)
        people = store.list_people()
        sales = next(p for p in people if p.team == Team.SALES)
        recruiter = next(p for p in people if p.team == Team.RECRUITING)
        disputes = [
            Dispute(
                raised_by_id=sales.saved_id,
                counterpart_id=recruiter.saved_id,
                category=category,
                severity=2,
                summary=summary,
                opened_at=store.now(),
                between_teams=True,
            )
            for category, summary in (
                (DisputeCategory.SLOW_SUBMITTALS, "Sales says the recruiting team is slow to submit on every job"),
                (DisputeCategory.PAY_BELOW_MARKET, "Recruiting says sales sells jobs at salaries nobody takes"),
            )
        ]
        dispute = disputes[0]
        mediator.proposals(dispute)  # warm-up: the pack, the team history, the teams' requisitions
        per_dispute = []
        for i in range(repeat):
            # Two disputes in turn, so each reading is of its facts, not of the last one kept.
            start = time.perf_counter()
            mediator.proposals(disputes[i % 2])
            per_dispute.append((time.perf_counter() - start) * 1000)

        def after_change() -> None:
            mediator.reload_history()  # what a change to the requisitions does to the cached counts
            mediator.proposals(dispute)

        cold = time_call(after_change, repeat=3)
        open_reqs = mediator.dispute_fact_values(dispute)["team_open_reqs"]
    finally:
        store.close()
    return [
        Figure(
            "proposals for a dispute between the teams",
            statistics.median(per_dispute),
            unit="ms",
            target=5.0,
            size=size,
            note=f"median of {repeat} (slow submittals, pay in turn): the teams' {open_reqs:,.0f} open requisitions' counts already read",
        ),
        Figure(
            "proposals for a dispute between the teams, counts re-read",
            cold,
            unit="ms",
            size=size,
            note="first reading after a change to the requisitions: the team history and the open requisitions' counts",
        ),
    ]


def measure() -> list[Figure]:
    return [
        *_proposals(1_000),
        *_proposals(100_000),
        *_diagnosis_and_proposals(100_000),
        *_between_the_teams(100_000),
        *_scorecards(),
    ]


def main() -> None:
    for figure in measure():
        verdict = "" if figure.passed is None else ("  ok" if figure.passed else "  OVER TARGET")
        target = f" (target < {figure.target:g} {figure.unit})" if figure.target is not None else ""
        print(f"{figure.name}: {figure.value:.3f} {figure.unit}{target}{verdict}  — {figure.note}")


if __name__ == "__main__":
    main()
