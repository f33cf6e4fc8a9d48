"""The typed fact catalogue the rules read, and the builders that derive facts from records.

Facts are plain dicts (name -> float / str / bool / None) so conditions evaluate fast. Numbers are
always floats; a fact is None when the data to derive it does not exist (no market salary, no
submittal yet), and conditions treat None as "not known" rather than as zero.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rule_engine import DataType

from mediation_console.console.core.calendar import BusinessCalendar
from mediation_console.console.core.follow_through import WINDOW_DAYS
from mediation_console.console.core.norms import DEFAULT_TIME_TO_FILL_DAYS, MIN_HISTORY
from mediation_console.console.core.rules.conditions import format_value
from mediation_console.db.models import (
    CLIENT_EVENT_KINDS,
    OPEN_STATUSES,
    DeclineReason,
    Dispute,
    Engagement,
    EventKind,
    FeedbackOutcome,
    PipelineEvent,
    Requisition,
    RequisitionStatus,
    Team,
)
from mediation_console.db.words import plural

FLOAT, STRING, BOOLEAN = DataType.FLOAT, DataType.STRING, DataType.BOOLEAN

# SHRM's average time to fill (the estimate while the team's own history is thin) and the history
# needed before the team's own median is trusted are in norms, shared with the metrics and the agenda.


@dataclass(frozen=True, slots=True)
class FactSpec:
    """One fact: its name in conditions, its rule-engine type, how it reads on screen."""

    name: str
    type: Any
    label: str
    fmt: str | None = None

    def display(self, value: Any) -> str:
        return format_value(value, self.fmt)


def _specs(rows: Sequence[tuple[str, Any, str, str | None]]) -> dict[str, FactSpec]:
    return {name: FactSpec(name, type_, label, fmt) for name, type_, label, fmt in rows}


# Facts a scorecard can read: derived from the Requisition record alone, so 100,000 are cheap.
SCORECARD_FACTS = _specs(
    [
        ("requisition_code", STRING, "Requisition", None),
        ("requisition_title", STRING, "Title", None),
        ("client", STRING, "Client", None),
        ("status", STRING, "Status", None),
        ("is_open", BOOLEAN, "Open", None),
        ("engagement", STRING, "Engagement", None),
        ("openings", FLOAT, "Openings", "num"),
        ("fee_pct", FLOAT, "Fee", "pct"),
        ("competing_agencies", FLOAT, "Competing agencies", "agencies"),
        ("salary_max", FLOAT, "Salary max", "money"),
        ("market_salary", FLOAT, "Market median salary", "money"),
        ("salary_gap_pct", FLOAT, "Salary max vs market median", "gap"),
        ("intake_done", BOOLEAN, "Intake call held", None),
        ("hiring_manager_access", BOOLEAN, "Hiring manager on the intake", None),
        ("feedback_agreed_48h", BOOLEAN, "48 h feedback agreed", None),
        ("interview_dates_agreed", BOOLEAN, "Interview dates agreed", None),
        ("promised_date", STRING, "Promised to the client", None),
        ("promised_date_set", BOOLEAN, "Fill deadline agreed", None),
        ("headcount_approved", BOOLEAN, "Headcount approved", None),
        ("reason_known", BOOLEAN, "Reason the job is open known", None),
        ("interview_stages", FLOAT, "Interview stages", "num"),
        ("jd_clear", BOOLEAN, "Job description clear", None),
        ("must_haves", FLOAT, "Must-haves", "num"),
        ("candidates_exist", BOOLEAN, "Candidates known to exist", None),
    ]
)

# Facts from the requisition's history and the team's data (need the Store).
HISTORY_FACTS = _specs(
    [
        ("days_open", FLOAT, "Days open", "days"),
        ("days_since_update", FLOAT, "Days since last change", "days"),
        ("days_to_promise", FLOAT, "Days until the promised date", "days"),
        ("business_days_to_promise", FLOAT, "Business days until the promised date", "bdays"),
        ("promise_days", FLOAT, "Time to fill promised", "days"),
        ("estimate_days", FLOAT, "Realistic time to fill", "days"),
        ("estimate_source", STRING, "Estimate based on", None),
        ("estimate_sample", FLOAT, "Similar filled requisitions", "num"),
        ("promise_short_by_days", FLOAT, "Promise shorter than the estimate by", "days"),
        ("submittals", FLOAT, "Submittals", "num"),
        ("interviews", FLOAT, "Interviews", "num"),
        ("interview_rate_pct", FLOAT, "Submittals that reached interview", "pct"),
        ("days_since_last_submittal", FLOAT, "Days since last submittal", "days"),
        ("first_submittal_bdays", FLOAT, "Business days from intake to first submittal", "bdays"),
        ("client_feedback_delay_hours", FLOAT, "Longest wait for client feedback", "hours"),
        ("feedback_turnaround_hours", FLOAT, "Client feedback turnaround on record", "hours"),
        ("spec_changes", FLOAT, "Spec changes since opening", "num"),
        ("open_disputes", FLOAT, "Open disputes on the requisition", "num"),
        ("score", FLOAT, "Fillability score", "num"),
        ("grade", STRING, "Grade", None),
        ("fill_rate_same_terms_pct", FLOAT, "Fill rate at these terms", "pct"),
        ("fill_rate_exclusive_pct", FLOAT, "Fill rate, exclusive or retained", "pct"),
        ("fill_rate_standard_fee_pct", FLOAT, "Fill rate at the standard fee or more", "pct"),
        ("fill_rate_discounted_pct", FLOAT, "Fill rate below the standard fee", "pct"),
        # The samples behind those rates: closed requisitions (filled or not) on those terms.
        ("fill_rate_same_terms_n", FLOAT, "Closed requisitions at these terms", "num"),
        ("fill_rate_exclusive_n", FLOAT, "Closed exclusive or retained requisitions", "num"),
        ("fill_rate_standard_fee_n", FLOAT, "Closed requisitions at the standard fee or more", "num"),
        ("fill_rate_discounted_n", FLOAT, "Closed requisitions below the standard fee", "num"),
        ("estimate_low", FLOAT, "Shortest of those fills", "days"),
        ("estimate_high", FLOAT, "Longest of those fills", "days"),
        ("estimate_basis", STRING, "Time to fill from", None),
        # What the events say (issue 13): who rejected, why candidates declined, who is being waited on.
        ("internal_reviews", FLOAT, "Submittals screened by sales", "num"),
        ("internal_rejects", FLOAT, "Rejected by sales before the client", "num"),
        ("internal_reject_rate_pct", FLOAT, "Internal reject rate", "pct"),
        ("internal_rejects_unexplained", FLOAT, "Internal rejects with no reason", "num"),
        ("client_reviews", FLOAT, "Submittals the client answered", "num"),
        ("client_rejects", FLOAT, "Rejected by the client", "num"),
        ("declines", FLOAT, "Candidate declines", "num"),
        ("pay_declines", FLOAT, "Candidates who declined on pay", "num"),
        ("counter_offer_declines", FLOAT, "Candidates who took a counter-offer", "num"),
        ("process_declines", FLOAT, "Candidates lost to the process", "num"),
        ("client_waiting", BOOLEAN, "Submittals waiting for the client", None),
        ("candidates_waiting", FLOAT, "Submitted candidates waiting for the client", "num"),
        ("client_silent_days", FLOAT, "Days the client has been silent", "days"),
        ("client_silent_bdays", FLOAT, "Business days the client has been silent", "bdays"),
        ("recruiter_delay_bdays", FLOAT, "Business days from intake to first submittal", "bdays"),
        ("submittal_sla_bdays", FLOAT, "First-submittal SLA for the grade", "bdays"),
        ("first_slate_days_late", FLOAT, "First slate late by", "days"),
        ("recruiter_open_reqs", FLOAT, "Open requisitions on the recruiter", "num"),
        ("placements", FLOAT, "Placements", "num"),
    ]
)

DISPUTE_FACTS = _specs(
    [
        ("dispute_code", STRING, "Dispute", None),
        ("category", STRING, "Category", None),
        ("severity", FLOAT, "Severity", "num"),
        ("dispute_age_days", FLOAT, "Dispute age", "days"),
        ("dispute_status", STRING, "Dispute status", None),
        ("has_requisition", BOOLEAN, "About a requisition", None),
        ("raised_by_side", STRING, "Raised by", None),
        ("sales_person", STRING, "Sales", None),
        ("recruiter_person", STRING, "Recruiting", None),
        ("pair_disputes_90d", FLOAT, "Other disputes between them (90 days)", "num"),
        ("sales_follow_through_pct", FLOAT, f"Sales follow-through ({WINDOW_DAYS} days)", "pct"),
        ("recruiting_follow_through_pct", FLOAT, f"Recruiter follow-through ({WINDOW_DAYS} days)", "pct"),
        ("sales_team_follow_through_pct", FLOAT, f"Sales team follow-through ({WINDOW_DAYS} days)", "pct"),
        ("recruiting_team_follow_through_pct", FLOAT, f"Recruiting team follow-through ({WINDOW_DAYS} days)", "pct"),
        # Parties that are teams or several people (issue 14).
        ("between_teams", BOOLEAN, "Between the two teams", None),
        ("party_count", FLOAT, "People in the dispute", "num"),
        ("parties", STRING, "Parties", None),
        ("sales_team_decided", FLOAT, f"Sales team commitments decided ({WINDOW_DAYS} days)", "num"),
        ("recruiting_team_decided", FLOAT, f"Recruiting team commitments decided ({WINDOW_DAYS} days)", "num"),
        ("team_time_to_fill_days", FLOAT, "Team median time to fill", "days"),
        ("team_fills", FLOAT, "Team fills behind that median", "num"),
        ("team_fill_low", FLOAT, "Team's quickest fill", "days"),
        ("team_fill_high", FLOAT, "Team's slowest fill", "days"),
        ("team_disputes_90d", FLOAT, "Other disputes between the teams (90 days)", "num"),
        # Placement credit on record (migration 18).
        ("credit_recorded", BOOLEAN, "Placement credit on record", None),
        ("credit_split", STRING, "Credit on record", None),
        ("credit_originator", STRING, "Originated by", None),
        ("credit_originator_pct", FLOAT, "Originator's split", "pct"),
        ("credit_filler", STRING, "Filled by", None),
        ("credit_filler_pct", FLOAT, "Filler's split", "pct"),
    ]
)

# A dispute between the two teams is about no single requisition: it is judged on the teams' own open
# requisitions (team_facts.py), each count with the sample it is out of. Unknown (None) for other disputes.
TEAM_REQUISITION_FACTS = _specs(
    [
        ("team_open_reqs", FLOAT, "The teams' open requisitions", "num"),
        ("team_no_intake", FLOAT, "Open requisitions with no intake call", "num"),
        ("team_no_intake_5d", FLOAT, "Open 5 days or more with no intake call", "num"),
        ("team_no_intake_pct", FLOAT, "Share of open requisitions with no intake call", "pct"),
        ("team_intakes", FLOAT, "Open requisitions whose intake was held", "num"),
        ("team_intake_without_manager", FLOAT, "Intakes held without the hiring manager", "num"),
        ("team_pay_n", FLOAT, "Open requisitions with a salary max and a market median", "num"),
        ("team_below_market", FLOAT, "Of those, paying more than the pay gate below market", "num"),
        ("team_below_market_pct", FLOAT, "Share paying more than the pay gate below market", "pct"),
        ("team_salary_gap_median_pct", FLOAT, "Median salary max vs market median", "gap"),
        ("team_declines", FLOAT, "Candidate declines on open requisitions", "num"),
        ("team_pay_declines", FLOAT, "Of those, on pay", "num"),
        ("team_sla_n", FLOAT, "Open requisitions with an intake and a grade", "num"),
        ("team_past_sla", FLOAT, "Of those, first submittal past the grade's SLA", "num"),
        ("team_past_sla_pct", FLOAT, "Share past the first-submittal SLA", "pct"),
        ("team_first_submittal_n", FLOAT, "Open requisitions with a first submittal", "num"),
        ("team_first_submittal_median_bdays", FLOAT, "Median business days from intake to first submittal", "bdays"),
        ("team_submitted", FLOAT, "Open requisitions with submittals", "num"),
        ("team_waiting_on_client", FLOAT, "Of those, the latest submittal unanswered by the client", "num"),
        ("team_waiting_on_client_pct", FLOAT, "Share waiting for the client", "pct"),
    ]
)

# Names for a proposal's wording (issue 14): always text, never unknown, so a sentence reads
# "Tom takes the market data to Lumen" and, with nobody named, "sales takes the market data to the client".
WORDING_FACTS = _specs(
    [
        ("sales_first", STRING, "Sales (first name)", None),
        ("recruiter_first", STRING, "Recruiter (first name)", None),
        ("client_name", STRING, 'Client (or "the client")', None),
        ("requisition_ref", STRING, 'Requisition (or "this requisition")', None),
        ("requisition_name", STRING, "Requisition with its title", None),
    ]
)

PROPOSAL_FACTS: dict[str, FactSpec] = {
    **SCORECARD_FACTS,
    **HISTORY_FACTS,
    **DISPUTE_FACTS,
    **TEAM_REQUISITION_FACTS,
    **WORDING_FACTS,
}
ALL_FACTS = PROPOSAL_FACTS


def constant_spec(name: str, value: Any) -> FactSpec:
    """A pack constant is a fact too; its type follows its TOML value."""
    if isinstance(value, bool):
        return FactSpec(name, BOOLEAN, name.replace("_", " "))
    if isinstance(value, (int, float)):
        return FactSpec(name, FLOAT, name.replace("_", " "), "num")
    return FactSpec(name, STRING, name.replace("_", " "))


def fact_value(value: Any) -> Any:
    """Normalises a constant to the fact value kinds (numbers are floats)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    return float(value)


