"""Pydantic records for every entity the console stores; the shape of data at every boundary."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from enum import StrEnum
from typing import Any, ClassVar, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from mediation_console.db.text import find_bidi


class Team(StrEnum):
    SALES = "sales"
    RECRUITING = "recruiting"
    LEAD = "lead"


class RequisitionStatus(StrEnum):
    INTAKE = "intake"
    QUALIFIED = "qualified"
    SOURCING = "sourcing"
    SUBMITTED = "submitted"
    INTERVIEWING = "interviewing"
    OFFER = "offer"
    FILLED = "filled"
    ON_HOLD = "on_hold"
    LOST = "lost"
    DECLINED = "declined"


OPEN_STATUSES = frozenset(
    {
        RequisitionStatus.INTAKE,
        RequisitionStatus.QUALIFIED,
        RequisitionStatus.SOURCING,
        RequisitionStatus.SUBMITTED,
        RequisitionStatus.INTERVIEWING,
        RequisitionStatus.OFFER,
        RequisitionStatus.ON_HOLD,
    }
)
CLOSED_STATUSES = frozenset(set(RequisitionStatus) - OPEN_STATUSES)
# Leaving a requisition through these side exits needs a written reason.
REASON_REQUIRED = frozenset({RequisitionStatus.DECLINED, RequisitionStatus.LOST})

_FORWARD = [
    RequisitionStatus.INTAKE,
    RequisitionStatus.QUALIFIED,
    RequisitionStatus.SOURCING,
    RequisitionStatus.SUBMITTED,
    RequisitionStatus.INTERVIEWING,
    RequisitionStatus.OFFER,
    RequisitionStatus.FILLED,
]


def _transitions() -> dict[RequisitionStatus, tuple[RequisitionStatus, ...]]:
    S = RequisitionStatus
    table: dict[RequisitionStatus, tuple[RequisitionStatus, ...]] = {}
    for i, status in enumerate(_FORWARD[:-1]):
        nxt = [_FORWARD[i + 1]]
        # A pipeline can fall back one step (a candidate withdraws, an offer is declined).
        if i >= 3:
            nxt.append(S.SOURCING)
        table[status] = tuple(nxt) + (S.ON_HOLD, S.LOST, S.DECLINED)
    table[S.FILLED] = (S.SOURCING,)  # re-opened: the placement fell through
    table[S.ON_HOLD] = (S.INTAKE, S.QUALIFIED, S.SOURCING, S.LOST, S.DECLINED)
    table[S.LOST] = (S.INTAKE,)
    table[S.DECLINED] = (S.INTAKE,)
    return table


ALLOWED_TRANSITIONS = _transitions()


def allowed_transitions(status: RequisitionStatus | str) -> tuple[RequisitionStatus, ...]:
    return ALLOWED_TRANSITIONS[RequisitionStatus(status)]


class Engagement(StrEnum):
    CONTINGENT = "contingent"
    EXCLUSIVE = "exclusive"
    RETAINED = "retained"


class EventKind(StrEnum):
    SUBMITTAL = "submittal"
    CLIENT_FEEDBACK = "client_feedback"  # the client's answer on a submittal
    INTERNAL_FEEDBACK = "internal_feedback"  # sales or the account manager screening a submittal first
    INTERVIEW = "interview"
    OFFER = "offer"
    PLACEMENT = "placement"
    DECLINE = "decline"  # the candidate said no
    SPEC_CHANGE = "spec_change"  # the client changed what the job needs
    STATUS_CHANGE = "status_change"
    NOTE = "note"


# Events that show the client acting on a requisition: a recruiter's own note or submittal does not,
# so client-side staleness is counted from the latest of these.
CLIENT_EVENT_KINDS = frozenset(
    {EventKind.CLIENT_FEEDBACK, EventKind.INTERVIEW, EventKind.OFFER, EventKind.PLACEMENT, EventKind.SPEC_CHANGE}
)


class FeedbackOutcome(StrEnum):
    """What a reviewer (the client or sales) said about a submittal."""

    REJECTED = "rejected"
    ADVANCED = "advanced"  # to interview or the next step
    ON_HOLD = "on_hold"


class DeclineReason(StrEnum):
    """Why a candidate said no."""

    PAY = "pay"
    COUNTER_OFFER = "counter_offer"
    PROCESS = "process"
    LOCATION = "location"
    OTHER = "other"


class PlacementSource(StrEnum):
    """Where the placed candidate came from."""

    REFERRAL = "referral"
    JOB_BOARD = "job_board"
    SOURCED = "sourced"
    CLIENT = "client"  # the client named the candidate
    OTHER = "other"


class CreditRole(StrEnum):
    """A person's part in a placement, for the credit (staffing CRMs' team-member credits)."""

    ORIGINATED = "originated"  # won the client or the job order
    FILLED = "filled"  # found the candidate who was placed
    ASSISTED = "assisted"  # other work on it (account management, co-sourcing)


CREDIT_ROLE_LABELS = {CreditRole.ORIGINATED: "originated", CreditRole.FILLED: "filled", CreditRole.ASSISTED: "assisted"}


class DisputeCategory(StrEnum):
    PAY_BELOW_MARKET = "pay_below_market"
    NO_INTAKE = "no_intake"
    SLOW_SUBMITTALS = "slow_submittals"
    CANDIDATE_QUALITY = "candidate_quality"
    CLIENT_UNRESPONSIVE = "client_unresponsive"
    OVERPROMISED_TIMELINE = "overpromised_timeline"
    SCOPE_CREEP = "scope_creep"
    CREDIT_SPLIT = "credit_split"
    FEE_CONCESSION = "fee_concession"
    BLAME_VISIBILITY = "blame_visibility"
    # The lead was not sure: the rules suggest a category from the facts and the words.
    UNSURE = "unsure"


# The ten categories the rules know; UNSURE is the absence of a choice, not an eleventh kind of dispute.
KNOWN_CATEGORIES = tuple(c for c in DisputeCategory if c is not DisputeCategory.UNSURE)

CATEGORY_LABELS = {
    DisputeCategory.PAY_BELOW_MARKET: "Pay below market",
    DisputeCategory.NO_INTAKE: "No intake",
    DisputeCategory.SLOW_SUBMITTALS: "Slow submittals",
    DisputeCategory.CANDIDATE_QUALITY: "Candidate quality",
    DisputeCategory.CLIENT_UNRESPONSIVE: "Client unresponsive",
    DisputeCategory.OVERPROMISED_TIMELINE: "Overpromised timeline",
    DisputeCategory.SCOPE_CREEP: "Scope creep",
    DisputeCategory.CREDIT_SPLIT: "Credit split",
    DisputeCategory.FEE_CONCESSION: "Fee concession",
    DisputeCategory.BLAME_VISIBILITY: "Blame / visibility",
    DisputeCategory.UNSURE: "Not sure",
}


class DisputeStatus(StrEnum):
    OPEN = "open"
    MEDIATING = "mediating"
    RESOLVED = "resolved"
    ESCALATED = "escalated"
    WITHDRAWN = "withdrawn"


OPEN_DISPUTE_STATUSES = frozenset({DisputeStatus.OPEN, DisputeStatus.MEDIATING})


class ExpectationStatus(StrEnum):
    PROPOSED = "proposed"
    AGREED = "agreed"
    RETIRED = "retired"


class CommitmentStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    MISSED = "missed"
    CANCELLED = "cancelled"


class CommitmentSource(StrEnum):
    DISPUTE = "dispute"
    STANDUP = "standup"
    EXPECTATION = "expectation"
    MANUAL = "manual"


class Record(BaseModel):
    """Base for stored records: strict about input, tolerant of the extra columns SQLite returns."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True, str_strip_whitespace=True)

    id: int | None = None

    # Fields no edit carries: the identity and what the Store itself keeps (see `edited_fields`).
    KEPT_BY_STORE: ClassVar[frozenset[str]] = frozenset({"id"})

    @property
    def saved_id(self) -> int:
        """The id of a record read from the database (which always has one)."""
        if self.id is None:
            raise ValueError(f"This {type(self).__name__.lower()} has not been saved yet")
        return self.id


