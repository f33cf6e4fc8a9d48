"""The demo database looks like a real team's work: every status and dispute, consistent history, track records."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from mediation_console.console.core import database
from mediation_console.db.demo import generate_demo
from mediation_console.db.models import (
    ALLOWED_TRANSITIONS,
    CLOSED_STATUSES,
    KNOWN_CATEGORIES,
    OPEN_DISPUTE_STATUSES,
    REASON_REQUIRED,
    Commitment,
    CommitmentSource,
    CommitmentStatus,
    DisputeCategory,
    DisputeStatus,
    EventKind,
    ExpectationStatus,
    Person,
    RequisitionStatus,
    Team,
)
from mediation_console.db.store import QueueQuery, RejectedChange, Store

FIXED_NOW = dt.datetime(2026, 11, 23, 9, 0)
TABLES = (
    "people",
    "requisitions",
    "pipeline_events",
    "disputes",
    "expectations",
    "commitments",
    "standups",
    "standup_items",
    "events",
)


def open_store(path: Path) -> Store:
    return database.open_store(path, now=lambda: FIXED_NOW)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Store, dict[str, int]]:
    store = open_store(tmp_path_factory.mktemp("demo") / "demo.db")
    summary = generate_demo(store, requisitions=60, seed=7)
    yield store, summary
    store.close()


def rows(store: Store, sql: str, *params) -> list[sqlite3.Row]:
    return store.conn.execute(sql, params).fetchall()


def dump(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, the search index included, in a stable order."""
    conn = sqlite3.connect(path)
    try:
        tables = {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in TABLES}
        tables["requisitions_fts"] = conn.execute("SELECT rowid, * FROM requisitions_fts ORDER BY rowid").fetchall()
        return tables
    finally:
        conn.close()


# -- what the lead sees ------------------------------------------------------------------------------


def test_the_demo_team_has_sales_recruiters_and_a_lead(demo):
    store, summary = demo
    teams = Counter(p.team for p in store.list_people())
    assert teams == {Team.SALES: 5, Team.RECRUITING: 6, Team.LEAD: 1}
    assert summary["people"] == 12
    assert all(" " in p.name for p in store.list_people()), "people have full names"


def test_the_summary_counts_what_was_written(demo):
    store, summary = demo
    counts = store.counts()
    for what, n in summary.items():
        assert counts[what] == n, what
    assert summary["requisitions"] == 60
    assert summary["standups"] == 4
    assert summary["expectations"] == 7
    assert summary["disputes"] >= len(DisputeCategory)


def test_requisitions_cover_every_status_with_more_open_than_closed(demo):
    store, _ = demo
    statuses = Counter(r.status for r in store.iter_requisitions())
    assert set(statuses) == set(RequisitionStatus)
    closed = sum(n for s, n in statuses.items() if s in CLOSED_STATUSES)
    assert 60 - closed > closed
    assert statuses[RequisitionStatus.FILLED] >= 12, "enough history for time-to-fill medians"


def test_declined_and_lost_requisitions_say_why(demo):
    store, _ = demo
    for req in store.iter_requisitions():
        if req.status in REASON_REQUIRED:
            assert req.status_reason, req.code


def test_requisitions_look_like_real_orders(demo):
    store, _ = demo
    reqs = list(store.iter_requisitions())
    assert [r.code for r in reqs] == [f"REQ-{i:04d}" for i in range(1, 61)]
    assert len({r.title for r in reqs}) >= 20 and len({r.client for r in reqs}) >= 10
    engagements = Counter(r.engagement for r in reqs)
    assert engagements.most_common(1)[0][0] == "contingent" and len(engagements) >= 2
    assert any(r.remote for r in reqs) and any(not r.remote for r in reqs)
    with_market = [r for r in reqs if r.market_salary]
    below = [r for r in with_market if r.salary_max < r.market_salary]
    assert below and len(below) < len(with_market), "some budgets sit below market, some at or above"
    assert all(0.05 <= 1 - r.salary_max / r.market_salary <= 0.31 for r in below)
    assert all(r.salary_min <= r.salary_max and r.fee_pct for r in reqs)
    # Some promises are unrealistic: shorter than a ~36-day fill, or already past for open work.
    assert any(r.promised_date and (r.promised_date - r.opened_at.date()).days < 36 for r in reqs)
    assert any(r.is_open and r.promised_date and r.promised_date < FIXED_NOW.date() for r in reqs)
    assert all(FIXED_NOW - dt.timedelta(days=121) <= r.opened_at <= FIXED_NOW for r in reqs)