# -- scorecard facts (hot path) -------------------------------------------------------------------


_VALUE = {member: member.value for enum in (RequisitionStatus, Engagement) for member in enum}


def scorecard_facts(req: Requisition) -> dict[str, Any]:
    """The facts a scorecard reads, from the Requisition alone (pack constants are folded into rules).

    This runs 100,000 times on a refresh, so it is written for speed: a dict literal, enum values
    from a lookup table (reading `.value` goes through a slow descriptor).
    """
    salary_max = req.salary_max
    market = req.market_salary
    promised = req.promised_date
    fee, stages, must_haves = req.fee_pct, req.interview_stages, req.must_haves
    status = req.status
    return {
        "requisition_code": req.code,
        "requisition_title": req.title,
        "client": req.client,
        "status": _VALUE[status],
        "is_open": status in OPEN_STATUSES,
        "engagement": _VALUE[req.engagement],
        "openings": float(req.openings),
        "fee_pct": None if fee is None else float(fee),
        "competing_agencies": float(req.competing_agencies),
        "salary_max": None if salary_max is None else float(salary_max),
        "market_salary": None if market is None else float(market),
        "salary_gap_pct": (market - salary_max) * 100.0 / market if (salary_max is not None and market) else None,
        "intake_done": req.intake_at is not None,
        "hiring_manager_access": req.hiring_manager_access,
        "feedback_agreed_48h": req.feedback_agreed_48h,
        "interview_dates_agreed": req.interview_dates_agreed,
        "promised_date": None if promised is None else promised.isoformat(),
        "promised_date_set": promised is not None,
        "headcount_approved": req.headcount_approved,
        "reason_known": req.reason_known,
        "interview_stages": None if stages is None else float(stages),
        "jd_clear": req.jd_clear,
        "must_haves": None if must_haves is None else float(must_haves),
        "candidates_exist": req.candidates_exist,
    }


