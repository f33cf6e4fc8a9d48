"""A per-person digest of commitments: what each person promised and when it is due, what they kept and
missed, and their follow-through with its sample, as Markdown, Slack's mrkdwn or an .ics calendar.

Follow-through is the track record's figure (``follow_through.py``, one definition): the digest lists
the very commitments it counts (those whose outcome day falls in the last 90 days), so a reader can
check the percentage against the lines under it.
"""

from __future__ import annotations

import datetime as dt
import difflib

from pydantic import BaseModel, Field

from mediation_console.console.core import follow_through
from mediation_console.console.core.notes import commitment_calendar, commitment_event, commitment_uid, text_template
from mediation_console.db.models import Commitment, CommitmentStatus, Person
from mediation_console.db.store import Store
from mediation_console.db.text import inert
from mediation_console.db.words import plural

FORMATS = ("md", "slack", "ics")
SUFFIXES = {"md": ".md", "slack": ".slack.txt", "ics": ".ics"}
TEAM_LABELS = {"sales": "Sales", "recruiting": "Recruiting", "lead": "Lead"}


class UnknownOwner(LookupError):
    """`--owner` named nobody in the team; the message names the closest names."""


class DigestCommitment(BaseModel):
    id: int
    text: str
    due: dt.date
    status: str
    link: str | None = None  # REQ-… or D-… code
    created_at: dt.datetime | None = None
    closed_on: dt.date | None = None
    # Days from today to the due date (negative: overdue) for an open one; for a decided one, days it
    # was decided after its due date (0 when on time or early).
    days: int = 0

    @property
    def overdue(self) -> bool:
        return self.status == CommitmentStatus.OPEN and self.days < 0

    @property
    def when(self) -> str:
        """The due date as a person reads it: "due Mon 23 Nov 2026, in 3 days", "overdue by 2 days"."""
        due = f"{self.due:%a %d %b %Y}"
        if self.status == CommitmentStatus.OPEN:
            if self.days < 0:
                return f"due {due}, overdue by {_days(-self.days)}"
            if self.days == 0:
                return f"due today, {due}"
            return f"due {due}, in {_days(self.days)}"
        closed = f"{self.closed_on:%a %d %b %Y}" if self.closed_on else "?"
        if self.status == CommitmentStatus.KEPT:
            late = f", {_days(self.days)} late" if self.days > 0 else ""
            return f"due {due}, kept {closed}{late}"
        return f"due {due}, missed (decided {closed})"


class FollowThrough(BaseModel):
    """One window's figure with its sample: kept ÷ (kept + missed), None when nothing was decided."""

    days: int
    kept: int = 0
    missed: int = 0
    late: int = 0

    @property
    def rate(self) -> float | None:
        return follow_through.rate(self.kept, self.missed)

    @property
    def sentence(self) -> str:
        if self.rate is None:
            return f"no kept or missed commitment in the last {plural(self.days, 'day')} (no data, not 100 %)"
        decided = self.kept + self.missed
        late = f"; {self.late} of them kept late" if self.late else ""
        return (
            f"{self.rate:.0f} % over the last {plural(self.days, 'day')} "
            f"({self.kept} kept of {decided} decided, {self.missed} missed{late})"
        )


class PersonDigest(BaseModel):
    name: str
    team: str
    active: bool = True
    open: list[DigestCommitment] = Field(default_factory=list)
    decided: list[DigestCommitment] = Field(default_factory=list)  # the sample of `follow_through_90`
    follow_through_30: FollowThrough
    follow_through_90: FollowThrough

    @property
    def team_label(self) -> str:
        return TEAM_LABELS.get(self.team, self.team.capitalize())

    @property
    def overdue(self) -> int:
        return sum(1 for c in self.open if c.overdue)


class Digest(BaseModel):
    today: dt.date
    owner: str | None = None  # None: the whole team
    people: list[PersonDigest] = Field(default_factory=list)
    database_id: str = ""

    @property
    def title(self) -> str:
        return f"Commitments of {self.owner}" if self.owner else "Commitments of the team"

    @property
    def open_count(self) -> int:
        return sum(len(p.open) for p in self.people)

    @property
    def overdue_count(self) -> int:
        return sum(p.overdue for p in self.people)


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def find_owner(store: Store, name: str) -> Person:
    """The person called `name` (any case); an unknown name raises UnknownOwner with the closest names."""
    wanted = " ".join(name.split())
    if not wanted:
        raise UnknownOwner("--owner needs a person's name")
    found = store.person_by_name(wanted)
    if found is not None:
        return found
    names = [p.name for p in store.list_people()]
    by_fold = {n.casefold(): n for n in names}
    close = [by_fold[n] for n in difflib.get_close_matches(wanted.casefold(), list(by_fold), n=3, cutoff=0.6)]
    # A first or last name alone ("Avery") is close to nothing by ratio, but a lead means the person.
    parts = [n for n in names if wanted.casefold() in n.casefold().split() and n not in close]
    suggestions = [*parts, *close][:3]
    message = f"There is nobody called {inert(wanted)!r} in the team"
    if suggestions:
        message += "; did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
    elif names:
        message += f" of {len(names)} people (without --owner the digest lists everyone who has commitments)"
    else:
        message += " (the team is empty)"
    raise UnknownOwner(message)