def test_intake_is_done_for_most_but_missing_or_late_for_some(demo):
    store, _ = demo
    reqs = list(store.iter_requisitions())
    missing = [r for r in reqs if r.intake_at is None]
    assert missing and all(
        r.status in (RequisitionStatus.INTAKE, *CLOSED_STATUSES, RequisitionStatus.ON_HOLD) for r in missing
    )
    assert any(r.status == RequisitionStatus.INTAKE for r in missing)
    assert len(missing) < len(reqs) / 3
    late = [r for r in reqs if r.intake_at and r.intake_at - r.opened_at > dt.timedelta(hours=24)]
    assert late
    assert all(r.opened_at <= r.intake_at <= FIXED_NOW for r in reqs if r.intake_at)


def test_scorecard_grades_come_out_as_a_mix(demo, tmp_path):
    from mediation_console.console.core.rules.refresh import refresh_derived
    from mediation_console.console.core.rules.service import Mediator

    store, _ = demo
    copy = store.backup(tmp_path / "graded.db")
    with open_store(copy) as graded:
        refresh_derived(graded, Mediator(graded))
        grades = Counter(r.grade for r in graded.iter_requisitions())
    assert {"A", "B", "C"} <= set(grades), grades


# -- the pipeline history is consistent with each requisition ----------------------------------------


def test_status_history_follows_allowed_transitions_to_the_current_status(demo):
    store, _ = demo
    for req in store.iter_requisitions():
        events = store.list_pipeline_events(req.id)
        moves = [e for e in events if e.kind == EventKind.STATUS_CHANGE]
        current = RequisitionStatus.INTAKE
        for move in moves:
            assert move.from_status == current, req.code
            assert move.to_status in ALLOWED_TRANSITIONS[current], (req.code, current, move.to_status)
            assert move.actor_id is not None
            current = move.to_status
        assert current == req.status, req.code
        if req.status in CLOSED_STATUSES:
            assert req.closed_at == moves[-1].at and events[-1].at <= req.closed_at, req.code
        else:
            assert req.closed_at is None
        assert all(req.opened_at <= e.at <= FIXED_NOW for e in events)
        if req.status in REASON_REQUIRED:
            assert moves[-1].note == req.status_reason


def test_pipeline_events_of_every_kind_with_slow_feedback_among_them(demo):
    store, _ = demo
    kinds = {row[0] for row in rows(store, "SELECT DISTINCT kind FROM pipeline_events")}
    assert kinds >= {"status_change", "submittal", "client_feedback", "interview", "offer", "placement"}
    slow = 0
    for req in store.iter_requisitions():
        events = store.list_pipeline_events(req.id)
        submitted = [e.at for e in events if e.kind == EventKind.SUBMITTAL]
        for feedback in (e for e in events if e.kind == EventKind.CLIENT_FEEDBACK):
            previous = max(at for at in submitted if at <= feedback.at)
            slow += feedback.at - previous > dt.timedelta(hours=48)
        if req.status == RequisitionStatus.FILLED:
            assert any(e.kind == EventKind.PLACEMENT for e in events)
    assert slow > 0


def test_submittal_counts_match_the_events(demo):
    store, _ = demo
    for req in store.iter_requisitions():
        submittals = [e.at for e in store.list_pipeline_events(req.id) if e.kind == EventKind.SUBMITTAL]
        assert req.submittals == len(submittals), req.code
        assert req.last_submittal_at == (max(submittals) if submittals else None), req.code


def test_open_dispute_counts_match_the_disputes(demo):
    store, _ = demo
    open_by_req = Counter(d.requisition_id for d in store.list_disputes(statuses=tuple(OPEN_DISPUTE_STATUSES)))
    for req in store.iter_requisitions():
        assert req.open_disputes == open_by_req.get(req.id, 0), req.code
    assert sum(open_by_req.values()) > 0


def test_the_search_index_finds_requisitions_by_person_and_client(demo):
    store, _ = demo
    person = store.person_by_name("Marcus Bell")
    theirs = store.count_queue(QueueQuery(person_id=person.id))
    assert theirs > 0
    assert store.count_queue(QueueQuery(text="Marcus Bell")) == theirs
    req = store.get_requisition(1)
    assert store.count_queue(QueueQuery(text=req.client)) >= 1


