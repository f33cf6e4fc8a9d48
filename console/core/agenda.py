"""Builds a standup agenda from the data at a given moment: what the team should talk about, in order."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict

from mediation_console.console.core.calendar import BusinessCalendar, user_calendar
from mediation_console.console.core.metric_registry import allowances, by_grade
from mediation_console.console.core.norms import DEFAULT_TIME_TO_FILL_DAYS
from mediation_console.db.defaults import NO_STALE_REQUISITION_DAYS
from mediation_console.db.kept_tallies import KeptTallies
from mediation_console.db.models import Commitment, Dispute, Expectation, Person, Requisition, StandupItem
from mediation_console.db.store import Store, StoreError
from mediation_console.db.words import plural

if TYPE_CHECKING:
    from mediation_console.console.core.rules.service import Mediator

# Sections in the order the meeting walks them: good news first, then promises, then problems.
WINS = "wins"
OVERDUE = "overdue"
DUE_TODAY = "due_today"
CARRIED = "carried"
INTAKE = "intake"
AT_RISK = "at_risk"
DISPUTES = "disputes"
EXPECTATIONS = "expectations"

SECTIONS: tuple[str, ...] = (WINS, OVERDUE, DUE_TODAY, CARRIED, INTAKE, AT_RISK, DISPUTES, EXPECTATIONS)
SECTION_LABELS = {
    WINS: "Wins since the last standup",
    OVERDUE: "Overdue commitments",
    DUE_TODAY: "Commitments due today",
    CARRIED: "Carried forward from the last standup",
    INTAKE: "New requisitions awaiting intake",
    AT_RISK: "At-risk requisitions",
    DISPUTES: "Open disputes",
    EXPECTATIONS: "Expectations missed or at risk",
}

# Long sections are cut here; a "+N more" item says what was left off and where to find it.
SECTION_LIMIT = 12

TopProposal = Callable[[Dispute], "str | None"]


class ExpectationFinding(BaseModel):
    """One expectation the metric catalogue judged missed or at risk, in words for the agenda."""

    model_config = ConfigDict(frozen=True)

    expectation: Expectation
    verdict: str  # "missed" or "at_risk"
    detail: str = ""


ExpectationCheck = Callable[[], Iterable[ExpectationFinding]]


class AgendaItem(BaseModel):
    """One thing to talk about, with links to what it is about and whose item it is."""

    section: str
    title: str
    detail: str = ""
    requisition_id: int | None = None
    dispute_id: int | None = None
    commitment_id: int | None = None
    person_id: int | None = None
    more: int = 0  # for a "+N more" item: how many were left off

    def to_standup_item(self, position: int = 0) -> StandupItem:
        return StandupItem(
            position=position,
            section=self.section,
            title=self.title[:500],
            detail=self.detail[:4000],
            requisition_id=self.requisition_id,
            dispute_id=self.dispute_id,
            commitment_id=self.commitment_id,
            person_id=self.person_id,
        )


@dataclass
class Agenda:
    """The agenda at `now`: items in meeting order, and the standup it counts "since" from."""

    now: dt.datetime
    since: dt.datetime | None
    previous_standup_id: int | None
    items: list[AgendaItem] = field(default_factory=list)

    def section(self, name: str) -> list[AgendaItem]:
        return [item for item in self.items if item.section == name]

    def to_standup_items(self) -> list[StandupItem]:
        return [item.to_standup_item(i) for i, item in enumerate(self.items)]

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class Allowances:
    """How long a requisition may wait before the agenda calls it at risk: the teams' agreed (else
    proposed) expectations' thresholds, else the metric registry's defaults."""

    submittal_days: dict[str, int]  # business days from qualification to a first submittal, by grade
    stale_days: float  # days without a status change

    @classmethod
    def of(cls, store: Store) -> Allowances:
        found = allowances(store.list_expectations(statuses=("agreed", "proposed")))
        return cls(
            submittal_days={grade: max(0, round(found[spec.key])) for grade, spec in by_grade().items() if spec.key},
            stale_days=found[NO_STALE_REQUISITION_DAYS],
        )


def top_proposal(mediator: Mediator) -> TopProposal:
    """The title of the best proposal `mediator` makes for a dispute; None when none fires."""

    def top(dispute: Dispute) -> str | None:
        proposals = mediator.proposals(dispute)
        return proposals[0].title if proposals else None

    return top


def default_expectation_check(
    store: Store, now: dt.datetime, calendar: BusinessCalendar | None = None, kept_tallies: KeptTallies | None = None
) -> ExpectationCheck | None:
    """The metrics' verdicts on the agreed expectations (the settled days from `kept_tallies`, if given)."""
    from mediation_console.console.core import metrics

    def measure(on: Store) -> list:
        agreed = on.list_expectations(statuses=("agreed",))
        # Only the verdict and its summary are shown here: no breaches are listed, and the verdict
        # reads the window and the last two weeks of the trend.
        return metrics.measure_all(
            on, agreed, now=now, breach_limit=0, trend_weeks=2, calendar=calendar, kept_tallies=kept_tallies
        )

    def measure_beside() -> list:
        with store.background_reader() as reader:
            return measure(reader)

    # The measuring starts now, on connections of its own, while the agenda's other sections are read
    # on the store's; the section waits for it. (Not beside uncommitted writes: it would not see them.)
    pending: Future | None = None
    if store.reads_beside():
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agenda-expectations")
        pending = pool.submit(measure_beside)
        pool.shutdown(wait=False)  # the thread ends with the measuring; nothing else runs on it

    def check() -> Iterable[ExpectationFinding]:
        try:
            results = pending.result() if pending is not None else measure(store)
        except StoreError:  # no second connection to be had: measured here instead
            results = measure(store)
        for result in results:
            verdict = str(result.verdict)
            if verdict not in ("missed", "at_risk"):
                continue
            detail = f"{result.summary} (target {result.target:g}%, {result.expectation.owner_team} team)"
            yield ExpectationFinding(expectation=result.expectation, verdict=verdict, detail=detail)

    return check


