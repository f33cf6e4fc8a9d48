"""The expectation metric catalogue: measures each agreement between the teams from the data.

Every metric counts *cases* whose clock started inside the expectation's window (the `window_days`
ending at `now`) and whose outcome is known by `now`; a case still inside its allowance is not
counted yet, so a quiet window reads "no data", never 100 %.

Definitions (the threshold is the Expectation's `threshold`; `target` is the % of cases that must keep it):

- ``intake_within_hours``: each requisition opened in the window must have its intake call within
  N hours of opening. No intake yet and more than N hours old is a breach. A requisition that closed
  (lost / declined) before its N hours were up without an intake is not counted.
- ``first_submittal_grade_a`` / ``_b``: each qualification (a status change to ``qualified``) of a
  grade A / B requisition must be followed by a first submittal within N *business days*. Days are
  counted by date: a qualification on a weekend or holiday starts the clock on the next business
  day, a submittal on one counts for the business day before it. Putting the requisition on hold,
  lost or declined before a submittal stops the clock (a breach only if the days had already run
  out); a re-qualification starts a new clock.
- ``client_feedback_within_hours``: each submittal must get the next client feedback on its
  requisition within N hours. A requisition that closed before then without feedback is not counted.
- ``no_stale_requisition_days``: staleness is a state, so it is a snapshot: every requisition
  *running* now (open and not on hold: on hold is a deliberate pause) must have had a status change
  (or been opened) within the last N days; the breaches are the requisitions stale right now. The
  window does not apply; the weekly trend is the same snapshot at the end of each past week. A
  re-opened requisition (filled → sourcing) starts afresh at the re-open, so time spent filled
  never counts as stale.
- ``promise_not_before_estimate``: each requisition opened in the window with a promised date must
  be promised no earlier than opened + the realistic estimate (the rules module's ``estimate_days``,
  36 days when it has not been worked out), less N days of tolerance (default 0). A re-opened
  requisition keeps its original opening: the promise was made then.
- no metric (checked in by hand): the commitments linked to the expectation; kept counts as kept,
  missed as missed, open ones are not counted (an overdue one waits for the lead's decision).

Verdicts: **no data** when no case was decided; **met** when compliance ≥ target, unless the last
two weeks were both below target (then **at risk**: it is slipping; the verdict reads no further back,
so the agenda measures two weeks of trend and agrees with the expectations screen); **at risk** when
compliance is below target by at most ``AT_RISK_MARGIN`` points; otherwise **missed**.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum

import holidays

from mediation_console.db.defaults import (
    CLIENT_FEEDBACK_WITHIN_HOURS,
    DEFAULT_TIME_TO_FILL_DAYS,
    FIRST_SUBMITTAL_A,
    FIRST_SUBMITTAL_B,
    INTAKE_WITHIN_HOURS,
    NO_STALE_REQUISITION_DAYS,
    PROMISE_NOT_BEFORE_ESTIMATE,
)
from mediation_console.db.models import Expectation, MetricBreach
from mediation_console.db.store import Store, StoreError

AT_RISK_MARGIN = 10.0  # points below target that still read "at risk" rather than "missed"
TREND_WEEKS = 12
BREACH_LIMIT = 200  # the breaches list shows the worst ones; the count is always complete


class Verdict(StrEnum):
    MET = "met"
    AT_RISK = "at_risk"
    MISSED = "missed"
    NO_DATA = "no_data"


VERDICT_LABELS = {Verdict.MET: "met", Verdict.AT_RISK: "at risk", Verdict.MISSED: "missed", Verdict.NO_DATA: "no data"}


@dataclass(frozen=True)
class MetricDefinition:
    """One entry of the catalogue: what it measures, in which unit, and what it counts."""

    key: str | None
    label: str  # for pickers: "Intake call within N hours of a new requisition"
    unit: str | None  # the threshold's unit
    default_threshold: float | None
    counts: str  # the cases counted, plural: "requisitions", "submittals"
    description: str
    threshold_required: bool = True

    def title(self, threshold: float | None) -> str:
        """A title for a new expectation with this threshold."""
        return self.label.replace("N", _number(threshold if threshold is not None else self.default_threshold or 0))


CATALOGUE: dict[str, MetricDefinition] = {
    INTAKE_WITHIN_HOURS: MetricDefinition(
        INTAKE_WITHIN_HOURS,
        "Intake call within N h of a new requisition",
        "hours",
        24,
        "requisitions",
        "From a requisition's opening to its intake call.",
    ),
    FIRST_SUBMITTAL_A: MetricDefinition(
        FIRST_SUBMITTAL_A,
        "First submittal within N business days of qualification (grade A)",
        "business days",
        1,
        "qualified requisitions",
        "From qualification to the first submittal, grade A requisitions, weekends skipped.",
    ),
    FIRST_SUBMITTAL_B: MetricDefinition(
        FIRST_SUBMITTAL_B,
        "First submittal within N business days of qualification (grade B)",
        "business days",
        2,
        "qualified requisitions",
        "From qualification to the first submittal, grade B requisitions, weekends skipped.",
    ),
    CLIENT_FEEDBACK_WITHIN_HOURS: MetricDefinition(
        CLIENT_FEEDBACK_WITHIN_HOURS,
        "Client feedback within N h of a submittal",
        "hours",
        48,
        "submittals",
        "From each submittal to the client's next feedback on that requisition.",
    ),
    NO_STALE_REQUISITION_DAYS: MetricDefinition(
        NO_STALE_REQUISITION_DAYS,
        "No requisition without a status change for N days",
        "days",
        5,
        "running requisitions",
        "Open requisitions (not on hold) that never went N days without a status change.",
    ),
    PROMISE_NOT_BEFORE_ESTIMATE: MetricDefinition(
        PROMISE_NOT_BEFORE_ESTIMATE,
        "Promised dates no earlier than the realistic estimate",
        "days",
        None,
        "promises",
        "The date promised to the client against opened + the realistic time to fill (threshold: days of tolerance).",
        threshold_required=False,
    ),
}
CHECKED_BY_HAND = MetricDefinition(
    None,
    "Checked in by hand",
    None,
    None,
    "check-ins",
    "Commitments linked to the expectation, marked kept or missed by the lead.",
    threshold_required=False,
)


def definition(metric: str | None) -> MetricDefinition:
    if metric is None:
        return CHECKED_BY_HAND
    try:
        return CATALOGUE[metric]
    except KeyError:
        raise ValueError(f"There is no metric called {metric!r}") from None


class BusinessCalendar:
    """Which days count as business days: weekends never do, public holidays of a country may."""

    def __init__(self, country: str | None = None, subdivision: str | None = None) -> None:
        self.country = country or None
        self.subdivision = subdivision or None
        self._holidays: holidays.HolidayBase | None = None
        if self.country:
            try:
                self._holidays = holidays.country_holidays(self.country, subdiv=self.subdivision)
            except NotImplementedError:
                raise ValueError(f"No public holiday calendar is known for {self.country!r}") from None

    @classmethod
    def from_settings(cls, settings: dict) -> BusinessCalendar:
        """The calendar named by the settings file's ``holidays_country`` (and ``holidays_subdivision``)."""
        try:
            return cls(settings.get("holidays_country"), settings.get("holidays_subdivision"))
        except ValueError:
            return cls()

    def is_business_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and (self._holidays is None or day not in self._holidays)

    def ordinals(self, first: dt.date, last: dt.date) -> dict[str, list[int]]:
        """For each day: [the business-day count a clock starting that day begins from, the count a
        clock stopping that day ends at]. Their difference is business days elapsed."""
        table: dict[str, list[int]] = {}
        count = 0
        day = first
        while day <= last:
            business = self.is_business_day(day)
            count += business
            # A clock that starts on a day off starts on the next business day.
            table[day.isoformat()] = [count if business else count + 1, count]
            day += dt.timedelta(days=1)
        return table

    def business_days_between(self, start: dt.date, stop: dt.date) -> int:
        table = self.ordinals(start, stop)
        return max(0, table[stop.isoformat()][1] - table[start.isoformat()][0])


