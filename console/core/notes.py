"""Meeting notes of a standup: gathered once from the Store, rendered as Markdown, HTML, JSON or .ics."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from mediation_console.console.core.agenda import AT_RISK, EXPECTATIONS, SECTION_LABELS, WINS, is_more
from mediation_console.db import safe_file
from mediation_console.db.models import (
    CATEGORY_LABELS,
    OPEN_DISPUTE_STATUSES,
    Commitment,
    Dispute,
    Person,
    Requisition,
    Standup,
    StandupItem,
)
from mediation_console.db.store import Store
from mediation_console.db.text import inert, json_inert, markdown_text, slack_text
from mediation_console.db.words import plural

if TYPE_CHECKING:
    import icalendar
    import jinja2

    from mediation_console.console.core.rules.service import Mediator

# jinja2 and icalendar are imported where they render: together they cost ~0.15 s, and the
# console (which imports this module for its screens) should not pay that before the queue shows.

FORMATS = ("md", "slack", "html", "json", "ics")
SUFFIXES = {"md": ".md", "slack": ".slack.txt", "html": ".html", "json": ".json", "ics": ".ics"}
UID_DOMAIN = "mediation-console"
# Long lists in the queue-changes part are cut here (a busy week can move hundreds of requisitions).
QUEUE_CHANGE_LIMIT = 25


class NotesPerson(BaseModel):
    id: int
    name: str
    team: str
    present: bool = True


class NotesProposal(BaseModel):
    id: str | None = None
    title: str
    sales_gives: str = ""
    sales_gets: str = ""
    recruiting_gives: str = ""
    recruiting_gets: str = ""
    criterion: str = ""
    # How it meets each side's stated interest, in their words ("Meets Tom's 'keep Lumen happy': ...").
    interests: list[str] = Field(default_factory=list)
    accepted: bool = False  # False: the rules' top proposal, not (yet) accepted


class NotesFallback(BaseModel):
    """Each side's fallback if no agreement is reached, and what that costs (rules/fallback.py), as lines."""

    sales: str = ""
    recruiting: str = ""
    costs: list[str] = Field(default_factory=list)


class NotesDispute(BaseModel):
    id: int
    code: str
    summary: str
    category: str
    severity: int
    status: str
    requisition: str | None = None  # the requisition's code
    raised_by: str
    counterpart: str
    facts: list[str] = Field(default_factory=list)
    sales_interest: str = ""
    recruiting_interest: str = ""
    resolution: str = ""
    proposal: NotesProposal | None = None
    fallback: NotesFallback | None = None


class NotesCommitment(BaseModel):
    id: int
    owner: str
    owner_id: int
    text: str
    due: dt.date
    status: str
    link: str | None = None  # REQ-… or D-… code
    standup_id: int | None = None
    created_at: dt.datetime | None = None


class NotesItem(BaseModel):
    section: str
    section_label: str
    title: str
    detail: str = ""
    notes: str = ""
    decision: str = ""
    link: str | None = None
    person: str | None = None
    reached: bool = True  # False: on the agenda, but the meeting never got to it


class NotesLine(BaseModel):
    """One line of the queue changes: what happened to which requisition."""

    link: str | None = None
    text: str
    at: dt.datetime | None = None


class NotesData(BaseModel):
    """Everything the notes say, gathered from the Store once; every format renders this."""

    standup: Standup
    date: dt.date
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    minutes: int | None = None
    facilitator: str | None = None
    present: list[NotesPerson] = Field(default_factory=list)
    absent: list[NotesPerson] = Field(default_factory=list)
    previous_standup_id: int | None = None
    wins: list[NotesItem] = Field(default_factory=list)
    new_requisitions: list[NotesLine] = Field(default_factory=list)
    new_requisitions_more: int = 0
    status_moves: list[NotesLine] = Field(default_factory=list)
    status_moves_more: int = 0
    sla_breaches: list[NotesItem] = Field(default_factory=list)
    disputes: list[NotesDispute] = Field(default_factory=list)
    discussion: list[NotesItem] = Field(default_factory=list)
    decisions: list[NotesItem] = Field(default_factory=list)
    action_items: list[NotesCommitment] = Field(default_factory=list)
    carried_forward: list[NotesCommitment] = Field(default_factory=list)
    # Agenda items the meeting did not get to, and the "+N more" lines left off to fit its length:
    # nothing is lost, the next agenda brings them back.
    not_reached: list[NotesItem] = Field(default_factory=list)
    left_off: list[str] = Field(default_factory=list)
    blockers: str = ""
    database_id: str = ""  # the file's identity: calendar UIDs carry it

    @property
    def title(self) -> str:
        return f"Standup {self.date:%A %d %B %Y}"