R = TypeVar("R", bound=Record)


# Passed as the validation context when a record is read back from the file: what was stored before a
# rule existed (or by another tool) still reads, and is shown inert; new input meets every rule.
STORED: dict[str, bool] = {"stored": True}


def _no_bidi(value: Any, info: ValidationInfo) -> Any:
    """Refuses a bidirectional control in a name or one-line field, unless the record is being read back.

    Invisible, they reorder what a reader sees: "invoice\u202efdp.exe" reads as "invoiceexe.pdf"."""
    if isinstance(value, str) and not (info.context or {}).get("stored"):
        found = find_bidi(value)
        if found:
            raise ValueError(
                f"Holds {found}, an invisible character that reorders the text around it on screen; remove it"
            )
    return value


def _not_blank(value: str, what: str) -> str:
    if not value or not value.strip():
        raise ValueError(f"{what} is required")
    return value


# A person's role as the lead names it ("recruiter"), to the team it is stored as (`Person.team`).
ROLE_WORDS: dict[str, Team] = {
    "sales": Team.SALES,
    "salesperson": Team.SALES,
    "account manager": Team.SALES,
    "recruiter": Team.RECRUITING,
    "recruiting": Team.RECRUITING,
    "lead": Team.LEAD,
    "team lead": Team.LEAD,
}
ROLE_LABELS: dict[Team, str] = {Team.SALES: "sales", Team.RECRUITING: "recruiter", Team.LEAD: "lead"}
ROLE_CHOICES = "sales, recruiter or lead"