@dataclass(frozen=True)
class Breach:
    """One case that broke an expectation, worded for the lead."""

    requisition_id: int | None
    code: str | None
    title: str
    what: str  # what happened, with the real numbers
    excess: float  # how far past the threshold, in `unit`
    unit: str
    at: dt.datetime
    by: str  # how much, in words: "6 h over", "16 days too early"
    commitment_id: int | None = None


@dataclass(frozen=True)
class Measurement:
    """An expectation measured over its window ending at `now`."""

    expectation: Expectation
    now: dt.datetime
    kept: int
    total: int
    verdict: Verdict
    trend: tuple[float | None, ...]  # compliance % per week, oldest first; None = no data that week
    breaches: tuple[Breach, ...]  # the worst, at most BREACH_LIMIT
    breach_count: int

    @property
    def target(self) -> float:
        return self.expectation.target

    @property
    def compliance(self) -> float | None:
        return None if not self.total else 100.0 * self.kept / self.total

    @property
    def definition(self) -> MetricDefinition:
        return definition(self.expectation.metric)

    @property
    def window_start(self) -> dt.datetime:
        return self.now - dt.timedelta(days=self.expectation.window_days)

    @property
    def summary(self) -> str:
        """'31 of 38 requisitions, 82%' — or why there is nothing to measure."""
        counts = self.definition.counts
        if not self.total:
            if self.expectation.metric == NO_STALE_REQUISITION_DAYS:
                return "no data: no requisition is running"
            return f"no data: no {counts} to measure in the last {self.expectation.window_days} days"
        return f"{self.kept} of {self.total} {counts}, {self.compliance:.0f}%"

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]


