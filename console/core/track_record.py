"""The track record: follow-through and dispute figures per person and per team, computed from the data.

Follow-through is defined once, in ``follow_through.py`` (the rules read the same figure): kept ÷
(kept + missed) of the commitments whose outcome day falls in the window (the last 30 or 90 days,
today included), a promise kept after its due date counted as kept and also as ``late``. Open
commitments never count: one past its due date shows as ``overdue`` until the lead decides.

Disputes (over the last 90 days): ``disputes_raised`` counts the disputes a person raised (a team:
its members raised); ``disputes_resolved`` counts the disputes they were party to (either side)
that were resolved, and ``median_days_to_resolve`` is the median days those took from opening.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from typing import Any

from mediation_console.console.core.follow_through import WINDOWS
from mediation_console.console.core.follow_through import rate as follow_through
from mediation_console.db.models import Team
from mediation_console.db.store import Store

TREND_WEEKS = 12
DISPUTE_WINDOW_DAYS = 90
TEAM_LABELS = {Team.SALES: "Sales", Team.RECRUITING: "Recruiting", Team.LEAD: "Lead"}


@dataclass(frozen=True)
class TrackRecord:
    """One person's or one team's record; every figure is computed, none is typed."""

    subject: str  # the person's name or the team's label
    team: Team
    person_id: int | None  # None for a team
    active: bool
    follow_through_30: float | None  # %, None = no kept or missed commitment in the window
    follow_through_90: float | None
    kept: int  # over the last 90 days
    missed: int
    late: int  # of `kept`, kept after their due date
    open: int  # open now, whatever their due date
    overdue: int  # of `open`, past their due date
    trend: tuple[float | None, ...]  # weekly follow-through %, oldest first
    disputes_raised: int
    disputes_resolved: int
    median_days_to_resolve: float | None

    @property
    def is_team(self) -> bool:
        return self.person_id is None


@dataclass(frozen=True)
class TrackRecordReport:
    today: dt.date
    people: list[TrackRecord]
    teams: list[TrackRecord]


# Columns the track record can be sorted by, in display order.
SORT_COLUMNS = tuple(f.name for f in fields(TrackRecord) if f.name not in {"team", "person_id", "active", "trend"})


TRACK_RECORD_LABELS = {
    "subject": "Name",
    "follow_through_30": "Follow-through, last 30 days",
    "follow_through_90": "Follow-through, last 90 days",
    "kept": "Kept (90 days)",
    "missed": "Missed (90 days)",
    "late": "Kept late (90 days)",
    "open": "Open now",
    "overdue": "Overdue now",
    "disputes_raised": "Disputes raised (90 days)",
    "disputes_resolved": "Disputes resolved (90 days)",
    "median_days_to_resolve": "Median days to resolve",
}


def track_record(store: Store, now: dt.datetime | None = None, *, trend_weeks: int = TREND_WEEKS) -> TrackRecordReport:
    """Everyone's and every team's record at `now` (the Store's clock by default)."""
    now = now or store.now()
    today = now.date()
    dispute_since = now - dt.timedelta(days=DISPUTE_WINDOW_DAYS)
    # Two lanes, as the expectations' metrics: the commitments' figures are SQLite statements (which let
    # go of the GIL while they run) and the disputes' mostly Python, so on a connection of its own in a
    # second thread the first costs next to nothing beside the second (~290 -> ~150 ms at 100,000).
    beside = store.reader_beside()
    if beside is None:
        windows, weekly, open_now = _commitment_figures(store, today, trend_weeks)
        dispute_records = store.dispute_records(dispute_since, now)
    else:
        with beside, ThreadPoolExecutor(max_workers=1, thread_name_prefix="track-record") as pool:
            commitments = pool.submit(_commitment_figures, beside, today, trend_weeks)
            dispute_records = store.dispute_records(dispute_since, now)
            windows, weekly, open_now = commitments.result()
    disputes, team_disputes = dispute_records["person"], dispute_records["team"]
    longest = max(WINDOWS)

    people: list[TrackRecord] = []
    by_team: dict[Team, list[tuple[TrackRecord, dict[int, tuple[int, int]]]]] = defaultdict(list)
    for person in store.list_people():
        pid = person.id
        if pid is None:  # a stored person always has an id
            continue
        counts = {days: windows[days].get(pid, {"kept": 0, "missed": 0, "late": 0}) for days in WINDOWS}
        n_open, n_overdue = open_now.get(pid, (0, 0))
        record_disputes = disputes.get(pid, {})
        has_data = bool(
            counts[longest]["kept"]
            or counts[longest]["missed"]
            or n_open
            or weekly.get(pid)
            or record_disputes.get("raised")
            or record_disputes.get("resolved")
        )
        if not person.active and not has_data:
            continue
        record = TrackRecord(
            subject=person.name,
            team=person.team,
            person_id=pid,
            active=person.active,
            follow_through_30=follow_through(counts[30]["kept"], counts[30]["missed"]),
            follow_through_90=follow_through(counts[90]["kept"], counts[90]["missed"]),
            kept=counts[longest]["kept"],
            missed=counts[longest]["missed"],
            late=counts[longest]["late"] or 0,
            open=n_open,
            overdue=n_overdue or 0,
            trend=_trend(weekly.get(pid, {}), trend_weeks),
            disputes_raised=record_disputes.get("raised") or 0,
            disputes_resolved=record_disputes.get("resolved") or 0,
            median_days_to_resolve=record_disputes.get("median_days"),
        )
        people.append(record)
        by_team[person.team].append((record, weekly.get(pid, {})))

    teams = []
    for team in Team:
        members = by_team.get(team)
        if not members:
            continue
        # Team follow-through is pooled (all its commitments), not an average of its members' rates.
        ft = {days: _pool(windows[days], [m.person_id for m, _ in members]) for days in WINDOWS}
        pooled_weeks: dict[int, tuple[int, int]] = {}
        for _, weeks in members:
            for week, (kept, missed) in weeks.items():
                k, m = pooled_weeks.get(week, (0, 0))
                pooled_weeks[week] = (k + kept, m + missed)
        record_disputes = team_disputes.get(str(team), {})
        teams.append(
            TrackRecord(
                subject=TEAM_LABELS[team],
                team=team,
                person_id=None,
                active=True,
                follow_through_30=follow_through(ft[30]["kept"], ft[30]["missed"]),
                follow_through_90=follow_through(ft[90]["kept"], ft[90]["missed"]),
                kept=ft[longest]["kept"],
                missed=ft[longest]["missed"],
                late=ft[longest]["late"],
                open=sum(m.open for m, _ in members),
                overdue=sum(m.overdue for m, _ in members),
                trend=_trend(pooled_weeks, trend_weeks),
                disputes_raised=record_disputes.get("raised") or 0,
                disputes_resolved=record_disputes.get("resolved") or 0,
                median_days_to_resolve=record_disputes.get("median_days"),
            )
        )
    return TrackRecordReport(today=today, people=people, teams=teams)


def _commitment_figures(
    store: Store, today: dt.date, trend_weeks: int
) -> tuple[dict[int, dict[int, dict[str, int]]], dict[int, dict[int, tuple[int, int]]], dict[int, tuple[int, int]]]:
    """({window: {owner: tally}}, {owner: {weeks ago: (kept, missed)}}, {owner: (open, overdue)})."""
    # The windows as follow_through.window defines them (the last N days, today included), and the weeks.
    windows, weekly = store.follow_through_figures(today, WINDOWS, trend_weeks)
    return windows, weekly, store.open_commitments_by_owner(today)


def sort_records(records: Sequence[TrackRecord], column: str, descending: bool = False) -> list[TrackRecord]:
    """Sorted by any column; "no data" (None) always sorts last, whichever the direction."""
    if column not in SORT_COLUMNS:
        raise ValueError(f"The track record cannot be sorted by {column!r}")

    def key(record: TrackRecord) -> Any:
        value = getattr(record, column)
        return value.casefold() if isinstance(value, str) else value

    present = [r for r in records if getattr(r, column) is not None]
    missing = [r for r in records if getattr(r, column) is None]
    return sorted(present, key=key, reverse=descending) + missing


def _pool(window: dict[int, dict[str, int]], person_ids: Sequence[int | None]) -> dict[str, int]:
    pooled = {"kept": 0, "missed": 0, "late": 0}
    for pid in person_ids:
        for name, value in (window.get(pid, {}) if pid is not None else {}).items():
            pooled[name] += value or 0
    return pooled


def _trend(weeks: dict[int, tuple[int, int]], trend_weeks: int) -> tuple[float | None, ...]:
    return tuple(follow_through(*weeks.get(week, (0, 0))) for week in reversed(range(trend_weeks)))


__all__ = [
    "SORT_COLUMNS",
    "TEAM_LABELS",
    "TRACK_RECORD_LABELS",
    "TrackRecord",
    "TrackRecordReport",
    "follow_through",
    "sort_records",
    "track_record",
]