ProposalLookup = Callable[[Dispute], "list[Any]"]
# A dispute's costed fallback (rules/fallback.CostedFallback) for the category of its chosen proposal.
FallbackLookup = Callable[[Dispute, "str | None"], Any]


def proposals_by(mediator: Mediator) -> ProposalLookup:
    """The proposals `mediator` (with the lead's rule pack) makes for each dispute the notes quote."""
    return lambda dispute: list(mediator.proposals_for(dispute.saved_id))


def fallbacks_by(mediator: Mediator) -> FallbackLookup:
    """Each side's costed fallback `mediator` gives a dispute the notes quote, for its chosen proposal's category."""
    return lambda dispute, category: mediator.costed_fallback(dispute, category)


def _fallback(raw: Any) -> NotesFallback:
    def side(name: str) -> str:
        found = getattr(raw, name, None)
        action = str(getattr(found, "action", "") or "")
        share = str(getattr(found, "share_text", "") or "")
        return f"{action} ({share})" if action and share else action or share

    return NotesFallback(
        sales=side("sales"),
        recruiting=side("recruiting"),
        costs=[str(getattr(c, "text", c)) for c in getattr(raw, "costs", ())],
    )


def _proposal(raw: Any, accepted: bool) -> NotesProposal:
    def text(*names: str) -> str:
        for name in names:
            value = getattr(raw, name, None)
            if value:
                return _words(value)
        return ""

    return NotesProposal(
        id=str(getattr(raw, "id", "") or "") or None,
        title=text("title") or "Proposal",
        sales_gives=text("sales_gives"),
        sales_gets=text("sales_gets"),
        recruiting_gives=text("recruiting_gives"),
        recruiting_gets=text("recruiting_gets"),
        criterion=text("criterion_text", "criterion"),
        interests=[_words(line) for line in _interest_lines(raw)],
        accepted=accepted,
    )


def _interest_lines(raw: Any) -> tuple[str, ...]:
    lines = getattr(raw, "interest_lines", None)
    return tuple(lines()) if callable(lines) else ()


def _words(value: Any) -> str:
    """A proposal's field as a reader sees it: a list of gives/gets joined as a sentence list, never a
    Python tuple's repr."""
    if isinstance(value, (list, tuple)):
        return "; ".join(w for w in (_words(v) for v in value) if w)
    return str(getattr(value, "text", value)).strip()


# An item the meeting stayed on this long was talked about even if nobody pressed space after it.
TALKED_SECONDS = 30


def reached(item: StandupItem) -> bool:
    """Whether the meeting got to an agenda item: walked past it (space), stayed on it, or wrote on it.
    A "+N more" line stands for items left off and is never itself discussed."""
    if is_more(item):
        return False
    return item.done or item.seconds_spent >= TALKED_SECONDS or bool(item.notes.strip() or item.decision.strip())


