"""The track record: follow-through per person and team, kept late vs missed, overdue, disputes — all computed."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from mediation_console.console.core.track_record import SORT_COLUMNS, follow_through, sort_records, track_record
from mediation_console.db.models import Commitment, CommitmentStatus, DisputeCategory, Person, Team
from tests.conftest import Clock
from tests.helpers import raise_dispute, store_fixture

NOW = dt.datetime(2026, 11, 23, 9, 0)
TODAY = NOW.date()


@pytest.fixture
def clock():
    return Clock(NOW)


store = store_fixture()


@pytest.fixture
def team(store):
    return (
        store.add_person(Person(name="Sam Seller", team=Team.SALES)),
        store.add_person(Person(name="Sue Closer", team=Team.SALES)),
        store.add_person(Person(name="Rita Recruiter", team=Team.RECRUITING)),
    )


def promise(
    store, clock, owner, due: dt.date, outcome: CommitmentStatus | None = None, decided: dt.date | None = None
) -> Commitment:
    made = store.add_commitment(Commitment(owner_id=owner.id, text=f"Promise due {due}", due=due))
    if outcome:
        clock.at = dt.datetime.combine(decided or due, dt.time(16))
        store.set_commitment_status(made.id, outcome, reason="no longer needed" if outcome == "cancelled" else "")
        clock.at = NOW
    return made


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def record_of(report, name):
    return next(r for r in report.people + report.teams if r.subject == name)


def test_follow_through_is_kept_over_kept_plus_missed_and_a_late_keep_still_counts_as_kept(store, clock, team):
    sam, _, _ = team
    promise(store, clock, sam, days_ago(3), CommitmentStatus.KEPT)
    promise(store, clock, sam, days_ago(10), CommitmentStatus.KEPT, decided=days_ago(6))  # 4 days late
    promise(store, clock, sam, days_ago(5), CommitmentStatus.MISSED)
    promise(store, clock, sam, days_ago(60), CommitmentStatus.MISSED)  # only in the 90-day window
    promise(store, clock, sam, days_ago(2), CommitmentStatus.CANCELLED)  # neither kept nor missed

    sam_record = record_of(track_record(store), "Sam Seller")

    assert sam_record.follow_through_30 == pytest.approx(200 / 3)
    assert sam_record.follow_through_90 == pytest.approx(50.0)
    assert (sam_record.kept, sam_record.missed, sam_record.late) == (2, 2, 1)


def test_an_overdue_commitment_is_never_silently_missed(store, clock, team):
    sam, _, _ = team
    promise(store, clock, sam, days_ago(4))  # overdue, undecided
    promise(store, clock, sam, TODAY + dt.timedelta(days=3))  # open, not due yet

    sam_record = record_of(track_record(store), "Sam Seller")

    assert (sam_record.open, sam_record.overdue) == (2, 1)
    assert sam_record.missed == 0
    assert sam_record.follow_through_30 is None  # no data, not 0 % and not 100 %


def test_keeping_a_promise_early_counts_at_once(store, clock, team):
    sam, _, _ = team
    promise(store, clock, sam, TODAY + dt.timedelta(days=10), CommitmentStatus.KEPT, decided=days_ago(1))
    sam_record = record_of(track_record(store), "Sam Seller")
    assert (sam_record.kept, sam_record.follow_through_30) == (1, 100.0)


def test_someone_without_any_outcome_has_no_data_rather_than_a_perfect_score(store, team):
    report = track_record(store)
    assert all(r.follow_through_30 is None and r.follow_through_90 is None for r in report.people + report.teams)
    assert all(r.trend == (None,) * 12 for r in report.people)
    assert follow_through(0, 0) is None


def test_a_team_pools_its_members_commitments(store, clock, team):
    sam, sue, rita = team
    promise(store, clock, sam, days_ago(3), CommitmentStatus.KEPT)
    for _ in range(3):
        promise(store, clock, sue, days_ago(4), CommitmentStatus.MISSED)
    promise(store, clock, rita, days_ago(4), CommitmentStatus.KEPT)

    report = track_record(store)

    sales = record_of(report, "Sales")
    assert sales.is_team and sales.follow_through_30 == 25.0  # 1 of 4, not the average of 100 % and 0 %
    assert (sales.kept, sales.missed) == (1, 3)
    assert record_of(report, "Recruiting").follow_through_30 == 100.0
    assert [t.subject for t in report.teams] == ["Sales", "Recruiting"]


def test_the_weekly_trend_has_twelve_points_oldest_first(store, clock, team):
    sam, _, _ = team
    promise(store, clock, sam, days_ago(1), CommitmentStatus.KEPT)
    promise(store, clock, sam, days_ago(2), CommitmentStatus.MISSED)
    promise(store, clock, sam, days_ago(15), CommitmentStatus.KEPT)
    promise(store, clock, sam, days_ago(100), CommitmentStatus.KEPT)  # beyond 12 weeks

    trend = record_of(track_record(store), "Sam Seller").trend

    assert len(trend) == 12
    assert trend[-1] == 50.0
    assert trend[-2] is None
    assert trend[-3] == 100.0
    assert trend[:-3] == (None,) * 9


def test_disputes_raised_and_resolved_with_the_median_days_to_resolve(store, clock, team):
    sam, sue, rita = team

    def dispute(raised_by, counterpart, opened: dt.date, resolved_after: int | None):
        clock.at = dt.datetime.combine(opened, dt.time(9))
        made = raise_dispute(store, raised_by, counterpart, DisputeCategory.SLOW_SUBMITTALS, "Slow submittals")
        if resolved_after is not None:
            clock.at += dt.timedelta(days=resolved_after)
            store.resolve_dispute(made.id, "First submittal within 48 h, queue ranked weekly", None, [])
        clock.at = NOW
        return made

    dispute(sam, rita, days_ago(20), 2)
    dispute(sam, rita, days_ago(15), 4)
    dispute(rita, sue, days_ago(10), 9)
    dispute(rita, sam, days_ago(5), None)  # still open
    dispute(sam, rita, days_ago(200), 1)  # long ago: outside the 90 days

    report = track_record(store)

    sam_record, rita_record = record_of(report, "Sam Seller"), record_of(report, "Rita Recruiter")
    assert (sam_record.disputes_raised, sam_record.disputes_resolved) == (2, 2)
    assert sam_record.median_days_to_resolve == pytest.approx(3.0)  # median of 2 and 4
    assert (rita_record.disputes_raised, rita_record.disputes_resolved) == (2, 3)
    assert rita_record.median_days_to_resolve == pytest.approx(4.0)  # 2, 4, 9
    sales = record_of(report, "Sales")
    assert (sales.disputes_raised, sales.disputes_resolved) == (2, 3)
    assert record_of(report, "Sue Closer").median_days_to_resolve == pytest.approx(9.0)


def test_a_dispute_within_one_team_counts_once_for_the_team_and_for_each_of_its_two_people(store, clock, team):
    sam, sue, rita = team
    clock.at = dt.datetime.combine(days_ago(12), dt.time(9))
    made = raise_dispute(store, sam, sue, DisputeCategory.SLOW_SUBMITTALS, "Who owns the Acme call")
    clock.at += dt.timedelta(days=3)
    store.resolve_dispute(made.id, "Sue owns it; Sam joins the first call", None, [])
    clock.at = NOW

    report = track_record(store)

    sam_record, sue_record = record_of(report, "Sam Seller"), record_of(report, "Sue Closer")
    assert (sam_record.disputes_raised, sam_record.disputes_resolved) == (1, 1)
    assert (sue_record.disputes_raised, sue_record.disputes_resolved) == (0, 1)
    assert sam_record.median_days_to_resolve == sue_record.median_days_to_resolve == pytest.approx(3.0)
    sales = record_of(report, "Sales")
    assert (sales.disputes_raised, sales.disputes_resolved) == (1, 1)  # one dispute, not one per member
    assert sales.median_days_to_resolve == pytest.approx(3.0)
    assert record_of(report, "Rita Recruiter").disputes_resolved == 0


def test_read_in_two_lanes_the_report_is_the_one_read_in_one(store, clock, team, monkeypatch):
    """The commitments' figures are read on a second connection beside the disputes' (on a file, with two
    cores); the report is the same as when everything is read on one."""
    import mediation_console.console.core.track_record as module

    sam, sue, rita = team
    for n, outcome in ((3, CommitmentStatus.KEPT), (10, CommitmentStatus.MISSED), (40, CommitmentStatus.KEPT)):
        promise(store, clock, sam, days_ago(n), outcome)
        promise(store, clock, rita, days_ago(n + 1), CommitmentStatus.KEPT)
    promise(store, clock, sue, days_ago(-2))
    clock.at = dt.datetime.combine(days_ago(8), dt.time(9))
    made = raise_dispute(store, rita, sam, DisputeCategory.SLOW_SUBMITTALS, "Slow submittals")
    clock.at += dt.timedelta(days=2)
    store.resolve_dispute(made.id, "Submittals within 48 h", None, [])
    clock.at = NOW

    lanes: list[str] = []
    real = module._commitment_figures

    def counted(on, *args):
        lanes.append("beside" if on is not store else "same")
        return real(on, *args)

    monkeypatch.setattr(module, "_commitment_figures", counted)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    two = track_record(store)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    one = track_record(store)
    assert lanes == ["beside", "same"]
    assert two == one
    assert record_of(two, "Sam Seller").follow_through_90 == pytest.approx(200 / 3)


def test_an_inactive_person_without_history_is_left_out(store, clock, team):
    store.add_person(Person(name="Gone Quiet", team=Team.SALES, active=False))
    left = store.add_person(Person(name="Left Recently", team=Team.SALES, active=False))
    promise(store, clock, left, days_ago(3), CommitmentStatus.KEPT)
    names = [r.subject for r in track_record(store).people]
    assert "Gone Quiet" not in names and "Left Recently" in names


def test_the_track_record_sorts_by_any_column_with_no_data_last(store, clock, team):
    sam, sue, rita = team
    promise(store, clock, sam, days_ago(3), CommitmentStatus.KEPT)
    promise(store, clock, sue, days_ago(3), CommitmentStatus.MISSED)
    people = track_record(store).people

    assert [r.subject for r in sort_records(people, "follow_through_30")] == [
        "Sue Closer",
        "Sam Seller",
        "Rita Recruiter",
    ]
    assert [r.subject for r in sort_records(people, "follow_through_30", descending=True)] == [
        "Sam Seller",
        "Sue Closer",
        "Rita Recruiter",
    ]
    assert [r.subject for r in sort_records(people, "subject")] == ["Rita Recruiter", "Sam Seller", "Sue Closer"]
    for column in SORT_COLUMNS:
        assert len(sort_records(people, column)) == 3
    with pytest.raises(ValueError, match="cannot be sorted by 'trend'"):
        sort_records(people, "trend")


def _weekly_by_statement(store, until: dt.date, weeks: int) -> list[tuple[int, int, int, int]]:
    """(owner id, weeks ago, kept, missed) by one statement grouping on the week, as the track record read
    them before its one read: week 0 is the seven days ending on `until`."""
    day = store._OUTCOME_DAY
    sql = f"""
        SELECT c.owner_id, CAST((julianday(:until) - julianday({day})) / 7 AS INTEGER) AS week,
               SUM(c.status = 'kept'), SUM(c.status = 'missed')
        FROM commitments c
        WHERE c.status IN ('kept', 'missed') AND {day} > :first AND {day} <= :until
        GROUP BY c.owner_id, week"""
    first = until - dt.timedelta(days=7 * weeks)
    return list(store.conn.execute(sql, {"first": first.isoformat(), "until": until.isoformat()}))


def test_the_figures_read_at_once_are_the_ones_each_window_and_week_counts_alone(store, clock, team):
    """`follow_through_figures` (one read, placed by day) gives what `follow_through_by_owner` of each
    window and a statement grouping on the week give (a statement each), over commitments due and
    decided on every side of each window's and week's edges: early, late, on the day, open, cancelled."""
    import random

    from mediation_console.console.core.follow_through import WINDOWS, tallies_by_owner

    rng = random.Random(15)
    outcomes = [CommitmentStatus.KEPT, CommitmentStatus.MISSED, CommitmentStatus.CANCELLED, None]
    for _ in range(400):
        due = days_ago(rng.randint(-10, 120))
        outcome = rng.choice(outcomes)
        decided = min(TODAY, due + dt.timedelta(days=rng.randint(-20, 12)))
        promise(store, clock, rng.choice(team), due, outcome, decided)
    for weeks in (1, 12, 20):
        windows, weekly = store.follow_through_figures(TODAY, WINDOWS, weeks)
        assert windows == {days: tallies_by_owner(store, TODAY, days) for days in WINDOWS}
        alone: dict[int, dict[int, tuple[int, int]]] = {}
        for owner, week, kept, missed in _weekly_by_statement(store, TODAY, weeks):
            alone.setdefault(owner, {})[week] = (kept, missed)
        assert weekly == alone
        assert any(tally["late"] for tally in windows[90].values()) and len(weekly) == len(team)


def _dispute_records_by_definition(store, since: dt.datetime, until: dt.datetime):
    """The dispute records read one dispute and one party at a time, as the track record defines them."""
    import statistics

    people = dict(store.conn.execute("SELECT id, team FROM people").fetchall())
    raised: dict[str, dict] = {"person": {}, "team": {}}
    took: dict[str, dict] = {"person": {}, "team": {}}
    for row in store.conn.execute("SELECT raised_by_id, counterpart_id, status, opened_at, closed_at FROM disputes"):
        raiser, other, status, opened, closed = row
        raised_in = since <= dt.datetime.fromisoformat(opened) <= until
        resolved_in = status == "resolved" and closed and since <= dt.datetime.fromisoformat(closed) <= until
        if not (raised_in or resolved_in):
            continue
        days = (dt.datetime.fromisoformat(closed) - dt.datetime.fromisoformat(opened)).days if resolved_in else None
        for kind, parties in (
            ("person", {raiser, other}),
            ("team", {people.get(raiser), people.get(other)} - {None}),
        ):
            for who in parties:
                if kind == "person" and who not in people:
                    continue
                took[kind].setdefault(who, [])
                if days is not None:
                    took[kind][who].append(days)
                is_raiser = who == raiser if kind == "person" else who == people.get(raiser)
                raised[kind][who] = raised[kind].get(who, 0) + (raised_in and is_raiser)
    records: dict[str, dict] = {"person": {}, "team": {}}
    for kind, by_who in took.items():
        for who, durations in by_who.items():
            median = statistics.median(durations) if durations else None
            records[kind][who] = {"raised": raised[kind][who], "resolved": len(durations), "median_days": median}
    return records


def test_the_dispute_records_are_what_each_dispute_and_party_counts_for(store, clock, team):
    """Over random disputes (within a team and across, opened and resolved on each side of the window's
    edges, open ones, one with a party that is not a stored person) the records are the definition's."""
    import random

    sam, sue, rita = team
    rng = random.Random(21)
    for _ in range(120):
        raiser, other = rng.sample(team, 2)
        clock.at = dt.datetime.combine(days_ago(rng.randint(0, 130)), dt.time(9))
        made = raise_dispute(store, raiser, other, DisputeCategory.SLOW_SUBMITTALS, "Slow submittals")
        if rng.random() < 0.7:
            clock.at = min(NOW, clock.at + dt.timedelta(days=rng.randint(0, 30)))
            store.resolve_dispute(made.id, "Submittals within 48 h", None, [])
    clock.at = NOW
    with store.conn:  # another tool wrote a dispute whose counterpart is no stored person
        store.conn.execute("PRAGMA foreign_keys = OFF")
        store.conn.execute(
            "UPDATE disputes SET counterpart_id = 9999 WHERE id = (SELECT MIN(id) FROM disputes WHERE opened_at >= ?)",
            ((NOW - dt.timedelta(days=30)).isoformat(sep=" "),),
        )
    since = NOW - dt.timedelta(days=90)
    records = store.dispute_records(since, NOW)
    assert records == _dispute_records_by_definition(store, since, NOW)
    assert records["team"]["sales"]["resolved"] and records["person"][sam.id]["raised"]