# -- disputes ---------------------------------------------------------------------------------------


def test_disputes_cover_every_category_between_the_two_teams(demo):
    store, _ = demo
    disputes = store.list_disputes()
    people = store.people_by_id()
    assert {d.category for d in disputes} >= set(KNOWN_CATEGORIES)
    assert {d.status for d in disputes} == set(DisputeStatus)
    statuses = Counter(d.status for d in disputes)
    assert statuses[DisputeStatus.OPEN] + statuses[DisputeStatus.MEDIATING] > len(disputes) / 2
    for d in disputes:
        teams = {people[d.raised_by_id].team, people[d.counterpart_id].team}
        assert teams == {Team.SALES, Team.RECRUITING}, d.code
        assert d.summary and d.sales_interest and d.recruiting_interest and 1 <= d.severity <= 3
        if d.requisition_id is not None:
            req = store.get_requisition(d.requisition_id)
            assert {req.sales_owner_id, req.recruiter_id} == {d.raised_by_id, d.counterpart_id}, d.code
            assert d.opened_at >= req.opened_at
        if d.status == DisputeStatus.RESOLVED:
            assert d.resolution and d.proposal_id and d.proposal_id.split(".")[0], d.code
        if d.status in OPEN_DISPUTE_STATUSES:
            assert d.closed_at is None
        else:
            assert d.opened_at < d.closed_at <= FIXED_NOW
    assert sum(d.requisition_id is not None for d in disputes) > len(disputes) * 0.8


def test_resolved_disputes_created_commitments_on_both_sides(demo):
    store, _ = demo
    people = store.people_by_id()
    resolved = store.list_disputes(statuses=[DisputeStatus.RESOLVED])
    assert resolved
    for d in resolved:
        made = store.list_commitments(dispute_id=d.id)
        assert {people[c.owner_id].team for c in made} == {Team.SALES, Team.RECRUITING}
        assert all(c.source == CommitmentSource.DISPUTE and c.created_at == d.closed_at for c in made)


# -- expectations, commitments and standups ---------------------------------------------------------


def test_default_expectations_are_agreed_not_duplicated(demo):
    store, _ = demo
    expectations = store.list_expectations()
    assert len(expectations) == 7
    assert all(e.status == ExpectationStatus.AGREED and e.agreed_at < FIXED_NOW.date() for e in expectations)
    metrics = [e.metric for e in expectations if e.metric]
    assert len(metrics) == len(set(metrics)) == 6
    hand_checked = [e for e in expectations if e.metric is None]
    assert len(hand_checked) == 1 and hand_checked[0].owner_team in (Team.LEAD, Team.RECRUITING)


def test_follow_through_differs_from_person_to_person(demo):
    store, _ = demo
    twelve_weeks_ago = FIXED_NOW.date() - dt.timedelta(weeks=12)
    rates = {}
    for person in store.list_people():
        if person.team == Team.LEAD:
            continue
        tally = store.commitment_tally(since=twelve_weeks_ago, owner_ids=[person.id])
        assert tally["kept"] + tally["missed"] >= 10, person.name
        rates[person.name] = tally["kept"] / (tally["kept"] + tally["missed"])
    assert 0.4 <= rates["Marcus Bell"] <= 0.6
    others = [rate for name, rate in rates.items() if name != "Marcus Bell"]
    assert all(0.65 <= rate <= 1.0 for rate in others)
    assert max(others) - min(others) >= 0.1


def test_commitments_include_open_overdue_and_cancelled_ones(demo):
    store, _ = demo
    commitments = store.list_commitments()
    today = FIXED_NOW.date()
    open_ = [c for c in commitments if c.status == CommitmentStatus.OPEN]
    assert any(today <= c.due <= today + dt.timedelta(days=7) for c in open_)
    assert any(c.due < today for c in open_), "a few overdue ones stay open, never silently missed"
    cancelled = [c for c in commitments if c.status == CommitmentStatus.CANCELLED]
    assert cancelled and all(c.reason for c in cancelled)
    assert {c.source for c in commitments} >= {
        CommitmentSource.DISPUTE,
        CommitmentSource.STANDUP,
        CommitmentSource.EXPECTATION,
    }
    for c in commitments:
        if c.status == CommitmentStatus.OPEN:
            assert c.closed_at is None
        else:
            assert c.created_at < c.closed_at <= FIXED_NOW
        if c.source == CommitmentSource.EXPECTATION:
            assert c.expectation_id is not None
        if c.source == CommitmentSource.STANDUP:
            assert c.standup_id is not None