def _name(people: Mapping[int, Person], person_id: int | None) -> str:
    person = people.get(person_id) if person_id is not None else None
    return person.name if person else "unassigned"


def _more(section: str, hidden: int, what: str, where: str) -> list[AgendaItem]:
    if hidden <= 0:
        return []
    return [AgendaItem(section=section, title=f"+{hidden} more {what}", detail=where, more=hidden)]


def build_agenda(
    store: Store,
    now: dt.datetime | None = None,
    proposals: TopProposal | None = None,
    expectations: ExpectationCheck | None = None,
    *,
    limit: int = SECTION_LIMIT,
    calendar: BusinessCalendar | None = None,
    kept_tallies: KeptTallies | None = None,
) -> Agenda:
    """The agenda at `now` (default: the store's clock), counting business days on `calendar` (default:
    the one the lead's settings name).

    `proposals(dispute)` gives the top proposal's title (`top_proposal(mediator)`, with the lead's rule
    pack: without it the disputes are listed with no proposal, never one from another pack), and
    `expectations()` the expectations missed or at risk (default: checked against the metric catalogue).
    """
    now = now or store.now()
    today = now.date()
    calendar = calendar or user_calendar()
    expectations = expectations or default_expectation_check(store, now, calendar, kept_tallies)
    previous = store.previous_standup(now)
    since = previous.ended_at if previous else None
    people = store.people_by_id()
    items: list[AgendaItem] = []

    # Wins: commitments kept and requisitions filled since the last standup ended.
    kept, kept_total = store.commitments_kept_between(since, now, limit)
    filled, filled_total = store.requisitions_filled_between(since, now, limit)
    codes = {r.id: r.code for r in filled}
    linked = store.requisitions_by_ids([c.requisition_id for c in kept if c.requisition_id])
    codes.update({r.id: r.code for r in linked.values()})
    # One win per person: a standup celebrates who followed through, it doesn't read a list aloud. The
    # person's filled requisitions (as recruiter, else as sales owner) and kept commitments are listed
    # inside; the title names the requisitions so two people's wins never read alike.
    filled_by: dict[int | None, list[Requisition]] = {}
    for req in filled:
        filled_by.setdefault(req.recruiter_id or req.sales_owner_id, []).append(req)
    kept_by: dict[int | None, list[Commitment]] = {}
    for c in kept:
        kept_by.setdefault(c.owner_id, []).append(c)
    winners = sorted(
        {*filled_by, *kept_by},
        key=lambda pid: (-len(filled_by.get(pid, [])), -len(kept_by.get(pid, [])), _name(people, pid)),
    )
    for person_id in winners:
        reqs_filled = filled_by.get(person_id, [])
        theirs = kept_by.get(person_id, [])
        parts: list[str] = []
        lines: list[str] = []
        if reqs_filled:
            parts.append("filled " + ", ".join(r.code or "" for r in reqs_filled))
            lines += [
                f"Filled {r.code}: {r.title} at {r.client} (recruiter {_name(people, r.recruiter_id)}, "
                f"sales {_name(people, r.sales_owner_id)})"
                for r in reqs_filled
            ]
        if theirs:
            on = sorted({codes[c.requisition_id] or "" for c in theirs if c.requisition_id in codes})
            parts.append(f"kept {plural(len(theirs), 'commitment')}" + (f" ({', '.join(on)})" if on else ""))
            lines += [
                f"Kept: {c.text}" + (f" ({codes[c.requisition_id]})" if c.requisition_id in codes else "")
                for c in theirs
            ]
        items.append(
            AgendaItem(
                section=WINS,
                title=f"{_name(people, person_id)}: " + "; ".join(parts),
                detail="\n".join(lines),
                requisition_id=reqs_filled[0].id if len(reqs_filled) == 1 and not theirs else None,
                person_id=person_id,
            )
        )
    more_filled, more_kept = filled_total - len(filled), kept_total - len(kept)
    where = [
        *([f"{plural(more_filled, 'requisition')} filled (the queue, status filled)"] if more_filled > 0 else []),
        *([f"{plural(more_kept, 'commitment')} kept (the commitments list)"] if more_kept > 0 else []),
    ]
    items += _more(WINS, max(0, more_filled) + max(0, more_kept), "wins", "See " + " and ".join(where))

    # Promises: overdue, due today, and the open action items the last standup made.
    shown_commitments: set[int | None] = set()
    overdue, overdue_total = store.open_commitments_due_between(None, today - dt.timedelta(days=1), limit)
    due_today, due_total = store.open_commitments_due_between(today, today, limit)
    carried: list[Commitment] = []
    carried_total = 0
    if previous is not None and previous.id is not None:
        carried, carried_total = store.open_commitments_of_standup(previous.id, limit * 2)
    reqs = store.requisitions_by_ids([c.requisition_id for c in (*overdue, *due_today, *carried) if c.requisition_id])
    codes.update({r.id: r.code for r in reqs.values()})
    dispute_codes = {
        d.id: d.code
        for d in store.disputes_by_ids(
            [c.dispute_id for c in (*overdue, *due_today, *carried) if c.dispute_id]
        ).values()
    }
    for section, found, total in ((OVERDUE, overdue, overdue_total), (DUE_TODAY, due_today, due_total)):
        for c in found:
            late = (today - c.due).days
            prefix = f"{plural(late, 'day')} overdue" if section == OVERDUE else "Due today"
            items.append(_commitment_item(section, c, people, codes, prefix=prefix, dispute_codes=dispute_codes))
            shown_commitments.add(c.id)
        items += _more(
            section,
            total - len(found),
            "commitments " + ("overdue" if section == OVERDUE else "due today"),
            "See the commitments list",
        )
    # Overdue and due-today ones are already on the agenda; carry forward only the rest.
    hidden_before = carried_total - len(carried)
    carried = [c for c in carried if c.id not in shown_commitments]
    for c in carried[:limit]:
        items.append(
            _commitment_item(CARRIED, c, people, codes, prefix=f"Due {c.due:%a %d %b}", dispute_codes=dispute_codes)
        )
    items += _more(
        CARRIED, hidden_before + max(0, len(carried) - limit), "open action items", "See the commitments list"
    )

    # The queue: requisitions waiting for an intake call, then those at risk.
    intake, intake_total = store.requisitions_awaiting_intake(limit)
    for req in intake:
        age = (now - req.opened_at).days if req.opened_at else 0
        items.append(
            AgendaItem(
                section=INTAKE,
                title=f"{req.code} {req.title} at {req.client} "
                + (f"(grade {req.grade})" if req.grade else "(not graded yet)"),
                detail=f"Opened {plural(age, 'day')} ago by {_name(people, req.sales_owner_id)}; no intake call yet",
                requisition_id=req.id,
                person_id=req.sales_owner_id,
            )
        )
    items += _more(INTAKE, intake_total - len(intake), "requisitions awaiting intake", "See the queue, status intake")

    allowed = Allowances.of(store)
    at_risk, risk_total = store.requisitions_at_risk(
        today=today,
        stale_before=now - dt.timedelta(days=allowed.stale_days),
        submittal_due_before={g: calendar.business_days_before(now, d) for g, d in allowed.submittal_days.items()},
        default_estimate_days=DEFAULT_TIME_TO_FILL_DAYS,
        limit=limit,
    )
    for req, reasons in at_risk:
        items.append(_at_risk_item(req, reasons, people, today, allowed))
    items += _more(AT_RISK, risk_total - len(at_risk), "at-risk requisitions", "See the queue's at-risk filter")

    # Disputes, each with the proposal the rules rank first.
    disputes, disputes_total = store.open_disputes_page(limit)
    dispute_reqs = store.requisitions_by_ids([d.requisition_id for d in disputes if d.requisition_id])
    for dispute in disputes:
        top = _safe_top(proposals, dispute)
        about_req = dispute_reqs.get(dispute.requisition_id) if dispute.requisition_id else None
        about = f" on {about_req.code}" if about_req else ""
        parties = f"{_name(people, dispute.raised_by_id)} and {_name(people, dispute.counterpart_id)}"
        detail = f"{parties}{about}, severity {dispute.severity}, {dispute.status}"
        if top:
            detail += f". Top proposal: {top}"
        # The title names what it is about: the requisition, else the two people.
        about_title = about_req.code if about_req else parties
        items.append(
            AgendaItem(
                section=DISPUTES,
                title=f"{dispute.code} {about_title}: {dispute.summary}",
                detail=detail,
                requisition_id=dispute.requisition_id,
                dispute_id=dispute.id,
                person_id=dispute.raised_by_id,
            )
        )
    items += _more(DISPUTES, disputes_total - len(disputes), "open disputes", "See the disputes screen")

    if expectations is not None:
        try:
            judged = list(expectations())
        except Exception as exc:  # a metric that cannot be measured must not stop the meeting; say so
            judged = []
            items.append(
                AgendaItem(
                    section=EXPECTATIONS,
                    title="Expectations could not be measured",
                    detail=f"{type(exc).__name__}: {exc}",
                )
            )
        findings = sorted(judged, key=lambda f: (f.verdict != "missed", f.expectation.id or 0))
        for finding in findings[:limit]:
            verdict = "Missed" if finding.verdict == "missed" else "At risk"
            items.append(
                AgendaItem(
                    section=EXPECTATIONS,
                    title=f"{verdict}: {finding.expectation.title} ({finding.expectation.owner_team} team)",
                    detail=finding.detail
                    or f"{finding.expectation.owner_team} team, target {finding.expectation.target:g}%",
                )
            )
        items += _more(EXPECTATIONS, len(findings) - limit, "expectations", "See the expectations screen")

    return Agenda(now=now, since=since, previous_standup_id=previous.id if previous else None, items=items)