# -- estimates and history ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Estimate:
    """A realistic time to fill.

    days: the estimate; source: "history" (the team's median of similar filled requisitions) or
    "default" (SHRM's average, used when fewer than `MIN_HISTORY` similar ones exist);
    sample: how many similar filled requisitions there were; grade/engagement: what "similar" meant.
    """

    days: int
    source: str
    sample: int
    grade: str | None
    engagement: str
    # Which step of the fallback it came from: "similar" (same grade and engagement), "grade" (same grade),
    # "team" (every fill), "benchmark" (SHRM); and the shortest and longest fill of that sample.
    basis: str = ""
    low: int | None = None
    high: int | None = None

    @property
    def label(self) -> str:
        """The estimate with its sample and source, as a criterion shows it ("42 days, 6 similar fills, 24–55")."""
        spread = f", {self.low}–{self.high}" if self.low is not None and self.high is not None else ""
        if self.source != "history":
            few = "no comparable fills" if self.sample == 0 else f"only {plural(self.sample, 'comparable fill')}"
            return f"{plural(self.days, 'day')}, the SHRM benchmark (the team has {few})"
        what = {"similar": "similar fill", "grade": f"grade {self.grade} fill", "team": "fill"}
        whole = ", the whole team" if self.basis == "team" else ""
        fills = plural(self.sample, what.get(self.basis, "fill"))
        return f"{plural(self.days, 'day')}, the team's median of {fills}{whole}{spread}"

    @property
    def sentence(self) -> str:
        similar = f"grade {self.grade} {self.engagement}" if self.grade else self.engagement
        if self.source == "history" and self.basis in ("", "similar"):
            return (
                f"Realistic time to fill: {plural(self.days, 'day')}, the median of "
                f"{plural(self.sample, f'filled {similar} requisition')}"
            )
        if self.source == "history":
            return f"Realistic time to fill: {self.label} (too few filled {similar} requisitions)"
        return (
            f"Realistic time to fill: {plural(self.days, 'day')}, the SHRM average (only "
            f"{plural(self.sample, f'filled {similar} requisition')} so far; {MIN_HISTORY} are needed for the "
            "team's own median)"
        )


