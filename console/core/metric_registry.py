"""The expectation metrics, each declared once: what it measures, for whom, its defaults and its words.

Every place that needs a metric reads it from here: the metrics that measure it (``metrics.py``), the
expectations screen and the form that proposes one, the agenda (the first-submittal and staleness
allowances of an at-risk requisition), the default expectations a new database proposes, and the
demo. The database stores a metric's id (``db/defaults.py``) and holds the query that measures it
(``Store.measure_metric``); everything else about it is here.

How each is measured (every metric counts *cases* whose clock started inside the expectation's
window and whose outcome is known; see ``metrics.py`` for the window, the trend and the verdicts):

- ``intake_within_hours``: each requisition opened in the window must have its intake call within
  N hours of opening. No intake yet and more than N hours old is a breach. A requisition that closed
  (lost / declined) before its N hours were up without an intake is not counted.
- ``first_submittal_grade_a`` / ``_b``: each qualification (a status change to ``qualified``) of a
  grade A / B requisition must be followed by a first submittal within N *business days* (the business
  calendar's ``business_days_elapsed``: a qualification on a weekend or public holiday starts the clock
  on the next business day, a submittal on one counts for the business day before it). Putting the
  requisition on hold, lost or declined before a submittal stops the clock (a breach only if the days
  had already run out); a re-qualification starts a new clock.
- ``client_feedback_within_hours``: each submittal must get the next client feedback on its
  requisition within N hours. A requisition that closed before then without feedback is not counted.
- ``no_stale_requisition_days``: staleness is a state, so it is a snapshot: every requisition
  *running* now (open and not on hold: on hold is a deliberate pause) must have had a status change
  (or been opened) within the last N days; the breaches are the requisitions stale right now. The
  window does not apply; the weekly trend is the same snapshot at the end of each past week. A
  re-opened requisition (filled → sourcing) starts afresh at the re-open, so time spent filled
  never counts as stale.
- ``promise_not_before_estimate``: each requisition opened in the window with a promised date must
  be promised no earlier than opened + the realistic estimate (the rules' ``estimate_days``,
  ``norms.DEFAULT_TIME_TO_FILL_DAYS`` when it has not been worked out), less N days of tolerance
  (default 0). A re-opened requisition keeps its original opening: the promise was made then.
- no metric (checked in by hand): the commitments linked to the expectation; kept counts as kept,
  missed as missed, open ones are not counted (an overdue one waits for the lead's decision). They
  are dated by their outcome day, as follow-through is (``follow_through.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mediation_console.console.core.norms import FEEDBACK_HOURS, STALE_DAYS
from mediation_console.db import defaults as ids
from mediation_console.db.models import Expectation, ExpectationStatus, Team
from mediation_console.db.store import Store

_SHORT_UNITS = {"hours": "h"}


def quantity(value: float | None, unit: str | None) -> str:
    """ "24 h", "1 business day", "5 days"; "N h" when there is no value (a picker's label)."""
    number = "N" if value is None else f"{value:g}"
    if unit is None:
        return number
    if unit in _SHORT_UNITS:
        return f"{number} {_SHORT_UNITS[unit]}"
    return f"{number} {unit[:-1] if value == 1 else unit}"


def amount(value: float, unit: str) -> str:
    """A breach's figure, rounded: "under 1 h", "6 h", "1 business day", "16 days"."""
    value = max(0.0, value)
    if unit == "hours":
        return "under 1 h" if value < 1 else f"{value:.0f} h"
    return f"{value:.0f} {unit[:-1] if round(value) == 1 else unit}"


@dataclass(frozen=True)
class MetricDefinition:
    """One expectation metric. `name` reads {n} as the threshold in its unit ("within 24 h")."""

    key: str | None
    name: str
    unit: str | None  # the threshold's unit
    owner_team: Team  # the team that promises it, by default
    counts: str  # the cases counted, plural: "requisitions", "submittals"
    description: str
    default_threshold: float | None
    default_target: float = 90.0
    default_window_days: int = 30
    threshold_required: bool = True
    snapshot: bool = False  # measured as it stands now, not over the window
    grade: str | None = None  # the requisition grade it is about, if one
    cost: int = 1  # relative time to measure at 100,000 requisitions (bench/bench_metrics.py), to share it out
    # The same with the settled days' tallies kept (console/core/metrics.py): only the recent days and
    # each week's edges are read then, while a snapshot reads as much as ever (at 1,000,000 requisitions).
    kept_cost: int = 1
    # Wording of a breach: {spent} is the time taken (in the unit), {excess} how far past the threshold,
    # {at} when the clock started; {promised}, {estimate}, {owner} and {due} as the metric has them.
    breach_done: str = ""  # the outcome came, too late
    breach_waiting: str = ""  # it has not come
    breach_by: str = "{excess} over"
    breach_without_dates: str = ""  # when a field the wording needs is not known
    no_data: str = "no data: no {counts} to measure in the last {window}"
    shipped: bool = True  # one of the default expectations a new database proposes

    @property
    def label(self) -> str:
        """For pickers: "Intake call within N h of a new requisition"."""
        return self.name.format(n=quantity(None, self.unit))

    @property
    def breach_unit(self) -> str:
        return self.unit or "days"

    def title(self, threshold: float | None) -> str:
        """A title for an expectation with this threshold: "First submittal within 1 business day …"."""
        value = threshold if threshold is not None else (self.default_threshold or 0)
        return self.name.format(n=quantity(value, self.unit))

    def default_expectation(self, status: ExpectationStatus = ExpectationStatus.PROPOSED) -> Expectation:
        return Expectation(
            title=self.title(self.default_threshold),
            owner_team=self.owner_team,
            metric=self.key,
            threshold=self.default_threshold,
            target=self.default_target,
            window_days=self.default_window_days,
            status=status,
        )

    def breach_words(self, *, done: bool, spent: float, excess: float, **fields: Any) -> tuple[str, str]:
        """What happened and by how much, in words, for one broken case."""
        unit = self.breach_unit
        values: Mapping[str, Any] = {
            "spent": amount(spent, unit),
            "excess": amount(excess, unit),
            **fields,
        }
        template = self.breach_done if done and self.breach_done else self.breach_waiting
        needed = [name for name, value in fields.items() if value is None and "{" + name in template]
        what = self.breach_without_dates if needed and self.breach_without_dates else template.format(**values)
        return what, self.breach_by.format(**values)


def _submittal(grade: str, days: float, cost: int, kept_cost: int) -> MetricDefinition:
    return MetricDefinition(
        ids.FIRST_SUBMITTAL_A if grade == "A" else ids.FIRST_SUBMITTAL_B,
        f"First submittal within {{n}} of qualification (grade {grade})",
        "business days",
        Team.RECRUITING,
        "qualified requisitions",
        f"From qualification to the first submittal, grade {grade} requisitions, weekends and public holidays skipped.",
        days,
        default_target=85,
        grade=grade,
        cost=cost,
        kept_cost=kept_cost,
        breach_done="first submittal {spent} after qualification",
        breach_waiting="no submittal {spent} after qualification",
    )


REGISTRY: dict[str, MetricDefinition] = {
    spec.key: spec
    for spec in (
        MetricDefinition(
            ids.INTAKE_WITHIN_HOURS,
            "Intake call within {n} of a new requisition",
            "hours",
            Team.SALES,
            "requisitions",
            "From a requisition's opening to its intake call.",
            24,
            cost=11,
            kept_cost=5,
            breach_done="intake call {spent} after opening",
            breach_waiting="no intake call, {spent} after opening",
        ),
        _submittal("A", 1, cost=20, kept_cost=17),
        _submittal("B", 2, cost=17, kept_cost=16),
        MetricDefinition(
            ids.CLIENT_FEEDBACK_WITHIN_HOURS,
            "Client feedback within {n} of a submittal",
            "hours",
            Team.SALES,
            "submittals",
            "From each submittal to the client's next feedback on that requisition.",
            FEEDBACK_HOURS,
            default_target=80,
            cost=20,
            kept_cost=22,
            breach_done="client feedback {spent} after the submittal of {at:%d %b}",
            breach_waiting="no client feedback {spent} after the submittal of {at:%d %b}",
        ),
        MetricDefinition(
            ids.NO_STALE_REQUISITION_DAYS,
            "No requisition without a status change for {n}",
            "days",
            Team.RECRUITING,
            "running requisitions",
            "Open requisitions (not on hold) that never went N days without a status change.",
            STALE_DAYS,
            snapshot=True,
            cost=17,
            kept_cost=45,
            breach_done="{spent} without a status change from {at:%d %b}",
            breach_waiting="no status change since {at:%d %b} ({spent})",
            no_data="no data: no requisition is running",
        ),
        MetricDefinition(
            ids.PROMISE_NOT_BEFORE_ESTIMATE,
            "Promised dates no earlier than the realistic estimate",
            "days",
            Team.SALES,
            "promises",
            "The date promised to the client against opened + the realistic time to fill (threshold: days of tolerance).",
            None,
            default_window_days=90,
            threshold_required=False,
            cost=12,
            kept_cost=4,
            breach_waiting="promised {promised:%d %b %Y}, realistic estimate {estimate:%d %b %Y}",
            breach_without_dates="promised before the realistic estimate",
            breach_by="{spent} too early",
        ),
    )
    if spec.key is not None
}

CHECKED_BY_HAND = MetricDefinition(
    None,
    "Checked in by hand",
    None,
    Team.LEAD,
    "check-ins",
    "Commitments linked to the expectation, marked kept or missed by the lead.",
    None,
    threshold_required=False,
    breach_waiting="{owner} missed it (due {due:%d %b})",
    breach_by="decided {excess} after due",
    shipped=False,
)


def definition(metric: str | None) -> MetricDefinition:
    if metric is None:
        return CHECKED_BY_HAND
    try:
        return REGISTRY[metric]
    except KeyError:
        raise ValueError(f"There is no metric called {metric!r}") from None


def default_expectations(status: ExpectationStatus = ExpectationStatus.PROPOSED) -> list[Expectation]:
    """The spec's default expectations, one per shipped metric, at their default figures."""
    return [spec.default_expectation(status) for spec in REGISTRY.values() if spec.shipped]


def propose_default_expectations(store: Store) -> None:
    """A new database starts with the default expectations, proposed for the teams to agree (the
    Store runs this inside the transaction that creates the file: all of it is there, or none)."""
    for expectation in default_expectations():
        store.add_expectation(expectation)


def allowances(expectations: list[Expectation]) -> dict[str, float]:
    """Each metric's threshold as the teams have it: the agreed expectation's, else a proposed one's,
    else the registry's default (what the agenda warns against before the metric is missed)."""
    found = {key: spec.default_threshold for key, spec in REGISTRY.items() if spec.default_threshold is not None}
    ranked = sorted(expectations, key=lambda e: e.status == ExpectationStatus.AGREED)
    for expectation in ranked:
        if expectation.metric in found and expectation.threshold is not None:
            found[expectation.metric] = expectation.threshold
    return {key: float(value) for key, value in found.items() if value is not None}


def by_grade() -> dict[str, MetricDefinition]:
    """The first-submittal metric of each requisition grade."""
    return {spec.grade: spec for spec in REGISTRY.values() if spec.grade}


__all__ = [
    "CHECKED_BY_HAND",
    "REGISTRY",
    "MetricDefinition",
    "allowances",
    "amount",
    "by_grade",
    "default_expectations",
    "definition",
    "propose_default_expectations",
    "quantity",
]