def verdict_for(compliance: float | None, target: float, trend: Sequence[float | None] = ()) -> Verdict:
    if compliance is None:
        return Verdict.NO_DATA
    if compliance >= target:
        # Both of the last two weeks measured and below target: a week without data says nothing.
        recent = list(trend[-2:])
        if len(recent) == 2 and all(week is not None and week < target for week in recent):
            return Verdict.AT_RISK
        return Verdict.MET
    if compliance >= target - AT_RISK_MARGIN:
        return Verdict.AT_RISK
    return Verdict.MISSED


def measure(
    store: Store,
    expectation: Expectation,
    now: dt.datetime | None = None,
    *,
    calendar: BusinessCalendar | None = None,
    breach_limit: int | None = BREACH_LIMIT,
    trend_weeks: int = TREND_WEEKS,
) -> Measurement:
    """Compliance, verdict, weekly trend and breaches of one expectation, computed in SQLite."""
    now = (now or store.now()).replace(microsecond=0)
    metric = expectation.metric
    spec = definition(metric)
    threshold = expectation.threshold if expectation.threshold is not None else (spec.default_threshold or 0)
    window_start = now - dt.timedelta(days=expectation.window_days)
    options: dict = {}
    if metric in (FIRST_SUBMITTAL_A, FIRST_SUBMITTAL_B):
        span = max(expectation.window_days, 7 * trend_weeks) + 1
        options["calendar"] = json.dumps(
            (calendar or BusinessCalendar()).ordinals((now - dt.timedelta(days=span)).date(), now.date())
        )
    elif metric == PROMISE_NOT_BEFORE_ESTIMATE:
        options["default_estimate_days"] = DEFAULT_TIME_TO_FILL_DAYS
    elif metric is None:
        options["expectation_id"] = expectation.id

    if metric == NO_STALE_REQUISITION_DAYS:
        tallies, rows = store.measure_metric(metric, threshold, now, [], window_start, breach_limit)
        kept, total = tallies[0]
        trend = [_pct(*t) for t in reversed(store.stale_requisition_tally(threshold, now, trend_weeks))]
    else:
        # The window and the trend's weeks cut into segments at every boundary of either (in days
        # before `now`); each is tallied once and summed into the window and into its week.
        bounds = sorted({0, expectation.window_days} | {7 * week for week in range(trend_weeks + 1)})
        spans = list(zip(bounds, bounds[1:], strict=False))
        tallies, rows = store.measure_metric(
            metric,
            threshold,
            now,
            [(now - dt.timedelta(days=far), now - dt.timedelta(days=near)) for near, far in spans],
            window_start,
            breach_limit,
            **options,
        )

        def tally_within(near: int, far: int) -> tuple[int, int]:
            inside = [t for (a, b), t in zip(spans, tallies, strict=False) if near <= a and b <= far]
            return sum(k for k, _ in inside), sum(n for _, n in inside)

        kept, total = tally_within(0, expectation.window_days)
        trend = [_pct(*tally_within(7 * week, 7 * week + 7)) for week in reversed(range(trend_weeks))]

    compliance = None if not total else 100.0 * kept / total
    return Measurement(
        expectation=expectation,
        now=now,
        kept=kept,
        total=total,
        verdict=verdict_for(compliance, expectation.target, trend),
        trend=tuple(trend),
        breaches=tuple(_breach(metric, threshold, row) for row in rows),
        breach_count=total - kept,
    )