def test_past_standups_have_attendees_sections_notes_and_commitments(demo):
    store, _ = demo
    standups = store.list_standups()
    assert len(standups) == 4
    starts = sorted(s.started_at for s in standups)
    assert all(b - a == dt.timedelta(weeks=1) for a, b in zip(starts, starts[1:], strict=False))
    for standup in standups:
        assert standup.ended_at and standup.started_at < standup.ended_at < FIXED_NOW
        assert len(standup.attendees) == 12
        assert {item.section for item in standup.items} >= {"disputes", "expectations", "at_risk"}
    assert any(not a.present for s in standups for a in s.attendees)
    assert any(item.decision for s in standups for item in s.items)
    assert any(item.notes for s in standups for item in s.items)
    sections = {item.section for s in standups for item in s.items}
    assert sections >= {"wins", "overdue", "intake", "at_risk", "disputes", "expectations", "carried"}
    assert all(store.list_commitments(standup_id=s.id) for s in standups[1:])


def test_every_record_reads_back_as_a_valid_model(demo):
    store, _ = demo
    assert len(list(store.iter_requisitions())) == 60
    for req_id in range(1, 61):
        store.list_pipeline_events(req_id)
    assert all(isinstance(c, Commitment) for c in store.list_commitments())
    store.list_disputes()
    store.list_standups()


def test_the_demo_is_marked_and_every_record_has_its_audit_entry(demo):
    store, summary = demo
    assert store.is_demo()
    marker = rows(store, "SELECT after FROM events WHERE entity = 'database' AND action = 'demo'")
    assert len(marker) == 1 and '"seed": 7' in marker[0][0]
    created = dict(rows(store, "SELECT entity, COUNT(*) FROM events WHERE action = 'create' GROUP BY entity"))
    assert created["person"] == summary["people"]
    assert created["requisition"] == summary["requisitions"]
    assert created["pipeline_event"] == summary["pipeline_events"]
    assert created["dispute"] == summary["disputes"]
    assert created["commitment"] == summary["commitments"]
    assert created["standup"] == summary["standups"]
    assert store.requisition_timeline(1), "the detail panel has a timeline to show"
    for event in store.list_pipeline_events(1):
        [entry] = store.timeline("pipeline_event", event.id)
        assert entry.after == event.model_dump(mode="json") | {"at": event.at.isoformat(sep=" ")}


# -- determinism and scale --------------------------------------------------------------------------


def test_the_same_seed_and_clock_give_an_identical_database(tmp_path):
    first, second, other = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "c.db"
    for path, seed in ((first, 7), (second, 7), (other, 8)):
        with open_store(path) as store:
            generate_demo(store, requisitions=60, seed=seed)
    assert dump(first) == dump(second)
    assert dump(first)["requisitions"] != dump(other)["requisitions"]


def test_the_batch_size_does_not_change_the_demo(tmp_path):
    """Written 7 requisitions (with their events) to a transaction, the demo is the one written in one batch."""
    whole, batched = tmp_path / "whole.db", tmp_path / "batched.db"
    with open_store(whole) as store:
        generate_demo(store, requisitions=60, seed=7, batch=1000)
    with open_store(batched) as store:
        generate_demo(store, requisitions=60, seed=7, batch=7)
        assert store.doctor().ok
        open_disputes = dict(
            rows(
                store,
                "SELECT requisition_id, COUNT(*) FROM disputes WHERE status IN "
                "('open', 'mediating') AND requisition_id IS NOT NULL GROUP BY 1",
            )
        )
        assert open_disputes and all(r.open_disputes == open_disputes.get(r.id, 0) for r in store.iter_requisitions())
    assert dump(whole) == dump(batched)