def _safe_top(proposals: TopProposal | None, dispute: Dispute) -> str | None:
    if proposals is None:
        return None
    try:
        return proposals(dispute)
    except Exception:  # one dispute the rules cannot judge must not stop the meeting
        return None


def _commitment_item(
    section: str,
    c: Commitment,
    people: Mapping[int, Person],
    req_codes: Mapping[int | None, str | None],
    *,
    prefix: str,
    dispute_codes: Mapping[int | None, str | None] | None = None,
) -> AgendaItem:
    links = [
        code
        for code in (
            req_codes.get(c.requisition_id) if c.requisition_id else None,
            (dispute_codes or {}).get(c.dispute_id) if c.dispute_id else None,
        )
        if code
    ]
    detail = f"{prefix}; due {c.due:%a %d %b}" if section == WINS else prefix
    if links:
        detail += f" ({', '.join(links)})"
    # The title names what it is about: two people may promise the same words on two requisitions.
    about = f" ({', '.join(links)})" if links else ""
    return AgendaItem(
        section=section,
        title=f"{_name(people, c.owner_id)}: {c.text}{about}",
        detail=detail,
        requisition_id=c.requisition_id,
        dispute_id=c.dispute_id,
        commitment_id=c.id,
        person_id=c.owner_id,
    )