def estimate_from(
    durations: Sequence[float],
    grade: str | None,
    engagement: str,
    default_days: float = DEFAULT_TIME_TO_FILL_DAYS,
    min_history: int = MIN_HISTORY,
) -> Estimate:
    if len(durations) >= min_history:
        return Estimate(
            round(statistics.median(durations)),
            "history",
            len(durations),
            grade,
            engagement,
            "similar",
            round(min(durations)),
            round(max(durations)),
        )
    return Estimate(round(default_days), "default", len(durations), grade, engagement, "benchmark")


def estimate_by_steps(
    steps: Sequence[tuple[str, Sequence[float]]],
    grade: str | None,
    engagement: str,
    default_days: float = DEFAULT_TIME_TO_FILL_DAYS,
    min_history: int = MIN_HISTORY,
) -> Estimate:
    """The first step (similar → same grade → whole team) with enough fills for a median, else the benchmark;
    the estimate says which step it used."""
    largest = 0
    for basis, durations in steps:
        largest = max(largest, len(durations))
        if len(durations) >= min_history:
            return Estimate(
                round(statistics.median(durations)),
                "history",
                len(durations),
                grade,
                engagement,
                basis,
                round(min(durations)),
                round(max(durations)),
            )
    first = len(steps[0][1]) if steps else 0
    return Estimate(round(default_days), "default", first, grade, engagement, "benchmark")


