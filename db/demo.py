"""Writes a realistic, deterministic demo dataset into an empty Store — small for a tour, large for benchmarks."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import random
import re
import sys
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, overload

from mediation_console.db import audit as audit_chain
from mediation_console.db import defaults
from mediation_console.db.models import (
    CATEGORY_LABELS,
    CLOSED_STATUSES,
    KNOWN_CATEGORIES,
    OPEN_DISPUTE_STATUSES,
    CommitmentSource,
    CommitmentStatus,
    DisputeCategory,
    DisputeStatus,
    Engagement,
    EventKind,
    Expectation,
    ExpectationStatus,
    RequisitionStatus,
    Team,
)
from mediation_console.db.schema import PER_ROW_FACT_TRIGGER_NAMES, REQUISITIONS_FTS_FILL
from mediation_console.db.store import RejectedChange, Store

S = RequisitionStatus
HOUR = dt.timedelta(hours=1)

# Columns written in bulk, in the order of the row tuples built below (see db/schema.py).
PEOPLE_COLUMNS = ("id", "name", "team", "active")
REQUISITION_COLUMNS = (
    "id",
    "code",
    "external_id",
    "title",
    "client",
    "sales_owner_id",
    "recruiter_id",
    "openings",
    "status",
    "engagement",
    "fee_pct",
    "salary_min",
    "salary_max",
    "market_salary",
    "location",
    "remote",
    "promised_date",
    "intake_at",
    "hiring_manager_access",
    "feedback_agreed_48h",
    "interview_stages",
    "interview_dates_agreed",
    "jd_clear",
    "must_haves",
    "headcount_approved",
    "reason_known",
    "candidates_exist",
    "competing_agencies",
    "feedback_turnaround_hours",
    "opened_at",
    "updated_at",
    "closed_at",
    "status_reason",
    "notes",
    "score",
    "grade",
    "estimate_days",
    "submittals",
    "last_submittal_at",
    "open_disputes",
    "first_slate_date",
)
EVENT_COLUMNS = (
    "id",
    "requisition_id",
    "kind",
    "at",
    "actor_id",
    "note",
    "from_status",
    "to_status",
    "outcome",
    "decline_reason",
    "placement_source",
    "participants",
)
# Written with each row beside the columns its audit row records: the facts the per-row triggers keep
# (db/schema.py EVENT_FACTS_BACKFILL, PREV_STATUS_BACKFILL), worked out by the generator from the
# requisition's own events instead of by those statements over the whole table afterwards.
REQUISITION_FACT_COLUMNS = ("status_changed_at", "opened_status")
EVENT_FACT_COLUMNS = ("answered_at", "requalified_at", "paused_at", "prev_status_at")
DISPUTE_COLUMNS = (
    "id",
    "code",
    "requisition_id",
    "raised_by_id",
    "counterpart_id",
    "category",
    "severity",
    "summary",
    "sales_interest",
    "recruiting_interest",
    "status",
    "resolution",
    "proposal_id",
    "opened_at",
    "closed_at",
)
COMMITMENT_COLUMNS = (
    "id",
    "owner_id",
    "text",
    "due",
    "source",
    "dispute_id",
    "requisition_id",
    "standup_id",
    "expectation_id",
    "status",
    "created_at",
    "closed_at",
    "reason",
)
STANDUP_COLUMNS = (
    "id",
    "started_at",
    "ended_at",
    "facilitator_id",
    "attendees",
    "current_item",
    "timebox_seconds",
    "blockers",
)
ITEM_COLUMNS = (
    "id",
    "standup_id",
    "position",
    "section",
    "title",
    "detail",
    "requisition_id",
    "dispute_id",
    "commitment_id",
    "person_id",
    "notes",
    "decision",
    "seconds_spent",
    "done",
)

# -- the cast -------------------------------------------------------------------------------------

CORE_SALES = ["Marcus Bell", "Priya Raman", "Tom Okafor", "Elena Voss", "Jordan Hayes"]
CORE_RECRUITERS = ["Aisha Mensah", "Ben Carter", "Sofia Delgado", "Liam Novak", "Grace Whitfield", "Daniel Kim"]
LEAD = "Helen Park"
# Follow-through the core cast is drawn to: Marcus overpromises and keeps half his word; the rest vary.
CORE_SALES_FOLLOW_THROUGH = [0.5, 0.92, 0.8, 0.88, 0.75]
CORE_RECRUITER_FOLLOW_THROUGH = [0.95, 0.85, 0.78, 0.9, 0.7, 0.83]
# The share of first submittals each core recruiter sends within the grade's allowance: Aisha and
# Liam are quick, Grace is often late. The rest of a large team is as punctual as they are reliable.
CORE_RECRUITER_ON_TIME = [0.97, 0.9, 0.8, 0.95, 0.66, 0.88]

FIRST_NAMES = (
    "Adam Alicia Amir Ana Andre Anika Beatrice Caleb Carmen Chloe Connor Dana Derek Diego Eli Emma Fatima Felix "
    "Gabriel Hana Hugo Imani Isaac Ivy Jamal Jasmine Jonah Julia Kai Kara Leon Lucia Malik Maya Mei Mateo Nadia "
    "Nathan Nia Noah Olivia Omar Paula Quinn Rafael Rosa Ryan Samir Sara Theo Tessa Uma Victor Wes Yara Zoe"
).split()
LAST_NAMES = (
    "Abbott Alvarez Anand Baker Brennan Castillo Chen Cohen Dawson Diaz Duarte Ellis Farrow Fischer Flores Gallo "
    "Garner Gupta Hale Hughes Ibarra Jensen Joshi Keller Kowalski Lam Larsen Lopez Lund Marsh Meyer Moreau Nakamura "
    "Nguyen Ortiz Osei Patel Pereira Quinn Reyes Rossi Sato Schmidt Shah Silva Stone Sullivan Tanaka Torres "
    "Usman Vargas Walsh Weber Yilmaz Young Zimmer"
).split()

# -- the work -------------------------------------------------------------------------------------

# (title, family, typical top of the salary band in USD)
TITLES = [
    ("Senior Backend Engineer", "engineering", 170_000),
    ("Staff Software Engineer", "engineering", 215_000),
    ("Frontend Engineer (React)", "engineering", 140_000),
    ("DevOps Engineer", "engineering", 155_000),
    ("Site Reliability Engineer", "engineering", 175_000),
    ("Data Engineer", "engineering", 160_000),
    ("Machine Learning Engineer", "engineering", 195_000),
    ("QA Automation Engineer", "engineering", 115_000),
    ("iOS Developer", "engineering", 150_000),
    ("Engineering Manager", "engineering", 210_000),
    ("Security Engineer", "engineering", 180_000),
    ("Embedded Software Engineer", "engineering", 145_000),
    ("Financial Analyst", "finance", 88_000),
    ("Senior Accountant", "finance", 95_000),
    ("Financial Controller", "finance", 155_000),
    ("FP&A Manager", "finance", 140_000),
    ("Payroll Specialist", "finance", 68_000),
    ("Tax Manager", "finance", 145_000),
    ("Accounts Payable Specialist", "finance", 55_000),
    ("Internal Auditor", "finance", 98_000),
    ("Account Executive", "sales", 125_000),
    ("Sales Development Representative", "sales", 68_000),
    ("Regional Sales Manager", "sales", 155_000),
    ("Customer Success Manager", "sales", 98_000),
    ("Sales Operations Analyst", "sales", 88_000),
    ("Registered Nurse (ICU)", "healthcare", 110_000),
    ("Nurse Practitioner", "healthcare", 130_000),
    ("Physical Therapist", "healthcare", 98_000),
    ("Medical Assistant", "healthcare", 45_000),
    ("Clinical Pharmacist", "healthcare", 140_000),
    ("Clinical Research Coordinator", "healthcare", 72_000),
    ("Radiologic Technologist", "healthcare", 80_000),
    ("Product Manager", "operations", 165_000),
    ("UX Designer", "operations", 128_000),
    ("HR Business Partner", "operations", 112_000),
    ("Supply Chain Analyst", "operations", 82_000),
    ("Operations Manager", "operations", 108_000),
    ("Paralegal", "operations", 66_000),
    ("Maintenance Technician", "operations", 62_000),
    ("Executive Assistant", "operations", 72_000),
]
CLIENTS = {
    "engineering": [
        "Summit Peak Software",
        "Nimbus Cloud Systems",
        "Lumen Analytics",
        "Brightwave Telecom",
        "Quarry Labs",
        "Halcyon Robotics",
        "Tidewater Bank",
    ],
    "finance": [
        "Tidewater Bank",
        "Bluestem Financial",
        "Redwood Capital Advisors",
        "Granite State Insurance",
        "Orchard Lane Foods",
        "Stonebridge Construction",
    ],
    "sales": [
        "Brightwave Telecom",
        "Vantage Retail Group",
        "Summit Peak Software",
        "Copperline Energy",
        "Orchard Lane Foods",
    ],
    "healthcare": [
        "Harbor Point Health",
        "Cedar Ridge Medical Group",
        "Pinecrest Hospital",
        "Silver Maple Senior Living",
        "Bayside Dental Partners",
        "Meridian Pharma",
    ],
    "operations": [
        "Atlas Freight",
        "Ironclad Manufacturing",
        "Keystone Legal Partners",
        "Fairhaven University",
        "Copperline Energy",
        "Vantage Retail Group",
        "Meridian Pharma",
    ],
}
LOCATIONS = [
    "Boston, MA",
    "Chicago, IL",
    "Austin, TX",
    "Denver, CO",
    "Atlanta, GA",
    "Seattle, WA",
    "New York, NY",
    "Raleigh, NC",
    "Phoenix, AZ",
    "Minneapolis, MN",
    "Columbus, OH",
    "San Diego, CA",
]
REMOTE_FAMILIES = {"engineering", "finance", "sales", "operations"}

REQUISITION_NOTES = [
    "Hiring manager prefers candidates from a regulated industry.",
    "Client wants to see a shortlist before the quarterly board meeting.",
    "Backfill for a resignation; the team is covering the gap with overtime.",
    "Second opening expected once this one is filled.",
    "Client interviewed two internal candidates already; neither fit.",
    "Relocation budget available for the right person.",
    "Hiring manager travels most weeks; book interviews early.",
    "Client has used three agencies on this role this year.",
]
LOST_REASONS = [
    "Client filled the role internally",
    "Client froze hiring after a budget review",
    "A competing agency placed first",
    "The hiring manager left and the role was cancelled",
    "Client moved the role to its offshore centre",
]
DECLINED_REASONS = [
    "Budget 25% below market and the client will not move",
    "Seven must-haves and no access to the hiring manager",
    "Fourth agency on the role at a 15% fee",
    "Client would not commit to interview dates or a decision maker",
    "Relocation required for a niche skill set with no relocation package",
]
ON_HOLD_REASONS = [
    "Budget review until next quarter",
    "Hiring manager on leave for three weeks",
    "Client reorganising the team before hiring",
    "",
]
FEEDBACK_NOTES = [
    "Client: strong fundamentals, wants to meet",
    "Client passed: salary expectations above the range",
    "Client passed: not enough people-management experience",
    "Client: good fit, scheduling a first round",
    "Client passed: prefers someone local",
    "Client: promising, asked for a second profile like this one",
]
# What sales says when screening a submittal before the client sees it (blank: no reason given).
INTERNAL_REJECT_NOTES = [
    "Not senior enough for this client",
    "Too many short stints on the CV",
    "",
    "Salary expectations above the range",
    "",
    "Missing the sector experience the client asked for",
]
DECLINE_NOTES = {
    "pay": ["Declined: the offer is below their current salary", "Wants 15% more than the range allows"],
    "counter_offer": ["Accepted a counter-offer from their employer"],
    "process": ["Took another offer while waiting for the second round"],
    "location": ["Will not commute to the office three days a week"],
}
PLACEMENT_SOURCES = ("referral", "job_board", "sourced", "sourced", "sourced")
FALLBACK_NOTES = [
    "All candidates rejected; re-briefed with the hiring manager",
    "Candidate withdrew after accepting a counter-offer",
    "Client changed the brief; sourcing again",
]

# -- disputes: what each side needs (interests, not positions) and how it was settled ---------------

DISPUTE_PLAYBOOK: dict[DisputeCategory, dict[str, Any]] = {
    DisputeCategory.PAY_BELOW_MARKET: dict(
        summaries=[
            "{title} at {client} is budgeted well under market; candidates keep declining",
            "Three candidates turned down {code} on pay alone",
        ],
        sales="Keep {client} happy and win the account's next roles without reopening the rate mid-search",
        recruiting="Spend sourcing hours on a role candidates will accept, without burning our network on low offers",
        proposal="pay.market-data",
        resolution="Sales takes the market data to {client} this week; recruiting sends two calibration "
        "profiles within 48 h to show what the budget buys",
        alternative=(
            "pay.trade-scope",
            "Sales asks {client} to drop two must-haves to fit the budget; recruiting re-sources "
            "against the narrower spec",
        ),
    ),
    DisputeCategory.NO_INTAKE: dict(
        summaries=[
            "{code} reached recruiting with no intake call; the brief is a forwarded email",
            "Sourcing started on {title} before anyone spoke to the hiring manager",
        ],
        sales="Move while {client} is warm so a faster agency does not take the order",
        recruiting="Hear the must-haves from the hiring manager before sourcing, so the first shortlist lands",
        proposal="intake.joint-call",
        resolution="Joint intake with the hiring manager within 24 h; first submittal due 48 h after it",
        alternative=(
            "intake.written-checklist",
            "The hiring manager answers the written intake checklist within 24 h; recruiting starts "
            "sourcing on receipt",
        ),
    ),
    DisputeCategory.SLOW_SUBMITTALS: dict(
        summaries=[
            "No submittal on {code} after two weeks; {client} is asking for an update",
            "{client} has heard nothing on {title} since the intake call",
        ],
        sales="Show {client} progress inside the first week so the relationship holds",
        recruiting="Submit people who fit rather than padding the shortlist, and know which requisitions come first",
        proposal="submittals.sla-by-grade",
        resolution="First submittal by grade (A within 24 h, B within 48 h); sales ranks the queue weekly "
        "and caps new C requisitions",
        alternative=(
            "submittals.park-grade-c",
            "The requisition is parked until its scorecard is fixed; recruiting commits to 48 h once it is graded B",
        ),
    ),
    DisputeCategory.CANDIDATE_QUALITY: dict(
        summaries=[
            "{client} rejected every submittal for {title}; sales says the profiles missed the brief",
            "Hiring manager at {client} called the {code} shortlist 'not even close'",
        ],
        sales="Protect credibility with the hiring manager by sending fewer, better candidates",
        recruiting="Learn why candidates were rejected, in writing, so the next ones fit",
        proposal="quality.reject-reasons",
        resolution="Sales returns written reject reasons within 24 h; recruiting recalibrates the search "
        "with the hiring manager",
        alternative=(
            "quality.calibration-call",
            "A 20-minute calibration call with the hiring manager on three profiles before the next submittal",
        ),
    ),
    DisputeCategory.CLIENT_UNRESPONSIVE: dict(
        summaries=[
            "Feedback on {code} took over a week; two candidates went cold",
            "{client} has not answered on three {title} submittals",
        ],
        sales="Keep the relationship with a senior buyer at {client} without nagging",
        recruiting="Keep candidates warm with real feedback dates and not lose them to competing offers",
        proposal="client.feedback-terms",
        resolution="48 h feedback written into the client terms; recruiting keeps candidates warm with a "
        "weekly touchpoint",
        alternative=(
            "client.escalate-stale",
            "After five quiet days sales escalates to the client's sponsor; recruiting keeps the "
            "shortlist warm meanwhile",
        ),
    ),
    DisputeCategory.OVERPROMISED_TIMELINE: dict(
        summaries=[
            "{client} was promised a {title} hire in three weeks; our median is 36 days",
            "Promised date on {code} is already past and nobody told the client",
        ],
        sales="Win orders against agencies that quote faster dates",
        recruiting="Commit only to dates the data supports, so we are not blamed for a promise we never made",
        proposal="timeline.quote-median",
        resolution="Sales quotes the team's median time to fill; recruiting publishes it weekly by grade",
        alternative=(
            "timeline.reset-date",
            "Sales and recruiting reset the date with {client} together, with the estimate in hand",
        ),
    ),
    DisputeCategory.SCOPE_CREEP: dict(
        summaries=[
            "{client} added four must-haves to {title} after two weeks of sourcing",
            "{code} changed from individual contributor to team lead mid-search",
        ],
        sales="Accommodate {client}'s changing needs without losing the order",
        recruiting="A stable brief: when the spec changes after sourcing starts, the work restarts and so "
        "should the clock",
        proposal="scope.re-intake",
        resolution="A spec change is a re-intake: the SLA clock restarts and the top three must-haves are "
        "frozen (add one, drop one)",
        alternative=(
            "scope.freeze-three",
            "The top three must-haves are frozen: the client may add one only by dropping one",
        ),
    ),
    DisputeCategory.CREDIT_SPLIT: dict(
        summaries=[
            "Who gets credit for the {title} placement at {client}",
            "Candidate for {code} came from recruiting's network; sales opened the account",
        ],
        sales="Recognition for opening and closing the {client} account",
        recruiting="Recognition for finding the candidate through our own network",
        proposal="credit.written-split",
        resolution="A written 50/50 split of margin, agreed before work starts on the next requisitions",
        alternative=(
            "credit.contribution-log",
            "Credit split by the contribution logged on the requisition, reviewed at placement",
        ),
    ),
    DisputeCategory.FEE_CONCESSION: dict(
        summaries=[
            "Fee on {code} cut without asking recruiting; fourth agency on the role",
            "{client} got a discount on {title} and nothing in return",
        ],
        sales="Land {client} as a new logo whose volume could be worth a discount",
        recruiting="Put effort where it pays: a discount should buy exclusivity or access",
        proposal="fee.trade-for-exclusivity",
        resolution="Discounts only in exchange for exclusivity, hiring-manager access or a shorter process",
        alternative=(
            "fee.trade-for-access",
            "The discount stays only with hiring-manager access and a two-stage process in writing",
        ),
    ),
    DisputeCategory.BLAME_VISIBILITY: dict(
        summaries=[
            "Standup turned into blame over {client}'s stalled requisitions",
            "Sales and recruiting quote different numbers for {code}",
        ],
        sales="Know where each requisition stands without chasing people",
        recruiting="Be judged on facts, not on who speaks loudest in the standup",
        proposal="visibility.facts-first-review",
        resolution="A facts-first queue review each Monday and a half-day shadowing swap between the teams",
        alternative=(
            "visibility.shadow-swap",
            "A half-day shadowing swap: each side spends a morning in the other's seat this month",
        ),
    ),
}
# The two categories a dispute can have without a requisition, worded for the team as a whole.
GENERAL_DISPUTES: dict[DisputeCategory, dict[str, Any]] = {
    DisputeCategory.CREDIT_SPLIT: dict(
        summaries=["No agreed rule for splitting credit when recruiting sources a client's next hire"],
        sales="Recognition for opening and growing the accounts",
        recruiting="Recognition for candidates found through our own network",
        resolution="A written 50/50 split of margin, agreed before work starts on each requisition",
    ),
    DisputeCategory.BLAME_VISIBILITY: dict(
        summaries=["Standups keep turning into blame over stalled requisitions; each side quotes different numbers"],
        sales="Know where each requisition stands without chasing people",
        recruiting="Be judged on facts, not on who speaks loudest in the standup",
        resolution="A facts-first queue review each Monday and a half-day shadowing swap between the teams",
    ),
}
WITHDRAWN_NOTES = ["Withdrawn: the client cancelled the role", "Withdrawn: settled between the two directly"]

# -- commitments ----------------------------------------------------------------------------------

SALES_PROMISES = [
    "Get written feedback from the hiring manager on the last submittals",
    "Book the intake call with the hiring manager",
    "Take the market salary data to the client",
    "Confirm interview dates with the client",
    "Send the recruiter the three must-haves agreed with the client",
    "Ask the client to approve the headcount in writing",
    "Re-quote the promised date using the team's median time to fill",
    "Chase the client for a decision on the offer",
]
RECRUITING_PROMISES = [
    "Send two calibration profiles to the account manager",
    "First submittal on the new grade-A requisition",
    "Call back the shortlisted candidates with feedback",
    "Refresh the sourcing plan after the re-intake",
    "Share the weekly pipeline numbers with sales",
    "Keep the two finalists warm until the client decides",
    "Run reference checks on the preferred candidate",
    "Publish the time-to-fill medians by grade",
]
# What a person promises to bring an agreed expectation back on track, by the expectation's metric.
EXPECTATION_PROMISES = {
    defaults.INTAKE_WITHIN_HOURS: "Hold the intake call within 24 h for every new requisition this week",
    defaults.FIRST_SUBMITTAL_A: "First submittal within 1 business day on this week's grade-A requisitions",
    defaults.FIRST_SUBMITTAL_B: "First submittal within 2 business days on this week's grade-B requisitions",
    defaults.CLIENT_FEEDBACK_WITHIN_HOURS: "Get client feedback within 48 h on every submittal this week",
    defaults.NO_STALE_REQUISITION_DAYS: "Move every requisition at least once this week (none stale for 5 days)",
    defaults.PROMISE_NOT_BEFORE_ESTIMATE: "Quote no promised date earlier than the realistic estimate",
}
CANCEL_REASONS = [
    "Requisition lost: the client froze hiring",
    "Superseded by the joint intake agreed at standup",
    "Owner on leave; reassigned",
    "The client withdrew the role",
]


@dataclass
class _Person:
    id: int
    name: str
    team: Team
    follow_through: float = 0.85
    overpromises: bool = False
    on_time: float = 0.85  # recruiters: the share of first submittals sent within the allowance


@dataclass(slots=True)
class _Req:
    """What the later stages need to know about a generated requisition, rebuilt from `_ReqTable` when asked
    for. Its row is held only until its batch is written."""

    id: int
    title: str
    client: str
    sales: _Person
    recruiter: _Person | None
    status: RequisitionStatus
    opened: dt.datetime
    closed: dt.datetime | None
    intake_at: dt.datetime | None
    promise_early: bool
    below_market: bool
    fee_cut: bool
    submittals: int
    row: list[Any] = field(default_factory=list)

    @property
    def code(self) -> str:
        return f"REQ-{self.id:04d}"


NO_MINUTE = -(2**31)  # a moment not reached (no close, no intake yet) in _ReqTable's minute columns
_STATUSES = tuple(RequisitionStatus)
_PROMISE_EARLY, _BELOW_MARKET, _FEE_CUT = 1, 2, 4


class _ReqTable(Sequence[_Req]):
    """Every generated requisition's facts the later stages read, as columns of machine integers (about 30
    bytes a requisition, where a _Req with its datetimes is about 400: a million stay some 30 MB). Indexing
    rebuilds the _Req; the stages that scan them all read the columns (the `*_at` minutes are relative to
    the builder's clock, as inside the generator)."""

    def __init__(self, now: dt.datetime, people: Sequence[_Person]) -> None:
        self.now = now
        self.people = people  # people[id - 1] is the person with that id
        self.text: list[str] = []  # titles and clients, each once
        self._text_index: dict[str, int] = {}
        self.title = array("I")
        self.client = array("I")
        self.sales = array("I")
        self.recruiter = array("I")  # 0: none
        self.status = array("B")
        self.opened = array("i")
        self.closed = array("i")
        self.intake = array("i")
        self.flags = array("B")
        self.submittals = array("I")

    def _intern(self, text: str) -> int:
        index = self._text_index.get(text)
        if index is None:
            index = self._text_index[text] = len(self.text)
            self.text.append(text)
        return index

    def append(self, req: _Req, opened: int, closed: int | None, intake: int | None) -> None:
        assert req.id == len(self.title) + 1, "requisitions are added in id order"
        self.title.append(self._intern(req.title))
        self.client.append(self._intern(req.client))
        self.sales.append(req.sales.id)
        self.recruiter.append(req.recruiter.id if req.recruiter else 0)
        self.status.append(_STATUSES.index(req.status))
        self.opened.append(opened)
        self.closed.append(NO_MINUTE if closed is None else closed)
        self.intake.append(NO_MINUTE if intake is None else intake)
        self.flags.append(
            (_PROMISE_EARLY if req.promise_early else 0)
            | (_BELOW_MARKET if req.below_market else 0)
            | (_FEE_CUT if req.fee_cut else 0)
        )
        self.submittals.append(req.submittals)

    def __len__(self) -> int:
        return len(self.title)

    def __iter__(self) -> Iterator[_Req]:
        return (self[i] for i in range(len(self)))

    @overload
    def __getitem__(self, index: int) -> _Req: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[_Req]: ...
    def __getitem__(self, index: int | slice) -> _Req | Sequence[_Req]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        now, flags = self.now, self.flags[index]
        recruiter = self.recruiter[index]
        closed, intake = self.closed[index], self.intake[index]
        return _Req(
            index + 1,
            self.text[self.title[index]],
            self.text[self.client[index]],
            self.people[self.sales[index] - 1],
            self.people[recruiter - 1] if recruiter else None,
            _STATUSES[self.status[index]],
            now + dt.timedelta(minutes=self.opened[index]),
            None if closed == NO_MINUTE else now + dt.timedelta(minutes=closed),
            None if intake == NO_MINUTE else now + dt.timedelta(minutes=intake),
            bool(flags & _PROMISE_EARLY),
            bool(flags & _BELOW_MARKET),
            bool(flags & _FEE_CUT),
            self.submittals[index],
        )

    def minutes(self, moment: dt.datetime) -> float:
        """`moment` on the columns' scale: a requisition's minute m is before it exactly when m < this."""
        return (moment - self.now).total_seconds() / 60

    def where(self, test: Callable[[int], bool], among: Sequence[int] | None = None) -> _ReqView:
        """The requisitions (by index) for which `test(index)` holds, in order."""
        return _ReqView(self, array("I", (i for i in (range(len(self)) if among is None else among) if test(i))))

    def awaiting_intake(self, lo: float, hi: float) -> _ReqView:
        """Opened in [lo, hi) and without an intake by hi (minutes on the columns' scale)."""
        opened, intake = self.opened, self.intake
        return self.where(lambda i: lo <= opened[i] < hi and (intake[i] == NO_MINUTE or intake[i] > hi))

    def promised_early_open_at(self, moment: float) -> _ReqView:
        """Promised before a realistic fill, opened before `moment` and not closed by then."""
        flags, opened, closed = self.flags, self.opened, self.closed
        return self.where(
            lambda i: (
                bool(flags[i] & _PROMISE_EARLY)
                and opened[i] < moment
                and (closed[i] == NO_MINUTE or closed[i] > moment)
            )
        )


class _ReqView(Sequence[_Req]):
    """Some of a _ReqTable's requisitions, by index, in order; indexing rebuilds the _Req."""

    def __init__(self, table: _ReqTable, indexes: Sequence[int]) -> None:
        self.table = table
        self.indexes = indexes

    def __len__(self) -> int:
        return len(self.indexes)

    def __bool__(self) -> bool:
        return len(self.indexes) > 0

    def __iter__(self) -> Iterator[_Req]:
        return (self.table[i] for i in self.indexes)

    @overload
    def __getitem__(self, index: int) -> _Req: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[_Req]: ...
    def __getitem__(self, index: int | slice) -> _Req | Sequence[_Req]:
        if isinstance(index, slice):
            return [self.table[i] for i in self.indexes[index]]
        return self.table[self.indexes[index]]


def _expected_grade(
    dates_agreed: bool,
    promised: bool,
    headcount: bool,
    reason_known: bool,
    salary_max: int | None,
    market: int | None,
    engagement: str,
    fee: float | None,
    competing: int,
    manager_access: bool,
    agreed_48h: bool,
    stages: int | None,
    jd_clear: bool,
    must_haves: int | None,
    candidates: bool,
) -> str:
    """The grade the shipped rule pack (console/rules/default_pack.toml) gives these intake answers,
    reckoned here in brief (db/ cannot ask the rules module, and the demo is graded only once written),
    so that recruiters can work grade A requisitions first, as the expectations ask."""

    def level(best: bool, partial: bool) -> int:
        return 2 if best else 1 if partial else 0

    gap = None if not salary_max or not market else (market - salary_max) / market * 100
    standard_fee = fee is not None and fee >= 20
    few_rivals = engagement != CONTINGENT or competing <= 1
    points = (
        15 * level(dates_agreed and promised, dates_agreed or promised)
        + 10 * level(headcount and reason_known, headcount or reason_known)
        + 15
        * (
            0
            if not salary_max
            else 1
            if market is None
            else 2
            if gap is not None and gap <= 0
            else 1
            if gap is not None and gap <= 15
            else 0
        )
        + 15 * level(few_rivals and standard_fee, few_rivals or standard_fee)
        + 15 * level(manager_access and agreed_48h, manager_access or agreed_48h)
        + 10 * (0 if stages is None else 2 if stages <= 3 else 1 if stages <= 5 else 0)
        + 10
        * level(
            jd_clear and must_haves is not None and must_haves <= 3,
            jd_clear or (must_haves is not None and must_haves <= 3),
        )
        + 10 * (2 if candidates else 0)
    ) / 2
    grade = "A" if points >= 70 else "B" if points >= 45 else "C"
    # The B caps: pay far below market, terms far below standard, more must-haves than the pack allows.
    far_below_terms = engagement == CONTINGENT and fee is not None and fee <= 15 and competing >= 2
    too_many_must_haves = must_haves is not None and must_haves > 5
    capped = (gap is not None and gap > 15) or far_below_terms or too_many_must_haves
    return "B" if grade == "A" and capped else grade


def _ts(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(sep=" ")


def _allocate(total: int, weights: Mapping[Any, float]) -> dict[Any, int]:
    """Splits `total` by `weights` (largest remainder); when there is room, every key gets at least one."""
    scale = sum(weights.values())
    exact = {k: total * w / scale for k, w in weights.items()}
    counts = {k: int(v) for k, v in exact.items()}
    for k in sorted(weights, key=lambda k: exact[k] - counts[k], reverse=True)[: total - sum(counts.values())]:
        counts[k] += 1
    if total >= len(weights):
        for k in [k for k, n in counts.items() if n == 0]:
            counts[k] += 1
            counts[max(counts, key=counts.__getitem__)] -= 1
    return counts


# 60 requisitions (the default) split exactly like this; larger runs keep the proportions.
STATUS_WEIGHTS = {
    S.INTAKE: 6,
    S.QUALIFIED: 5,
    S.SOURCING: 9,
    S.SUBMITTED: 7,
    S.INTERVIEWING: 6,
    S.OFFER: 3,
    S.ON_HOLD: 3,
    S.FILLED: 13,
    S.LOST: 4,
    S.DECLINED: 4,
}
# Days since opening, by status: new work is young, finished work is old.
AGE_DAYS = {
    S.INTAKE: (0.1, 7),
    S.QUALIFIED: (1, 18),
    S.SOURCING: (4, 55),
    S.SUBMITTED: (8, 70),
    S.INTERVIEWING: (14, 90),
    S.OFFER: (22, 100),
    S.ON_HOLD: (15, 110),
    S.FILLED: (30, 120),
    S.LOST: (10, 120),
    S.DECLINED: (3, 110),
}
# Share of each status that falls back once (candidates rejected or withdrawn) before moving on.
FALLBACK_CHANCE = 0.18
# A requisition back in sourcing has usually had candidates already: an easy one that never had a
# submittal would be stuck, which the quick team of the demo rarely lets happen.
SOURCING_AFTER_SUBMITTAL = {"A": 0.9, "B": 0.8, "C": FALLBACK_CHANCE}
# First submittals, by the grade the rules will give (see _expected_grade): the business days the
# expectations allow (A 1, B 2; C has none, so 3 is the recruiters' own habit), how much more or less
# likely than the recruiter's usual the allowance is kept, and how late a late one is.
SUBMITTAL_ALLOWANCE = {"A": 1, "B": 2, "C": 3}
SUBMITTAL_ON_TIME_SHIFT = {"A": 0.05, "B": 0.03, "C": -0.3}
SUBMITTAL_LATE_DAYS = {"A": (2, 5), "B": (3, 7), "C": (4, 12)}
# A requisition still waiting in "qualified" was qualified this long ago (days), by grade.
WAITING_QUALIFIED_DAYS = {"A": (0.05, 1.2), "B": (0.05, 2.3), "C": (0.1, 9.0)}
DISPUTE_STATUS_WEIGHTS = {
    DisputeStatus.OPEN: 5,
    DisputeStatus.MEDIATING: 3,
    DisputeStatus.RESOLVED: 4,
    DisputeStatus.ESCALATED: 1,
    DisputeStatus.WITHDRAWN: 1,
}
HISTORY_WEEKS = 12
STANDUPS = 4
FORWARD = [S.INTAKE, S.QUALIFIED, S.SOURCING, S.SUBMITTED, S.INTERVIEWING, S.OFFER, S.FILLED]
# Who moves a requisition into these statuses: sales (the client relationship); recruiting moves the rest.
SALES_MOVES = frozenset({S.QUALIFIED, S.ON_HOLD, S.LOST, S.OFFER})
# By fillability profile (A easy … C hard): the odds that each scorecard input is in good shape, etc.
GOOD_ODDS = {"A": 0.9, "B": 0.55, "C": 0.2}
BELOW_MARKET_ODDS = {"A": 0.05, "B": 0.35, "C": 0.7}
FEE_CUT_ODDS = {"A": 0.03, "B": 0.12, "C": 0.3}
SLOW_FEEDBACK_ODDS = {"A": 0.1, "B": 0.3, "C": 0.55}
COMPETING = {"A": (0, 1, 1), "B": (1, 2, 2, 3), "C": (2, 3, 4, 5)}
STAGES = {"A": (2, 3), "B": (2, 3, 4), "C": (3, 4, 5, 6)}
MUST_HAVES = {"A": (2, 3), "B": (3, 5), "C": (4, 9)}
OPENINGS = (1, 1, 1, 1, 1, 1, 2, 2, 3)
MORE_SUBMITTALS = {S.SUBMITTED: (0, 1, 1, 2), S.INTERVIEWING: (0, 0, 0, 1)}
CONTINGENT, EXCLUSIVE, RETAINED = (e.value for e in (Engagement.CONTINGENT, Engagement.EXCLUSIVE, Engagement.RETAINED))
MISSED = CommitmentStatus.MISSED.value
K_INTERNAL, K_DECLINE = EventKind.INTERNAL_FEEDBACK.value, EventKind.DECLINE.value
K_SUBMITTAL, K_FEEDBACK, K_INTERVIEW, K_OFFER, K_PLACEMENT, K_STATUS = (
    k.value
    for k in (
        EventKind.SUBMITTAL,
        EventKind.CLIENT_FEEDBACK,
        EventKind.INTERVIEW,
        EventKind.OFFER,
        EventKind.PLACEMENT,
        EventKind.STATUS_CHANGE,
    )
)


# Requisitions generated, then written (with their pipeline events and audit rows) and committed, at a time:
# memory holds one batch's rows, not the whole demo's.
BATCH = 5_000
# Whether a demo of more than one batch is generated in a second process. Only where forking is safe:
# Linux (macOS's system libraries may start threads a forked child cannot use; Windows cannot fork).
PARALLEL = sys.platform.startswith("linux")


# What the rules derive for a requisition, as Store.set_derived takes it: (score, grade, estimate_days, id).
Figures = tuple[int | None, str | None, int | None, int]


class _Grader:
    """`figures` run on a read-only connection of its own in a thread, from the moment it is made."""

    def __init__(self, store: Store, figures: Callable[[Store], Sequence[Figures]]) -> None:
        self._reader = store.background_reader()
        self._figures = figures
        self._done: Future[Sequence[Figures]] = Future()
        self._thread = threading.Thread(target=self._run, name="demo grading", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            with self._reader as reader:
                self._done.set_result(self._figures(reader))
        except BaseException as exc:  # noqa: BLE001 - raised in the writer's thread by result()
            self._done.set_exception(exc)

    def result(self) -> Sequence[Figures]:
        return self._done.result()

    def stop(self) -> None:
        """Ends the grading early when the demo stopped before it was needed (its statement is interrupted)."""
        while self._thread.is_alive():  # its next statement (every few thousand rows) stops it
            self._reader.conn.interrupt()
            self._thread.join(0.05)


@dataclass(slots=True)
class _Batch:
    """One batch of requisitions as written: their rows, their pipeline events' rows and the audit rows
    (each requisition's, then its events') in order."""

    requisitions: list[tuple[Any, ...]]
    events: list[tuple[Any, ...]]
    audit: list[tuple[Any, ...]]

    def __len__(self) -> int:
        return len(self.requisitions)


class _DemoBuilder:
    """Builds the records as plain rows and writes them in bulk, in batches (see `build`)."""

    def __init__(
        self,
        store: Store,
        requisitions: int,
        seed: int,
        expectations: Sequence[Expectation] = (),
        batch: int = BATCH,
        figures: Callable[[Store], Sequence[Figures]] | None = None,
    ) -> None:
        self.store = store
        self.figures = figures
        self._grader: _Grader | None = None
        self.batch = max(1, batch)
        self.default_expectations = expectations
        self.n = requisitions
        self.rng = random.Random(seed)
        # The facts issue 13 added (feedback outcomes, declines, placement sources, first-slate dates) come
        # from a second generator, so the rest of the demo is what it was for the same seed.
        self.facts_rng = random.Random(seed * 7919 + 13)
        self.now = store.now().replace(microsecond=0)
        self.today = self.now.date()
        self.people: list[_Person] = []
        self.sales: list[_Person] = []
        self.recruiters: list[_Person] = []
        self.lead: _Person | None = None
        self.reqs = _ReqTable(self.now, self.people)
        # The pipeline events of the batch not yet written, and how many were written before them.
        self.event_rows: list[tuple[Any, ...]] = []
        self.events_written = 0
        self.events_generated = 0  # the generator's count (the ids it gave), ahead of what is written
        # Audit rows name the person who acted; anything else is the console's own actor.
        self.actor = store.actor
        self.names: dict[int, str] = {}
        self._deferred: list[tuple[str, str, str, str]] = []  # (type, name, sql, table)
        self.open_disputes: Counter[int] = Counter()
        # Disputes and commitments not yet written, and how many were written before them.
        self.dispute_rows: list[tuple[Any, ...]] = []
        self.disputes_written = 0
        self.commitment_rows: list[list[Any]] = []
        self.commitments_written = 0
        self.standup_rows: list[tuple[Any, ...]] = []
        self.item_rows: list[tuple[Any, ...]] = []
        self.audit_rows: list[tuple[Any, ...]] = []
        self.resolved_disputes: list[tuple[int, _Req | None, _Person, _Person, dt.datetime | None]] = []
        self.expectations: list[Expectation] = []
        self.next_commitment_id = 1
        self._stamps: dict[int, str] = {}
        self._days: dict[int, str] = {}

    # -- orchestration ---------------------------------------------------------------------------

    def build(self, marker: dict[str, Any]) -> dict[str, int]:
        """Writes the demo in transactions of its own: the people and expectations first, the requisitions
        with their pipeline events a batch at a time, their search index and indexes (while the figures are
        worked out beside them: `_start_grading`), the disputes, then the commitments, standups and figures
        with the last indexes and triggers put back, and the demo's `marker` audit row last. Until that
        last commit the file is a demo being written (indexes missing): write into a file that is thrown
        away unless this returns (console/core/demo_setup.write_demo_file)."""
        store = self.store
        with store.transaction():
            self._defer_indexes()
            self._people()
            self.names = {p.id: p.name for p in self.people}
            self._expectations()
            self._write_people()
        self._requisitions()
        self._start_grading()
        try:
            self._write_the_rest(marker)
        finally:
            if self._grader is not None:
                self._grader.stop()
        return {
            "people": len(self.people),
            "requisitions": len(self.reqs),
            "pipeline_events": self.events_written,
            "disputes": self.disputes_written,
            "expectations": len(self.expectations),
            "commitments": self.commitments_written,
            "standups": len(self.standup_rows),
        }

    def _write_the_rest(self, marker: dict[str, Any]) -> None:
        store = self.store
        with store.transaction():
            self._index_the_requisitions()
        self._disputes()
        standups = self._standup_schedule()
        with store.transaction() as conn:
            # Commitments name the standups they were made in, which are written after them (they list
            # the commitments due), so the foreign keys are checked at this commit.
            conn.execute("PRAGMA defer_foreign_keys = ON")
            self._commitments(standups)
            self._standups(standups)
            self._write_rest()
            store.audit("database", None, "demo", None, marker)

    def _start_grading(self) -> None:
        """With more than one batch written, the figures are computed from the committed requisitions on a
        read-only connection in a thread of their own while this one writes the disputes, commitments and
        standups and rebuilds the indexes: those statements run in SQLite without Python's lock, so the
        grading (a minute of Python at 1,000,000 requisitions) takes the second core instead of adding to
        the last transaction. The file goes to WAL for it (a reader beside a writer); the scorecard reads
        only a requisition's own columns, all written by now."""
        store = self.store
        if self.figures is None or self.n <= self.batch or not store.reads_beside():
            return
        store.conn.execute("PRAGMA journal_mode = WAL")
        self._grader = _Grader(store, self.figures)

    def _audit(
        self,
        at: dt.datetime,
        actor: str,
        entity: str,
        entity_id: int,
        columns: tuple[str, ...],
        row: tuple[Any, ...] | list[Any],
        action: str = "create",
        before: dict[str, Any] | None = None,
    ) -> None:
        self.audit_rows.append(_audit_row(at, actor, entity, entity_id, columns, row, action, before))

    # -- people ----------------------------------------------------------------------------------

    def _people(self) -> None:
        rng = self.rng
        extra = max(0, round((self.n - 60) / 40))
        extra_sales = extra * 45 // 100
        extra_recruiters = extra - extra_sales
        taken = {n.lower() for n in (*CORE_SALES, *CORE_RECRUITERS, LEAD)}
        names = self._extra_names(extra, taken)
        pid = 0

        def add(name: str, team: Team, follow_through: float, overpromises: bool = False) -> _Person:
            nonlocal pid
            pid += 1
            person = _Person(pid, name, team, follow_through, overpromises)
            self.people.append(person)
            return person

        for i, name in enumerate(CORE_SALES):
            self.sales.append(add(name, Team.SALES, CORE_SALES_FOLLOW_THROUGH[i], overpromises=i == 0))
        for i, name in enumerate(CORE_RECRUITERS):
            self.recruiters.append(add(name, Team.RECRUITING, CORE_RECRUITER_FOLLOW_THROUGH[i]))
            self.recruiters[-1].on_time = CORE_RECRUITER_ON_TIME[i]
        self.lead = add(LEAD, Team.LEAD, 1.0)
        for i, name in enumerate(names):
            team = Team.SALES if i < extra_sales else Team.RECRUITING
            person = add(name, team, round(rng.uniform(0.55, 0.97), 2), overpromises=rng.random() < 0.15)
            if team == Team.RECRUITING:
                person.on_time = round(0.42 + 0.58 * person.follow_through, 2)
            (self.sales if team == Team.SALES else self.recruiters).append(person)
        assert len(self.recruiters) == len(CORE_RECRUITERS) + extra_recruiters
        start = self.now - dt.timedelta(days=200)
        for p in self.people:
            self._audit(start, self.store.actor, "person", p.id, PEOPLE_COLUMNS, (p.id, p.name, str(p.team), True))

    def _extra_names(self, count: int, taken: set[str]) -> list[str]:
        """Unique plausible names; a middle initial keeps them unique once first × last runs out."""
        if not count:
            return []
        pairs = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
        self.rng.shuffle(pairs)
        names: list[str] = []
        for initial in [""] + [f" {chr(c)}." for c in range(ord("A"), ord("Z") + 1)]:
            for first, last in pairs:
                name = f"{first}{initial} {last}"
                if name.lower() not in taken:
                    taken.add(name.lower())
                    names.append(name)
                    if len(names) == count:
                        return names
        raise ValueError(f"Cannot invent {count} distinct names")

    # -- expectations ----------------------------------------------------------------------------

    def _expectations(self) -> None:
        """Agrees the default expectations the new database proposed (and any given that it lacks), plus one
        the lead checks by hand."""
        store = self.store
        existing = {e.metric: e for e in store.list_expectations() if e.metric}
        agreed = self.today - dt.timedelta(weeks=HISTORY_WEEKS + 1)
        chosen = [*existing.values(), *(e for e in self.default_expectations if e.metric not in existing)]
        for default in chosen:
            current = existing.get(default.metric) if default.metric else None
            update = {
                "status": ExpectationStatus.AGREED,
                "agreed_at": agreed,
                "created_at": dt.datetime.combine(agreed - dt.timedelta(days=7), dt.time(10, 0)),
            }
            if current is None:
                self.expectations.append(store.add_expectation(default.model_copy(update=update)))
            else:
                self.expectations.append(store.update_expectation(current.model_copy(update=update), action="agreed"))
        review_agreed = self.today - dt.timedelta(weeks=8)
        self.expectations.append(
            store.add_expectation(
                Expectation(
                    title="Weekly pipeline review attended by both teams",
                    owner_team=Team.LEAD,
                    metric=None,
                    target=90,
                    threshold=None,
                    window_days=28,
                    status=ExpectationStatus.AGREED,
                    agreed_at=review_agreed,
                    created_at=dt.datetime.combine(review_agreed, dt.time(9, 30)),
                )
            )
        )

    # -- requisitions and their pipeline ----------------------------------------------------------

    def _requisitions(self) -> None:
        """The requisitions with their pipeline events, written a batch to a transaction. With more than one
        batch to make and on Linux (PARALLEL), a second process generates them (the Python half of
        the work) while this one writes the batches it hands over (SQLite, the audit chain's hashing): the
        same rows in the same order, on both cores."""
        batches = -(-self.n // self.batch)
        if batches > 1 and PARALLEL:
            self._requisitions_from_a_second_process()
        else:
            for batch in self._generated_batches():
                self._write_requisitions(batch)

    def _generated_batches(self) -> Iterator[_Batch]:
        """Generates the requisitions in id order, a batch at a time: each batch's rows with their pipeline
        events and audit rows. Writes nothing; what the later stages read is kept in `self.reqs`."""
        rng = self.rng
        counts = _allocate(self.n, STATUS_WEIGHTS)
        plan: list[tuple[float, RequisitionStatus]] = []
        for status, count in counts.items():
            lo, hi = AGE_DAYS[status]
            plan.extend((rng.uniform(lo, hi), status) for _ in range(count))
        # Codes follow the order requisitions arrived in: REQ-0001 is the oldest.
        plan.sort(key=lambda p: -p[0])
        # Two packed columns instead of a million (age, status) pairs while the requisitions are made.
        ages, statuses = array("d", (age for age, _ in plan)), bytes(_STATUSES.index(status) for _, status in plan)
        del plan
        pending: list[_Req] = []
        for index, (age_days, status_index) in enumerate(zip(ages, statuses, strict=True), start=1):
            status = _STATUSES[status_index]
            opened = -int(age_days * 1440)
            req, closed, intake_at = self._requisition(index, status, opened)
            self.reqs.append(req, opened, closed, intake_at)
            pending.append(req)
            if len(pending) >= self.batch:
                yield self._batch(pending)
                pending = []
        if pending:
            yield self._batch(pending)

    def _requisitions_from_a_second_process(self) -> None:
        """`_generated_batches` run in a forked process, each batch sent here through a pipe and written;
        then the generator's state the later stages go on from (the random generators, `self.reqs`)."""
        context = multiprocessing.get_context("fork")
        receiving, sending = context.Pipe(duplex=False)
        child = context.Process(target=self._generate_into, args=(sending,), name="demo generator", daemon=True)
        child.start()
        sending.close()  # only the child writes: if it dies, the next receive here ends instead of waiting
        try:
            while True:
                try:
                    message = receiving.recv()
                except EOFError:
                    child.join(5)
                    raise RuntimeError(f"The demo's generator process stopped (exit code {child.exitcode})") from None
                if isinstance(message, _Batch):
                    self._write_requisitions(message)
                    continue
                if isinstance(message, BaseException):
                    raise message
                rng_state, facts_state, table, self.events_generated = message
                self.rng.setstate(rng_state)
                self.facts_rng.setstate(facts_state)
                for name, value in table.items():
                    setattr(self.reqs, name, value)
                break
            child.join()
        finally:
            receiving.close()
            if child.is_alive():  # stopped here (Ctrl+C, an error): the generator goes too
                child.terminate()
                child.join()

    def _generate_into(self, sending: Connection) -> None:
        """The forked generator: never touches the database (the connection belongs to the parent)."""
        try:
            for batch in self._generated_batches():
                sending.send(batch)
            table = {name: value for name, value in vars(self.reqs).items() if name not in ("now", "people")}
            sending.send((self.rng.getstate(), self.facts_rng.getstate(), table, self.events_generated))
        except BrokenPipeError:  # the writer is gone (stopped): nothing to tell it
            pass
        except BaseException as exc:  # noqa: BLE001 - handed to the writer, which raises it
            sending.send(exc)
        finally:
            sending.close()

    def _batch(self, reqs: list[_Req]) -> _Batch:
        """The batch's rows as written: requisitions, their events, and each requisition's audit row
        followed by its events' (so the log does not depend on the batch size). The rows are let go of
        (the later stages need only the _Req facts)."""
        names = self.names
        req_rows = [tuple(r.row) for r in reqs]
        events = self.event_rows
        audit: list[tuple[Any, ...]] = []
        add, i = audit.append, 0
        for req, row in zip(reqs, req_rows, strict=True):
            add(_audit_row(req.opened, req.sales.name, "requisition", req.id, REQUISITION_COLUMNS, row[:_RECORDED]))
            req.row = []
            while i < len(events) and events[i][1] == req.id:
                event = events[i]
                add(
                    (
                        event[3],
                        names.get(event[4], self.actor),
                        "pipeline_event",
                        event[0],
                        "create",
                        None,
                        _event_json(event),
                    )
                )
                i += 1
        assert i == len(events)
        self.event_rows = []
        self._stamps.clear()  # the next batch's requisitions are younger: few of these moments recur
        return _Batch(req_rows, events, audit)

    # Times inside the requisition generator are whole minutes relative to the clock (negative = past):
    # integer arithmetic keeps 100,000 requisitions fast; these turn them into stored text, once each.
    def _stamp(self, minute: int | None) -> str | None:
        if minute is None:
            return None
        text = self._stamps.get(minute)
        if text is None:
            text = self._stamps[minute] = (self.now + dt.timedelta(minutes=minute)).isoformat(sep=" ")
        return text

    def _moment(self, minute: int | None) -> dt.datetime | None:
        return None if minute is None else self.now + dt.timedelta(minutes=minute)

    def _path(self, status: RequisitionStatus, grade: str) -> list[RequisitionStatus]:
        """The statuses a requisition went through to reach `status`, each step an allowed transition."""
        rng = self.rng
        if status in FORWARD:
            path = FORWARD[: FORWARD.index(status) + 1]
            # Some searches fell back once: every candidate rejected, or one withdrew, and sourcing restarted.
            if S.SUBMITTED in path and rng.random() < FALLBACK_CHANCE:
                at = path.index(S.SUBMITTED) + 1
                path[at:at] = [S.SOURCING, S.SUBMITTED]
            elif status == S.SOURCING and rng.random() < SOURCING_AFTER_SUBMITTAL[grade]:
                path += [S.SUBMITTED, S.SOURCING]
        elif status == S.ON_HOLD:
            path = FORWARD[: rng.choice((1, 2, 3, 3, 4))] + [S.ON_HOLD]
        elif status == S.LOST:
            path = FORWARD[: rng.choice((1, 2, 3, 4, 4, 5, 6))] + [S.LOST]
        else:  # declined: recruiting turns work down early
            path = FORWARD[: rng.choice((1, 2, 2, 3))] + [S.DECLINED]
        return path

    def _requisition(self, rid: int, status: RequisitionStatus, opened: int) -> tuple[_Req, int | None, int | None]:
        """The requisition, with the minutes it closed and had its intake (None: not yet)."""
        rng = self.rng
        chance, uniform, randint, choice = rng.random, rng.uniform, rng.randint, rng.choice
        sales = self.sales[rng.randrange(len(self.sales))]
        recruiter: _Person | None = self.recruiters[rng.randrange(len(self.recruiters))]
        if status == S.INTAKE and chance() < 0.4:
            recruiter = None  # not yet assigned
        title, family, band_top = TITLES[rng.randrange(len(TITLES))]
        clients = CLIENTS[family]
        client = clients[rng.randrange(len(clients))]
        # How fillable the requisition is: A easy, C hard. Overpromisers and declined work skew to C.
        roll = chance()
        if status == S.DECLINED:
            profile = "C" if roll < 0.8 else "B"
        elif status == S.FILLED:
            profile = "A" if roll < 0.5 else "B" if roll < 0.9 else "C"
        elif sales.overpromises:
            profile = "A" if roll < 0.15 else "B" if roll < 0.45 else "C"
        else:
            profile = "A" if roll < 0.35 else "B" if roll < 0.75 else "C"
        good = GOOD_ODDS[profile]

        salary_max = int(band_top * uniform(0.9, 1.12) / 1000) * 1000
        salary_min = int(salary_max * uniform(0.78, 0.9) / 1000) * 1000
        market: int | None
        below = False
        if chance() < 0.15:
            market = None
        elif chance() < BELOW_MARKET_ODDS[profile]:
            # The budget sits 5–30 % below what the market pays.
            gap = uniform(0.05, 0.12) if profile == "B" else uniform(0.1, 0.3)
            market = -int(-salary_max / (1 - gap) // 1000) * 1000  # rounded up: the gap stays >= 5 %
            below = True
        else:
            market = int(salary_max * uniform(0.88, 1.0) / 1000) * 1000

        engagement_roll = chance()
        if profile == "A" and engagement_roll < 0.45:
            engagement = EXCLUSIVE if engagement_roll < 0.3 else RETAINED
        elif engagement_roll < 0.1:
            engagement = EXCLUSIVE
        else:
            engagement = CONTINGENT
        fee_cut = engagement == CONTINGENT and chance() < FEE_CUT_ODDS[profile]
        if engagement == RETAINED:
            fee = choice((25.0, 28.0, 30.0, 33.0))
        elif fee_cut:
            fee = choice((12.0, 13.5, 15.0))
        else:
            fee = choice((18.0, 20.0, 20.0, 22.0, 25.0))
        competing = 0 if engagement != CONTINGENT else choice(COMPETING[profile])

        remote = family in REMOTE_FAMILIES and chance() < 0.18
        location = "Remote (US)" if remote else LOCATIONS[rng.randrange(len(LOCATIONS))]
        if not remote and family in REMOTE_FAMILIES and chance() < 0.2:
            location += " (hybrid)"

        # What sales told the client. ~36 days is a realistic fill; some promises are far shorter.
        promise_roll = chance()
        early_chance = 0.55 if sales.overpromises else 0.25
        if promise_roll < 0.1:
            promised_days = None  # "ASAP"
        elif promise_roll < 0.1 + early_chance:
            promised_days = randint(10, 30)
        else:
            promised_days = randint(38, 75)
        promised = None if promised_days is None else self._day(opened + promised_days * 1440)

        # The intake scorecard's answers; the grade the rules will derive from them paces the recruiter.
        stages = None if chance() < 0.1 else choice(STAGES[profile])
        must_haves = None if chance() < 0.1 else randint(*MUST_HAVES[profile])
        agreed_48h = chance() < good
        turnaround = None if chance() < 0.12 else round(uniform(8, 40) if agreed_48h else uniform(30, 140), 1)
        manager_access, dates_agreed, jd_clear = chance() < good, chance() < good * 0.9, chance() < good
        headcount, reason_known, candidates = chance() < good + 0.05, chance() < good, chance() < good
        expected_grade = _expected_grade(
            dates_agreed,
            promised is not None,
            headcount,
            reason_known,
            salary_max,
            market,
            engagement,
            fee,
            competing,
            manager_access,
            agreed_48h,
            stages,
            jd_clear,
            must_haves,
            candidates,
        )

        path = self._path(status, expected_grade)
        closed: int | None = None
        age = -opened
        if status in CLOSED_STATUSES:
            if status == S.FILLED:
                closed = opened + int(min(rng.triangular(16, 70, 34) * 1440, age - 1440))
            else:
                closed = opened + int(uniform(0.15, 0.85) * age)
            last_change = closed
        else:
            last_change = opened + int(age * uniform(0.55, 0.97))

        # Transition times: the first (qualification) shortly after intake, the rest spread out.
        steps = len(path) - 1
        times: list[int] = []
        intake_at: int | None = None
        if steps:
            span = last_change - opened
            delay_roll = chance()
            first_h = uniform(2, 22) if delay_roll < 0.7 else uniform(26, 60) if delay_roll < 0.9 else uniform(72, 160)
            first = opened + int(min(first_h * 60, span * (0.4 if steps > 1 else 1.0)))
            times = [first if steps > 1 or closed is None else last_change]
            if steps > 1:
                rest = last_change - first
                times += sorted(first + int(rest * chance()) for _ in range(steps - 2))
                times.append(last_change)
            if path[1] == S.QUALIFIED:
                intake_at = opened + int((times[0] - opened) * uniform(0.5, 0.9))
                self._time_first_submittal(path, times, expected_grade, recruiter)
            elif chance() < 0.5:
                intake_at = opened + (times[0] - opened) // 2
        elif chance() < 0.45:
            # Still at intake: some had the call (a few late), the rest are waiting for it.
            intake_at = opened + int(60 * (uniform(26, 50) if chance() < 0.3 else uniform(1, 20)))
            intake_at = min(intake_at, -30)
            if intake_at <= opened:
                intake_at = None

        events, submittals, last_submittal = self._pipeline(
            rid, path, times, sales, recruiter, status, profile, opened, below
        )
        reason = ""
        if status == S.LOST:
            reason = choice(LOST_REASONS)
        elif status == S.DECLINED:
            reason = choice(DECLINED_REASONS)
        elif status == S.ON_HOLD:
            reason = choice(ON_HOLD_REASONS)
        if reason:
            # The status change that took it there carries the reason.
            next(e for e in reversed(events) if e[2] == K_STATUS)[5] = reason
        updated = events[-1][3] if events else opened
        stamp = self._stamp
        event_facts, status_changed, opened_status = _event_facts(events, opened)
        add_event = self.event_rows.append
        facts = self.facts_rng
        for event, looked_up in zip(events, event_facts, strict=True):
            event[3] = stamp(event[3])
            if len(event) == 8:
                outcome = source = None
                participants = "[]"
                if event[2] == K_FEEDBACK:
                    outcome = "rejected" if "passed" in event[5] else "advanced"
                elif event[2] == K_PLACEMENT:
                    source = PLACEMENT_SOURCES[facts.randrange(len(PLACEMENT_SOURCES))]
                    participants = json.dumps([p for p in (event[4], sales.id) if p is not None])
                event.extend((outcome, None, source, participants))
            add_event((*event, *(None if minute is None else stamp(minute) for minute in looked_up)))
        first_slate = None
        if facts.random() < 0.45:
            first_slate = self._day(opened + facts.randint(3, 10) * 1440)

        code = f"REQ-{rid:04d}"
        row = [
            rid,
            code,
            None,
            title,
            client,
            sales.id,
            None if recruiter is None else recruiter.id,
            choice(OPENINGS) if family in ("healthcare", "sales") else 1,
            status.value,
            engagement,
            fee,
            salary_min,
            salary_max,
            market,
            location,
            remote,
            promised,
            stamp(intake_at),
            manager_access,
            agreed_48h,
            stages,
            dates_agreed,
            jd_clear,
            must_haves,
            headcount,
            reason_known,
            candidates,
            competing,
            turnaround,
            stamp(opened),
            stamp(updated),
            stamp(closed),
            reason,
            choice(REQUISITION_NOTES) if chance() < 0.35 else "",
            None,
            None,
            None,
            submittals,
            stamp(last_submittal),
            0,
            first_slate,
            stamp(status_changed),
            opened_status,
        ]
        moment = self._moment
        req = _Req(
            rid,
            title,
            client,
            sales,
            recruiter,
            status,
            self.now + dt.timedelta(minutes=opened),
            moment(closed),
            moment(intake_at),
            promised_days is not None and promised_days < 36,
            below,
            fee_cut,
            submittals,
            row=row,
        )
        return req, closed, intake_at

    def _time_first_submittal(
        self, path: list[RequisitionStatus], times: list[int], grade: str, recruiter: _Person | None
    ) -> None:
        """Moves the qualification and the first submittal (the move to "submitted") close together, as
        fast as the recruiter usually is for a requisition of this grade; the rest keeps its timing."""
        rng = self.rng
        steps = len(times)
        if S.SUBMITTED not in path:
            if steps == 1 and path[-1] == S.QUALIFIED:
                # Still waiting for its first submittal: qualified recently, or it would have had one.
                lo, hi = WAITING_QUALIFIED_DAYS[grade]
                times[0] = max(times[0], -int(1440 * rng.uniform(lo, hi)))
            return
        into_submitted = path.index(S.SUBMITTED) - 1  # the transition that moved it to "submitted"
        qualified = times[0]
        days = self._submittal_days(grade, recruiter)
        if into_submitted == steps - 1:
            # "Submitted" is where it stands since then: keep that moment, the qualification came earlier.
            qualified = max(qualified, self._business_days_away(times[into_submitted] - 90, days, before=True))
        else:
            # The first submittal comes shortly before that move (see _pipeline): aim the move just after it.
            submitted = self._business_days_away(qualified, days) + rng.randint(30, 60)
            if submitted >= min(times[into_submitted + 1], -60):
                return  # the next step came sooner than this submittal would have: keep the original timing
            times[into_submitted] = submitted
        times[0] = qualified
        span = times[into_submitted] - qualified
        times[1:into_submitted] = sorted(
            qualified + int(span * rng.uniform(0.1, 0.9)) for _ in range(into_submitted - 1)
        )

    def _submittal_days(self, grade: str, recruiter: _Person | None) -> int:
        """Business days from a qualification to its first submittal: within the grade's allowance as
        often as the recruiter manages (mostly the same or the next day), late otherwise."""
        rng = self.rng
        on_time = (recruiter.on_time if recruiter else 0.6) + SUBMITTAL_ON_TIME_SHIFT[grade]
        if rng.random() < on_time:
            return min(int(rng.expovariate(1.3)), SUBMITTAL_ALLOWANCE[grade])
        return rng.randint(*SUBMITTAL_LATE_DAYS[grade])

    def _business_days_away(self, minute: int, days: int, before: bool = False) -> int:
        """A working-hours moment `days` business days after `minute` (or before it), counted by date and
        skipping weekends as the first-submittal expectations count them; 0 days is later (earlier) that day."""
        rng = self.rng
        moment = self.now + dt.timedelta(minutes=minute)
        step = dt.timedelta(days=-1 if before else 1)
        day = moment.date()
        while day.weekday() >= 5:  # a day off belongs to the next business day (or, going back, the last)
            day += step
        for _ in range(days):
            day += step
            while day.weekday() >= 5:
                day += step
        if day == moment.date():
            shift = dt.timedelta(minutes=rng.randint(20, 300))
            at = moment - shift if before else moment + shift
        else:
            at = dt.datetime.combine(day, dt.time(8)) + dt.timedelta(minutes=rng.randint(0, 600))
        return int((at - self.now).total_seconds() // 60)

    def _day(self, minute: int) -> str:
        day = minute // 1440
        text = self._days.get(day)
        if text is None:
            text = self._days[day] = (self.now + dt.timedelta(minutes=minute)).date().isoformat()
        return text

    def _pipeline(
        self,
        rid: int,
        path: list[RequisitionStatus],
        times: list[int],
        sales: _Person,
        recruiter: _Person | None,
        status: RequisitionStatus,
        profile: str,
        opened: int,
        below_market: bool = False,
    ) -> tuple[list[list[Any]], int, int | None]:
        """Pipeline events consistent with the path: submittals before 'submitted', feedback after each.

        Returns the events (times still in minutes), how many submittals, and when the last one was.
        """
        rng = self.rng
        uniform, choice = rng.uniform, rng.choice
        events: list[list[Any]] = []
        rec_id = recruiter.id if recruiter else None
        sales_id = sales.id
        feedback_slow = SLOW_FEEDBACK_ODDS[profile]
        closed = status in CLOSED_STATUSES
        ends = times[1:] + [times[-1] if closed and times else 0]

        def submit(at: int) -> None:
            events.append(
                [
                    None,
                    rid,
                    K_SUBMITTAL,
                    at,
                    rec_id,
                    f"Submitted {choice(FIRST_NAMES)} {choice(LAST_NAMES)[0]}.",
                    None,
                    None,
                ]
            )
            # The client's answer: usually within two days, slower when access is poor.
            hours = uniform(50, 160) if rng.random() < feedback_slow else uniform(3, 46)
            answered = at + int(hours * 60)
            if answered < -60:
                events.append([None, rid, K_FEEDBACK, answered, sales_id, choice(FEEDBACK_NOTES), None, None])

        for i in range(len(path) - 1):
            a, b = path[i], path[i + 1]
            at = times[i]
            segment_end = ends[i]
            actor = sales_id if b in SALES_MOVES else rec_id
            note = ""
            if b == S.SUBMITTED:
                # The first submittal is what moves the requisition to "submitted", so it comes just before.
                floor = times[i - 1] if i else opened
                submit(max(at - rng.randint(5, 90), (floor + at) // 2))
            elif b == S.INTERVIEWING:
                events.append(
                    [None, rid, K_INTERVIEW, at, rec_id, "First-round interview with the hiring manager", None, None]
                )
            elif b == S.OFFER:
                events.append([None, rid, K_OFFER, at, sales_id, "Offer extended", None, None])
            elif b == S.FILLED:
                events.append([None, rid, K_PLACEMENT, at, rec_id, "Offer accepted; start date agreed", None, None])
            elif b == S.SOURCING and a in (S.SUBMITTED, S.INTERVIEWING):
                note = choice(FALLBACK_NOTES)
            events.append([None, rid, K_STATUS, at, actor, note, a.value, b.value])
            # More candidates while the requisition sits in a stage that takes them.
            if segment_end > at and (b == S.SUBMITTED or b == S.INTERVIEWING):
                for _ in range(choice(MORE_SUBMITTALS[b])):
                    submit(at + int((segment_end - at) * uniform(0.1, 0.9)))
                if b == S.INTERVIEWING and rng.random() < 0.5:
                    events.append(
                        [
                            None,
                            rid,
                            K_INTERVIEW,
                            at + int((segment_end - at) * uniform(0.2, 0.8)),
                            rec_id,
                            "Final-round panel interview",
                            None,
                            None,
                        ]
                    )
        facts = self.facts_rng
        extra: list[list[Any]] = []
        for e in events:
            if e[2] == K_SUBMITTAL and facts.random() < 0.3:
                # Sales screened it first: a quick yes, or a rejection with (or without) a reason.
                rejected = facts.random() < 0.55
                note = INTERNAL_REJECT_NOTES[facts.randrange(len(INTERNAL_REJECT_NOTES))] if rejected else ""
                extra.append(
                    [
                        None,
                        rid,
                        K_INTERNAL,
                        e[3] + facts.randint(60, 600),
                        sales_id,
                        note,
                        None,
                        None,
                        "rejected" if rejected else "advanced",
                        None,
                        None,
                        "[]",
                    ]
                )
            elif e[2] == K_SUBMITTAL and below_market and facts.random() < 0.35:
                extra.append(
                    [
                        None,
                        rid,
                        K_DECLINE,
                        e[3] + facts.randint(600, 4000),
                        rec_id,
                        DECLINE_NOTES["pay"][facts.randrange(2)],
                        None,
                        None,
                        None,
                        "pay",
                        None,
                        "[]",
                    ]
                )
            elif e[2] == K_STATUS and "counter-offer" in e[5]:
                extra.append(
                    [
                        None,
                        rid,
                        K_DECLINE,
                        e[3] - 1,
                        rec_id,
                        DECLINE_NOTES["counter_offer"][0],
                        None,
                        None,
                        None,
                        "counter_offer",
                        None,
                        "[]",
                    ]
                )
        events.extend(extra)
        cutoff = times[-1] if closed and times else 0
        events = [e for e in events if opened <= e[3] <= cutoff]
        # Stable: a status change logged in the same minute as its event stays after it.
        events.sort(key=lambda e: e[3])
        if closed and events and events[-1][2] != K_STATUS:
            # Nothing is logged after a requisition closes; the closing move is the last entry.
            last = max(i for i, e in enumerate(events) if e[2] == K_STATUS)
            events = events[: last + 1]
        first_id = self.events_generated + 1
        self.events_generated += len(events)
        submittals = 0
        last_submittal = None
        for offset, e in enumerate(events):
            e[0] = first_id + offset
            if e[2] == K_SUBMITTAL:
                submittals += 1
                last_submittal = e[3]
        return events, submittals, last_submittal

    # -- disputes --------------------------------------------------------------------------------

    def _disputes(self) -> None:
        rng, now = self.rng, self.now
        categories = list(KNOWN_CATEGORIES)
        total = max(len(categories) + 4, self.n // 6)
        by_status = _allocate(total, DISPUTE_STATUS_WEIGHTS)
        statuses = [s for s, k in by_status.items() for _ in range(k)]
        rng.shuffle(statuses)
        reqs = self.reqs
        recruiter_of, status_of, opened_at, intake_at = reqs.recruiter, reqs.status, reqs.opened, reqs.intake
        flags, submittals = reqs.flags, reqs.submittals
        closed_statuses = {_STATUSES.index(s) for s in CLOSED_STATUSES}
        filled = _STATUSES.index(S.FILLED)
        two_days_ago, four_days_ago = reqs.minutes(now - dt.timedelta(days=2)), reqs.minutes(now - dt.timedelta(days=4))
        shared_open = reqs.where(
            lambda i: recruiter_of[i] != 0 and status_of[i] not in closed_statuses and opened_at[i] < two_days_ago
        )
        shared_open = shared_open or reqs.where(lambda i: recruiter_of[i] != 0)
        # Settled disputes need time to have been argued and settled.
        shared_any = reqs.where(lambda i: recruiter_of[i] != 0 and opened_at[i] < four_days_ago)
        shared_any = shared_any or reqs.where(lambda i: recruiter_of[i] != 0)
        # Disputes fit the requisitions they are about when such a requisition exists.
        fits: dict[DisputeCategory, Callable[[int], bool]] = {
            DisputeCategory.PAY_BELOW_MARKET: lambda i: bool(flags[i] & _BELOW_MARKET),
            # No intake yet, or more than a day after it opened.
            DisputeCategory.NO_INTAKE: lambda i: intake_at[i] == NO_MINUTE or intake_at[i] - opened_at[i] > 24 * 60,
            DisputeCategory.OVERPROMISED_TIMELINE: lambda i: bool(flags[i] & _PROMISE_EARLY),
            DisputeCategory.FEE_CONCESSION: lambda i: bool(flags[i] & _FEE_CUT),
            DisputeCategory.CANDIDATE_QUALITY: lambda i: submittals[i] >= 2,
            DisputeCategory.CLIENT_UNRESPONSIVE: lambda i: submittals[i] >= 1,
            DisputeCategory.CREDIT_SPLIT: lambda i: status_of[i] == filled,
        }
        pools: dict[tuple[DisputeCategory, bool], _ReqView] = {}
        for category in categories:
            test = fits.get(category)
            for open_only, base in ((True, shared_open), (False, shared_any)):
                chosen = reqs.where(test, base.indexes) if test else base
                pools[(category, open_only)] = chosen or base
        month_ago = reqs.minutes(now - dt.timedelta(days=31))
        by_req: Counter[int] = Counter()
        long_running_chosen = False
        for index, status in enumerate(statuses):
            did = index + 1
            category = categories[index % len(categories)] if index < len(categories) else rng.choice(categories)
            is_open = status in OPEN_DISPUTE_STATUSES
            about_req = rng.random() < 0.9 or category not in (
                DisputeCategory.BLAME_VISIBILITY,
                DisputeCategory.CREDIT_SPLIT,
            )
            req = None
            # The first open dispute has been running for over a month, so every past standup discussed one.
            long_running = status == DisputeStatus.OPEN and not long_running_chosen and about_req
            if about_req:
                pool = pools[(category, is_open and category != DisputeCategory.CREDIT_SPLIT)]
                if long_running:
                    long_running_chosen = True
                    pool = reqs.where(lambda i: opened_at[i] < month_ago, pool.indexes) or pool
                req = pool[rng.randrange(len(pool))] if pool else None
            if req is not None and req.recruiter is not None:
                seller, recruiter = req.sales, req.recruiter
            else:
                seller = self.sales[rng.randrange(len(self.sales))]
                recruiter = self.recruiters[rng.randrange(len(self.recruiters))]
            # Who raises it follows who feels the pain.
            recruiter_raises = category in (
                DisputeCategory.PAY_BELOW_MARKET,
                DisputeCategory.NO_INTAKE,
                DisputeCategory.CLIENT_UNRESPONSIVE,
                DisputeCategory.OVERPROMISED_TIMELINE,
                DisputeCategory.SCOPE_CREEP,
                DisputeCategory.FEE_CONCESSION,
            )
            if rng.random() < 0.2:
                recruiter_raises = not recruiter_raises
            raised_by, counterpart = (recruiter, seller) if recruiter_raises else (seller, recruiter)
            start = req.opened if req else now - dt.timedelta(days=60)
            latest = (req.closed or now) if req else now
            if not is_open:
                latest = min(latest, now - dt.timedelta(days=2))
            span = max(latest - start, dt.timedelta(hours=2))
            opened = (start + span * rng.uniform(0.1, 0.9)).replace(second=0, microsecond=0)
            if is_open:
                opened = max(opened, now - dt.timedelta(days=40))
                if long_running:
                    opened = max(start, (now - dt.timedelta(days=rng.uniform(30, 40))).replace(second=0, microsecond=0))
                opened = max(min(opened, now - dt.timedelta(hours=2)), start)
            closed = None
            if not is_open:
                room = max((now - dt.timedelta(hours=3) - opened).total_seconds() / 3600, 1)
                hours = rng.uniform(min(20, room), min(24 * 12, room))
                closed = (opened + dt.timedelta(minutes=int(hours * 60))).replace(second=0, microsecond=0)
            play = DISPUTE_PLAYBOOK[category]
            if req is None:
                play = {**play, **GENERAL_DISPUTES[category]}
                words = {}
            else:
                words = {"title": req.title, "client": req.client, "code": req.code}
            summary = rng.choice(play["summaries"]).format(**words)
            resolution, proposal = "", None
            if status == DisputeStatus.RESOLVED:
                # Proposal ids are those of the shipped rule pack (console/rules/default_pack.toml).
                proposal, resolution = play["proposal"], play["resolution"]
                if rng.random() < 0.35:
                    proposal, resolution = play["alternative"]
                resolution = resolution.format(**words)
                self.resolved_disputes.append((did, req, seller, recruiter, closed))
            elif status == DisputeStatus.WITHDRAWN:
                resolution = rng.choice(WITHDRAWN_NOTES)
            if is_open and req is not None:
                by_req[req.id] += 1
            severity = rng.choice((1, 2, 2, 3)) if category != DisputeCategory.BLAME_VISIBILITY else 3
            # Some are logged "not sure": the rules suggest the category from the facts and the words.
            logged = (
                DisputeCategory.UNSURE
                if is_open and index >= len(categories) and self.facts_rng.random() < 0.12
                else category
            )
            row = (
                did,
                f"D-{did:04d}",
                req.id if req else None,
                raised_by.id,
                counterpart.id,
                logged.value,
                severity,
                summary,
                play["sales"].format(**words),
                play["recruiting"].format(**words),
                status.value,
                resolution,
                proposal,
                _ts(opened),
                _ts(closed),
            )
            if len(self.dispute_rows) >= self.batch:
                self._write_disputes()
            self.dispute_rows.append(row)
            # The audit trail: opened as "open", then the move to where it stands now.
            opened_row = (*row[:10], DisputeStatus.OPEN.value, "", None, row[13], None)
            self._audit(opened, raised_by.name, "dispute", did, DISPUTE_COLUMNS, opened_row)
            if status != DisputeStatus.OPEN:
                action = {DisputeStatus.RESOLVED: "resolve"}.get(status, status.value)
                moved = closed or (opened + (now - opened) * 0.5).replace(second=0, microsecond=0)
                self._audit(
                    moved,
                    self.store.actor,
                    "dispute",
                    did,
                    DISPUTE_COLUMNS,
                    row,
                    action=action,
                    before=dict(zip(DISPUTE_COLUMNS, opened_row, strict=False)),
                )
        self._write_disputes()
        # Written with the rest (the requisitions' rows are already in the file, created with none open).
        self.open_disputes = by_req

    # -- standups and commitments ----------------------------------------------------------------

    def _standup_schedule(self) -> list[tuple[int, dt.datetime, dt.datetime]]:
        """Weekly standups on the weekday of today, the last one a week ago."""
        out = []
        for k in range(STANDUPS, 0, -1):
            day = self.today - dt.timedelta(weeks=k)
            start = dt.datetime.combine(day, dt.time(9, 30))
            out.append((STANDUPS - k + 1, start, start + dt.timedelta(minutes=self.rng.randint(22, 38))))
        return out

    def _commitment(
        self,
        owner: _Person,
        text: str,
        due: dt.date,
        source: CommitmentSource,
        created: dt.datetime,
        status: CommitmentStatus,
        *,
        dispute_id: int | None = None,
        requisition_id: int | None = None,
        standup_id: int | None = None,
        expectation_id: int | None = None,
        reason: str = "",
    ) -> list[Any]:
        rng = self.rng
        closed = None
        if status == CommitmentStatus.KEPT:
            closed = dt.datetime.combine(due - dt.timedelta(days=rng.choice((0, 0, 1, 2))), dt.time(rng.randint(9, 17)))
            closed = max(closed, created + HOUR)
        elif status == CommitmentStatus.MISSED:
            # Marked missed at the next check-in, never silently.
            closed = dt.datetime.combine(due + dt.timedelta(days=rng.choice((1, 1, 2, 3))), dt.time(9, 45))
        elif status == CommitmentStatus.CANCELLED:
            closed = dt.datetime.combine(due - dt.timedelta(days=1), dt.time(rng.randint(9, 17)))
            closed = max(closed, created + HOUR)
        if closed is not None:
            closed = min(closed, self.now - HOUR)
        row = [
            self.next_commitment_id,
            owner.id,
            text,
            due.isoformat(),
            source.value,
            dispute_id,
            requisition_id,
            standup_id,
            expectation_id,
            status.value,
            _ts(created),
            _ts(closed),
            reason,
        ]
        self.next_commitment_id += 1
        if len(self.commitment_rows) >= self.batch:
            self._write_commitments()
        self.commitment_rows.append(row)
        return row

    def _commitments(self, standups: list[tuple[int, dt.datetime, dt.datetime]]) -> None:
        rng, today = self.rng, self.today
        measured = {
            team: [e for e in self.expectations if e.owner_team == team and e.metric in EXPECTATION_PROMISES]
            for team in (Team.SALES, Team.RECRUITING)
        }
        core = {p.id for p in self.people[: len(CORE_SALES) + len(CORE_RECRUITERS) + 1]}
        # Requisitions each person works on, so a promise can point at one of them.
        work: dict[int, list[int]] = {}
        sales_of, recruiter_of = self.reqs.sales, self.reqs.recruiter
        for index in range(len(self.reqs) - 1, -1, -1):  # the most recent work first
            number, seller_id, recruiter_id = index + 1, sales_of[index], recruiter_of[index]
            if len(work.setdefault(seller_id, [])) < 12:
                work[seller_id].append(number)
            if recruiter_id and len(work.setdefault(recruiter_id, [])) < 12:
                work[recruiter_id].append(number)

        for person in [*self.sales, *self.recruiters]:
            promises = SALES_PROMISES if person.team == Team.SALES else RECRUITING_PROMISES
            pool = measured[person.team]
            mine = work.get(person.id, [])
            # 12 weeks of history; the share missed is set per person so follow-through differs.
            dues: list[dt.date] = []
            for week in range(HISTORY_WEEKS, 0, -1):
                for _ in range(rng.choice((1, 1, 2, 2, 2))):
                    dues.append(today - dt.timedelta(weeks=week) + dt.timedelta(days=rng.randint(0, 6)))
            dues = [d for d in dues if d < today]
            outcomes = [CommitmentStatus.KEPT] * len(dues)
            missed = round(len(dues) * (1 - person.follow_through))
            for i in rng.sample(range(len(dues)), missed):
                outcomes[i] = CommitmentStatus.MISSED
            kept_idx = [i for i, o in enumerate(outcomes) if o == CommitmentStatus.KEPT]
            if kept_idx and rng.random() < 0.3:
                outcomes[rng.choice(kept_idx)] = CommitmentStatus.CANCELLED
            open_dues = [today + dt.timedelta(days=rng.randint(0, 6)) for _ in range(rng.choice((1, 1, 2)))]
            if rng.random() < (0.6 if person.follow_through < 0.8 else 0.25):
                open_dues.append(today - dt.timedelta(days=rng.randint(1, 6)))  # overdue, still open
            entries = [(d, o) for d, o in zip(dues, outcomes, strict=False)] + [
                (d, CommitmentStatus.OPEN) for d in open_dues
            ]
            entries.sort(key=lambda e: e[0])
            for due, status in entries:
                created = dt.datetime.combine(due - dt.timedelta(days=rng.randint(2, 7)), dt.time(rng.randint(9, 16)))
                standup = None
                if person.id in core:
                    due_morning = dt.datetime.combine(due, dt.time(9))
                    made_at = [s for s in standups if created - dt.timedelta(days=4) <= s[1] < due_morning]
                    if made_at and rng.random() < 0.6:
                        standup = made_at[-1]
                req_id = mine[rng.randrange(len(mine))] if mine and rng.random() < 0.7 else None
                reason = rng.choice(CANCEL_REASONS) if status == CommitmentStatus.CANCELLED else ""
                if standup is not None:
                    self._commitment(
                        person,
                        rng.choice(promises),
                        due,
                        CommitmentSource.STANDUP,
                        standup[2],
                        status,
                        requisition_id=req_id,
                        standup_id=standup[0],
                        reason=reason,
                    )
                elif pool and rng.random() < 0.45:
                    expectation = pool[rng.randrange(len(pool))]
                    self._commitment(
                        person,
                        EXPECTATION_PROMISES[expectation.metric or ""],
                        due,
                        CommitmentSource.EXPECTATION,
                        created,
                        status,
                        expectation_id=expectation.id,
                        reason=reason,
                    )
                else:
                    # Promised to the lead outside a standup (a one-to-one, a chat thread).
                    self._commitment(
                        person,
                        rng.choice(promises),
                        due,
                        CommitmentSource.MANUAL,
                        created,
                        status,
                        requisition_id=req_id,
                        reason=reason,
                    )

        # Each resolved dispute created a commitment on both sides, measured like any other.
        for did, disputed, seller, recruiter, closed in self.resolved_disputes:
            assert closed is not None
            for owner, promises in ((seller, SALES_PROMISES), (recruiter, RECRUITING_PROMISES)):
                due = closed.date() + dt.timedelta(days=rng.randint(2, 5))
                if due >= today:
                    status = CommitmentStatus.OPEN
                else:
                    status = CommitmentStatus.KEPT if rng.random() < owner.follow_through else CommitmentStatus.MISSED
                self._commitment(
                    owner,
                    rng.choice(promises),
                    due,
                    CommitmentSource.DISPUTE,
                    closed,
                    status,
                    dispute_id=did,
                    requisition_id=disputed.id if disputed else None,
                )

        self._write_commitments()

    def _some(self, candidates: Sequence[Any], k: int) -> Sequence[Any]:
        """A few of the candidates, in their original order, so each standup discusses different ones."""
        if len(candidates) <= k:
            return candidates
        return [candidates[i] for i in sorted(self.rng.sample(range(len(candidates)), k))]

    def _standups(self, standups: list[tuple[int, dt.datetime, dt.datetime]]) -> None:
        rng = self.rng
        assert self.lead is not None
        core = [*self.sales[: len(CORE_SALES)], *self.recruiters[: len(CORE_RECRUITERS)]]
        names = {p.id: p.name for p in self.people}
        conn = self.store.conn
        reqs = self.reqs
        status_of, closed_at = reqs.status, reqs.closed
        filled = _STATUSES.index(S.FILLED)
        item_id = 0
        previous_end: dt.datetime | None = None
        for sid, start, end in standups:
            absent = set(rng.sample([p.id for p in core], rng.choice((0, 1, 1, 2))))
            attendees = [{"person_id": self.lead.id, "present": True}] + [
                {"person_id": p.id, "present": p.id not in absent} for p in core
            ]
            since = previous_end or start - dt.timedelta(weeks=1)
            items: list[tuple[str, str, str, int | None, int | None, int | None, int | None]] = []
            # On the requisitions' minute scale: since <= m < start is lo <= m < hi.
            lo, hi = reqs.minutes(since), reqs.minutes(start)
            for index in range(len(reqs)):
                closed = closed_at[index]
                if status_of[index] == filled and closed != NO_MINUTE and lo <= closed < hi:
                    req = reqs[index]
                    items.append(
                        (
                            "wins",
                            f"{req.code} filled: {req.title} at {req.client}",
                            f"Placed by {req.recruiter.name if req.recruiter else 'the team'}",
                            req.id,
                            None,
                            None,
                            req.recruiter.id if req.recruiter else None,
                        )
                    )
                if len(items) >= 2:
                    break
            week = (since.date().isoformat(), start.date().isoformat())
            # What was written above, read back from the file (the same rows, in id order).
            overdue = conn.execute(
                "SELECT id, owner_id, text, due, source, dispute_id, requisition_id FROM commitments"
                " WHERE status = ? AND due >= ? AND due < ? ORDER BY id",
                (MISSED, *week),
            ).fetchall()
            overdue = list({(c[1], c[2]): c for c in overdue}.values())  # one line per promise, not per copy
            for c in self._some(overdue, 2):
                items.append(("overdue", f"{names[c[1]]}: {c[2]}", f"Due {c[3]}", c[6], None, c[0], c[1]))
            waiting = reqs.awaiting_intake(lo, hi)
            for req in self._some(waiting, 2):
                items.append(
                    (
                        "intake",
                        f"{req.code} {req.title} at {req.client} awaits intake",
                        f"Sales owner: {req.sales.name}",
                        req.id,
                        None,
                        None,
                        req.sales.id,
                    )
                )
            risky = reqs.promised_early_open_at(hi)
            for req in self._some(risky, 2):
                items.append(
                    (
                        "at_risk",
                        f"{req.code} promised before a realistic fill",
                        f"{req.title} at {req.client}",
                        req.id,
                        None,
                        None,
                        req.sales.id,
                    )
                )
            moment = _ts(start)
            disputes = conn.execute(
                "SELECT id, code, requisition_id, raised_by_id, counterpart_id, category, severity, summary"
                " FROM disputes WHERE opened_at < ? AND (closed_at IS NULL OR closed_at > ?) ORDER BY id",
                (moment, moment),
            ).fetchall()
            for d in self._some(disputes, 2):
                items.append(
                    ("disputes", f"{d[1]} {d[7]}", CATEGORY_LABELS[DisputeCategory(d[5])], d[2], d[0], None, d[3])
                )
            # One agreed expectation is checked in each week, in turn.
            expectation = self.expectations[(sid - 1) % len(self.expectations)]
            items.append(
                (
                    "expectations",
                    f"Check-in: {expectation.title}",
                    f"Owned by {expectation.owner_team}; target {expectation.target:g} %",
                    None,
                    None,
                    None,
                    None,
                )
            )
            carried = conn.execute(
                "SELECT id, owner_id, text, due, source, dispute_id, requisition_id FROM commitments"
                " WHERE standup_id = ? AND due >= ? ORDER BY id",
                (sid - 1, start.date().isoformat()),
            ).fetchall()
            for c in carried[:2]:
                items.append(("carried", f"{names[c[1]]}: {c[2]}", f"Due {c[3]}", c[6], None, c[0], c[1]))
            blockers = "" if rng.random() < 0.5 else "Two hiring managers out until next week"
            row = (sid, _ts(start), _ts(end), self.lead.id, json.dumps(attendees), len(items), 120, blockers)
            self.standup_rows.append(row)
            self._audit(start, self.store.actor, "standup", sid, STANDUP_COLUMNS, row)
            for position, (section, title, detail, req_id, dispute_id, commitment_id, person_id) in enumerate(items):
                item_id += 1
                notes = decision = ""
                if section == "disputes":
                    notes = "Both sides heard; facts checked against the queue."
                    decision = rng.choice(
                        (
                            "Mediate this week with the market data on the table",
                            "Try the top proposal for two weeks, review at the next standup",
                        )
                    )
                elif section == "at_risk" and rng.random() < 0.6:
                    notes = "Client has not been told the realistic date yet."
                    decision = "Sales re-quotes the date using the median time to fill"
                elif section == "overdue" and rng.random() < 0.5:
                    notes = "Owner explained the delay; new date agreed."
                item = (
                    item_id,
                    sid,
                    position,
                    section,
                    title[:500],
                    detail,
                    req_id,
                    dispute_id,
                    commitment_id,
                    person_id,
                    notes,
                    decision,
                    rng.randint(30, 240),
                    True,
                )
                self.item_rows.append(item)
                self._audit(start, self.store.actor, "standup_item", item_id, ITEM_COLUMNS, item)
            previous_end = end

    # -- writing ---------------------------------------------------------------------------------

    def _defer_indexes(self) -> None:
        """Bulk loading: the big tables' indexes are dropped and rebuilt once at the end (a sort instead
        of millions of scattered inserts) and the search index is filled in one statement instead of by
        the per-row trigger, as are the facts the per-row triggers keep."""
        conn = self.store.conn
        triggers = ", ".join(f"'{name}'" for name in PER_ROW_FACT_TRIGGER_NAMES)
        kept = ", ".join(f"'{name}'" for name in sorted(_KEPT_WHILE_LOADING))
        self._deferred = conn.execute(
            "SELECT type, name, sql, tbl_name FROM sqlite_master WHERE sql IS NOT NULL AND ("
            " (type = 'index' AND tbl_name IN ('requisitions', 'pipeline_events', 'commitments', 'events')"
            f"  AND name NOT IN ({kept}))"
            f" OR (type = 'trigger' AND name IN ('requisitions_fts_insert', {triggers})))"
        ).fetchall()
        for kind, name, _sql, _table in self._deferred:
            conn.execute(f'DROP {"TRIGGER" if kind == "trigger" else "INDEX"} "{name}"')

    def _write_people(self) -> None:
        conn = self.store.conn
        conn.executemany(_insert_sql("people", PEOPLE_COLUMNS), [(p.id, p.name, p.team.value, 1) for p in self.people])
        self._write_audit()

    def _write_audit(self) -> None:
        audit_chain.append(self.store.conn, self.audit_rows)
        self.audit_rows = []

    def _write_requisitions(self, batch: _Batch) -> None:
        """One batch of requisitions with their pipeline events and audit rows, in one transaction."""
        with self.store.transaction() as conn:
            conn.executemany(
                _insert_sql("requisitions", REQUISITION_COLUMNS + REQUISITION_FACT_COLUMNS), batch.requisitions
            )
            conn.executemany(_insert_sql("pipeline_events", EVENT_COLUMNS + EVENT_FACT_COLUMNS), batch.events)
            audit_chain.append(conn, batch.audit)
        self.events_written += len(batch.events)

    def _write_disputes(self) -> None:
        """The disputes made so far, with their audit rows, in a transaction of their own."""
        with self.store.transaction() as conn:
            conn.executemany(_insert_sql("disputes", DISPUTE_COLUMNS), self.dispute_rows)
            self._write_audit()
        self.disputes_written += len(self.dispute_rows)
        self.dispute_rows = []

    def _write_commitments(self) -> None:
        """The commitments made so far, then their audit rows (inside the demo's last transaction)."""
        self.store.conn.executemany(
            _insert_sql("commitments", COMMITMENT_COLUMNS), [tuple(r) for r in self.commitment_rows]
        )
        for row in self.commitment_rows:
            owner = self.people[row[1] - 1]
            created = dt.datetime.fromisoformat(row[10])
            self._audit(created, owner.name, "commitment", row[0], COMMITMENT_COLUMNS, row)
        self._write_audit()
        self.commitments_written += len(self.commitment_rows)
        self.commitment_rows = []

    def _index_the_requisitions(self) -> None:
        """Once every requisition and event is in, in a transaction of its own: the search index and the
        requisitions' and events' indexes over columns nothing writes again (those over the figures and
        the open-dispute counts come last). Long statements SQLite runs without Python's lock: the
        grading thread (`_start_grading`) has the other core meanwhile."""
        conn = self.store.conn
        if any(d[1] == "requisitions_fts_insert" for d in self._deferred):
            # The same row the trigger writes (schema migration 2), for every requisition at once.
            conn.execute(REQUISITIONS_FTS_FILL)
        early = [
            d for d in self._deferred if d[0] == "index" and d[3] in _LOADED_FIRST and not _WRITTEN_AFTER.search(d[2])
        ]
        for deferred in early:
            conn.execute(deferred[2])
        self._deferred = [d for d in self._deferred if d not in early]

    def _write_rest(self) -> None:
        conn = self.store.conn
        conn.executemany(
            "UPDATE requisitions SET open_disputes = ? WHERE id = ?",
            [(count, req_id) for req_id, count in sorted(self.open_disputes.items())],
        )
        conn.executemany(_insert_sql("standups", STANDUP_COLUMNS), self.standup_rows)
        conn.executemany(_insert_sql("standup_items", ITEM_COLUMNS), self.item_rows)
        self._write_audit()
        # The indexes over columns the figures leave alone first; the ones over a column they write after
        # them, so each is sorted once instead of updated row by row.
        later = [d for d in self._deferred if d[0] == "trigger" or _WRITTEN_AFTER.search(d[2])]
        for deferred in self._deferred:
            if deferred not in later:
                conn.execute(deferred[2])
        # What the dropped triggers would have kept for each event came with the rows (_event_facts).
        if self.figures is not None:
            self.store.set_derived(self._grader.result() if self._grader is not None else self.figures(self.store))
        for deferred in later:
            conn.execute(deferred[2])
        conn.execute("UPDATE data_versions SET version = version + 1")  # what the version triggers would say


# Columns written once every row is in: the figures the rules derive (`generate_demo`'s figures). An index
# over one of them is built after those writes; one missed here would only be kept up to date row by row,
# as any index is.
_WRITTEN_AFTER = re.compile(r"\b(score|grade|estimate_days|open_disputes)\b")
# The tables written whole by the first stage (`_requisitions`), whose indexes can be built before the rest.
_LOADED_FIRST = frozenset(("requisitions", "pipeline_events"))
# Indexes kept while the demo loads: every row goes at the end of them (the audit rows of each kind of
# record come in id order, a requisition's events after the one before's), so keeping them costs an
# append per row instead of reading the whole table again to sort it (5 GB of audit rows at 1,000,000).
_KEPT_WHILE_LOADING = frozenset(("events_entity", "pipeline_events_requisition_kind"))

_ENCODER = json.JSONEncoder(check_circular=False)
_quote = json.encoder.encode_basestring
_EVENT_JSON = (
    '{"id": %d, "requisition_id": %d, "kind": "%s", "at": "%s", "actor_id": %s, "note": %s, '
    '"from_status": %s, "to_status": %s, "outcome": %s, "decline_reason": %s, "placement_source": %s, '
    '"participants": %s}'
)


_RECORDED = len(REQUISITION_COLUMNS)  # a requisition row's columns its audit row records; its facts follow
_PAUSED = frozenset(("on_hold", "lost", "declined"))


def _event_facts(
    events: Sequence[Sequence[Any]], opened: int
) -> tuple[list[tuple[int | None, int | None, int | None, int | None]], int | None, str | None]:
    """What the per-row triggers keep (db/schema.py EVENT_FACTS_BACKFILL and PREV_STATUS_BACKFILL, the
    same comparisons) for one requisition's final events, their `at` still in minutes: for each event
    (answered_at, requalified_at, paused_at, prev_status_at), then the requisition's status_changed_at and
    opened_status. A submittal is answered by the first client feedback at or after it; a move to
    qualified by the first submittal at or after it, requalified and paused by the first such move
    strictly after it; each status change follows the one before it in (at, id) order, the first one the
    opening. tests/unit/test_demo.py runs the SQL over a demo and finds nothing to change."""
    feedback = sorted(e[3] for e in events if e[2] == K_FEEDBACK)
    submitted = sorted(e[3] for e in events if e[2] == K_SUBMITTAL)
    changes = sorted((e[3], e[0]) for e in events if e[2] == K_STATUS)
    qualified = sorted(e[3] for e in events if e[2] == K_STATUS and e[7] == "qualified")
    paused = sorted(e[3] for e in events if e[2] == K_STATUS and e[7] in _PAUSED)
    previous = {event_id: (changes[i - 1][0] if i else opened) for i, (_at, event_id) in enumerate(changes)}

    def first(times: list[int], at: int, strictly: bool = False) -> int | None:
        i = (bisect_right if strictly else bisect_left)(times, at)
        return times[i] if i < len(times) else None

    looked_up: list[tuple[int | None, int | None, int | None, int | None]] = []
    for e in events:
        kind, at = e[2], e[3]
        if kind == K_SUBMITTAL:
            looked_up.append((first(feedback, at), None, None, None))
        elif kind == K_STATUS and e[7] == "qualified":
            looked_up.append(
                (first(submitted, at), first(qualified, at, True), first(paused, at, True), previous[e[0]])
            )
        elif kind == K_STATUS:
            looked_up.append((None, None, None, previous[e[0]]))
        else:
            looked_up.append((None, None, None, None))
    opened_status = None
    if changes:
        first_change = changes[0][1]
        opened_status = next(e[6] for e in events if e[0] == first_change)
    return looked_up, (changes[-1][0] if changes else None), opened_status


def _audit_row(
    at: dt.datetime,
    actor: str,
    entity: str,
    entity_id: int,
    columns: tuple[str, ...],
    row: tuple[Any, ...] | list[Any],
    action: str = "create",
    before: dict[str, Any] | None = None,
) -> tuple[Any, ...]:
    """An audit row (as audit.append takes it) recording `row` under its column names."""
    after = _ENCODER.encode(dict(zip(columns, row, strict=False)))
    return (_ts(at), actor, entity, entity_id, action, None if before is None else _ENCODER.encode(before), after)


def _event_json(row: tuple[Any, ...]) -> str:
    """A pipeline event's audit record; the same JSON as json.dumps of the row, at a quarter of the cost
    (it runs for every one of the ~700,000 events of a 100,000-requisition demo)."""
    _id, req_id, kind, at, actor_id, note, from_status, to_status, outcome, decline, source, participants = row[
        : len(EVENT_COLUMNS)
    ]
    return _EVENT_JSON % (
        _id,
        req_id,
        kind,
        at,
        "null" if actor_id is None else actor_id,
        _quote(note),
        "null" if from_status is None else f'"{from_status}"',
        "null" if to_status is None else f'"{to_status}"',
        "null" if outcome is None else f'"{outcome}"',
        "null" if decline is None else f'"{decline}"',
        "null" if source is None else f'"{source}"',
        participants,
    )


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"


def generate_demo(
    store: Store,
    requisitions: int = 60,
    seed: int = 7,
    *,
    expectations: Sequence[Expectation] = (),
    batch: int = BATCH,
    figures: Callable[[Store], Sequence[Figures]] | None = None,
) -> dict[str, int]:
    """Fills an empty database with a demo team's work; returns how many of each record were written.

    The demo agrees the expectations the new database proposed, and adds any of `expectations` (the
    core's default expectations) it does not have.

    The same seed and the same clock (`store.now`) give an identical database; every date is relative
    to that clock so the demo always looks live.

    It is written `batch` requisitions (with their pipeline events) to a transaction, so memory holds one
    batch of rows; a demo stopped before it returns leaves a file without its indexes, to be thrown away
    (`write_demo_file` in console/core/demo_setup.py builds it beside the target and moves it into place).

    `figures(store)` gives what the rules derive for every requisition (Figures, Store.set_derived's rows)
    from a store it only reads; the demo stores them in its last transaction once every record is
    written, before the indexes over them and the per-row triggers are back (a million scattered index
    updates and trigger runs otherwise). With more than one batch it runs in a thread beside the rest of
    the demo (`_DemoBuilder._start_grading`), on the committed requisitions: it must read nothing else.
    """
    if requisitions < 1:
        raise RejectedChange("The demo needs at least one requisition")
    if not store.is_empty():
        raise RejectedChange(f"{store.path} already holds data; the demo is written into an empty database")
    builder = _DemoBuilder(store, requisitions, seed, expectations, batch, figures)
    return builder.build({"seed": seed, "requisitions": requisitions})


__all__ = ["generate_demo"]