def parse_role(text: str) -> Team:
    """The role a lead typed ("Recruiter", "sales") as a team; a ValueError names the choices."""
    found = ROLE_WORDS.get(" ".join(str(text).split()).casefold())
    if found is None:
        raise ValueError(f"the role must be {ROLE_CHOICES}" + (f", not '{text}'" if str(text).strip() else ""))
    return found


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


class Person(Record):
    name: str = Field(max_length=80)
    # The role (sales / recruiting / lead); the column has held it since the first schema.
    team: Team
    active: bool = True
    # The team they work in within their role ("Tech desk"); free text, may be empty.
    team_name: str = Field(default="", max_length=80)
    # Unique when given, whatever its case (schema migration 17); none is None, never "".
    email: str | None = Field(default=None, max_length=254)

    _bidi = field_validator("name", "team_name", "email")(_no_bidi)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _not_blank(v, "A name")

    @field_validator("team", mode="before")
    @classmethod
    def _role(cls, v: Any) -> Any:
        return parse_role(v) if isinstance(v, str) and v not in Team.__members__.values() else v

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, v: Any, info: ValidationInfo) -> Any:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        if isinstance(v, str) and not (info.context or {}).get("stored") and not _EMAIL.fullmatch(v.strip()):
            raise ValueError(f"'{v.strip()}' is not an email address (like name@example.com)")
        return v

    @property
    def role(self) -> str:
        """The role as the console shows it: sales, recruiter or lead."""
        return ROLE_LABELS[self.team]


REQUISITION_DERIVED = frozenset({"score", "grade", "estimate_days", "submittals", "last_submittal_at", "open_disputes"})