@dataclass(frozen=True, slots=True)
class Pipeline:
    """What the pipeline events of one requisition add up to."""

    submittals: int
    interviews: int
    first_submittal_at: dt.datetime | None
    last_submittal_at: dt.datetime | None
    longest_feedback_wait_hours: float | None


def summarise_pipeline(events: Iterable[PipelineEvent], now: dt.datetime) -> Pipeline:
    """Counts submittals and interviews and finds the longest wait from a submittal to client feedback
    (a submittal still waiting counts up to now, because that wait is what the recruiter feels)."""
    submittals: list[dt.datetime] = []
    feedback: list[dt.datetime] = []
    interviews = 0
    for event in events:
        if event.kind == EventKind.SUBMITTAL:
            submittals.append(event.at)
        elif event.kind in CLIENT_EVENT_KINDS or (
            event.kind == EventKind.INTERNAL_FEEDBACK and event.outcome == FeedbackOutcome.REJECTED
        ):
            # The client's feedback, an interview, an offer or a hire answers a submittal; sales rejecting one
            # first ends its wait too: it never goes to the client.
            feedback.append(event.at)
            interviews += event.kind == EventKind.INTERVIEW
    submittals.sort()
    feedback.sort()
    longest = None
    for at in submittals:
        answer = next((f for f in feedback if f >= at), now)
        hours = max(0.0, (answer - at).total_seconds() / 3600)
        longest = hours if longest is None else max(longest, hours)
    return Pipeline(
        submittals=len(submittals),
        interviews=interviews,
        first_submittal_at=submittals[0] if submittals else None,
        last_submittal_at=submittals[-1] if submittals else None,
        longest_feedback_wait_hours=longest,
    )