def measure_all(
    store: Store,
    expectations: Sequence[Expectation] | None = None,
    now: dt.datetime | None = None,
    *,
    on_measured: Callable[[Measurement], None] | None = None,
    on_failed: Callable[[Expectation, Exception], None] | None = None,
    stop: Callable[[], bool] | None = None,
    **options,
) -> list[Measurement]:
    """Every expectation that is not retired (or the ones given), measured at the same `now`.

    For a screen that shows each as it comes: `on_measured` is called with each measurement as soon as
    it is made (from whichever thread made it), `on_failed` with an expectation that could not be
    measured (a bad threshold, an unreadable database) instead of raising, and `stop` is asked before
    each one (a visit the lead has already left). Only the measurements made are returned, in order.
    """
    if expectations is None:
        expectations = store.list_expectations(statuses=("agreed", "proposed"))
    now = now or store.now()
    results: dict[int, Measurement] = {}

    def run(on: Store, lane: Sequence[int]) -> None:
        for i in lane:
            if stop is not None and stop():
                return
            try:
                result = results[i] = measure(on, expectations[i], now, **options)
            except (StoreError, ValueError) as exc:
                if on_failed is None:
                    raise
                on_failed(expectations[i], exc)
                continue
            if on_measured is not None:
                on_measured(result)

    def done() -> list[Measurement]:
        return [results[i] for i in range(len(expectations)) if i in results]

    if len(expectations) < 2 or (os.cpu_count() or 1) < 2 or not store.reads_beside():
        run(store, range(len(expectations)))
        return done()
    # Two lanes, one on a read-only connection of its own in a second thread: SQLite lets go of the
    # GIL while a statement runs, so on two cores the metrics take about half as long. The slowest
    # metrics are dealt out first, each to the lane with less work so far.
    order = sorted(range(len(expectations)), key=lambda i: -_COST.get(expectations[i].metric, 1))
    lanes: tuple[list[int], list[int]] = ([], [])
    load = [0, 0]
    for i in order:
        lane = 0 if load[0] <= load[1] else 1
        lanes[lane].append(i)
        load[lane] += _COST.get(expectations[i].metric, 1)
    try:
        reader = store.background_reader()
    except StoreError:  # no second connection to be had: one lane it is
        run(store, range(len(expectations)))
        return done()
    with reader, ThreadPoolExecutor(max_workers=1, thread_name_prefix="metrics") as pool:
        beside = pool.submit(run, reader, lanes[1])
        run(store, lanes[0])
        beside.result()
    return done()


