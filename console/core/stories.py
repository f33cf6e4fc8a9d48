"""Dispute stories: one TOML file builds a scenario (people, a requisition, its events, the dispute) through
the Store with the story's own clock. The scenario suite and `mediate story load` read them.

Stories are written by people, so the reader is liberal in what it accepts and strict about what it
cannot make sense of:

- times are relative to the story's ``now`` ("-9d", "+14d", "-3h", "-2w", "-30min", "-5bd" for
  business days, "-1d12h", "9 days ago", "in 2 weeks", "today", "yesterday") or absolute (a TOML date
  or datetime, "2026-11-24", "2026-11-24 10:00", "11/24/2026"); a bare number is days;
- names that already exist in the database are reused; people the story does not list are added when
  their team can be told (the requisition's sales owner is in sales, its recruiter in recruiting);
- amounts read like the CSV import ("$85,000", "85k", "85-95k"), fees like "12%", yes/no like "yes";
- keys have aliases ("fee" for fee_pct, "market" for market_salary, "sales_owner" for sales, …), and
  words for statuses, engagements, teams, event kinds, feedback outcomes and decline reasons are read
  loosely ("Account Manager" is sales, "client passed" is a rejection, "counter-offer" a decline reason);
- a key it does not know is a warning and is skipped; a value it cannot read is a `StoryError` naming the
  key ("requisition.fee_pct: 'twelve' is not a percentage") and nothing is written.

The table ``[expect]`` is what the scenario suite asserts about the story; the loader ignores it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mediation_console.console.core.calendar import BusinessCalendar, user_calendar
from mediation_console.console.core.database import open_store
from mediation_console.db import safe_file
from mediation_console.db.csv_import import (
    ENGAGEMENT_WORDS,
    STATUS_WORDS,
    CellError,
    norm,
    parse_amount,
    parse_bool,
    parse_datetime,
    parse_percent,
    parse_salary,
)
from mediation_console.db.models import (
    CLOSED_STATUSES,
    KNOWN_CATEGORIES,
    Commitment,
    CommitmentSource,
    CommitmentStatus,
    CreditRole,
    DeclineReason,
    Dispute,
    DisputeCategory,
    DisputeStatus,
    Engagement,
    EventKind,
    FeedbackOutcome,
    Person,
    PipelineEvent,
    PlacementCredit,
    PlacementSource,
    Requisition,
    RequisitionStatus,
    Team,
)
from mediation_console.db.store import RejectedChange, Store

if TYPE_CHECKING:  # the rules engine loads when a story is graded
    from mediation_console.console.core.rules.service import Mediator

__all__ = ["LoadedStory", "StoryError", "StoryFileError", "load_story_file", "load_story", "parse_when"]


class StoryError(ValueError):
    """A story that cannot be loaded as written; the message names the key and what is wrong."""


class StoryFileError(OSError):
    """The story file cannot be read at all (missing, a folder, not UTF-8)."""


@dataclass
class LoadedStory:
    """What a story built: its present, the people added and reused, the requisitions, events and disputes."""

    source: str
    now: dt.datetime
    people_added: list[str] = field(default_factory=list)
    people_reused: list[str] = field(default_factory=list)
    requisitions: list[Requisition] = field(default_factory=list)
    events: int = 0
    disputes: list[Dispute] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# -- words ---------------------------------------------------------------------------------------------


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(text).strip().lower()).strip("_")


TEAM_WORDS: dict[str, Team] = {
    norm(word): team
    for team, words in {
        Team.SALES: (
            "sales",
            "sale",
            "seller",
            "salesperson",
            "sales person",
            "account manager",
            "account management",
            "account managers",
            "am",
            "ae",
            "account executive",
            "bd",
            "bdm",
            "business development",
            "biz dev",
        ),
        Team.RECRUITING: (
            "recruiting",
            "recruiter",
            "recruiters",
            "recruitment",
            "talent",
            "talent acquisition",
            "ta",
            "sourcing",
            "sourcer",
            "delivery",
        ),
        Team.LEAD: ("lead", "team lead", "manager", "management", "leadership", "director"),
    }.items()
    for word in words
}

KIND_WORDS: dict[str, str] = {
    norm(word): kind
    for kind, words in {
        "submittal": (
            "submittal",
            "submittals",
            "submit",
            "submitted",
            "submission",
            "cv",
            "cv sent",
            "profile",
            "candidate sent",
            "sent candidate",
            "shortlist",
            "slate",
        ),
        "feedback": (
            "feedback",
            "review",
            "reviewed",
            "reject",
            "rejected",
            "rejection",
            "client feedback",
            "internal feedback",
            "response",
            "answer",
            "client_feedback",
            "internal_feedback",
        ),
        "interview": ("interview", "interviews", "interviewed", "screen", "first round", "final round"),
        "offer": ("offer", "offered", "offer made", "offer extended"),
        "placement": ("placement", "placed", "hire", "hired", "filled", "start", "accepted offer"),
        "decline": (
            "decline",
            "declined",
            "candidate declined",
            "candidate decline",
            "turned down",
            "withdrew",
            "withdrawn",
            "candidate withdrew",
            "dropped out",
            "no show",
        ),
        "status": ("status", "status change", "status_change", "moved", "stage"),
        "spec_change": (
            "spec change",
            "spec_change",
            "spec",
            "scope change",
            "change",
            "changed spec",
            "requirements change",
            "new requirement",
            "brief change",
            "re brief",
            "rebrief",
        ),
        "note": ("note", "notes", "comment", "call", "email", "update", "chase", "chased", "follow up", "message"),
    }.items()
    for word in words
}

SIDE_WORDS: dict[str, str] = {
    norm(word): side
    for side, words in {
        "internal": (
            "internal",
            "sales",
            "am",
            "account manager",
            "account management",
            "ae",
            "us",
            "team",
            "our side",
            "in house",
            "inhouse",
            "screening",
            "seller",
        ),
        "client": ("client", "customer", "hiring manager", "hm", "the client", "company", "employer"),
    }.items()
    for word in words
}

OUTCOME_WORDS: dict[str, FeedbackOutcome] = {
    norm(word): outcome
    for outcome, words in {
        FeedbackOutcome.REJECTED: (
            "rejected",
            "reject",
            "no",
            "pass",
            "passed",
            "declined",
            "not a fit",
            "nope",
            "turned down",
            "negative",
            "thumbs down",
            "unsuitable",
            "rejection",
        ),
        FeedbackOutcome.ADVANCED: (
            "advanced",
            "advance",
            "yes",
            "interview",
            "shortlisted",
            "accepted",
            "positive",
            "moved forward",
            "forward",
            "next round",
            "progress",
            "progressed",
            "good",
            "liked",
            "approved",
        ),
        FeedbackOutcome.ON_HOLD: ("on hold", "hold", "maybe", "pending", "undecided", "parked", "later"),
    }.items()
    for word in words
}

# Decline reasons: the first reason whose words appear in the text (words in any order, stems loosely).
DECLINE_WORDS: tuple[tuple[DeclineReason, tuple[str, ...]], ...] = (
    (DeclineReason.COUNTER_OFFER, ("counter", "counteroffer", "stayed", "current employer", "retained by", "matched")),
    (
        DeclineReason.PAY,
        (
            "pay",
            "salary",
            "money",
            "comp",
            "compensation",
            "rate",
            "budget",
            "package",
            "offer too low",
            "lowball",
            "low ball",
            "underpaid",
            "under market",
            "wage",
            "base",
            "bonus",
            "equity",
        ),
    ),
    (
        DeclineReason.PROCESS,
        (
            "process",
            "slow",
            "too long",
            "took too long",
            "interviews",
            "rounds",
            "stages",
            "ghosted",
            "waited",
            "waiting",
            "feedback",
            "another offer",
            "other offer",
        ),
    ),
    (
        DeclineReason.LOCATION,
        (
            "location",
            "commute",
            "relocat",
            "remote",
            "onsite",
            "on site",
            "office",
            "hybrid",
            "travel",
            "distance",
            "moving",
        ),
    ),
)

PLACEMENT_WORDS: dict[str, PlacementSource] = {
    norm(word): source
    for source, words in {
        PlacementSource.REFERRAL: ("referral", "referred", "refer", "network", "recommendation", "word of mouth"),
        PlacementSource.JOB_BOARD: (
            "job board",
            "job_board",
            "board",
            "indeed",
            "linkedin job",
            "posting",
            "advert",
            "ad",
            "applied",
            "application",
            "inbound",
        ),
        PlacementSource.SOURCED: (
            "sourced",
            "sourcing",
            "headhunted",
            "search",
            "linkedin",
            "outreach",
            "database",
            "direct",
            "cold",
        ),
        PlacementSource.CLIENT: ("client", "client referral", "client named", "internal candidate"),
        PlacementSource.OTHER: ("other", "unknown"),
    }.items()
    for word in words
}

CREDIT_ROLE_WORDS: dict[str, CreditRole] = {
    norm(word): role
    for role, words in {
        CreditRole.ORIGINATED: (
            "originated",
            "originator",
            "origination",
            "origin",
            "sales",
            "won the client",
            "job order",
            "client side",
            "bd",
        ),
        CreditRole.FILLED: (
            "filled",
            "filler",
            "fill",
            "recruiter",
            "placed",
            "sourced",
            "candidate side",
            "recruiting",
        ),
        CreditRole.ASSISTED: ("assisted", "assist", "helped", "co", "account manager", "account management", "support"),
    }.items()
    for word in words
}

CATEGORY_WORDS: dict[str, DisputeCategory] = {
    **{norm(c.value): c for c in DisputeCategory},
    **{norm(c.value.replace("_", " ")): c for c in DisputeCategory},
    **{
        norm(word): category
        for category, words in {
            DisputeCategory.UNSURE: (
                "not sure",
                "unsure",
                "unknown",
                "none",
                "?",
                "tbd",
                "dunno",
                "no idea",
                "uncategorised",
                "uncategorized",
                "other",
                "n/a",
                "na",
            ),
            DisputeCategory.PAY_BELOW_MARKET: ("pay", "pay below market", "salary", "comp", "compensation"),
            DisputeCategory.NO_INTAKE: ("intake", "no intake"),
            DisputeCategory.SLOW_SUBMITTALS: ("slow submittals", "submittals", "slow", "speed"),
            DisputeCategory.CANDIDATE_QUALITY: ("quality", "candidate quality", "bad candidates"),
            DisputeCategory.CLIENT_UNRESPONSIVE: ("client unresponsive", "unresponsive client", "client", "ghosting"),
            DisputeCategory.OVERPROMISED_TIMELINE: ("timeline", "overpromised", "overpromised timeline", "deadline"),
            DisputeCategory.SCOPE_CREEP: ("scope", "scope creep", "spec"),
            DisputeCategory.CREDIT_SPLIT: ("credit", "credit split", "split", "commission"),
            DisputeCategory.FEE_CONCESSION: ("fee", "fee concession", "discount", "fees"),
            DisputeCategory.BLAME_VISIBILITY: ("blame", "visibility", "blame visibility", "blame / visibility"),
        }.items()
        for word in words
    },
}

SEVERITY_WORDS = {
    "low": 1,
    "minor": 1,
    "medium": 2,
    "normal": 2,
    "moderate": 2,
    "high": 3,
    "severe": 3,
    "critical": 3,
    "urgent": 3,
    "major": 3,
}
DISPUTE_STATUS_WORDS = {norm(s.value): s for s in DisputeStatus} | {"inmediation": DisputeStatus.MEDIATING}

# -- times ---------------------------------------------------------------------------------------------

_UNITS: dict[str, float] = {}
for _minutes, _unit_words in {
    1440.0: ("d", "day", "days"),
    60.0: ("h", "hr", "hrs", "hour", "hours"),
    10080.0: ("w", "wk", "wks", "week", "weeks"),
    1.0: ("min", "mins", "minute", "minutes", "m"),
    43200.0: ("mo", "month", "months"),
    -1.0: ("bd", "bday", "bdays", "business day", "business days", "working day", "working days", "wd"),
}.items():
    for _unit_word in _unit_words:
        _UNITS[_unit_word] = _minutes
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(business days?|working days?|[a-z]+)")
_NAMED_DAYS = {"now": 0, "today": 0, "yesterday": -1, "tomorrow": 1}


def parse_when(value: Any, now: dt.datetime, what: str, calendar: BusinessCalendar | None = None) -> dt.datetime:
    """A story time: relative to `now` ("-9d", "+14d", "-3h", "-2w", "9 days ago") or absolute."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(9, 0))
    if isinstance(value, bool):
        raise StoryError(f'{what}: {value!r} is not a time (write it like "-9d" or "2026-11-24")')
    if isinstance(value, (int, float)):
        return now + dt.timedelta(days=float(value))
    if not isinstance(value, str) or not value.strip():
        raise StoryError(f'{what}: {value!r} is not a time (write it like "-9d" or "2026-11-24")')
    text = value.strip().lower()
    if text in _NAMED_DAYS:
        return now + dt.timedelta(days=_NAMED_DAYS[text])
    sign = 1
    body = text
    if body.endswith(" ago"):
        sign, body = -1, body[:-4].strip()
    elif body.startswith("in "):
        body = body[3:].strip()
    if body[:1] in "+-":
        sign = -1 if body[0] == "-" else 1
        body = body[1:].strip()
    if body and body[0].isdigit():
        parts = _PART.findall(body)
        consumed = re.sub(r"\s+", "", "".join(f"{n}{u}" for n, u in parts))
        if parts and consumed == re.sub(r"\s+", "", body):
            minutes = 0.0
            business_days = 0.0
            for number, unit in parts:
                scale = _UNITS.get(unit.strip())
                if scale is None:
                    raise StoryError(f"{what}: \"{value}\" has an unknown unit '{unit}' (use d, h, w, min or bd)")
                if scale < 0:
                    business_days += float(number)
                else:
                    minutes += float(number) * scale
            moment = now + dt.timedelta(minutes=sign * minutes)
            if business_days:
                calendar = calendar or user_calendar()
                day = calendar.add_business_days(moment.date(), int(sign * business_days))
                moment = dt.datetime.combine(day, moment.time())
            return moment.replace(microsecond=0)
        if re.fullmatch(r"\d+(\.\d+)?", body):
            return now + dt.timedelta(days=sign * float(body))
    try:
        return parse_datetime(value.strip())
    except CellError:
        raise StoryError(
            f'{what}: "{value}" is not a time (write it relative to now, like "-9d", "+14d" or "-3h", '
            'or as a date, like "2026-11-24")'
        ) from None