# Fields whose change means the job itself changed: a re-intake, in the scope_creep sense.
SPEC_FIELDS = ("title", "must_haves", "jd_clear", "interview_stages", "salary_min", "salary_max", "location", "remote")


def history_facts(
    req: Requisition,
    now: dt.datetime,
    estimate: Estimate,
    pipeline: Pipeline,
    spec_changes: int,
    score: int,
    grade: str,
    fill_rates: Mapping[str, float | None],
    calendar: BusinessCalendar,
) -> dict[str, Any]:
    today = now.date()
    opened = req.opened_at or now
    promised = req.promised_date
    promise_days = (promised - opened.date()).days if promised else None
    last = pipeline.last_submittal_at or req.last_submittal_at
    submittals = max(pipeline.submittals, req.submittals)
    first_bdays = None
    if pipeline.first_submittal_at is not None and req.intake_at is not None:
        # The clock of an allowance, as the first-submittal metric counts it.
        first_bdays = float(calendar.business_days_elapsed(req.intake_at.date(), pipeline.first_submittal_at.date()))
    return {
        "days_open": float(((req.closed_at or now) - opened).days),
        "days_since_update": float((now - (req.updated_at or opened)).days),
        "days_to_promise": None if promised is None else float((promised - today).days),
        "business_days_to_promise": None if promised is None else float(calendar.business_days_until(today, promised)),
        "promise_days": None if promise_days is None else float(promise_days),
        "estimate_days": float(estimate.days),
        "estimate_source": estimate.source,
        "estimate_sample": float(estimate.sample),
        "estimate_low": None if estimate.low is None else float(estimate.low),
        "estimate_high": None if estimate.high is None else float(estimate.high),
        "estimate_basis": estimate.label,
        "promise_short_by_days": None if promise_days is None else float(estimate.days - promise_days),
        "submittals": float(submittals),
        "interviews": float(pipeline.interviews),
        "interview_rate_pct": (pipeline.interviews * 100.0 / submittals) if submittals else None,
        "days_since_last_submittal": None if last is None else float((now - last).days),
        "first_submittal_bdays": first_bdays,
        "client_feedback_delay_hours": pipeline.longest_feedback_wait_hours,
        "feedback_turnaround_hours": req.feedback_turnaround_hours,
        "spec_changes": float(spec_changes),
        "open_disputes": float(req.open_disputes),
        "score": float(score),
        "grade": grade,
        **fill_rates,
    }


# The first-submittal SLA by grade, in business days (the pack's submittals.sla-by-grade: A 24 h, B 48 h).
SLA_BDAYS = {"A": 1.0, "B": 2.0, "C": 5.0}


