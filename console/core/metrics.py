"""Measures each expectation between the teams from the data: compliance, verdict, weekly trend, breaches.

Every metric counts *cases* whose clock started inside the expectation's window (the `window_days`
ending at `now`) and whose outcome is known by `now`; a case still inside its allowance is not
counted yet, so a quiet window reads "no data", never 100 %. What each metric counts, and its words,
are declared once in ``metric_registry``; business days come from the one business ``calendar``.

Verdicts: **no data** when no case was decided; **met** when compliance ≥ target, unless the last
two weeks were both below target (then **at risk**: it is slipping; the verdict reads no further back,
so the agenda measures two weeks of trend and agrees with the expectations screen); **at risk** when
compliance is below target by at most ``AT_RISK_MARGIN`` points; otherwise **missed**.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum

import holidays

from mediation_console.console.core.calendar import BusinessCalendar, user_calendar
from mediation_console.console.core.metric_registry import REGISTRY, MetricDefinition, definition
from mediation_console.console.core.norms import DEFAULT_TIME_TO_FILL_DAYS
from mediation_console.db.kept_tallies import KeptTallies
from mediation_console.db.models import Expectation, MetricBreach
from mediation_console.db.store import KEPT_TALLIES_VERSION, Store, StoreError
from mediation_console.db.words import plural

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
        spec = self.definition
        if not self.total:
            window = plural(self.expectation.window_days, "day")
            return spec.no_data.format(counts=spec.counts, window_days=self.expectation.window_days, window=window)
        return f"{self.kept} of {self.total} {spec.counts}, {self.compliance:.0f}%"

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
    kept_tallies: KeptTallies | None = None,
) -> Measurement:
    """Compliance, verdict, weekly trend and breaches of one expectation, computed in SQLite.

    Business days are counted on `calendar` (default: the one the lead's settings name). With `kept_tallies`
    (the database's kept tallies), the days whose cases are all decided are read from there while no
    write has touched them since (see db/kept_tallies.py): the same figures, without reading every case."""
    now = (now or store.now()).replace(microsecond=0)
    metric = expectation.metric
    spec = definition(metric)
    threshold = expectation.threshold if expectation.threshold is not None else (spec.default_threshold or 0)
    window_start = now - dt.timedelta(days=expectation.window_days)
    options: dict = {"default_estimate_days": DEFAULT_TIME_TO_FILL_DAYS}
    calendar = calendar or user_calendar()
    if spec.grade is not None:
        span = max(expectation.window_days, 7 * trend_weeks) + 1
        options["grade"] = spec.grade
        options["calendar"] = json.dumps(calendar.ordinals((now - dt.timedelta(days=span)).date(), now.date()))
    elif metric is None:
        options["expectation_id"] = expectation.id
    if kept_tallies is not None and metric is not None and not spec.snapshot:
        options["kept"] = kept_tallies
        options["kept_key"] = _kept_key(spec, threshold, calendar)
        options["settled_before"] = _settled_before(spec, threshold, now, calendar)

    if spec.snapshot:
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
        breaches=tuple(_breach(spec, threshold, row) for row in rows),
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
    if options.get("calendar") is None:
        options["calendar"] = user_calendar()  # read from the settings once, not once per expectation
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

    reader = store.reader_beside() if len(expectations) >= 2 else None
    if reader is None:
        run(store, range(len(expectations)))
        return done()
    # Two lanes, one on a read-only connection of its own in a second thread: SQLite lets go of the
    # GIL while a statement runs, so on two cores the metrics take about half as long. The slowest
    # metrics are dealt out first, each to the lane with less work so far; then each lane measures its
    # quickest first. A lane ends when it ends whatever its order, so the last figure comes no later,
    # and a screen showing each figure as it comes has its first ones sooner (shortest job first).
    kept = options.get("kept_tallies") is not None
    cost = [
        (REGISTRY[e.metric].kept_cost if kept else REGISTRY[e.metric].cost) if e.metric in REGISTRY else 1
        for e in expectations
    ]
    order = sorted(range(len(expectations)), key=lambda i: -cost[i])
    lanes: tuple[list[int], list[int]] = ([], [])
    load = [0, 0]
    for i in order:
        lane = 0 if load[0] <= load[1] else 1
        lanes[lane].append(i)
        load[lane] += cost[i]
    for lane_items in lanes:
        lane_items.sort(key=lambda i: (cost[i], i))
    with reader, ThreadPoolExecutor(max_workers=1, thread_name_prefix="metrics") as pool:
        beside = pool.submit(run, reader, lanes[1])
        run(store, lanes[0])
        beside.result()
    return done()


# -- kept tallies ----------------------------------------------------------------------------------


def _settled_before(spec: MetricDefinition, threshold: float, now: dt.datetime, calendar: BusinessCalendar) -> dt.date:
    """The first day whose cases may not all be decided at `now` (a clock past its threshold stays past
    it, so the days before stay as they are until a write changes them). A clock in hours is decided its
    threshold after it started; one in business days once that many have passed on `calendar` (counted
    as the metric counts them), with a day more to spare in either."""
    if spec.unit == "hours":
        return (now - dt.timedelta(days=math.ceil(max(threshold, 0.0) / 24) + 2)).date()
    whole = math.ceil(max(threshold, 0.0))
    if spec.unit != "business days":
        return (now - dt.timedelta(days=whole + 2)).date()
    # A business day comes at least once a week, whatever the holidays: the latest day far enough back.
    earliest = now.date() - dt.timedelta(days=7 * (whole + 2))
    counts = calendar.ordinals(earliest, now.date())
    until_n = counts[now.date().isoformat()][1]
    day = now.date()
    while day > earliest and until_n - counts[day.isoformat()][0] < whole + 2:
        day -= dt.timedelta(days=1)
    return day + dt.timedelta(days=1)


def _kept_key(spec: MetricDefinition, threshold: float, calendar: BusinessCalendar) -> str:
    """What defines a metric's cases but the time they are measured at: its day tallies are kept under it."""
    return "|".join(
        (
            f"v{KEPT_TALLIES_VERSION}",
            str(spec.key),
            repr(float(threshold)),
            f"grade={spec.grade}",
            f"estimate={DEFAULT_TIME_TO_FILL_DAYS!r}",
            f"calendar={calendar.country}/{calendar.subdivision}/holidays {holidays.__version__}",
        )
    )


# -- wording ---------------------------------------------------------------------------------------


def _pct(kept: int, total: int) -> float | None:
    return None if not total else 100.0 * kept / total


def _breach(spec: MetricDefinition, threshold: float, row: MetricBreach) -> Breach:
    due = row.due_at.date() if row.due_at else row.at.date()
    what, by = spec.breach_words(
        done=row.done_at is not None,
        spent=row.excess + threshold,
        excess=row.excess,
        at=row.at,
        promised=row.promised_date,
        estimate=row.estimate_date,
        owner=row.owner or "someone",
        due=due,
    )
    if spec.key is None and row.excess < 1:
        by = "missed"  # decided by its due date (or a day after): nothing more to say than that
    return Breach(
        requisition_id=row.requisition_id,
        code=row.code,
        title=row.title,
        what=what,
        excess=row.excess,
        unit=spec.breach_unit,
        at=row.at,
        by=by,
        commitment_id=row.commitment_id,
    )


__all__ = [
    "AT_RISK_MARGIN",
    "BREACH_LIMIT",
    "TREND_WEEKS",
    "Breach",
    "Measurement",
    "Verdict",
    "VERDICT_LABELS",
    "measure",
    "measure_all",
    "verdict_for",
]