def _at_risk_item(
    req: Requisition,
    reasons: frozenset[str],
    people: Mapping[int, Person],
    today: dt.date,
    allowed: Allowances,
) -> AgendaItem:
    words = []
    person_id: int | None = req.sales_owner_id
    if "promise" in reasons and req.promised_date and req.opened_at:
        if req.promised_date < today:
            words.append(f"promised {req.promised_date:%d %b}, already past")
        else:
            estimate = req.estimate_days or DEFAULT_TIME_TO_FILL_DAYS
            realistic = req.opened_at.date() + dt.timedelta(days=estimate)
            short = (realistic - req.promised_date).days
            words.append(
                f"promised {req.promised_date:%d %b}, {plural(short, 'day')} before the "
                f"realistic {estimate}-day estimate"
            )
    if "no_submittal" in reasons:
        days = allowed.submittal_days.get(req.grade or "", 0)
        words.append(f"no submittal within {plural(days, 'business day')} of qualification (grade {req.grade})")
        person_id = req.recruiter_id or req.sales_owner_id
    if "stale" in reasons:
        words.append(f"no status change for {allowed.stale_days:g}+ days")
        if "promise" not in reasons:
            person_id = req.recruiter_id or req.sales_owner_id
    who = f"sales {_name(people, req.sales_owner_id)}, recruiter {_name(people, req.recruiter_id)}"
    reasons_text = "; ".join(words)
    return AgendaItem(
        section=AT_RISK,
        title=f"{req.code} {req.title} at {req.client} ({req.status})",
        detail=reasons_text[:1].upper() + reasons_text[1:] + f" — {who}",
        requisition_id=req.id,
        person_id=person_id,
    )