def gather_notes(
    store: Store,
    standup: Standup | int,
    proposals: ProposalLookup | None = None,
    *,
    fallbacks: FallbackLookup | None = None,
) -> NotesData:
    """Collects the notes of a standup in a handful of set-based queries (no Textual, no rendering).
    `proposals(dispute)` ranks a dispute's proposals, `fallbacks(dispute, category)` costs each side's
    fallback; both come from the lead's Mediator (`proposals_by`, `fallbacks_by`): without them the
    disputes go out with no proposal, never one from another pack than the lead's."""
    if isinstance(standup, int):
        found = store.get_standup(standup)
        if found is None:
            raise LookupError(f"There is no standup {standup}")
        standup = found
    people = store.people_by_id()
    until = standup.ended_at or store.now()
    previous = store.previous_standup(standup.started_at, exclude_id=standup.id)
    since = previous.ended_at if previous else None

    made = store.list_commitments(standup_id=standup.id)
    carried, _ = store.open_commitments_before_standup(standup.id, standup.started_at, 500) if standup.id else ([], 0)
    new_reqs, new_total = store.requisitions_opened_between(since, until, QUEUE_CHANGE_LIMIT)
    moves, moves_total = store.status_moves_between(since, until, QUEUE_CHANGE_LIMIT)

    req_ids = [i.requisition_id for i in standup.items] + [c.requisition_id for c in (*made, *carried)]
    req_ids += [m.requisition_id for m in moves]
    dispute_ids = [i.dispute_id for i in standup.items] + [c.dispute_id for c in (*made, *carried)]
    disputes = store.disputes_by_ids([d for d in dispute_ids if d])
    # Links need only codes (hundreds of them in a long meeting); whole records only for the disputes'
    # requisitions, whose facts the notes quote.
    reqs = store.requisitions_by_ids([d.requisition_id for d in disputes.values() if d.requisition_id])
    reqs.update({r.saved_id: r for r in new_reqs})
    codes = store.requisition_codes([r for r in req_ids if r and r not in reqs])
    codes.update({r.saved_id: r.code for r in reqs.values() if r.code})

    def name(person_id: int | None) -> str:
        person = people.get(person_id) if person_id is not None else None
        return person.name if person else "unassigned"

    def link(requisition_id: int | None, dispute_id: int | None) -> str | None:
        if dispute_id and dispute_id in disputes:
            return disputes[dispute_id].code
        if requisition_id and requisition_id in codes:
            return codes[requisition_id]
        return None

    def commitment(c: Commitment) -> NotesCommitment:
        return NotesCommitment(
            id=c.id,
            owner=name(c.owner_id),
            owner_id=c.owner_id,
            text=c.text,
            due=c.due,
            status=str(c.status),
            link=link(c.requisition_id, c.dispute_id),
            standup_id=c.standup_id,
            created_at=c.created_at,
        )

    attendees = [
        NotesPerson(id=a.person_id, name=name(a.person_id), team=str(people[a.person_id].team), present=a.present)
        for a in standup.attendees
        if a.person_id in people
    ]
    running = standup.ended_at is None
    items = [
        NotesItem(
            section=i.section,
            section_label=SECTION_LABELS.get(i.section, i.section.replace("_", " ").capitalize()),
            title=i.title,
            detail=i.detail,
            notes=i.notes,
            decision=i.decision,
            link=link(i.requisition_id, i.dispute_id),
            person=name(i.person_id) if i.person_id else None,
            # The item on screen in a running meeting is being discussed now.
            reached=reached(i) or (running and index == standup.current_item and not is_more(i)),
        )
        for index, i in enumerate(standup.items)
    ]
    discussed = []
    seen: set[int] = set()
    for item, noted in zip(standup.items, items, strict=True):
        if not noted.reached:  # an item the meeting never got to was not discussed
            continue
        if item.dispute_id and item.dispute_id in disputes and item.dispute_id not in seen:
            seen.add(item.dispute_id)
            discussed.append(_dispute(disputes[item.dispute_id], reqs, people, until, proposals, fallbacks))
    minutes = None
    if standup.ended_at:
        minutes = max(0, round((standup.ended_at - standup.started_at).total_seconds() / 60))
    return NotesData(
        standup=standup,
        database_id=store.database_id(),
        date=standup.started_at.date(),
        started_at=standup.started_at,
        ended_at=standup.ended_at,
        minutes=minutes,
        facilitator=name(standup.facilitator_id) if standup.facilitator_id else None,
        present=[a for a in attendees if a.present],
        absent=[a for a in attendees if not a.present],
        previous_standup_id=previous.id if previous else None,
        wins=[i for i in items if i.section == WINS and i.reached],
        new_requisitions=[
            NotesLine(
                link=r.code,
                text=f"{r.title} at {r.client} — grade {r.grade or 'not scored'}, sales {name(r.sales_owner_id)}",
                at=r.opened_at,
            )
            for r in new_reqs
        ],
        new_requisitions_more=new_total - len(new_reqs),
        status_moves=[
            NotesLine(
                link=codes.get(m.requisition_id) if m.requisition_id else None,
                text=f"{m.from_status or '?'} → {m.to_status or '?'}" + (f" ({m.note})" if m.note else ""),
                at=m.at,
            )
            for m in moves
        ],
        status_moves_more=moves_total - len(moves),
        sla_breaches=[i for i in items if i.section in (AT_RISK, EXPECTATIONS) and i.reached],
        disputes=discussed,
        discussion=[i for i in items if i.notes.strip()],
        decisions=[i for i in items if i.decision.strip()],
        action_items=[commitment(c) for c in made],
        carried_forward=[commitment(c) for c in carried],
        not_reached=[i for i, raw in zip(items, standup.items, strict=True) if not i.reached and not is_more(raw)],
        left_off=[f"{i.title.removeprefix('+')} ({i.section_label.lower()})" for i in items if is_more(i)],
        blockers=standup.blockers,
    )