# -- reading values -------------------------------------------------------------------------------------


def _text(value: Any, what: str) -> str:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value).strip()
    raise StoryError(f"{what}: {value!r} is not text")


def _amount(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise StoryError(f"{what}: {value!r} is not an amount")
    if isinstance(value, (int, float)):
        if value < 0 or math.isnan(value):
            raise StoryError(f"{what}: {value} is not an amount of money")
        return round(value * (1000 if 0 < value < 1000 else 1))
    try:
        return parse_amount(_text(value, what))
    except CellError as exc:
        raise StoryError(f"{what}: {exc}") from None


def _percent(value: Any, what: str) -> float:
    if isinstance(value, bool):
        raise StoryError(f"{what}: {value!r} is not a percentage")
    if isinstance(value, (int, float)):
        number = float(value) * (100 if 0 < value < 1 else 1)
        if not 0 <= number <= 100:
            raise StoryError(f"{what}: {value} is not a percentage between 0 and 100")
        return number
    try:
        return parse_percent(_text(value, what))
    except CellError:
        raise StoryError(f"{what}: '{value}' is not a percentage (write it like 12 or \"12%\")") from None


def _count(value: Any, what: str, high: int = 1000) -> int:
    if isinstance(value, bool):
        raise StoryError(f"{what}: {value!r} is not a number")
    try:
        number = float(str(value).strip()) if not isinstance(value, (int, float)) else float(value)
    except ValueError:
        raise StoryError(f"{what}: '{value}' is not a whole number") from None
    if number != int(number) or not 0 <= number <= high:
        raise StoryError(f"{what}: {value} is not a whole number from 0 to {high}")
    return int(number)


def _bool(value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("done", "held", "had", "ok", "agreed", "given"):
        return True
    if text in ("none", "missing", "not done", "pending", "not yet", "never"):
        return False
    try:
        return parse_bool(text)
    except CellError:
        raise StoryError(f"{what}: '{value}' is not yes or no (write true or false)") from None


def _word(table: Mapping[str, Any], value: Any, what: str, choices: Sequence[str]) -> Any:
    if isinstance(value, str):
        found = table.get(norm(value))
        if found is not None:
            return found
    raise StoryError(f"{what}: '{value}' is not one of: {', '.join(choices)}")


def _names(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [n.strip() for n in re.split(r"[,;&]| and ", value) if n.strip()]
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, dict):
                item = item.get("name")
            out.append(_text(item, what))
        return [n for n in out if n]
    raise StoryError(f"{what}: {value!r} is not a name or a list of names")


class _Keys:
    """A table's keys with their aliases; `pop` hands each out once, and the rest are warned about."""

    def __init__(self, data: Any, where: str, warnings: list[str]) -> None:
        if not isinstance(data, dict):
            raise StoryError(f"{where}: expected a table of key = value, got {type(data).__name__}")
        self.where = where
        self.warnings = warnings
        self.data = {_key(k): v for k, v in data.items()}

    def pop(self, *names: str) -> Any:
        for name in names:
            key = _key(name)
            if key in self.data:
                return self.data.pop(key)
        return None

    def has(self, *names: str) -> bool:
        return any(_key(n) in self.data for n in names)

    def done(self) -> None:
        for key in self.data:
            self.warnings.append(f"{self.where}.{key}: not a key the story format knows; skipped")


# -- the clock the Store writes with --------------------------------------------------------------------


class _Clock:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


# -- building --------------------------------------------------------------------------------------------

REQUISITION_FLAGS = {
    "hiring_manager_access": ("hiring_manager_access", "hm_access", "manager_access", "hiring_manager"),
    "feedback_agreed_48h": ("feedback_agreed_48h", "feedback_agreed", "feedback_48h", "agreed_48h"),
    "interview_dates_agreed": ("interview_dates_agreed", "interview_dates", "dates_agreed"),
    "jd_clear": ("jd_clear", "spec_clear", "job_description_clear", "clear_jd"),
    "headcount_approved": ("headcount_approved", "headcount", "approved"),
    "reason_known": ("reason_known", "reason_for_opening_known"),
    "candidates_exist": ("candidates_exist", "candidate_supply", "candidates_known"),
    "remote": ("remote",),
}


class _Builder:
    def __init__(self, store: Store, clock: _Clock, now: dt.datetime, source: str, calendar: BusinessCalendar):
        self.store = store
        self.clock = clock
        self.now = now
        self.calendar = calendar
        self.result = LoadedStory(source, now)
        self.warnings = self.result.warnings
        self.people: dict[str, Person] = {}  # by lower-cased name
        self.declared: dict[str, dict[str, Any]] = {}

    def when(self, value: Any, what: str) -> dt.datetime:
        return parse_when(value, self.now, what, self.calendar)

    def at(self, moment: dt.datetime) -> None:
        self.clock.at = moment

    # -- people --

    def declare_people(self, raw: Any) -> None:
        if raw is None:
            return
        if isinstance(raw, dict):
            raw = [{"name": name, **(body if isinstance(body, dict) else {"team": body})} for name, body in raw.items()]
        if not isinstance(raw, list):
            raise StoryError('people: expected a list like [{ name = "Tom Okafor", team = "sales" }]')
        for i, item in enumerate(raw, start=1):
            where = f"people[{i}]"
            if isinstance(item, str):
                item = {"name": item}
            keys = _Keys(item, where, self.warnings)
            name = _text(keys.pop("name", "person", "who") or "", f"{where}.name")
            if not name:
                raise StoryError(f"{where}: a person needs a name")
            team_raw = keys.pop("team", "role", "side", "department")
            team = (
                None
                if team_raw is None
                else _word(TEAM_WORDS, team_raw, f"{where}.team", ("sales", "recruiting", "lead"))
            )
            spec: dict[str, Any] = {"name": name, "team": team}
            ft = keys.pop(
                "follow_through_pct",
                "follow_through",
                "followthrough",
                "follow_through_rate",
                "reliability",
                "kept_pct",
            )
            if ft is not None:
                spec["follow_through"] = _percent(ft, f"{where}.follow_through_pct")
            for k in ("kept", "missed"):
                v = keys.pop(k)
                if v is not None:
                    spec[k] = _count(v, f"{where}.{k}", 500)
            active = keys.pop("active")
            if active is not None:
                spec["active"] = _bool(active, f"{where}.active")
            keys.pop("email", "phone", "title", "id")  # details the console does not keep about a person
            keys.done()
            self.declared[name.lower()] = spec

    def person(self, name: str, what: str, team: Team | None = None) -> Person:
        key = name.strip().lower()
        if key in self.people:
            return self.people[key]
        spec = self.declared.get(key, {"name": name.strip(), "team": None})
        existing = self.store.person_by_name(spec["name"])
        if existing is not None:
            wanted = spec.get("team") or team
            if wanted is not None and existing.team != wanted:
                self.warnings.append(f"{what}: {existing.name} already exists in {existing.team}; kept there")
            self.result.people_reused.append(existing.name)
            person = existing
        else:
            chosen = spec.get("team") or team
            if chosen is None:
                raise StoryError(
                    f"{what}: {name} is not in people and their team cannot be told; add "
                    f'{{ name = "{name}", team = "sales" }} (or recruiting) to people'
                )
            if spec.get("team") is None:
                self.warnings.append(f"{what}: {name} was not in people; added to {chosen.value}")
            person = self.store.add_person(Person(name=spec["name"], team=chosen, active=spec.get("active", True)))
            self.result.people_added.append(person.name)
        self.people[key] = person
        self._history(person, spec)
        return person

    def _history(self, person: Person, spec: dict[str, Any]) -> None:
        """Synthesises kept and missed commitments over the last weeks, so the track record reads as told."""
        kept, missed = spec.get("kept"), spec.get("missed")
        if "follow_through" in spec:
            kept, missed = _split(spec["follow_through"])
        if kept is None and missed is None:
            return
        kept, missed = kept or 0, missed or 0
        total = kept + missed
        assert person.id is not None
        for i in range(total):
            # Spread over the last twelve weeks, each decided on its due date.
            due = (self.now - dt.timedelta(days=3 + (i * 80) // max(total, 1))).date()
            status = CommitmentStatus.KEPT if i < kept else CommitmentStatus.MISSED
            self.at(dt.datetime.combine(due, dt.time(8, 0)) - dt.timedelta(days=5))
            made = self.store.add_commitment(
                Commitment(
                    owner_id=person.id,
                    text=f"Earlier commitment {i + 1} (from the story's track record)",
                    due=due,
                    source=CommitmentSource.MANUAL,
                )
            )
            assert made.id is not None
            self.at(dt.datetime.combine(due, dt.time(17, 0)))
            self.store.set_commitment_status(made.id, status)
        self.at(self.now)

    def add_declared_people(self) -> None:
        for spec in list(self.declared.values()):
            if spec["name"].lower() not in self.people:
                self.person(spec["name"], "people")

    # -- requisitions --

    def requisition(self, raw: Any, where: str, counterparts: dict[str, str]) -> Requisition:
        keys = _Keys(raw, where, self.warnings)
        title = _text(keys.pop("title", "role", "job", "position", "job_title") or "", f"{where}.title")
        client = _text(keys.pop("client", "company", "account", "customer") or "", f"{where}.client")
        if not title:
            raise StoryError(f"{where}: a requisition needs a title")
        if not client:
            client = "Unnamed client"
            self.warnings.append(f'{where}: no client given; called it "{client}"')
        sales_name = keys.pop("sales", "sales_owner", "account_manager", "am", "owner", "seller", "salesperson")
        recruiter_name = keys.pop("recruiter", "recruiting", "assigned_recruiter")
        sales_name = _text(sales_name, f"{where}.sales") if sales_name is not None else counterparts.get("sales")
        recruiter_name = (
            _text(recruiter_name, f"{where}.recruiter")
            if recruiter_name is not None
            else counterparts.get("recruiting")
        )
        if not sales_name:
            raise StoryError(f'{where}.sales: a requisition needs its salesperson (sales = "Name")')
        opened = self.when(
            keys.pop("opened", "opened_at", "open_since", "created", "date_added", "opened_on", "open") or "-14d",
            f"{where}.opened",
        )
        if opened > self.now:
            raise StoryError(f"{where}.opened: the requisition opens after the story's now")
        self.at(opened)
        sales = self.person(sales_name, f"{where}.sales", Team.SALES)
        recruiter = self.person(recruiter_name, f"{where}.recruiter", Team.RECRUITING) if recruiter_name else None
        fields: dict[str, Any] = {
            "title": title,
            "client": client,
            "sales_owner_id": sales.id,
            "recruiter_id": recruiter.id if recruiter else None,
            "opened_at": opened,
        }
        status_raw = keys.pop("status", "stage", "state")
        status = None
        if status_raw is not None:
            status = _word(STATUS_WORDS, status_raw, f"{where}.status", [s.value for s in RequisitionStatus])
        engagement = keys.pop("engagement", "terms", "search_type", "type", "contract")
        if engagement is not None:
            fields["engagement"] = _word(
                ENGAGEMENT_WORDS, engagement, f"{where}.engagement", [e.value for e in Engagement]
            )
        fee = keys.pop("fee_pct", "fee", "fee_percent", "fee_percentage", "fee_rate")
        if fee is not None:
            fields["fee_pct"] = _percent(fee, f"{where}.fee_pct")
        agencies = keys.pop("competing_agencies", "agencies", "other_agencies", "competitors", "competing")
        if agencies is not None:
            fields["competing_agencies"] = _count(agencies, f"{where}.competing_agencies", 100)
        salary = keys.pop("salary", "salary_range", "pay", "compensation", "comp")
        if salary is not None:
            if isinstance(salary, str):
                try:
                    fields["salary_min"], fields["salary_max"] = parse_salary(salary)
                except CellError as exc:
                    raise StoryError(f"{where}.salary: {exc}") from None
            else:
                fields["salary_max"] = _amount(salary, f"{where}.salary")
        aliases: tuple[str, ...]  # each loop below lists its fields' aliases, of differing lengths
        for name, aliases in (
            ("salary_max", ("salary_max", "max_salary", "budget", "salary_cap", "top_of_range", "max_pay")),
            ("salary_min", ("salary_min", "min_salary", "bottom_of_range", "min_pay")),
            (
                "market_salary",
                (
                    "market_salary",
                    "market",
                    "market_median",
                    "market_rate",
                    "benchmark_salary",
                    "market_pay",
                    "market_salary_median",
                ),
            ),
        ):
            value = keys.pop(*aliases)
            if value is not None:
                fields[name] = _amount(value, f"{where}.{name}")
        if fields.get("salary_min") is not None and fields.get("salary_max") is not None:
            if fields["salary_min"] > fields["salary_max"]:
                raise StoryError(
                    f"{where}: salary_min {fields['salary_min']:,} is above salary_max {fields['salary_max']:,}"
                )
        intake = keys.pop("intake_at", "intake_call", "intake_date", "intake_on")
        intake_done = keys.pop("intake_done", "intake", "intake_held")
        if intake is not None:
            fields["intake_at"] = self.when(intake, f"{where}.intake_at")
        elif intake_done is not None:
            if isinstance(intake_done, str) and re.match(r"^\s*[+-]?\d", intake_done):
                fields["intake_at"] = self.when(intake_done, f"{where}.intake_done")
            elif _bool(intake_done, f"{where}.intake_done"):
                fields["intake_at"] = min(opened + dt.timedelta(hours=2), self.now)
        for name, aliases in REQUISITION_FLAGS.items():
            value = keys.pop(*aliases)
            if value is not None:
                fields[name] = _bool(value, f"{where}.{name}")
        for name, aliases, high in (
            ("must_haves", ("must_haves", "must_have", "musthaves", "requirements", "must_have_count"), 50),
            (
                "interview_stages",
                ("interview_stages", "stages", "interview_rounds", "rounds", "interviews_planned"),
                20,
            ),
            ("openings", ("openings", "positions", "vacancies", "number_of_openings"), 1000),
        ):
            value = keys.pop(*aliases)
            if value is not None:
                fields[name] = _count(value, f"{where}.{name}", high)
        for name, aliases in (
            (
                "promised_date",
                (
                    "promised_date",
                    "promised",
                    "promised_by",
                    "deadline",
                    "fill_by",
                    "target_date",
                    "due",
                    "hire_by",
                    "promised_hire_date",
                ),
            ),
            (
                "first_slate_date",
                (
                    "first_slate_date",
                    "first_slate",
                    "slate_promised",
                    "first_slate_promised",
                    "first_submittal_promised",
                    "shortlist_by",
                    "slate_by",
                    "first_slate_by",
                ),
            ),
        ):
            value = keys.pop(*aliases)
            if value is not None:
                if isinstance(value, str) and norm(value) in ("asap", "none", "never", ""):
                    continue  # "ASAP" is no date
                fields[name] = self.when(value, f"{where}.{name}").date()
        hours = keys.pop("feedback_turnaround_hours", "client_feedback_hours", "feedback_hours")
        if hours is not None:
            try:
                fields["feedback_turnaround_hours"] = float(str(hours).lower().rstrip("hours ").strip())
            except ValueError:
                raise StoryError(f"{where}.feedback_turnaround_hours: '{hours}' is not a number of hours") from None
        for name, aliases in (("location", ("location", "city", "office")), ("notes", ("notes", "note", "comments"))):
            value = keys.pop(*aliases)
            if value is not None:
                fields[name] = _text(value, f"{where}.{name}")
        external = keys.pop("external_id", "ats_id", "code", "id")
        if external is not None:
            fields["external_id"] = _text(external, f"{where}.external_id")
        updated = keys.pop("updated", "updated_at", "last_update", "last_updated", "last_change", "last_activity")
        closed = keys.pop("closed", "closed_at", "filled_at", "date_closed")
        events_raw = keys.pop("events", "timeline", "history", "pipeline") or []
        keys.done()
        if not isinstance(events_raw, list):
            raise StoryError(f'{where}.events: expected a list of events like {{ at = "-9d", kind = "submittal" }}')
        events = [self.event_spec(e, f"{where}.events[{i}]") for i, e in enumerate(events_raw, start=1)]
        events.sort(key=lambda e: e["at"])
        status_events = [e for e in events if e["kind"] == "status"]
        final = status or (status_events[-1]["to"] if status_events else None)
        if final is None:
            final = _status_from_events(events, fields.get("intake_at") is not None)
        first_status = status_events[0].get("from") if status_events else None
        start = first_status or (RequisitionStatus.INTAKE if status_events else final)
        fields["status"] = start
        if start in CLOSED_STATUSES:
            fields["closed_at"] = self.when(closed, f"{where}.closed") if closed is not None else self.now
        try:
            req = Requisition.model_validate(fields)
        except ValueError as exc:
            raise StoryError(f"{where}: {_first_error(exc)}") from None
        self.at(opened)
        req = self.store.add_requisition(req)
        for spec in events:
            req = self.write_event(req, spec, f"{where}.events")
        if req.status != final:
            before = req
            self.at(max(events[-1]["at"] + dt.timedelta(minutes=1), opened) if events else opened)
            after = before.model_copy(
                update={
                    "status": final,
                    "closed_at": (self.when(closed, f"{where}.closed") if closed is not None else self.clock.at)
                    if final in CLOSED_STATUSES
                    else None,
                }
            )
            req = self.store.update_imported_requisition(before, after, note="", action="story")
        if updated is not None:
            moment = self.when(updated, f"{where}.updated")
            self.at(moment)
            current = self.store.get_requisition(req.id) if req.id is not None else None
            if current is not None:
                req = self.store.update_requisition(current)
        self.at(self.now)
        stored = self.store.get_requisition(req.id) if req.id is not None else None
        return stored or req

    def event_spec(self, raw: Any, where: str) -> dict[str, Any]:
        keys = _Keys(raw, where, self.warnings)
        kind_raw = keys.pop("kind", "type", "event", "what")
        if kind_raw is None:
            raise StoryError(
                f"{where}: an event needs a kind (submittal, feedback, interview, offer, placement, "
                "decline, status, spec_change, note)"
            )
        kind = _word(
            KIND_WORDS,
            kind_raw,
            f"{where}.kind",
            ("submittal", "feedback", "interview", "offer", "placement", "decline", "status", "spec_change", "note"),
        )
        at_raw = keys.pop("at", "when", "time", "date", "on")
        if at_raw is None:
            raise StoryError(f'{where}: an event needs a time (at = "-9d")')
        at = self.when(at_raw, f"{where}.at")
        if at > self.now + dt.timedelta(minutes=1):
            raise StoryError(f'{where}.at: "{at_raw}" is after the story\'s now; events are what already happened')
        spec: dict[str, Any] = {"kind": kind, "at": at, "where": where}
        by = keys.pop("by", "actor", "who", "person", "author", "logged_by")
        side = keys.pop("from", "side", "party", "reviewer", "source_side", "by_side")
        if side is not None and norm(str(side)) not in SIDE_WORDS:
            # `from` may name a person: their team says the side.
            by = by or side
            side = None
        spec["by"] = _text(by, f"{where}.by") if by is not None else None
        spec["side"] = SIDE_WORDS.get(norm(str(side))) if side is not None else None
        if norm(str(kind_raw)) in ("internalfeedback",):
            spec["side"] = "internal"
        if norm(str(kind_raw)) in ("clientfeedback",):
            spec["side"] = "client"
        outcome = keys.pop("outcome", "result", "decision", "verdict", "answer")
        if outcome is not None:
            spec["outcome"] = _word(OUTCOME_WORDS, outcome, f"{where}.outcome", ("rejected", "advanced", "on_hold"))
        elif kind == "feedback" and norm(str(kind_raw)) in ("reject", "rejected", "rejection"):
            spec["outcome"] = FeedbackOutcome.REJECTED
        reason = keys.pop("reason", "why", "note", "notes", "comment", "text", "detail", "details", "message")
        spec["note"] = _text(reason, f"{where}.reason") if reason is not None else ""
        if kind == "status":
            to = keys.pop("to", "status", "to_status", "new_status")
            if to is None:
                raise StoryError(f'{where}: a status event needs the status it moved to (to = "submitted")')
            spec["to"] = _word(STATUS_WORDS, to, f"{where}.to", [s.value for s in RequisitionStatus])
            frm = keys.pop("from_status", "was", "previous")
            spec["from"] = (
                _word(STATUS_WORDS, frm, f"{where}.from_status", [s.value for s in RequisitionStatus]) if frm else None
            )
        if kind == "placement":
            source = keys.pop("source", "channel", "via", "origin")
            if source is not None:
                spec["source"] = _word(
                    PLACEMENT_WORDS, source, f"{where}.source", ("referral", "job_board", "sourced", "client", "other")
                )
            participants = keys.pop("participants", "credit", "people", "team", "involved", "contributors")
            credits = keys.pop("credits", "split", "splits", "commission", "commissions")
            if credits is None and isinstance(participants, list) and any(isinstance(p, dict) for p in participants):
                credits, participants = participants, None
            spec["credits"] = self.credit_specs(credits, f"{where}.credits") if credits is not None else []
            spec["participants"] = _names(participants, f"{where}.participants") or [c["name"] for c in spec["credits"]]
        if kind == "spec_change":
            changes: dict[str, Any] = {}
            for name, aliases in (
                ("must_haves", ("must_haves", "must_have", "requirements")),
                ("interview_stages", ("interview_stages", "stages")),
            ):
                value = keys.pop(*aliases)
                if value is not None:
                    changes[name] = _count(value, f"{where}.{name}", 50)
            value = keys.pop("title", "new_title")
            if value is not None:
                changes["title"] = _text(value, f"{where}.title")
            value = keys.pop("salary_max", "budget")
            if value is not None:
                changes["salary_max"] = _amount(value, f"{where}.salary_max")
            spec["changes"] = changes
        count = keys.pop("count", "n", "times", "how_many", "number")
        spec["count"] = _count(count, f"{where}.count", 200) if count is not None else 1
        keys.done()
        return spec

    def credit_specs(self, raw: Any, where: str) -> list[dict[str, Any]]:
        """A placement's credit: ``[{ name = "Priya Shah", role = "originated", split = 40 }, ...]``; a
        split left out shares what the others leave (100 % in all)."""
        if isinstance(raw, dict):
            raw = [
                {"name": name, **(body if isinstance(body, dict) else {"split": body})} for name, body in raw.items()
            ]
        if not isinstance(raw, list):
            raise StoryError(
                f'{where}: expected a list like [{{ name = "Priya Shah", role = "originated", split = 40 }}]'
            )
        found: list[dict[str, Any]] = []
        for i, item in enumerate(raw, start=1):
            here = f"{where}[{i}]"
            keys = _Keys(item if isinstance(item, dict) else {"name": item}, here, self.warnings)
            name = _text(keys.pop("name", "person", "who") or "", f"{here}.name")
            if not name:
                raise StoryError(f"{here}: a credit needs the person's name")
            role_raw = keys.pop("role", "as", "part", "credit_for")
            role = (
                _word(CREDIT_ROLE_WORDS, role_raw, f"{here}.role", [r.value for r in CreditRole])
                if role_raw is not None
                else None
            )
            split_raw = keys.pop("split", "split_pct", "pct", "share", "percent", "commission")
            keys.done()
            found.append(
                {
                    "name": name,
                    "role": role,
                    "split": _percent(split_raw, f"{here}.split") if split_raw is not None else None,
                }
            )
        given = sum(c["split"] for c in found if c["split"] is not None)
        blanks = [c for c in found if c["split"] is None]
        for c in blanks:
            c["split"] = round((100 - given) / len(blanks), 2)
        return found

    def write_credits(self, req: Requisition, event_id: int | None, specs: list[dict[str, Any]], where: str) -> None:
        """Records the placement's credit (the first person with no role originated it when in sales, else filled it)."""
        credits = []
        for spec in specs:
            person = self.person(spec["name"], f"{where}.credits")
            role = spec["role"] or (CreditRole.ORIGINATED if person.team == Team.SALES else CreditRole.FILLED)
            credits.append(
                PlacementCredit(
                    requisition_id=req.saved_id, person_id=person.saved_id, role=role, split_pct=spec["split"]
                )
            )
        self.store.set_placement_credits(req.saved_id, credits, placement_event_id=event_id)

    def write_event(self, req: Requisition, spec: dict[str, Any], where: str) -> Requisition:
        assert req.id is not None
        at: dt.datetime = spec["at"]
        actor = self.person(spec["by"], f"{spec['where']}.by") if spec.get("by") else None
        kind = spec["kind"]
        for n in range(spec["count"]):
            self.at(at + dt.timedelta(minutes=n))
            self.result.events += 1
            if kind == "status":
                before = self.store.get_requisition(req.saved_id) or req
                if before.status == spec["to"]:
                    continue
                update: dict[str, Any] = {
                    "status": spec["to"],
                    "closed_at": self.clock.at if spec["to"] in CLOSED_STATUSES else None,
                }
                if spec["to"] == RequisitionStatus.QUALIFIED and before.intake_at is None:
                    update["intake_at"] = self.clock.at
                req = self.store.update_imported_requisition(
                    before,
                    before.model_copy(update=update),
                    note=spec["note"],
                    actor_id=actor.id if actor else None,
                    action="story",
                )
                continue
            if kind == "spec_change" and spec.get("changes"):
                current = self.store.get_requisition(req.saved_id) or req
                try:
                    changed = Requisition.model_validate({**current.model_dump(), **spec["changes"]})
                except ValueError as exc:
                    raise StoryError(f"{spec['where']}: {_first_error(exc)}") from None
                req = self.store.update_requisition(changed)
            event_kind = {
                "submittal": EventKind.SUBMITTAL,
                "interview": EventKind.INTERVIEW,
                "offer": EventKind.OFFER,
                "placement": EventKind.PLACEMENT,
                "decline": EventKind.DECLINE,
                "spec_change": EventKind.SPEC_CHANGE,
                "note": EventKind.NOTE,
            }.get(kind)
            fields: dict[str, Any] = {
                "requisition_id": req.id,
                "at": self.clock.at,
                "note": spec["note"],
                "actor_id": actor.id if actor else None,
            }
            if kind == "feedback":
                side = spec.get("side")
                if side is None and actor is not None:
                    side = "internal" if actor.team == Team.SALES else "client"
                event_kind = EventKind.INTERNAL_FEEDBACK if side == "internal" else EventKind.CLIENT_FEEDBACK
                fields["outcome"] = spec.get("outcome")
            if kind == "decline":
                fields["decline_reason"] = decline_reason(spec["note"])
            if kind == "placement":
                fields["placement_source"] = spec.get("source")
                fields["participants"] = [
                    p.id for p in (self.person(name, f"{spec['where']}.participants") for name in spec["participants"])
                ]
            assert event_kind is not None
            fields["kind"] = event_kind
            try:
                stored_event = self.store.add_pipeline_event(PipelineEvent.model_validate(fields))
            except ValueError as exc:
                raise StoryError(f"{spec['where']}: {_first_error(exc)}") from None
            if kind == "placement" and spec.get("credits") and n == 0:
                self.write_credits(req, stored_event.id, spec["credits"], spec["where"])
        return self.store.get_requisition(req.saved_id) or req

    # -- the dispute --

    def dispute(self, raw: Any, where: str, req: Requisition | None) -> Dispute:
        keys = _Keys(raw, where, self.warnings)
        category_raw = keys.pop("category", "kind", "type", "label", "logged_as")
        if category_raw is None or (isinstance(category_raw, str) and not category_raw.strip()):
            category = DisputeCategory.UNSURE
        else:
            category = _word(
                CATEGORY_WORDS, category_raw, f"{where}.category", ["unsure", *(c.value for c in KNOWN_CATEGORIES)]
            )
        summary = keys.pop("summary", "title", "what", "description", "issue", "story", "complaint")
        if summary is None or not _text(summary, f"{where}.summary"):
            raise StoryError(f"{where}: a dispute needs a summary (one line: what is the disagreement?)")
        summary = _text(summary, f"{where}.summary")
        if len(summary) > 500:
            self.warnings.append(f"{where}.summary: longer than 500 characters; cut there")
            summary = summary[:500]
        interests = keys.pop("interests")
        sales_interest = keys.pop("sales_interest", "sales_wants", "sales_side", "sales_position", "sales_needs")
        recruiting_interest = keys.pop(
            "recruiting_interest",
            "recruiting_wants",
            "recruiter_interest",
            "recruiting_side",
            "recruiting_needs",
            "recruiter_wants",
        )
        if isinstance(interests, dict):
            sales_interest = sales_interest or interests.get("sales")
            recruiting_interest = recruiting_interest or interests.get("recruiting") or interests.get("recruiter")
        raised_raw = keys.pop("raised_by", "raised", "from", "complainant", "by", "who")
        counterpart_raw = keys.pop("counterpart", "against", "with", "other_party", "respondent", "vs")
        parties_raw = _names(keys.pop("parties", "people", "participants", "involved"), f"{where}.parties")
        teams_raw = keys.pop("teams", "between")
        severity_raw = keys.pop("severity", "priority", "urgency", "level")
        status_raw = keys.pop("status", "state")
        opened_raw = keys.pop("opened", "opened_at", "raised_at", "logged", "when", "at", "date")
        keys.pop("requisition", "req")  # the story's requisition is the dispute's
        team_wide_raw = keys.pop("between_teams", "team_wide", "teams_wide")
        keys.done()
        severity = 2
        if severity_raw is not None:
            if isinstance(severity_raw, str) and severity_raw.strip().lower() in SEVERITY_WORDS:
                severity = SEVERITY_WORDS[severity_raw.strip().lower()]
            else:
                severity = _count(severity_raw, f"{where}.severity", 3)
                if severity < 1:
                    raise StoryError(f"{where}.severity: {severity_raw} is not 1, 2 or 3 (or low / medium / high)")
        teams: list[Team] = []
        if teams_raw is not None:
            for i, word in enumerate(_names(teams_raw, f"{where}.teams"), start=1):
                teams.append(_word(TEAM_WORDS, word, f"{where}.teams[{i}]", ("sales", "recruiting")))
        raised = self.person(_text(raised_raw, f"{where}.raised_by"), f"{where}.raised_by") if raised_raw else None
        counterpart = (
            self.person(_text(counterpart_raw, f"{where}.counterpart"), f"{where}.counterpart")
            if counterpart_raw
            else None
        )
        others = [self.person(name, f"{where}.parties") for name in parties_raw]
        between_teams = bool(teams) and raised is None and counterpart is None
        if team_wide_raw is not None:
            # Named people may stand for their teams in a dispute between the teams.
            between_teams = _bool(team_wide_raw, f"{where}.between_teams")
        raised, counterpart = self._two_people(raised, counterpart, others, req, teams, where)
        extra = [p.id for p in others if p.id not in (raised.id, counterpart.id) and p.id is not None]
        opened = (
            self.when(opened_raw, f"{where}.opened") if opened_raw is not None else self.now - dt.timedelta(hours=1)
        )
        if opened > self.now:
            raise StoryError(f"{where}.opened: the dispute is raised after the story's now")
        status = DisputeStatus.OPEN
        if status_raw is not None:
            status = _word(DISPUTE_STATUS_WORDS, status_raw, f"{where}.status", [s.value for s in DisputeStatus])
        self.at(opened)
        try:
            dispute = Dispute(
                # A dispute between the teams is about none of the story's requisitions: they are the teams'.
                requisition_id=req.id if req and not between_teams else None,
                raised_by_id=raised.id,
                counterpart_id=counterpart.id,
                category=category,
                severity=severity,
                summary=summary,
                sales_interest=_text(sales_interest, f"{where}.sales_interest") if sales_interest else "",
                recruiting_interest=_text(recruiting_interest, f"{where}.recruiting_interest")
                if recruiting_interest
                else "",
                opened_at=opened,
                parties=extra,
                between_teams=between_teams,
            )
        except ValueError as exc:
            raise StoryError(f"{where}: {_first_error(exc)}") from None
        stored = self.store.add_dispute(dispute)
        if status != DisputeStatus.OPEN and stored.id is not None:
            stored = self.store.set_dispute_status(stored.id, status)
        self.at(self.now)
        return stored

    def rule_history(self, raw: Any, where: str) -> None:
        """A proposal rule's record here: ``{ rule = "credit.contribution-log", accepted = 4, kept_pct = 25 }``
        makes that many disputes, four months back, resolved by accepting it, with two commitments each
        (one per side) of which that share were kept. Outside the 90-day windows, so the people's
        follow-through and the disputes between them read as the story tells them."""
        keys = _Keys(raw, where, self.warnings)
        rule = _text(keys.pop("rule", "proposal", "id", "rule_id") or "", f"{where}.rule")
        if not rule:
            raise StoryError(f'{where}: name the rule (rule = "credit.written-split")')
        accepted = _count(keys.pop("accepted", "times", "count") or 0, f"{where}.accepted", 200)
        kept_raw = keys.pop("kept_pct", "kept", "follow_through_pct")
        kept_pct = _percent(kept_raw, f"{where}.kept_pct") if kept_raw is not None else 100.0
        keys.done()
        sales = next((p for p in self.people.values() if p.team == Team.SALES), None)
        recruiting = next((p for p in self.people.values() if p.team == Team.RECRUITING), None)
        if sales is None or recruiting is None:
            raise StoryError(f"{where}: a rule's record needs a sales and a recruiting person in people")
        total = accepted * 2
        kept = round(kept_pct * total / 100)
        made = 0
        for n in range(accepted):
            opened = self.now - dt.timedelta(days=130 - n)
            self.at(opened)
            dispute = self.store.add_dispute(
                Dispute(
                    raised_by_id=recruiting.saved_id,
                    counterpart_id=sales.saved_id,
                    category=DisputeCategory.UNSURE,
                    summary=f"An earlier dispute settled with {rule} (from the story's rule history)",
                    opened_at=opened,
                )
            )
            due = (opened + dt.timedelta(days=7)).date()
            self.at(opened + dt.timedelta(hours=1))
            _resolved, commitments = self.store.resolve_dispute(
                dispute.saved_id,
                f"Accepted {rule}",
                rule,
                [
                    Commitment(
                        owner_id=person.saved_id,
                        text=f"Earlier step of {rule}",
                        due=due,
                        source=CommitmentSource.DISPUTE,
                    )
                    for person in (sales, recruiting)
                ],
            )
            self.at(dt.datetime.combine(due, dt.time(17, 0)))
            for commitment in commitments:
                status = CommitmentStatus.KEPT if made < kept else CommitmentStatus.MISSED
                self.store.set_commitment_status(commitment.saved_id, status)
                made += 1
        self.at(self.now)

    def _two_people(
        self,
        raised: Person | None,
        counterpart: Person | None,
        others: list[Person],
        req: Requisition | None,
        teams: list[Team],
        where: str,
    ) -> tuple[Person, Person]:
        """The two people who stand for the sides: as named, else from the requisition, the parties, the teams."""
        pool: list[Person] = [p for p in (raised, counterpart) if p is not None] + others
        if req is not None:
            for pid in (req.recruiter_id, req.sales_owner_id):
                person = self.store.get_person(pid) if pid is not None else None
                if person is not None:
                    pool.append(person)
        for team in teams or [Team.SALES, Team.RECRUITING]:
            if not any(p.team == team for p in pool):
                found = next(
                    (p for p in self.people.values() if p.team == team),
                    next((p for p in self.store.list_people(team=team, active_only=True)), None),
                )
                if found is None and teams:
                    # Nobody of that team is known: the team itself stands as the party.
                    name = f"{team.value.capitalize()} team"
                    found = self.store.person_by_name(name) or self.store.add_person(Person(name=name, team=team))
                    self.warnings.append(f'{where}: no {team.value} person is known; "{name}" stands for the team')
                if found is not None:
                    pool.append(found)
        if raised is None:
            # Recruiting raises most disputes about what was sold; when the counterpart is known, the other side.
            wanted = Team.SALES if counterpart is not None and counterpart.team == Team.RECRUITING else Team.RECRUITING
            raised = next((p for p in pool if p.team == wanted and p != counterpart), None)
            raised = raised or next((p for p in pool if p != counterpart), None)
        if counterpart is None and raised is not None:
            other = Team.SALES if raised.team != Team.SALES else Team.RECRUITING
            counterpart = next((p for p in pool if p.team == other and p.id != raised.id), None)
            counterpart = counterpart or next((p for p in pool if p.id != raised.id), None)
        if raised is None or counterpart is None:
            raise StoryError(
                f"{where}: a dispute needs two people (raised_by and counterpart), or a requisition or "
                "teams whose people can stand for the sides"
            )
        if raised.id == counterpart.id:
            raise StoryError(f"{where}: raised_by and counterpart are the same person ({raised.name})")
        return raised, counterpart


def _split(pct: float) -> tuple[int, int]:
    """The smallest kept/missed counts (at least 4 commitments) whose rate rounds to `pct`."""
    for total in range(4, 101):
        kept = round(pct * total / 100)
        if round(kept * 100 / total) == round(pct):
            return kept, total - kept
    kept = round(pct)
    return kept, 100 - kept


def decline_reason(text: str) -> DeclineReason:
    """The reason class of a candidate's decline, from its words ("went with a counter-offer" is counter_offer)."""
    words = " " + re.sub(r"[^0-9a-z]+", " ", text.lower()) + " "
    squashed = norm(text)
    for reason, markers in DECLINE_WORDS:
        for marker in markers:
            if f" {marker}" in words or (len(marker) > 6 and norm(marker) in squashed):
                return reason
    return DeclineReason.OTHER


def _status_from_events(events: list[dict[str, Any]], intake: bool) -> RequisitionStatus:
    kinds = {e["kind"] for e in events}
    if "placement" in kinds:
        return RequisitionStatus.FILLED
    if "offer" in kinds:
        return RequisitionStatus.OFFER
    if "interview" in kinds:
        return RequisitionStatus.INTERVIEWING
    if "submittal" in kinds:
        return RequisitionStatus.SUBMITTED
    return RequisitionStatus.SOURCING if intake else RequisitionStatus.INTAKE


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        message = str(first.get("msg", exc)).removeprefix("Value error, ")
        return f"{where}: {message}" if where else message
    return str(exc)


# -- entry points ----------------------------------------------------------------------------------------

TOP_LEVEL = {
    "now",
    "people",
    "requisition",
    "requisitions",
    "dispute",
    "disputes",
    "expect",
    "title",
    "story",
    "description",
    "name",
    "notes",
    "history",
    "filled",
    "rule_history",
}


def read_story(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if path.is_dir():
        raise StoryFileError(f"{path} is a folder, not a story file")
    try:
        text = safe_file.read_text(path, encoding="utf-8-sig")  # never blocks on a FIFO
    except FileNotFoundError:
        raise StoryFileError(f"{path} does not exist") from None
    except UnicodeDecodeError:
        raise StoryFileError(f"{path} is not a UTF-8 text file") from None
    except OSError as exc:
        raise StoryFileError(f"{path} cannot be read: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StoryError(f"not valid TOML: {exc}") from None


def story_now(data: Mapping[str, Any], fallback: Callable[[], dt.datetime]) -> tuple[dt.datetime, list[str]]:
    raw = data.get("now")
    if raw is None:
        now = fallback().replace(microsecond=0)
        return now, [f"now: not given; the story's present is the load time, {now:%Y-%m-%d %H:%M}"]
    start = fallback().replace(microsecond=0)
    if isinstance(raw, str) and raw.strip().lower() in _NAMED_DAYS:
        return start, []
    return parse_when(raw, start, "now"), []


def load_story(
    store: Store,
    data: Mapping[str, Any],
    source: str = "story",
    calendar: BusinessCalendar | None = None,
    extra_packs: Sequence[str | Path] = (),
) -> LoadedStory:
    """Builds the story in `store` (whose clock it moves while writing) in one transaction: all of it or
    none; then grades every requisition with the shipped rules and `extra_packs` (the lead's --rules),
    loaded first: a pack that cannot be used stops the load before anything is written."""
    from mediation_console.console.core.rules.service import Mediator

    mediator = Mediator(store, extra_packs=extra_packs)
    original_now = store.now
    now, warnings = story_now(data, original_now)
    clock = _Clock(now)
    builder = _Builder(store, clock, now, source, calendar or user_calendar())
    builder.warnings.extend(warnings)
    for key in data:
        if _key(key) not in TOP_LEVEL:
            builder.warnings.append(f"{key}: not a key the story format knows; skipped")
    store.now = clock
    try:
        with store.transaction():
            builder.declare_people(data.get("people"))
            dispute_raw = data.get("dispute", data.get("disputes"))
            disputes = dispute_raw if isinstance(dispute_raw, list) else ([dispute_raw] if dispute_raw else [])
            counterparts = _sides_from_disputes(disputes, builder)
            for i, item in enumerate(_as_list(data.get("history", data.get("filled"))), start=1):
                builder_history(builder, item, f"history[{i}]")
            req_raw = data.get("requisition", data.get("requisitions"))
            reqs = req_raw if isinstance(req_raw, list) else ([req_raw] if req_raw else [])
            for i, raw in enumerate(reqs, start=1):
                where = "requisition" if len(reqs) == 1 else f"requisition[{i}]"
                builder.result.requisitions.append(builder.requisition(raw, where, counterparts))
            builder.add_declared_people()
            for i, item in enumerate(_as_list(data.get("rule_history")), start=1):
                builder.rule_history(item, f"rule_history[{i}]")
            if not disputes:
                builder.warnings.append("dispute: the story has no [dispute]; only its records were built")
            for i, raw in enumerate(disputes, start=1):
                where = "dispute" if len(disputes) == 1 else f"dispute[{i}]"
                req = builder.result.requisitions[0] if builder.result.requisitions else None
                builder.result.disputes.append(builder.dispute(raw, where, req))
            store.record_story(
                now,
                source,
                {
                    "disputes": [d.code for d in builder.result.disputes],
                    "requisitions": [r.code for r in builder.result.requisitions],
                },
            )
    except RejectedChange as exc:
        raise StoryError(str(exc)) from None
    finally:
        store.now = original_now
    _refresh(store, builder.result, mediator)
    return builder.result


def builder_history(builder: _Builder, raw: Any, where: str) -> None:
    """Past filled requisitions (the team's time-to-fill history): ``{ title, days = 42, count = 3, closed = "-30d" }``;
    ``status = "lost"`` (or declined, on_hold) records closed requisitions that did not fill (the fill rates)."""
    keys = _Keys(raw, where, builder.warnings)
    status = str(keys.pop("status", "outcome") or "filled").strip().lower()
    if status not in {str(s) for s in CLOSED_STATUSES}:
        closed_names = ", ".join(sorted(str(s) for s in CLOSED_STATUSES))
        raise StoryError(f"{where}.status: '{status}' is not a closed status (use one of: {closed_names})")
    days = keys.pop("days", "days_to_fill", "time_to_fill", "filled_in", "took")
    if days is None:
        raise StoryError(f"{where}: a filled requisition in the history needs days (days = 42)")
    try:
        days_n = float(str(days).lower().removesuffix("days").removesuffix("d").strip())
    except ValueError:
        raise StoryError(f"{where}.days: '{days}' is not a number of days") from None
    count = _count(keys.pop("count", "n", "times") or 1, f"{where}.count", 500)
    closed = builder.when(keys.pop("closed", "filled", "closed_at") or "-30d", f"{where}.closed")
    body = {k: v for k, v in keys.data.items()}
    keys.data.clear()
    for n in range(count):
        opened = closed - dt.timedelta(days=days_n) - dt.timedelta(hours=n)
        req_raw = {
            "title": "Filled role",
            "client": "Past client",
            **body,
            "opened": opened,
            "status": status,
            "closed": closed - dt.timedelta(hours=n),
            "intake_done": True,
        }
        # The team's record, not the story's subject: not listed among the story's requisitions.
        builder.requisition(req_raw, where, {})


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _sides_from_disputes(disputes: list[Any], builder: _Builder) -> dict[str, str]:
    """When the requisition leaves out its people, the dispute's two people stand in by their teams."""
    sides: dict[str, str] = {}
    for raw in disputes:
        if not isinstance(raw, dict):
            continue
        for key in ("raised_by", "counterpart"):
            name = raw.get(key)
            if isinstance(name, str):
                spec = builder.declared.get(name.strip().lower())
                team = spec.get("team") if spec else None
                if team is None:
                    existing = builder.store.person_by_name(name)
                    team = existing.team if existing else None
                if team in (Team.SALES, Team.RECRUITING):
                    sides.setdefault(team.value, name)
    return sides


def _refresh(store: Store, result: LoadedStory, mediator: Mediator) -> None:
    """Scores and estimates for every requisition the story made, as the console keeps them."""
    from mediation_console.console.core.rules.refresh import refresh_derived

    refresh_derived(store, mediator)
    result.requisitions = [store.get_requisition(r.id) or r for r in result.requisitions if r.id is not None]


def load_story_file(path: str | Path, db: str | Path, extra_packs: Sequence[str | Path] = ()) -> LoadedStory:
    """`mediate story load`: reads the story and builds it in the database at `db` (created if new),
    graded with `extra_packs` (the lead's --rules) over the shipped rules."""
    data = read_story(path)
    store = open_store(db)
    try:
        return load_story(store, data, source=Path(path).name, extra_packs=extra_packs)
    finally:
        store.close()