# -- fitting the agenda to the meeting's length ------------------------------------------------------

DEFAULT_MEETING_MINUTES = 15
MIN_MEETING_MINUTES = 5
MAX_MEETING_MINUTES = 120
# What one agenda item is planned to take when the agenda is cut to the meeting: a standup item is
# "the fact, who owns it, what happens next", not a discussion.
PLANNED_ITEM_SECONDS = 90
# The order items earn their place in a short meeting: what is already broken first, good news last
# (the wins are one item, so they always fit).
SECTION_PRIORITY: tuple[str, ...] = (DISPUTES, OVERDUE, AT_RISK, DUE_TODAY, INTAKE, EXPECTATIONS, CARRIED, WINS)


_MORE = re.compile(r"\+\d+ more ")


class _Titled(Protocol):
    title: str


def is_more(item: _Titled) -> bool:
    """A "+N more" line: it stands for items left off, it is not talked about itself."""
    return _MORE.match(item.title) is not None


def talk_items(items: Iterable[_Titled]) -> int:
    """How many items the meeting talks about (the "+N more" lines excluded)."""
    return sum(1 for item in items if not is_more(item))


@dataclass
class FittedAgenda:
    """The agenda cut to a meeting's length: the items to walk, each section's items left off (that one
    key puts back), and the time each item gets."""

    agenda: Agenda
    meeting_seconds: int
    item_seconds: int
    folded: dict[str, list[AgendaItem]] = field(default_factory=dict)

    @property
    def items(self) -> list[AgendaItem]:
        return self.agenda.items

    @property
    def planned_seconds(self) -> int:
        return self.item_seconds * talk_items(self.items)