def test_a_due_date_another_tool_wrote_with_a_time_counts_on_its_day(store, clock, team):
    """'2026-11-20 00:00:00' or '2026-11-20T00:00:00' (the model reads either as the day) counts on that day
    in the track record's windows and weeks, and the rules' follow-through reads the same figure."""
    from mediation_console.console.core.follow_through import WINDOWS, tallies_by_owner

    sam = team[0]
    rows = [
        ("2026-11-20 00:00:00", "kept", "2026-11-21 16:00:00"),  # kept a day late
        ("2026-11-19T00:00:00", "missed", "2026-11-19 16:00:00"),
        (TODAY.isoformat() + " 00:00:00", "missed", NOW.isoformat(sep=" ")),  # due today: inside every window
    ]
    with store.conn:
        store.conn.executemany(
            "INSERT INTO commitments (owner_id, text, due, source, status, created_at, closed_at) "
            "VALUES (?, 'Promise', ?, 'standup', ?, '2026-11-01 09:00:00', ?)",
            [(sam.id, due, status, closed) for due, status, closed in rows],
        )
    windows, weekly = store.follow_through_figures(TODAY, WINDOWS, 12)
    assert windows[30][sam.id] == {"kept": 1, "missed": 2, "late": 1}
    assert windows == {days: tallies_by_owner(store, TODAY, days) for days in WINDOWS}
    assert weekly[sam.id] == {0: (1, 2)}
    assert record_of(track_record(store, NOW), "Sam Seller").follow_through_90 == pytest.approx(100 / 3)