class Requisition(Record):
    KEPT_BY_STORE: ClassVar[frozenset[str]] = frozenset({"id", "code", "updated_at", *REQUISITION_DERIVED})

    code: str | None = None
    external_id: str | None = Field(default=None, max_length=120)
    title: str = Field(max_length=200)
    client: str = Field(max_length=200)
    sales_owner_id: int
    recruiter_id: int | None = None
    openings: int = Field(default=1, ge=1, le=1000)
    status: RequisitionStatus = RequisitionStatus.INTAKE
    engagement: Engagement = Engagement.CONTINGENT
    fee_pct: float | None = Field(default=None, ge=0, le=100)
    salary_min: int | None = Field(default=None, ge=0, le=10_000_000)
    salary_max: int | None = Field(default=None, ge=0, le=10_000_000)
    market_salary: int | None = Field(default=None, ge=0, le=10_000_000)
    location: str = Field(default="", max_length=200)
    remote: bool = False
    promised_date: dt.date | None = None
    # The date sales told the client the first slate of candidates would arrive (not the hire date).
    first_slate_date: dt.date | None = None
    intake_at: dt.datetime | None = None
    hiring_manager_access: bool = False
    feedback_agreed_48h: bool = False
    interview_stages: int | None = Field(default=None, ge=0, le=20)
    interview_dates_agreed: bool = False
    jd_clear: bool = False
    must_haves: int | None = Field(default=None, ge=0, le=50)
    headcount_approved: bool = False
    reason_known: bool = False
    candidates_exist: bool = False
    competing_agencies: int = Field(default=0, ge=0, le=100)
    feedback_turnaround_hours: float | None = Field(default=None, ge=0, le=10_000)
    opened_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    status_reason: str = Field(default="", max_length=500)
    notes: str = Field(default="", max_length=10_000)
    # Derived figures kept by the Store and the rules module; never written from a form.
    score: int | None = None
    grade: str | None = None
    estimate_days: int | None = None
    submittals: int = 0
    last_submittal_at: dt.datetime | None = None
    open_disputes: int = 0

    _bidi = field_validator("title", "client", "location", "external_id", "status_reason")(_no_bidi)

    @field_validator("title", "client")
    @classmethod
    def _required(cls, v: str, info: Any) -> str:
        return _not_blank(v, "A " + ("title" if info.field_name == "title" else "client"))

    @field_validator("external_id")
    @classmethod
    def _blank_external_id_is_none(cls, v: str | None) -> str | None:
        # An ATS id is unique; a blank one is no id at all, not one that two requisitions can share.
        return v if v is None or v.strip() else None

    @model_validator(mode="after")
    def _salary_range(self) -> Requisition:
        if self.salary_min is not None and self.salary_max is not None and self.salary_min > self.salary_max:
            raise ValueError("Salary min is above salary max")
        return self

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def edited_fields(started_from: Record, edited: Record) -> list[str]:
    """The fields of `edited` that differ from the version the edit started from, in model order; never
    the record's identity, nor what the Store keeps itself (its timestamps, the figures derived from it)."""
    kept = type(started_from).KEPT_BY_STORE
    return [
        name
        for name in type(started_from).model_fields
        if name not in kept and getattr(started_from, name) != getattr(edited, name)
    ]


def own_changes(opened: R, edited: R, started_from: R) -> R:
    """The user's edit re-applied onto `started_from`: the fields they changed from the version their
    form opened on (`opened`), and nothing else, so what others saved meanwhile is kept."""
    return started_from.model_copy(update={name: getattr(edited, name) for name in edited_fields(opened, edited)})


class RequisitionRow(NamedTuple):
    """One row of the queue: a requisition joined with names and the derived figures.

    A read-only view, not a record: it is only ever read back from the Store's own tables, whose
    requisitions were validated as `Requisition`s on the way in, so `from_sql` builds it without
    validating again (pydantic cost ~0.4 ms a 100-row page, a sixth of a filter keystroke). A tuple
    is also its own cheap, hashable key for the queue's drawing cache."""

    id: int
    code: str
    title: str
    client: str
    sales_owner: str
    recruiter: str | None
    status: RequisitionStatus
    grade: str | None
    score: int | None
    opened_at: dt.datetime
    promised_date: dt.date | None
    estimate_days: int | None
    submittals: int
    open_disputes: int

    @classmethod
    def from_sql(cls, values: Sequence[Any]) -> RequisitionRow:
        """The row from the queue's SELECT (its columns in this class's field order), with the status,
        timestamps and dates stored as text turned back into what `Requisition` holds."""
        (
            id,
            code,
            title,
            client,
            sales_owner,
            recruiter,
            status,
            grade,
            score,
            opened_at,
            promised_date,
            estimate_days,
            submittals,
            open_disputes,
        ) = values
        if len(title) > _TEXT_MAX or len(client) > _TEXT_MAX:
            raise ValueError("a title or client longer than a Requisition holds")  # damaged: skipped, noted
        return tuple.__new__(
            cls,
            (
                id,
                code,
                title,
                client,
                sales_owner,
                recruiter,
                _REQUISITION_STATUSES.get(status) or RequisitionStatus(status),  # an unknown status still raises
                grade,
                score,
                dt.datetime.fromisoformat(opened_at),
                None if promised_date is None else dt.date.fromisoformat(promised_date),
                estimate_days,
                submittals,
                open_disputes,
            ),
        )