def item_seconds_for(meeting_seconds: int, talked: int) -> int:
    """Each item's share of the meeting (never under 10 s, never more than the whole meeting)."""
    return max(10, min(meeting_seconds, meeting_seconds // max(1, talked)))


def fit_to_meeting(
    agenda: Agenda, meeting_minutes: float = DEFAULT_MEETING_MINUTES, *, item_seconds: int = PLANNED_ITEM_SECONDS
) -> FittedAgenda:
    """The agenda cut to `meeting_minutes`: every section that has something keeps its most urgent item,
    the remaining places go to the sections in SECTION_PRIORITY order, and what does not fit is folded
    under one "+N more" line per section (in meeting order, nothing reordered)."""
    meeting_seconds = round(meeting_minutes * 60)
    places = max(1, meeting_seconds // item_seconds)
    by_section: dict[str, list[AgendaItem]] = {}
    beyond: dict[str, AgendaItem] = {}  # the sections' own "+N more" lines (past the section limit)
    for item in agenda.items:
        if item.more:
            beyond[item.section] = item
        else:
            by_section.setdefault(item.section, []).append(item)
    order = [name for name in SECTION_PRIORITY if name in by_section]
    order += [name for name in by_section if name not in order]
    keep = dict.fromkeys(by_section, 0)
    for name in order:  # the first pass: one item for each section that has any
        if places <= 0:
            break
        keep[name] = 1
        places -= 1
    for name in order:  # then by urgency, as long as there is time
        extra = min(places, len(by_section[name]) - keep[name])
        if keep[name] and extra > 0:
            keep[name] += extra
            places -= extra
    items: list[AgendaItem] = []
    folded: dict[str, list[AgendaItem]] = {}
    sections = [name for name in SECTIONS if name in by_section or name in beyond]
    sections += [name for name in {**by_section, **beyond} if name not in sections]
    for name in sections:
        theirs = by_section.get(name, [])
        shown, hidden = theirs[: keep.get(name, 0)], theirs[keep.get(name, 0) :]
        items += shown
        if hidden:
            folded[name] = hidden
        left_off = len(hidden) + (beyond[name].more if name in beyond else 0)
        if left_off:
            where = "press + to add them to this meeting" if hidden else beyond[name].detail
            if hidden and name in beyond:
                where += f"; {beyond[name].more} more: {beyond[name].detail.lower()}"
            items.append(
                AgendaItem(section=name, title=f"+{left_off} more {_section_noun(name)}", detail=where, more=left_off)
            )
    fitted = Agenda(now=agenda.now, since=agenda.since, previous_standup_id=agenda.previous_standup_id, items=items)
    return FittedAgenda(
        agenda=fitted,
        meeting_seconds=meeting_seconds,
        item_seconds=item_seconds_for(meeting_seconds, talk_items(items)),
        folded=folded,
    )


def _section_noun(section: str) -> str:
    return {
        WINS: "wins",
        OVERDUE: "overdue commitments",
        DUE_TODAY: "commitments due today",
        CARRIED: "open action items",
        INTAKE: "requisitions awaiting intake",
        AT_RISK: "at-risk requisitions",
        DISPUTES: "open disputes",
        EXPECTATIONS: "expectations",
    }.get(section, "items")


def _identity(item: AgendaItem | StandupItem) -> tuple[object, ...]:
    """What an agenda item is about, so a rebuilt agenda's item is recognised on a running standup."""
    links = (item.commitment_id, item.dispute_id, item.requisition_id, item.person_id)
    return (item.section, *links) if any(links) else (item.section, item.title)


def expand_more(store: Store, standup_id: int, position: int, fresh: Agenda) -> int:
    """Puts the items a "+N more" line of a running standup stands for into the meeting in its place,
    taken from `fresh` (the agenda built again now, so they are as the data is now); one transaction.

    The line becomes the first of them, the rest follow it, later items move down; what the section
    leaves off even so (past SECTION_LIMIT) stays as a "+N more" line saying where to look. Returns how
    many items were added."""
    standup = store.get_standup(standup_id)
    if standup is None or not 0 <= position < len(standup.items) or not is_more(standup.items[position]):
        return 0
    line = standup.items[position]
    have = {_identity(item) for item in standup.items}
    section = fresh.section(line.section)
    added = [item for item in section if not item.more and _identity(item) not in have]
    rest = next((item for item in section if item.more), None)
    if not added:
        return 0
    new_items = [item.to_standup_item() for item in added]
    if rest is not None:
        new_items.append(rest.to_standup_item())
    shift = len(new_items) - 1
    with store.transaction():
        for later in reversed(standup.items[position + 1 :]):
            store.update_standup_item(later.model_copy(update={"position": later.position + shift}))
        first, *others = new_items
        fields = first.model_dump(
            include={"title", "detail", "requisition_id", "dispute_id", "commitment_id", "person_id"}
        )
        store.update_standup_item(line.model_copy(update=fields))
        for offset, item in enumerate(others, start=1):
            stored = store.add_standup_item(item.model_copy(update={"standup_id": standup_id}))
            store.update_standup_item(stored.model_copy(update={"position": line.position + offset}))
        if standup.current_item > position:
            store.update_standup(standup.model_copy(update={"current_item": standup.current_item + shift, "items": []}))
    return len(added)


def next_talk_item(items: Sequence[_Titled], current: int, step: int = 1) -> int | None:
    """The next item the meeting talks about after `current` (step -1: before it), passing the "+N more"
    lines, which stand for items left off and are expanded with + from anywhere in their section; None
    when there is none that way."""
    index = current + step
    while 0 <= index < len(items):
        if not is_more(items[index]):
            return index
        index += step
    return None


def talk_position(items: Sequence[_Titled], current: int) -> int | None:
    """Which talk item `current` is, counting from 1 as the agenda's "N items" counts (None on a "+N more" line)."""
    if not 0 <= current < len(items) or is_more(items[current]):
        return None
    return talk_items(items[:current]) + 1


def next_section_start(items: Sequence[AgendaItem | StandupItem], current: int) -> int | None:
    """Where the section after the one at `current` begins (None when it is the last section)."""
    if not 0 <= current < len(items):
        return None
    section = items[current].section
    for index in range(current + 1, len(items)):
        if items[index].section != section:
            return index
    return None


__all__ = [
    "Agenda",
    "AgendaItem",
    "ExpectationFinding",
    "Allowances",
    "build_agenda",
    "SECTIONS",
    "SECTION_LABELS",
    "DEFAULT_MEETING_MINUTES",
    "FittedAgenda",
    "fit_to_meeting",
    "expand_more",
    "next_section_start",
    "next_talk_item",
    "talk_position",
    "is_more",
    "talk_items",
]