def _dispute(
    dispute: Dispute,
    reqs: dict[int, Requisition],
    people: Mapping[int, Person],
    until: dt.datetime,
    proposals: ProposalLookup | None,
    fallbacks: FallbackLookup | None = None,
) -> NotesDispute:
    req = reqs.get(dispute.requisition_id) if dispute.requisition_id else None
    facts = []
    if dispute.opened_at:
        facts.append(f"Open for {plural((until - dispute.opened_at).days, 'day')}")
    if req is not None:
        facts.append(
            f"{req.code} {req.title} at {req.client}: {req.status}, grade {req.grade or 'not scored'}, "
            f"{plural(req.submittals, 'submittal')}"
        )
        if req.opened_at:
            facts.append(f"Requisition open {plural((until - req.opened_at).days, 'day')}")
        if req.promised_date:
            facts.append(f"Promised to the client for {req.promised_date:%d %b %Y}")
        if req.salary_max and req.market_salary:
            gap = round((req.salary_max - req.market_salary) * 100 / req.market_salary)
            facts.append(f"Salary max {req.salary_max:,} vs market {req.market_salary:,} ({gap:+d}%)")
    chosen = None
    picked: Any = None
    if proposals is not None:
        try:
            ranked = proposals(dispute)
        except Exception:  # one dispute the rules cannot judge must not stop the notes
            ranked = []
        accepted = [p for p in ranked if dispute.proposal_id and str(getattr(p, "id", "")) == dispute.proposal_id]
        picked = accepted[0] if accepted else ranked[0] if ranked else None
        if picked is not None:
            chosen = _proposal(picked, accepted=bool(accepted))
    fallback = None
    if fallbacks is not None and dispute.status in OPEN_DISPUTE_STATUSES:
        try:
            # The fallbacks of the chosen proposal's category: the alternative to that agreement.
            fallback = _fallback(fallbacks(dispute, getattr(picked, "category", None)))
        except Exception:  # one dispute the rules cannot cost must not stop the notes
            fallback = None
    person = people.get
    return NotesDispute(
        id=dispute.id,
        code=dispute.code or f"D-{dispute.id:04d}",
        summary=dispute.summary,
        category=CATEGORY_LABELS.get(dispute.category, str(dispute.category)),
        severity=dispute.severity,
        status=str(dispute.status),
        requisition=req.code if req else None,
        raised_by=_name_or_unknown(person(dispute.raised_by_id)),
        counterpart=_name_or_unknown(person(dispute.counterpart_id)),
        facts=facts,
        sales_interest=dispute.sales_interest,
        recruiting_interest=dispute.recruiting_interest,
        resolution=dispute.resolution,
        proposal=chosen,
        fallback=fallback,
    )


# -- rendering -------------------------------------------------------------------------------------


def _one_line(value: Any) -> str:
    return " ".join(str(value or "").split())


def _indent(value: Any, width: int = 2) -> str:
    """Continuation lines of a Markdown list item, indented so they stay inside the item."""
    lines = str(value or "").strip().splitlines()
    return ("\n" + " " * width).join(line.rstrip() for line in lines)


class _Markdown(str):
    """Text already escaped for Markdown by a filter: printed as it is."""


