"""A requisition in full: its fields, the fillability scorecard's reasons, open disputes and its timeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.markup import escape
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from mediation_console.db.models import (
    CATEGORY_LABELS,
    OPEN_DISPUTE_STATUSES,
    REQUISITION_DERIVED,
    AuditEvent,
    Dispute,
    EventKind,
    Person,
    Requisition,
)
from mediation_console.db.words import days_away, plural
from mediation_console.screens.dialogs.modals import EVENT_LABELS, STATUS_LABELS
from mediation_console.screens.textual_compat import (
    ModalResizedOncePerSize,
    in_any_screen_stack,
    is_styled_with_current_css,
    mark_styled_with_current_css,
    mount_installed_screen,
)
from mediation_console.screens.widgets.facts_grid import FactsGrid

FIELD_LABELS = {
    "title": "title",
    "client": "client",
    "sales_owner_id": "sales owner",
    "recruiter_id": "recruiter",
    "openings": "openings",
    "engagement": "engagement",
    "fee_pct": "fee %",
    "salary_min": "salary min",
    "salary_max": "salary max",
    "market_salary": "market salary",
    "location": "location",
    "remote": "remote",
    "promised_date": "promised date",
    "intake_at": "intake",
    "hiring_manager_access": "hiring-manager access",
    "feedback_agreed_48h": "48 h feedback",
    "interview_stages": "interview stages",
    "interview_dates_agreed": "interview dates",
    "jd_clear": "JD clear",
    "must_haves": "must-haves",
    "headcount_approved": "headcount",
    "reason_known": "reason known",
    "candidates_exist": "candidates exist",
    "competing_agencies": "competing agencies",
    "notes": "notes",
    "status_reason": "status reason",
}
# Changes the timeline does not list by name: what the rules and the counts derive, and the record's
# own keys and times (a status change has its own line).
QUIET_FIELDS = {*REQUISITION_DERIVED, "updated_at", "closed_at", "status", "code", "id", "opened_at"}


def _label(labels: Mapping[Any, str], value: Any, fallback: str = "") -> str:
    """The label of a value read back from the audit log (an enum member equals its string)."""
    return labels.get(value) or (str(value) if value is not None else fallback)


def money(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


@dataclass(frozen=True, slots=True)
class DetailContent:
    """What a detail panel shows: a requisition with its people, timeline, scorecard and disputes."""

    requisition: Requisition
    people: Mapping[int, Person]
    timeline: list[AuditEvent]
    scorecard: Any | None
    now: dt.datetime
    disputes: list[Dispute] = field(default_factory=list)


# The name the app's one detail panel is installed under, and the classes of its grade's title (with the
# grade's own, e.g. grade-b).
DETAIL_SCREEN = "requisition-detail"
GRADE_TITLE_CLASSES = "section-title detail-grade"

# A pipeline event logged this long after the time typed for it says when it was logged, too.
LOGGED_LATER = dt.timedelta(minutes=15)


def happened_at(event: AuditEvent) -> dt.datetime:
    """When the entry's event happened: for a pipeline event the time the user typed for it (its `at`),
    for everything else the time it was recorded."""
    if event.entity == "pipeline_event":
        raw = (event.after or {}).get("at") or (event.before or {}).get("at")
        try:
            return dt.datetime.fromisoformat(raw) if isinstance(raw, str) else event.at
        except ValueError:
            return event.at
    return event.at


def timeline_lines(events: list[AuditEvent], people: Mapping[int, Person]) -> list[str]:
    """The timeline's lines, newest first by when each thing happened (a submittal logged on Friday
    for Monday sits at Monday)."""
    entries = [(happened_at(e), i, timeline_line(e, people)) for i, e in enumerate(events)]
    return [line for _at, _i, line in sorted(entries, reverse=True) if line]


def timeline_line(event: AuditEvent, people: Mapping[int, Person]) -> str:
    """One human-readable line per audit entry, e.g. "2026-11-20 09:30  status intake → qualified";
    a pipeline event is dated when it happened, and says when it was logged if that was later."""
    happened = happened_at(event)
    when = happened.strftime("%Y-%m-%d %H:%M")
    logged = ""
    if event.at - happened >= LOGGED_LATER:
        logged = f" (logged {event.at.strftime('%H:%M' if event.at.date() == happened.date() else '%Y-%m-%d %H:%M')})"
    after, before = event.after or {}, event.before or {}
    if event.entity == "requisition":
        if event.action == "create":
            text = f"opened as {_label(STATUS_LABELS, after.get('status'))}"
        elif event.action == "status":
            text = (
                f"status {_label(STATUS_LABELS, before.get('status'))} → {_label(STATUS_LABELS, after.get('status'))}"
            )
            if after.get("status_reason") and after.get("status_reason") != before.get("status_reason"):
                text += f" — {after['status_reason']}"
        else:
            changed = [FIELD_LABELS.get(k, k) for k in event.changes() if k not in QUIET_FIELDS]
            text = "edited " + (", ".join(changed) if changed else "(no visible change)")
    elif event.entity == "pipeline_event":
        kind = after.get("kind") or before.get("kind")
        if kind == EventKind.STATUS_CHANGE:
            return ""  # the requisition's own status entry already says it
        label = _label(EVENT_LABELS, kind, "event").split(" (")[0].lower()
        actor = people.get(int(after["actor_id"])) if after.get("actor_id") else None
        text = label + (f" by {actor.name}" if actor else "") + logged
        text += f" — {after['note']}" if after.get("note") else ""
    elif event.entity == "dispute":
        code = after.get("code") or before.get("code") or "dispute"
        if event.action == "create":
            text = f"dispute {code} raised: {after.get('summary', '')}"
        else:
            text = f"dispute {code} {event.action}"
    elif event.entity == "placement_credit":
        text = (
            "credit "
            + ("changed: " if event.action == "recredit" else "recorded: ")
            + credit_text(after.get("credits") or [], people)
        )
    else:
        text = f"{event.entity} {event.action}"
    return f"{when}  {text}"


def credit_text(credits: list[dict[str, Any]], people: Mapping[int, Person]) -> str:
    """A placement's credit in words: "Priya Shah originated 40 %, Lena Novak filled 60 %"."""

    def name(pid: Any) -> str:
        person = people.get(int(pid)) if pid is not None else None
        return person.name if person else f"person {pid}"

    return ", ".join(
        f"{name(c.get('person_id'))} {c.get('role', '')} {float(c.get('split_pct') or 0):g} %" for c in credits
    )