def event_evidence(
    req: Requisition,
    events: Sequence[PipelineEvent],
    now: dt.datetime,
    grade: str,
    calendar: BusinessCalendar,
    recruiter_open_reqs: int | None,
) -> dict[str, Any]:
    """What the pipeline events say about who is waiting on whom: sales' screening and its rejects, the
    client's answers and silence (a recruiter's note or submittal does not reset it), candidates' declines
    by reason, and the recruiter's own delay to a first submittal counted from the intake."""
    ordered = sorted(events, key=lambda e: e.at)
    internal = [e for e in ordered if e.kind == EventKind.INTERNAL_FEEDBACK]
    internal_rejects = [e for e in internal if e.outcome == FeedbackOutcome.REJECTED]
    client = [e for e in ordered if e.kind == EventKind.CLIENT_FEEDBACK]
    client_rejects = [e for e in client if e.outcome == FeedbackOutcome.REJECTED]
    declines = [e for e in ordered if e.kind == EventKind.DECLINE]
    submittals = [e for e in ordered if e.kind == EventKind.SUBMITTAL]
    client_acts = [e.at for e in ordered if e.kind in CLIENT_EVENT_KINDS]
    last_client = client_acts[-1] if client_acts else None
    # Submittals the client has not answered: those after its last act, less those sales rejected first.
    pending = [e for e in submittals if last_client is None or e.at > last_client]
    screened_out = sum(1 for e in internal_rejects if last_client is None or e.at > last_client)
    waiting = len(pending) > screened_out
    silent_days = silent_bdays = None
    if waiting:
        since = pending[0].at
        silent_days = float((now - since).days)
        silent_bdays = float(calendar.business_days_elapsed(since.date(), now.date()))
    delay = None
    if req.intake_at is not None:
        end = submittals[0].at if submittals else now
        delay = float(calendar.business_days_elapsed(req.intake_at.date(), end.date()))
    late = None
    if req.first_slate_date is not None:
        first = submittals[0].at.date() if submittals else now.date()
        late = float(max(0, (first - req.first_slate_date).days))
    n_internal = len(internal)
    return {
        "internal_reviews": float(n_internal),
        "internal_rejects": float(len(internal_rejects)),
        "internal_reject_rate_pct": len(internal_rejects) * 100.0 / n_internal if n_internal else None,
        "internal_rejects_unexplained": float(sum(1 for e in internal_rejects if not _explained(e.note))),
        "client_reviews": float(len(client)),
        "client_rejects": float(len(client_rejects)),
        "declines": float(len(declines)),
        "pay_declines": float(sum(1 for e in declines if e.decline_reason == DeclineReason.PAY)),
        "counter_offer_declines": float(sum(1 for e in declines if e.decline_reason == DeclineReason.COUNTER_OFFER)),
        "process_declines": float(sum(1 for e in declines if e.decline_reason == DeclineReason.PROCESS)),
        "client_waiting": waiting,
        # Less those sales screened out and those who declined since: they wait for nobody.
        "candidates_waiting": float(
            max(0, len(pending) - screened_out - sum(1 for e in declines if last_client is None or e.at > last_client))
        ),
        "client_silent_days": silent_days,
        "client_silent_bdays": silent_bdays,
        "recruiter_delay_bdays": delay,
        "submittal_sla_bdays": SLA_BDAYS.get(grade),
        "first_slate_days_late": late,
        "recruiter_open_reqs": None if recruiter_open_reqs is None else float(recruiter_open_reqs),
        "placements": float(sum(1 for e in ordered if e.kind == EventKind.PLACEMENT)),
        "spec_change_events": float(sum(1 for e in ordered if e.kind == EventKind.SPEC_CHANGE)),
    }


_NO_REASON = {"", "none", "none given", "no reason", "no reason given", "n/a", "na", "-", "not a fit", "no fit"}


def _explained(note: str) -> bool:
    return note.strip().lower().rstrip(".") not in _NO_REASON


def empty_requisition_facts() -> dict[str, Any]:
    """A dispute about no requisition: every requisition fact is unknown."""
    return {name: None for name in (*SCORECARD_FACTS, *HISTORY_FACTS)}


def dispute_facts_base(
    dispute: Dispute, now: dt.datetime, raised_by_team: Team | None, sales_name: str | None, recruiter_name: str | None
) -> dict[str, Any]:
    return {
        "dispute_code": dispute.code,
        "category": dispute.category.value,
        "severity": float(dispute.severity),
        "dispute_age_days": float((now - (dispute.opened_at or now)).days),
        "dispute_status": dispute.status.value,
        "has_requisition": dispute.requisition_id is not None,
        "raised_by_side": raised_by_team.value if raised_by_team else None,
        "sales_person": sales_name,
        "recruiter_person": recruiter_name,
    }


def _first_name(name: Any, nobody: str) -> str:
    words = str(name).split() if name else []
    return words[0] if words else nobody


def wording_facts(facts: Mapping[str, Any]) -> dict[str, str]:
    """The names a proposal's texts use, each with a plain fallback when the dispute names nobody."""
    code = facts.get("requisition_code")
    title = facts.get("requisition_title")
    ref = str(code) if code else "this requisition"
    if facts.get("between_teams"):
        # Between the teams nobody typed in stands for a side by name: the texts speak of the teams.
        sales_first, recruiter_first = "the sales team", "the recruiting team"
    else:
        sales_first = _first_name(facts.get("sales_person"), "sales")
        recruiter_first = _first_name(facts.get("recruiter_person"), "recruiting")
    return {
        "sales_first": sales_first,
        "recruiter_first": recruiter_first,
        "client_name": str(facts.get("client") or "the client"),
        "requisition_ref": ref,
        "requisition_name": f"{ref} ({title})" if code and title else ref,
    }


def is_exclusive(engagement: str) -> bool:
    return engagement in (Engagement.EXCLUSIVE.value, Engagement.RETAINED.value)