def _md_finalize(value: Any) -> Any:
    """Every value the Markdown template prints is user text made plain: rendered, it reads as what
    was typed, never as an image, link, HTML, heading, list item or fence (db.text.markdown_text)."""
    return value if isinstance(value, _Markdown) else markdown_text(value)


def _md_one_line(value: Any) -> _Markdown:
    return _Markdown(markdown_text(_one_line(value)))


def _md_indent(value: Any, width: int = 2) -> _Markdown:
    return _Markdown(_indent(markdown_text(str(value or "").strip()), width))


def slack_escape(value: Any) -> str:
    """Slack's mrkdwn escaping (db.text.slack_text): &, < and > as entities (`<url|text>` links,
    `<@U123>` mentions, `<!channel>`), and formatting markers, autolinks and quotes kept from working,
    so user text cannot ping, link, bold or break the notes' own bold titles."""
    return slack_text(value)


def _environment(autoescape: bool, slack: bool = False) -> jinja2.Environment:
    import jinja2

    def finalize(value: Any) -> Any:
        # Every printed value shows its control characters inert; HTML escapes the rest, Markdown
        # escapes every character that would start markup, Slack's mrkdwn its three.
        if slack:
            return slack_escape(value)
        return inert(value) if autoescape else _md_finalize(value)

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mediation_console.console.core", "templates"),
        autoescape=autoescape,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # templates ship with the package; no stat() per export
    )
    plain = autoescape or slack  # the filters' output is escaped by finalize
    env.filters["one_line"] = _one_line if plain else _md_one_line
    env.filters["indent_md"] = _indent if plain else _md_indent
    env.filters["day"] = lambda d: f"{d:%a %d %b}" if d else ""
    env.filters["clock"] = lambda t: f"{t:%H:%M}" if t else ""
    return env


_ENVIRONMENTS: dict[tuple[bool, bool], jinja2.Environment] = {}


def _template(name: str, autoescape: bool, slack: bool = False) -> jinja2.Template:
    env = _ENVIRONMENTS.get((autoescape, slack))
    if env is None:
        env = _ENVIRONMENTS[(autoescape, slack)] = _environment(autoescape, slack)
    return env.get_template(name)


def text_template(name: str, fmt: str) -> jinja2.Template:
    """A template of the package rendered the way `fmt` ("md", "slack" or "html") escapes user text,
    with the notes' filters (one_line, indent_md, day, clock): the commitments digest uses them too."""
    if fmt not in ("md", "slack", "html"):
        raise ValueError(f"No text template format {fmt!r}")
    return _template(name, autoescape=fmt == "html", slack=fmt == "slack")


def to_markdown(data: NotesData) -> str:
    return _template("notes.md.j2", autoescape=False).render(n=data)


def to_slack(data: NotesData) -> str:
    """Slack's mrkdwn: *bold* with single stars, no # headings, user text with &, <, > escaped."""
    return _template("notes.slack.j2", autoescape=False, slack=True).render(n=data)


def to_html(data: NotesData) -> str:
    return _template("notes.html.j2", autoescape=True).render(n=data)


def to_json(data: NotesData) -> str:
    """Lossless: `notes_from_json(to_json(data)) == data`, with no raw control or bidi character."""
    return json_inert(data.model_dump_json(indent=2)) + "\n"


def notes_from_json(text: str | bytes) -> NotesData:
    return NotesData.model_validate_json(text)


def commitment_uid(commitment_id: int, database_id: str = "") -> str:
    """Stable per commitment, so importing the file again updates the event instead of duplicating it;
    with the database's own id, so the commitments of two teams' files never share a UID."""
    where = f".{database_id}" if database_id else ""
    return f"commitment-{commitment_id}{where}@{UID_DOMAIN}"