class RequisitionDetail(ModalResizedOncePerSize[None]):
    """Opened with enter from the queue; esc (or enter) closes."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter,q", "close", "Close")]

    def __init__(self, content: DetailContent | None = None) -> None:
        super().__init__()
        # None: a blank panel, composed without reading any record (the warm-up's, mounted before any
        # opening: nothing in a record's data can stop the console before the lead asks for it).
        self.content = content

    @property
    def shown(self) -> DetailContent:
        assert self.content is not None, "a blank panel shows nothing"
        return self.content

    @property
    def requisition(self) -> Requisition:
        return self.shown.requisition

    def _person_name(self, person_id: int | None) -> str:
        person = self.shown.people.get(person_id) if person_id is not None else None
        return person.name if person else "–"

    def _facts(self) -> FactsGrid:
        r = self.requisition
        yes = lambda flag: "yes" if flag else "no"  # noqa: E731
        promised = r.promised_date.isoformat() if r.promised_date else "–"
        if r.promised_date:
            days = (r.promised_date - self.shown.now.date()).days
            promised += f"  ({days_away(days)})"
        rows = [
            ("client", r.client),
            ("status", STATUS_LABELS[r.status] + (f" — {r.status_reason}" if r.status_reason else "")),
            ("sales owner", self._person_name(r.sales_owner_id)),
            ("recruiter", self._person_name(r.recruiter_id)),
            ("openings", str(r.openings)),
            ("engagement", f"{r.engagement}" + (f", fee {r.fee_pct:g} %" if r.fee_pct is not None else "")),
            ("salary", f"{money(r.salary_min)} – {money(r.salary_max)}  (market {money(r.market_salary)})"),
            ("location", (r.location or "–") + (" · remote" if r.remote else "")),
            ("opened", r.opened_at.strftime("%Y-%m-%d") if r.opened_at else "–"),
            ("promised", promised),
            ("estimate", f"{plural(r.estimate_days, 'day')} to fill" if r.estimate_days is not None else "–"),
            ("intake", r.intake_at.strftime("%Y-%m-%d %H:%M") if r.intake_at else "not done"),
            ("hiring manager", f"access {yes(r.hiring_manager_access)}, 48 h feedback {yes(r.feedback_agreed_48h)}"),
            (
                "interviews",
                f"{plural(r.interview_stages, 'stage') if r.interview_stages is not None else '? stages'}, "
                f"dates agreed {yes(r.interview_dates_agreed)}",
            ),
            (
                "spec",
                f"JD clear {yes(r.jd_clear)}, "
                f"{plural(r.must_haves, 'must-have') if r.must_haves is not None else '? must-haves'}",
            ),
            ("commitment", f"headcount {yes(r.headcount_approved)}, reason known {yes(r.reason_known)}"),
            (
                "supply",
                f"candidates exist {yes(r.candidates_exist)}, "
                f"{plural(r.competing_agencies, 'competing agency', 'competing agencies')}",
            ),
            ("pipeline", f"{plural(r.submittals, 'submittal')}, {plural(r.open_disputes, 'open dispute')}"),
        ]
        if r.notes:
            rows.append(("notes", r.notes))
        # A grid keeps wrapped values indented under their value column at any width.
        return FactsGrid([(label, Text(value)) for label, value in rows])

    def _scorecard(self) -> str:
        card = self.shown.scorecard
        if card is None:
            grade = self.requisition.grade or "–"
            return f"Grade {grade}. The scorecard's reasons appear once the rules module has scored this requisition."
        # The cap and its reason beside the score, so "80 · C" never reads as a contradiction.
        lines = [f"[b]{escape(card.headline())}[/b]"]
        lines += [f"[dim]Also: {escape(g.sentence)}[/dim]" for g in card.gates if g is not card.binding_gate]
        for reason in card.reasons:
            points = getattr(reason, "points", 0)
            lines.append(f"{points:>5g}  {escape(str(getattr(reason, 'sentence', reason)))}")
        return "\n".join(lines)

    def _disputes_title(self) -> str:
        open_count = sum(1 for d in self.shown.disputes if d.status in OPEN_DISPUTE_STATUSES)
        return f"Disputes · {open_count} open" + (
            f" of {len(self.shown.disputes)}" if len(self.shown.disputes) != open_count else ""
        )

    def _disputes(self) -> Text:
        # Open ones first (the Store's order); each names both people so nobody is talked about in absentia.
        if not self.shown.disputes:
            return Text("None. Press d to log one.", style="dim")
        lines = Text()
        for d in self.shown.disputes:
            settled = d.status not in OPEN_DISPUTE_STATUSES
            lines.append(f"{d.code} ", style="bold" if not settled else "dim")
            lines.append(f"{'●' * d.severity}{'·' * (3 - d.severity)} ")
            lines.append(f"{CATEGORY_LABELS[d.category]} · {d.status}", style="dim" if settled else "")
            lines.append(f"\n      {self._person_name(d.raised_by_id)} → {self._person_name(d.counterpart_id)}: ")
            lines.append(d.summary, style="italic")
            lines.append("\n")
        lines.rstrip()
        return lines

    def _grade_title(self) -> tuple[str, str]:
        r = self.requisition
        return f"Fillability · grade {r.grade or '–'}", f"grade-{(r.grade or 'none').lower()}"

    def _timeline(self) -> str:
        lines = timeline_lines(self.shown.timeline, self.shown.people)
        return escape("\n".join(lines)) or "Nothing has happened yet."

    def _title(self) -> str:
        return f"{self.requisition.code} · {self.requisition.title}"

    def compose(self) -> ComposeResult:
        # Composed blank and filled as it mounts, then again for each requisition it shows (`_fill`).
        with Vertical(classes="dialog detail") as dialog:
            dialog.border_subtitle = "esc close"
            with VerticalScroll():
                with Horizontal(classes="detail-columns"):
                    yield Static(classes="detail-facts")
                    with Vertical(classes="detail-side"):
                        yield Static(classes=f"{GRADE_TITLE_CLASSES} grade-none")
                        yield Static(classes="detail-scorecard")
                        yield Static(classes="section-title detail-disputes-title")
                        yield Static(classes="detail-disputes")
                yield Static("Timeline", classes="section-title")
                yield Static(classes="detail-timeline")

    def show(self, content: DetailContent) -> None:
        """Shows another requisition in this panel, laid out already: its widgets get the new text instead
        of being mounted again (mounting and styling them is about a third of the time to open a panel).
        Before the panel has mounted (the warm-up's mounting of it still under way) it fills as it mounts."""
        self.content = content
        if self.is_mounted:
            self._fill()

    def on_mount(self) -> None:
        mark_styled_with_current_css(self)  # styled as its widgets mounted, with the stylesheet of now
        if self.content is not None:
            self._fill()

    def _fill(self) -> None:
        """Gives every widget the text of the requisition now in the attributes."""
        self.query_one(".dialog", Vertical).border_title = self._title()
        grade_title, grade_class = self._grade_title()
        grade = self.query_one(".detail-grade", Static)
        grade.update(grade_title)
        if not grade.has_class(grade_class):
            grade.set_classes(f"{GRADE_TITLE_CLASSES} {grade_class}")
        self.query_one(".detail-facts", Static).update(self._facts())
        self.query_one(".detail-scorecard", Static).update(self._scorecard())
        self.query_one(".detail-disputes-title", Static).update(self._disputes_title())
        self.query_one(".detail-disputes", Static).update(self._disputes())
        self.query_one(".detail-timeline", Static).update(self._timeline())
        self.query_one(VerticalScroll).scroll_home(animate=False, immediate=True)

    def action_close(self) -> None:
        self.dismiss(None)

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Textual restyles a screen as it resumes; the panel was styled as it mounted (or, shown again, when
        # it last showed), so its resume skips that unless the stylesheet changed since (a theme change while
        # it was hidden: Textual restyles only the screens on the stack).
        if is_styled_with_current_css(self):
            event.refresh_styles = False
        mark_styled_with_current_css(self)


def open_requisition_detail(app: App[Any], content: DetailContent) -> None:
    """Pushes the detail panel on `content`: the app's one panel (installed under DETAIL_SCREEN), shown again
    with this requisition's text, or a new one while that one is on a screen stack (a mode switched away
    from with the panel open keeps it on its stack)."""
    panel = app.get_screen(DETAIL_SCREEN) if app.is_screen_installed(DETAIL_SCREEN) else None
    if panel is None:
        panel = RequisitionDetail(content)
        app.install_screen(panel, DETAIL_SCREEN)
    elif isinstance(panel, RequisitionDetail) and not in_any_screen_stack(app, panel):
        panel.show(content)
    else:
        panel = RequisitionDetail(content)
    app.push_screen(panel)


def prepare_requisition_detail(app: App[Any]) -> None:
    """Mounts the app's panel, blank, before it is first opened (composing and styling its widgets takes a
    third of the time to open it), while the lead reads the queue; each opening gives it the full text of
    the requisition opened."""
    if app.is_screen_installed(DETAIL_SCREEN):
        return
    app.install_screen(RequisitionDetail(), DETAIL_SCREEN)
    mount_installed_screen(app, DETAIL_SCREEN)