def test_generated_in_a_second_process_the_demo_is_the_one_generated_in_one(tmp_path, monkeypatch):
    """More than one batch: a forked process generates, this one writes; the file is the same, audit chain
    included (its hashes cover every row in order), as with everything in one process."""
    from mediation_console.db import demo as demo_module

    if not demo_module.PARALLEL:
        pytest.skip("not on Linux: the demo is generated in one process")
    parallel_runs: list[int] = []
    original = demo_module._DemoBuilder._requisitions_from_a_second_process

    def counted(self):
        parallel_runs.append(self.n)
        original(self)

    monkeypatch.setattr(demo_module._DemoBuilder, "_requisitions_from_a_second_process", counted)
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    monkeypatch.setattr(demo_module, "PARALLEL", False)
    with open_store(one) as store:
        generate_demo(store, requisitions=120, seed=7, batch=7)
    assert parallel_runs == []
    monkeypatch.setattr(demo_module, "PARALLEL", True)
    with open_store(two) as store:
        generate_demo(store, requisitions=120, seed=7, batch=7)
        assert store.doctor().ok
    assert parallel_runs == [120]
    assert dump(one) == dump(two)


@pytest.mark.parametrize("how", ["raises", "dies"])
def test_a_generator_process_that_fails_stops_the_demo_with_its_reason(tmp_path, monkeypatch, how):
    from mediation_console.db import demo as demo_module

    if not demo_module.PARALLEL:
        pytest.skip("not on Linux: the demo is generated in one process")
    original = demo_module._DemoBuilder._requisition

    def failing(self, rid, status, opened):
        if rid == 30:  # in the child: the third batch
            if how == "dies":
                os._exit(3)
            raise ValueError("no title for requisition 30")
        return original(self, rid, status, opened)

    monkeypatch.setattr(demo_module._DemoBuilder, "_requisition", failing)
    expected = (ValueError, "no title for requisition 30") if how == "raises" else (RuntimeError, "exit code 3")
    with open_store(tmp_path / "d.db") as store, pytest.raises(expected[0], match=expected[1]):
        generate_demo(store, requisitions=60, seed=7, batch=10)


def _figures_seen(seen: list[dict[str, object]]):
    """A figures callback that records what it saw and grades every requisition 'B' with its id as score."""

    def figures(store):
        conn = store.conn
        seen.append(
            {
                "readonly": store.readonly,
                "requisitions": conn.execute("SELECT count(*) FROM requisitions").fetchone()[0],
                "graded": conn.execute("SELECT count(*) FROM requisitions WHERE grade IS NOT NULL").fetchone()[0],
                "marked": store.is_demo(),
            }
        )
        return [(req_id, "B", 30, req_id) for (req_id,) in conn.execute("SELECT id FROM requisitions ORDER BY id")]

    return figures


def test_the_figures_are_stored_in_the_demo_s_last_transaction_before_the_indexes_over_them(tmp_path):
    """One batch: the figures are worked out on the demo's own connection once every requisition is in,
    and what they give is stored with the rest, before the grade index and the per-row triggers are back."""
    seen: list[dict[str, object]] = []
    stored: list[tuple[bool, int]] = []
    with open_store(tmp_path / "d.db") as store:
        original = store.set_derived

        def set_derived(figures):
            conn = store.conn
            has_index = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'requisitions_grade'").fetchone()
            stored.append((conn.in_transaction, has_index[0]))
            original(figures)

        store.set_derived = set_derived
        summary = generate_demo(store, requisitions=60, seed=7, figures=_figures_seen(seen))
        assert seen == [{"readonly": False, "requisitions": 60, "graded": 0, "marked": False}]
        assert stored == [(True, 0)]
        assert summary["requisitions"] == 60
        assert store.is_demo() and store.get_requisition(7).grade == "B" and store.get_requisition(7).score == 7
        assert store.doctor().ok, "the indexes and triggers are all back"


def test_with_several_batches_the_figures_are_worked_out_beside_the_rest_on_a_reader(tmp_path):
    """More than one batch: the figures run in a thread on a read-only connection of their own, over the
    committed requisitions (all of them, none graded yet), while the rest of the demo is written; the
    file is the same as when they run on the demo's connection."""
    seen: list[dict[str, object]] = []
    with open_store(tmp_path / "beside.db") as store:
        generate_demo(store, requisitions=60, seed=7, batch=10, figures=_figures_seen(seen))
        assert store.doctor().ok
    assert seen == [{"readonly": True, "requisitions": 60, "graded": 0, "marked": False}]
    with open_store(tmp_path / "inline.db") as store:
        generate_demo(store, requisitions=60, seed=7, figures=_figures_seen([]))
    assert dump(tmp_path / "beside.db") == dump(tmp_path / "inline.db")