_REQUISITION_STATUSES = {status.value: status for status in RequisitionStatus}
_TEXT_MAX = 200  # Requisition.title's and .client's max_length


class PipelineEvent(Record):
    requisition_id: int
    kind: EventKind
    at: dt.datetime
    actor_id: int | None = None
    note: str = Field(default="", max_length=2000)
    # For status changes: from/to statuses.
    from_status: RequisitionStatus | None = None
    to_status: RequisitionStatus | None = None
    # For feedback: what the reviewer said (the note says why; "client_feedback" or "internal_feedback"
    # says who reviewed).
    outcome: FeedbackOutcome | None = None
    # For a candidate's decline: why, in one of the reasons recruiting tracks (the note has the words).
    decline_reason: DeclineReason | None = None
    # For a placement: where the candidate came from, and who took part (people ids) for the credit.
    placement_source: PlacementSource | None = None
    participants: list[int] = Field(default_factory=list)

    @field_validator("participants", mode="before")
    @classmethod
    def _participants(cls, v: Any) -> Any:
        return json.loads(v) if isinstance(v, str) else (v if v is not None else [])


class PlacementCredit(Record):
    """One person's credit on a placement: their role and their split in % (a placement's add up to 100)."""

    KEPT_BY_STORE: ClassVar[frozenset[str]] = frozenset({"id", "recorded_at"})

    requisition_id: int
    # The placement event it credits; None for a placement recorded without one (an import of a filled row).
    placement_event_id: int | None = None
    person_id: int
    role: CreditRole
    split_pct: float = Field(ge=0, le=100)
    note: str = Field(default="", max_length=500)
    recorded_at: dt.datetime | None = None

    _bidi = field_validator("note")(_no_bidi)


def check_credit_splits(credits: Sequence[PlacementCredit]) -> None:
    """A placement's credits as the firm pays them: someone credited, splits adding up to 100 %, and one
    credit per person and role. Raises ValueError saying what is wrong, in words."""
    if not credits:
        raise ValueError("Credit at least one person for the placement")
    total = sum(c.split_pct for c in credits)
    if abs(total - 100) > 0.01:
        shown = f"{total:.1f}".removesuffix(".0")
        raise ValueError(f"The splits add up to {shown} %; a placement's credit adds up to 100 %")
    seen: set[tuple[int, CreditRole]] = set()
    for credit in credits:
        if (credit.person_id, credit.role) in seen:
            raise ValueError(f"The same person is credited twice as {credit.role.value}; give them one split")
        seen.add((credit.person_id, credit.role))


class Dispute(Record):
    KEPT_BY_STORE: ClassVar[frozenset[str]] = frozenset({"id", "code", "opened_at", "closed_at"})

    code: str | None = None
    requisition_id: int | None = None
    raised_by_id: int
    counterpart_id: int
    category: DisputeCategory
    severity: int = Field(default=2, ge=1, le=3)
    summary: str = Field(max_length=500)
    sales_interest: str = Field(default="", max_length=2000)
    recruiting_interest: str = Field(default="", max_length=2000)
    status: DisputeStatus = DisputeStatus.OPEN
    resolution: str = Field(default="", max_length=4000)
    proposal_id: str | None = None
    opened_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    # Further people in the dispute beyond the two above (ids), and whether it is between the teams as
    # a whole (the two people then stand for their teams).
    parties: list[int] = Field(default_factory=list)
    between_teams: bool = False

    @field_validator("parties", mode="before")
    @classmethod
    def _parties(cls, v: Any) -> Any:
        return json.loads(v) if isinstance(v, str) else (v if v is not None else [])

    _bidi = field_validator("summary")(_no_bidi)

    @field_validator("summary")
    @classmethod
    def _summary(cls, v: str) -> str:
        return _not_blank(v, "A one-line summary")

    @model_validator(mode="after")
    def _two_people(self) -> Dispute:
        if self.raised_by_id == self.counterpart_id:
            raise ValueError("A dispute needs two different people")
        return self