# Relative cost of each metric at 100,000 requisitions (bench/bench_metrics.py), to balance the lanes.
_COST: dict[str | None, int] = {
    FIRST_SUBMITTAL_A: 20,
    CLIENT_FEEDBACK_WITHIN_HOURS: 20,
    NO_STALE_REQUISITION_DAYS: 17,
    FIRST_SUBMITTAL_B: 17,
    PROMISE_NOT_BEFORE_ESTIMATE: 12,
    INTAKE_WITHIN_HOURS: 11,
    None: 1,
}


# -- wording ---------------------------------------------------------------------------------------


def _pct(kept: int, total: int) -> float | None:
    return None if not total else 100.0 * kept / total


def _number(value: float) -> str:
    return f"{value:g}"


def _amount(value: float, unit: str) -> str:
    value = max(0.0, value)
    if unit == "hours":
        return "under 1 h" if value < 1 else f"{value:.0f} h"
    if unit == "business days":
        return f"{value:.0f} business day{'s' if round(value) != 1 else ''}"
    return f"{value:.0f} day{'s' if round(value) != 1 else ''}"


def _breach(metric: str | None, threshold: float, row: MetricBreach) -> Breach:
    unit = definition(metric).unit or "days"
    spent = row.excess + threshold
    done = row.done_at is not None
    if metric == INTAKE_WITHIN_HOURS:
        what = (
            f"intake call {_amount(spent, 'hours')} after opening"
            if done
            else f"no intake call, {_amount(spent, 'hours')} after opening"
        )
    elif metric in (FIRST_SUBMITTAL_A, FIRST_SUBMITTAL_B):
        what = (
            f"first submittal {_amount(spent, unit)} after qualification"
            if done
            else f"no submittal {_amount(spent, unit)} after qualification"
        )
    elif metric == CLIENT_FEEDBACK_WITHIN_HOURS:
        what = (
            f"client feedback {_amount(spent, 'hours')} after the submittal of {row.at:%d %b}"
            if done
            else f"no client feedback {_amount(spent, 'hours')} after the submittal of {row.at:%d %b}"
        )
    elif metric == NO_STALE_REQUISITION_DAYS:
        what = (
            f"{_amount(spent, 'days')} without a status change from {row.at:%d %b}"
            if done
            else f"no status change since {row.at:%d %b} ({_amount(spent, 'days')})"
        )
    elif metric == PROMISE_NOT_BEFORE_ESTIMATE:
        what = (
            f"promised {row.promised_date:%d %b %Y}, realistic estimate {row.estimate_date:%d %b %Y}"
            if row.promised_date and row.estimate_date
            else "promised before the realistic estimate"
        )
        unit = "days"
    else:
        due = row.due_at.date() if row.due_at else row.at.date()
        what = f"{row.owner or 'someone'} missed it (due {due:%d %b})"
        unit = "days"
    if metric == PROMISE_NOT_BEFORE_ESTIMATE:
        by = f"{_amount(spent, unit)} too early"
    elif metric is None:
        by = f"decided {_amount(row.excess, unit)} after due" if row.excess >= 1 else "missed"
    else:
        by = f"{_amount(row.excess, unit)} over"
    return Breach(
        requisition_id=row.requisition_id,
        code=row.code,
        title=row.title,
        what=what,
        excess=row.excess,
        unit=unit,
        at=row.at,
        by=by,
        commitment_id=row.commitment_id,
    )


__all__ = [
    "AT_RISK_MARGIN",
    "BREACH_LIMIT",
    "CATALOGUE",
    "CHECKED_BY_HAND",
    "TREND_WEEKS",
    "Breach",
    "BusinessCalendar",
    "Measurement",
    "MetricDefinition",
    "Verdict",
    "VERDICT_LABELS",
    "definition",
    "measure",
    "measure_all",
    "verdict_for",
]