def gather_digest(store: Store, owner: Person | None = None, today: dt.date | None = None) -> Digest:
    """Open commitments and the last 90 days' kept and missed ones, for one person or everyone who has any."""
    today = today or store.now().date()
    owner_id = owner.saved_id if owner is not None else None
    since, _ = follow_through.window(today, follow_through.WINDOW_DAYS)
    open_ones = store.list_commitments(statuses=[CommitmentStatus.OPEN], owner_id=owner_id)
    # Decided on or after the window's first day is implied by an outcome day inside it (the outcome
    # day is never after the closing day); the rest of the rule is follow_through.outcome_day's.
    closed = store.list_commitments(
        statuses=[CommitmentStatus.KEPT, CommitmentStatus.MISSED],
        owner_id=owner_id,
        since=dt.datetime.combine(since, dt.time()),
    )
    decided = [c for c in closed if since <= follow_through.outcome_day(c.due, c.closed_at) <= today]
    tallies = {days: follow_through.tallies_by_owner(store, today, days) for days in follow_through.WINDOWS}

    req_codes = store.requisition_codes([c.requisition_id for c in (*open_ones, *decided) if c.requisition_id])
    disputes = store.disputes_by_ids([c.dispute_id for c in (*open_ones, *decided) if c.dispute_id])

    def link(c: Commitment) -> str | None:
        if c.dispute_id and c.dispute_id in disputes:
            return disputes[c.dispute_id].code or f"D-{c.dispute_id:04d}"
        return req_codes.get(c.requisition_id) if c.requisition_id else None

    def line(c: Commitment) -> DigestCommitment:
        closed_on = c.closed_at.date() if c.closed_at else None
        if c.status == CommitmentStatus.OPEN:
            days = (c.due - today).days
        else:
            days = max(0, (closed_on - c.due).days) if closed_on else 0
        return DigestCommitment(
            id=c.saved_id,
            text=c.text,
            due=c.due,
            status=str(c.status),
            link=link(c),
            created_at=c.created_at,
            closed_on=closed_on,
            days=days,
        )

    by_owner: dict[int, tuple[list[Commitment], list[Commitment]]] = {}
    for c in open_ones:
        by_owner.setdefault(c.owner_id, ([], []))[0].append(c)
    for c in decided:
        by_owner.setdefault(c.owner_id, ([], []))[1].append(c)
    if owner_id is not None:
        by_owner.setdefault(owner_id, ([], []))
    people = store.people_by_id()

    def figure(pid: int, days: int) -> FollowThrough:
        tally = tallies[days].get(pid, {})
        return FollowThrough(
            days=days, kept=tally.get("kept") or 0, missed=tally.get("missed") or 0, late=tally.get("late") or 0
        )

    digests = []
    for pid, (owed, done) in by_owner.items():
        person = people.get(pid)
        if person is None:
            continue
        digests.append(
            PersonDigest(
                name=person.name,
                team=str(person.team),
                active=person.active,
                open=[line(c) for c in sorted(owed, key=lambda c: (c.due, c.saved_id))],
                decided=[line(c) for c in sorted(done, key=lambda c: (c.due, c.saved_id))],
                follow_through_30=figure(pid, 30),
                follow_through_90=figure(pid, follow_through.WINDOW_DAYS),
            )
        )
    digests.sort(key=lambda p: p.name.casefold())
    return Digest(today=today, owner=owner.name if owner else None, people=digests, database_id=store.database_id())


def to_markdown(digest: Digest) -> str:
    return text_template("digest.md.j2", "md").render(d=digest)


def to_slack(digest: Digest) -> str:
    """Slack's mrkdwn: *bold* with single stars, no # headings, user text with &, <, > escaped."""
    return text_template("digest.slack.j2", "slack").render(d=digest)


def to_ics(digest: Digest) -> bytes:
    """One all-day VEVENT per open commitment on its due date, with the same UID as the meeting notes'
    calendar gives it, so importing both keeps one event per commitment."""
    cal = commitment_calendar("Commitments", digest.title)
    for person in digest.people:
        for c in person.open:
            uid = commitment_uid(c.id, digest.database_id)
            stamp = c.created_at or dt.datetime.combine(digest.today, dt.time())
            footer = f"Follow-through of {person.name}: {person.follow_through_90.sentence}"
            cal.add_component(commitment_event(uid, stamp, person.name, c.text, c.due, c.link, footer))
    return cal.to_ical()


def render(digest: Digest, fmt: str = "md") -> str | bytes:
    if fmt == "md":
        return to_markdown(digest)
    if fmt == "slack":
        return to_slack(digest)
    if fmt == "ics":
        return to_ics(digest)
    raise ValueError(f"Unknown digest format {fmt!r}; choose one of {', '.join(FORMATS)}")


__all__ = [
    "FORMATS",
    "SUFFIXES",
    "Digest",
    "DigestCommitment",
    "FollowThrough",
    "PersonDigest",
    "UnknownOwner",
    "find_owner",
    "gather_digest",
    "render",
    "to_ics",
    "to_markdown",
    "to_slack",
]