def test_figures_that_fail_beside_the_demo_stop_it_with_their_reason(tmp_path):
    def failing(store):
        raise ValueError("the rules could not be read")

    with open_store(tmp_path / "d.db") as store, pytest.raises(ValueError, match="could not be read"):
        generate_demo(store, requisitions=60, seed=7, batch=10, figures=failing)


def test_a_demo_stopped_while_the_figures_are_worked_out_stops_them_too(tmp_path, monkeypatch):
    """The grading thread does not outlive a demo that stopped (here in its disputes): its next statement
    is interrupted and the thread ends before generate_demo raises."""
    import threading

    from mediation_console.db import demo as demo_module

    started = threading.Event()
    ended: list[str] = []

    def slow(store):
        started.set()
        try:
            for _ in range(10**8):  # minutes of statements unless one is interrupted
                store.conn.execute("SELECT count(*) FROM requisitions").fetchone()
        except sqlite3.OperationalError as exc:
            ended.append(str(exc))
            raise
        return []

    def stopped(self):
        started.wait(5)
        raise KeyboardInterrupt

    monkeypatch.setattr(demo_module._DemoBuilder, "_disputes", stopped)
    with open_store(tmp_path / "d.db") as store, pytest.raises(KeyboardInterrupt):
        generate_demo(store, requisitions=60, seed=7, batch=10, figures=slow)
    assert ended == ["interrupted"]
    assert not [t for t in threading.enumerate() if t.name == "demo grading"]


def test_the_facts_the_generator_works_out_are_the_ones_the_schema_s_statements_find(tmp_path):
    """The demo writes each event's looked-up facts with it (db/demo.py _event_facts); the schema's own
    statements (what the migrations and the per-row triggers do) run over the finished demo change nothing."""
    from mediation_console.db.schema import FACTS_BACKFILL_STATEMENTS

    path = tmp_path / "d.db"
    with open_store(path) as store:
        generate_demo(store, requisitions=400, seed=11, batch=50)
    before = dump(path)
    conn = sqlite3.connect(path)
    try:
        # (A requisition is qualified once in the demo's paths, so requalified_at stays empty.)
        facts = conn.execute("SELECT count(answered_at), count(paused_at), count(prev_status_at) FROM pipeline_events")
        assert all(facts.fetchone()), "the facts occur in the demo"
        assert conn.execute("SELECT count(*) FROM requisitions WHERE opened_status IS NULL").fetchone()[0] < 400
        for statement in FACTS_BACKFILL_STATEMENTS:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()
    assert dump(path) == before


def _stop_after_two_batches(monkeypatch) -> list[int]:
    """The demo is stopped (Ctrl+C) once two batches of requisitions are committed."""
    from mediation_console.db import demo as demo_module

    written: list[int] = []
    original = demo_module._DemoBuilder._write_requisitions

    def write(self, batch):
        original(self, batch)
        written.append(len(batch))
        if len(written) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(demo_module._DemoBuilder, "_write_requisitions", write)
    monkeypatch.setattr(demo_module, "BATCH", 10)
    monkeypatch.setattr(demo_module.generate_demo, "__kwdefaults__", {"expectations": (), "batch": 10})
    return written