class Expectation(Record):
    KEPT_BY_STORE: ClassVar[frozenset[str]] = frozenset({"id", "created_at", "agreed_at"})

    title: str = Field(max_length=200)
    owner_team: Team
    metric: str | None = None  # a key of the metric catalogue; None = checked in by hand
    target: float = Field(default=90.0, ge=0, le=100)  # % compliance promised
    threshold: float | None = None  # metric parameter, e.g. 24 (hours) or 5 (days)
    window_days: int = Field(default=30, ge=1, le=3650)
    status: ExpectationStatus = ExpectationStatus.PROPOSED
    agreed_at: dt.date | None = None
    created_at: dt.datetime | None = None

    _bidi = field_validator("title")(_no_bidi)

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        return _not_blank(v, "A title")


class Commitment(Record):
    KEPT_BY_STORE: ClassVar[frozenset[str]] = frozenset({"id", "created_at", "closed_at"})

    owner_id: int
    text: str = Field(max_length=1000)
    due: dt.date
    source: CommitmentSource = CommitmentSource.MANUAL
    dispute_id: int | None = None
    requisition_id: int | None = None
    standup_id: int | None = None
    expectation_id: int | None = None
    status: CommitmentStatus = CommitmentStatus.OPEN
    created_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    reason: str = Field(default="", max_length=500)

    _bidi = field_validator("text", "reason")(_no_bidi)

    @field_validator("text")
    @classmethod
    def _text(cls, v: str) -> str:
        return _not_blank(v, "What is promised")


class StandupItem(Record):
    standup_id: int | None = None
    position: int = 0
    section: str
    title: str = Field(max_length=500)
    detail: str = Field(default="", max_length=4000)
    requisition_id: int | None = None
    dispute_id: int | None = None
    commitment_id: int | None = None
    person_id: int | None = None
    notes: str = Field(default="", max_length=20_000)
    decision: str = Field(default="", max_length=4000)
    seconds_spent: int = 0
    done: bool = False


class Attendee(BaseModel):
    person_id: int
    present: bool = True


class Standup(Record):
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    facilitator_id: int | None = None
    attendees: list[Attendee] = Field(default_factory=list)
    current_item: int = 0
    timebox_seconds: int = Field(default=120, ge=10, le=3600)
    blockers: str = Field(default="", max_length=4000)
    items: list[StandupItem] = Field(default_factory=list)


class AuditEvent(Record):
    at: dt.datetime
    actor: str
    entity: str
    entity_id: int | None
    action: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None

    @field_validator("before", "after", mode="before")
    @classmethod
    def _json(cls, v: Any) -> Any:
        return json.loads(v) if isinstance(v, str) else v

    def changes(self) -> dict[str, tuple[Any, Any]]:
        """The fields this change touched, as (before, after)."""
        before, after = self.before or {}, self.after or {}
        return {k: (before.get(k), after.get(k)) for k in after if before.get(k) != after.get(k)}


class MetricBreach(BaseModel):
    """One measured case that broke an expectation, as the Store finds it (console/metrics words it)."""

    model_config = ConfigDict(extra="ignore")

    requisition_id: int | None = None
    code: str | None = None  # the requisition's code, or None for a hand-checked commitment
    title: str = ""
    at: dt.datetime  # when the clock started: opened, qualified, submitted, due
    due_at: dt.datetime | None = None  # when it had to be done by
    done_at: dt.datetime | None = None  # when it finally happened; None = still not done
    excess: float  # how far past the threshold, in the metric's unit (hours, business days, days)
    commitment_id: int | None = None
    owner: str | None = None  # a hand-checked commitment's owner
    promised_date: dt.date | None = None
    estimate_date: dt.date | None = None