def commitment_calendar(product: str, name: str) -> icalendar.Calendar:
    """An empty iCalendar for commitments (the notes' or the digest's), named `name` in calendar apps."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", f"-//Mediation Console//{product}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", inert(name))
    return cal


def commitment_event(
    uid: str,
    stamp: dt.datetime,
    owner: str,
    text: str,
    due: dt.date,
    link: str | None,
    footer: str,
    outcome: str | None = None,
) -> icalendar.Event:
    """A commitment as one all-day VEVENT on its due date (calendar apps reject VTODO), alike in the
    notes' and the digest's calendars. DTSTAMP is `stamp`, from the records, not the clock, so two
    exports of the same commitments are identical; `footer` ends the description. With an `outcome`
    ("Kept") it is STATUS:CANCELLED with the outcome in its title: it stays in the file (a calendar that
    imported it before updates it by UID) but is no longer a live event."""
    import icalendar

    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.replace(tzinfo=dt.UTC))
    event.add("dtstart", due)
    event.add("dtend", due + dt.timedelta(days=1))
    summary = f"{owner}: {text}"
    event.add("summary", inert(_one_line(f"{outcome}: {summary}" if outcome else summary)))
    description = [f"Owner: {owner}", f"Commitment: {text}", f"Due: {due:%A %d %B %Y}"]
    if link:
        description.append(f"About: {link}")
    description.append(footer)
    event.add("description", inert("\n".join(description)))
    event.add("transp", "TRANSPARENT")
    event.add("status", "CANCELLED" if outcome else "CONFIRMED")
    event.add("categories", ["Commitment"])
    return event


# What a closed commitment's event says (its outcome).
ICS_CLOSED = {"kept": "Kept", "cancelled": "Cancelled"}


def to_ics(data: NotesData, *, open_only: bool = False) -> bytes:
    """One all-day VEVENT per commitment on its due date. Kept and cancelled commitments are
    STATUS:CANCELLED with the outcome in the title, or left out with `open_only`; a missed one stays a
    live event (it is still owed)."""
    cal = commitment_calendar("Standup commitments", f"Commitments — {data.title}")
    stamp = data.ended_at or data.started_at
    for c in [*data.action_items, *data.carried_forward]:
        closed = ICS_CLOSED.get(c.status)
        if closed and open_only:
            continue
        uid = commitment_uid(c.id, data.database_id)
        footer = f"From: {data.title}"
        cal.add_component(
            commitment_event(uid, c.created_at or stamp, c.owner, c.text, c.due, c.link, footer, outcome=closed)
        )
    return cal.to_ical()


def _name_or_unknown(person: Person | None) -> str:
    return person.name if person else "unknown"


def render(data: NotesData, fmt: str = "md", *, open_only: bool = False) -> str | bytes:
    """The notes in `fmt`; `open_only` leaves kept and cancelled commitments out of the calendar."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown notes format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "ics":
        return to_ics(data, open_only=open_only)
    renderers: dict[str, Callable[[NotesData], str | bytes]] = {
        "md": to_markdown,
        "slack": to_slack,
        "html": to_html,
        "json": to_json,
        "ics": to_ics,
    }
    return renderers[fmt](data)


def export_notes(store: Store, standup: Standup | int, fmt: str = "md", **kwargs: Any) -> str | bytes:
    return render(gather_notes(store, standup, **kwargs), fmt)


def default_filename(data: NotesData, fmt: str) -> str:
    return f"standup-{data.date:%Y-%m-%d}-{data.standup.id}{SUFFIXES[fmt]}"


def write_private(
    path: str | os.PathLike[str],
    content: str | bytes,
    *,
    protect: Iterable[str | os.PathLike[str] | None] = (),
    force: bool = False,
    what: str = "notes",
) -> Path:
    """Writes an export readable by the owner only (0600) through `db.safe_file`: never onto the
    database in `protect` or its side files, never through a symlink, an existing file only with
    `force`, and swapped in whole so a full disk leaves the previous file as it was. `what` names the
    export in a refusal ("... name another file for the digest")."""
    return safe_file.write_file(path, content, protect=protect, force=force, what=what)


__all__ = [
    "NotesData",
    "NotesCommitment",
    "NotesDispute",
    "NotesItem",
    "NotesLine",
    "NotesPerson",
    "NotesProposal",
    "NotesFallback",
    "FORMATS",
    "gather_notes",
    "proposals_by",
    "render",
    "export_notes",
    "to_markdown",
    "to_html",
    "to_json",
    "to_ics",
    "notes_from_json",
    "commitment_uid",
    "default_filename",
    "text_template",
    "write_private",
    "inert",
]