def test_a_demo_stopped_half_way_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    from mediation_console.console.core.demo_setup import write_demo_file

    path = tmp_path / "team.db"
    with Store(path) as store:
        store.add_person(Person(name="Sam Seller", team=Team.SALES))
    before = path.read_bytes()
    written = _stop_after_two_batches(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        write_demo_file(path, requisitions=60, include_user_pack=False)
    assert written == [10, 10], "two batches were committed before the stop"
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["team.db"], "nothing half-written is left beside it"
    with Store(path) as store:
        assert store.person_by_name("Sam Seller") and not store.is_demo()


def test_a_killed_demo_s_files_are_removed_by_the_next_one(tmp_path):
    from mediation_console.console.core.demo_setup import write_demo_file

    path = tmp_path / "demo.db"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    leftover = tmp_path / f".demo.db.{int(dead.stdout)}.0badc0de.part"
    for name in (leftover, Path(f"{leftover}-wal"), Path(f"{leftover}-shm")):
        name.write_bytes(b"half a demo")
    summary = write_demo_file(path, requisitions=12, include_user_pack=False)
    assert summary["requisitions"] == 12
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.db"]
    with Store(path) as store:
        assert store.is_demo() and store.doctor().ok


def test_the_demo_written_as_a_scratch_file_is_a_whole_wal_database(tmp_path):
    """Written without a journal, the file moved into place is whole and in WAL mode like any console's."""
    from mediation_console.console.core.demo_setup import write_demo_file

    path = tmp_path / "demo.db"
    write_demo_file(path, requisitions=40, include_user_pack=False)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM requisitions").fetchone()[0] == 40
    finally:
        conn.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.db"]


def test_a_scratch_demo_of_several_batches_is_graded_beside_and_left_whole(tmp_path, monkeypatch):
    """`mediate demo`'s path with the grading thread (more than one batch): the file moved into place is
    whole, in WAL mode, with nothing left beside it, and every grade is the one the rules give when the
    finished file is graded again."""
    from mediation_console.console.core.demo_setup import write_demo_file
    from mediation_console.console.core.rules.refresh import derived_figures
    from mediation_console.console.core.rules.service import Mediator
    from mediation_console.db import demo as demo_module

    monkeypatch.setattr(demo_module.generate_demo, "__kwdefaults__", {"expectations": (), "batch": 10})
    path = tmp_path / "demo.db"
    write_demo_file(path, requisitions=60, include_user_pack=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.db"]
    with Store(path) as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.is_demo() and store.doctor().ok
        stored = [
            tuple(row)
            for row in store.conn.execute("SELECT score, grade, estimate_days, id FROM requisitions ORDER BY id")
        ]
        assert len(stored) == 60 and all(row[1] in ("A", "B", "C") for row in stored)
        assert stored == derived_figures(store, Mediator(store, include_user_pack=False))


def test_the_demo_is_only_written_into_an_empty_database(tmp_path):
    with open_store(tmp_path / "team.db") as store:
        store.add_person(Person(name="Sam Seller", team=Team.SALES))
        with pytest.raises(RejectedChange, match="already holds data"):
            generate_demo(store)
        assert store.counts()["requisitions"] == 0 and not store.is_demo()


def test_a_2000_requisition_demo_scales_people_and_keeps_its_invariants(tmp_path):
    with open_store(tmp_path / "big.db") as store:
        summary = generate_demo(store, requisitions=2000, seed=3)
        assert summary["requisitions"] == 2000
        assert summary["people"] == 12 + round((2000 - 60) / 40)
        teams = Counter(p.team for p in store.list_people())
        assert teams[Team.LEAD] == 1 and teams[Team.SALES] > 5 and teams[Team.RECRUITING] > 6
        assert summary["disputes"] == 2000 // 6
        assert 3 * 2000 <= summary["pipeline_events"] <= 10 * 2000
        assert summary["commitments"] >= 2000 / 3
        statuses = Counter(r.status for r in store.iter_requisitions())
        assert set(statuses) == set(RequisitionStatus)
        assert {d.category for d in store.list_disputes()} == set(DisputeCategory)
        submittals = dict(
            rows(
                store,
                "SELECT requisition_id, COUNT(*) FROM pipeline_events WHERE kind = 'submittal' GROUP BY requisition_id",
            )
        )
        open_disputes = dict(
            rows(
                store,
                "SELECT requisition_id, COUNT(*) FROM disputes WHERE status IN "
                "('open', 'mediating') AND requisition_id IS NOT NULL GROUP BY 1",
            )
        )
        for req in store.iter_requisitions():
            assert req.submittals == submittals.get(req.id, 0)
            assert req.open_disputes == open_disputes.get(req.id, 0)
        assert store.doctor().ok
        owners = defaultdict(set)
        for c in store.list_commitments():
            owners[c.owner_id].add(c.status)
        assert len(owners) == teams[Team.SALES] + teams[Team.RECRUITING]


# -- the command line --------------------------------------------------------------------------------


def mediate(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MEDIATE_DB"}
    return subprocess.run(
        [sys.executable, "-m", "mediation_console", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_mediate_demo_writes_a_private_wal_database_that_doctor_passes(tmp_path):
    path = tmp_path / "demo.db"
    result = mediate("demo", "--db", str(path))
    assert result.returncode == 0, result.stderr
    assert "60 requisitions" in result.stdout and "pipeline events" in result.stdout
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    doctor = mediate("doctor", "--db", str(path))
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "journal        wal" in doctor.stdout and doctor.stdout.strip().endswith("ok")


def _a_demo_someone_worked_in(path: Path) -> None:
    assert mediate("demo", "--db", str(path), "--requisitions", "20").returncode == 0
    with Store(path) as store:
        store.add_person(Person(name="Quinn Newhire", team=Team.RECRUITING))


def test_mediate_demo_never_regenerates_an_existing_demo_silently(tmp_path):
    path = tmp_path / "demo.db"
    _a_demo_someone_worked_in(path)
    before = path.read_bytes()
    again = mediate("demo", "--db", str(path), "--requisitions", "80")
    assert again.returncode == 1, again.stderr
    assert "already holds a demo (20 requisitions)" in again.stderr
    assert "mediate demo --force" in again.stderr and "make demo-fresh" in again.stderr
    assert "Traceback" not in again.stderr
    with Store(path) as store:
        assert store.counts()["requisitions"] == 20 and store.person_by_name("Quinn Newhire")
    assert path.read_bytes() == before


def test_mediate_demo_keep_keeps_what_was_done_in_the_demo_and_exits_0(tmp_path):
    path = tmp_path / "demo.db"
    _a_demo_someone_worked_in(path)
    kept = mediate("demo", "--keep", "--db", str(path))
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout.strip() == (
        f"{path} already holds a demo (20 requisitions); kept as it is (a fresh demo: mediate demo --force)"
    )
    with Store(path) as store:
        assert store.counts()["requisitions"] == 20 and store.person_by_name("Quinn Newhire")


def test_mediate_demo_keep_writes_the_demo_when_there_is_none_yet(tmp_path):
    path = tmp_path / "new" / "demo.db"
    path.parent.mkdir()
    written = mediate("demo", "--keep", "--db", str(path), "--requisitions", "12")
    assert written.returncode == 0, written.stderr
    assert "Demo database written" in written.stdout
    with Store(path) as store:
        assert store.is_demo() and store.counts()["requisitions"] == 12


def test_mediate_demo_force_writes_a_fresh_demo_over_the_old_one(tmp_path):
    path = tmp_path / "demo.db"
    _a_demo_someone_worked_in(path)
    fresh = mediate("demo", "--force", "--db", str(path), "--requisitions", "30")
    assert fresh.returncode == 0, fresh.stderr
    with Store(path) as store:
        assert store.is_demo() and store.counts()["requisitions"] == 30
        assert store.person_by_name("Quinn Newhire") is None


def test_keep_and_force_together_are_a_usage_error(tmp_path):
    path = tmp_path / "demo.db"
    result = mediate("demo", "--keep", "--force", "--db", str(path))
    assert result.returncode == 2 and "contradict" in result.stderr
    assert not path.exists()


def test_make_demo_keeps_the_file_and_make_demo_fresh_regenerates_it():
    """The two Makefile targets run the two explicit forms; the README's quick start stays two commands."""
    root = Path(__file__).resolve().parents[2]
    makefile = (root / "Makefile").read_text()
    demo = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    fresh = makefile.split("\ndemo-fresh:", 1)[1].split("\n\n", 1)[0]
    assert "mediate demo --keep --db $(DEMO_DB)" in demo and "--force" not in demo
    assert "mediate demo --force --db $(DEMO_DB)" in fresh
    assert "mediate --db $(DEMO_DB)" in demo and "mediate --db $(DEMO_DB)" in fresh
    readme = (root / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    assert [line.split()[:2] for line in quick.strip().splitlines()] == [["make", "demo"], ["make", "test"]]


def test_mediate_demo_refuses_to_overwrite_real_data_without_force(tmp_path):
    path = tmp_path / "team.db"
    with Store(path) as store:
        store.add_person(Person(name="Sam Seller", team=Team.SALES))
    refused = mediate("demo", "--db", str(path))
    assert refused.returncode == 1
    assert "--force" in refused.stderr and "Traceback" not in refused.stderr
    with Store(path) as store:
        assert store.person_by_name("Sam Seller") and not store.is_demo()
    forced = mediate("demo", "--db", str(path), "--force")
    assert forced.returncode == 0, forced.stderr
    with Store(path) as store:
        assert store.is_demo() and store.person_by_name("Sam Seller") is None
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
