"""Mode 2, Disputes: open disputes first; the facts, both interests and ranked win/win proposals for the one selected."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from mediation_console.console.core.dispute_writes import set_dispute_status
from mediation_console.console.core.parties import party_lines
from mediation_console.console.core.services import Services
from mediation_console.db.models import (
    CATEGORY_LABELS,
    OPEN_DISPUTE_STATUSES,
    Commitment,
    Dispute,
    DisputeStatus,
    Person,
    Requisition,
)
from mediation_console.db.store import Store, StoreError
from mediation_console.db.words import old
from mediation_console.screens.base import ModeScreen, SizedTable, row_at_cursor, text_width
from mediation_console.screens.commands import Command, bindings, register
from mediation_console.screens.dialogs.dispute_accept import DraftCommitment, ResolveDispute
from mediation_console.screens.dialogs.dispute_capture import DisputeCapture
from mediation_console.screens.dialogs.modals import ConfirmModal

if TYPE_CHECKING:  # the rules engine loads on first use, not with the screens
    from mediation_console.console.core.rules.service import Mediator

SEVERITY_WORDS = {1: "low", 2: "medium", 3: "high"}
# The most the disputes table lists at once (the most urgent first); the filter reaches the others.
DISPUTE_LIST_LIMIT = 200
# The table's columns (key: header), in the order of each row's cells.
DISPUTE_COLUMNS = {
    "code": "Code",
    "status": "Status",  # before the wide columns: a narrow terminal cuts from the right
    "age": "Age",
    "severity": "Sev",
    "category": "Category",
    "requisition": "Req",
    "people": "Raised by → counterpart",
}
# Facts the dispute's header already says in words; listing them again would only add noise.
HEADER_FACTS = frozenset({"category", "severity", "dispute_age_days", "raised_by_side"})

COMMANDS = register(
    Command(
        "disputes.filter",
        "slash",
        "disputes",
        "filter",
        "Filter disputes by code, summary or category",
        "focus_filter",
        footer="filter",
        key_display="/",
    ),
    Command(
        "disputes.clear",
        "escape",
        "disputes",
        "clear the filter",
        "Clear the typed filter (as in the queue); pressed again, show every dispute, not only open ones",
        "clear_filter",
        key_display="esc",
    ),
    Command(
        "disputes.scope", "o", "disputes", "open only / all", "Show only open disputes, or all of them", "toggle_scope"
    ),
    Command(
        "disputes.mediate",
        "m",
        "disputes",
        "mark mediating",
        "Mark the selected dispute as being mediated",
        "mediate",
        footer="mediate",
        writes=True,
    ),
    Command(
        "disputes.accept",
        "a",
        "disputes",
        "accept proposal",
        "Accept the highlighted proposal: records the resolution and creates its commitments",
        "accept",
        footer="accept",
        writes=True,
    ),
    Command(
        "disputes.resolve",
        "R",
        "disputes",
        "resolve in own words",
        "Resolve the dispute with a resolution no proposal covers",
        "resolve_free",
        footer="resolve",
        writes=True,
    ),
    Command(
        "disputes.withdraw",
        "w",
        "disputes",
        "withdraw",
        "Withdraw the selected dispute (asks first)",
        "withdraw",
        footer="withdraw",
        writes=True,
    ),
    Command(
        "disputes.escalate",
        "exclamation_mark",
        "disputes",
        "escalate",
        "Escalate the selected dispute beyond the team (asks first)",
        "escalate",
        footer="escalate",
        writes=True,
        key_display="!",
    ),
    Command(
        "disputes.edit",
        "e",
        "disputes",
        "edit dispute",
        "Edit the selected dispute",
        "edit",
        footer="edit",
        writes=True,
    ),
)


@dataclass
class Mediation:
    """What the rules module says about one dispute, fetched off the UI thread."""

    dispute_id: int
    facts: list[tuple[str, str]] = field(default_factory=list)
    proposals: list[Any] = field(default_factory=list)
    commitments: list[list[Commitment]] = field(default_factory=list)
    # Each side's fallback costed from the data (core rules/fallback.CostedFallback): its lines as text.
    fallback_sides: list[tuple[str, str]] = field(default_factory=list)
    fallback_costs: list[str] = field(default_factory=list)
    owner_problems: dict[str, str] = field(default_factory=dict)
    problem: str = ""
    # The diagnosis: one sentence (whether the facts point elsewhere), and for the categories the evidence
    # supports, their label, score and first evidence lines.
    diagnosis_note: str = ""
    points_elsewhere: bool = False
    diagnosis: list[tuple[str, str, list[str]]] = field(default_factory=list)


@dataclass
class Listing:
    """One read of the disputes table's rows and the names they show, made off the UI thread on a visit."""

    open_only: bool
    filter_text: str
    disputes: list[Dispute]
    total: int
    open_count: int
    people: Mapping[int, Person]
    requisitions: dict[int, Requisition]


def age_text(opened: dt.datetime | None, until: dt.datetime) -> str:
    if opened is None:
        return ""
    days = max(0, (until - opened).days)
    return "today" if days == 0 else f"{days}d"


def severity_text(severity: int) -> Text:
    return Text(
        f"{'●' * severity}{'·' * (3 - severity)}", style="bold" if severity == 3 else "" if severity == 2 else "dim"
    )


def status_text(status: DisputeStatus) -> Text:
    style = {
        "open": "bold",
        "mediating": "bold italic",
        "escalated": "reverse",
        "resolved": "dim",
        "withdrawn": "dim strike",
    }.get(str(status), "")
    return Text(str(status), style=style)


class DisputesScreen(ModeScreen):
    """The disputes table, a filter, and the selected dispute's facts, interests and proposals."""

    COMMAND_AREA: ClassVar[str] = "disputes"
    KEY_ACTIONS = ("accept",)
    SUB_TITLE = "Disputes"
    # The table, not the filter box (the first focusable widget): focusing the filter first and the
    # table a moment later restyled both and built the footer twice more on every first visit.
    AUTO_FOCUS = "#disputes-table"
    BINDINGS: ClassVar[list[BindingType]] = bindings(COMMANDS)

    DEFAULT_CSS = """
    DisputesScreen #disputes-bar { height: 1; padding: 0 1; }
    DisputesScreen #disputes-filter { width: 40; }
    DisputesScreen #disputes-scope { width: 1fr; color: $text-muted; padding: 0 0 0 2; }
    DisputesScreen #disputes-table { height: auto; max-height: 40%; min-height: 4; }
    DisputesScreen #dispute-detail { height: 1fr; border-top: solid $primary-muted; }
    DisputesScreen #dispute-facts { width: 2fr; padding: 0 1; }
    DisputesScreen #proposals-pane { width: 3fr; }
    DisputesScreen #proposals-title { padding: 0 1; text-style: bold; height: 1; }
    DisputesScreen #proposals { height: 1fr; border: none; }
    DisputesScreen #proposals:focus { background-tint: $foreground 3%; }
    DisputesScreen #proposals > .option-list--option { padding: 0 1; }
    DisputesScreen .empty { color: $text-muted; padding: 1 2; }
    """

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.open_only = False
        self.filter_text = ""
        self.disputes: list[Dispute] = []
        self.analysis: Mediation | None = None
        self._people: Mapping[int, Person] = {}
        self._requisitions: dict[int, Requisition] = {}
        # What the table was read at (data version, day): a visit with nothing changed redraws nothing.
        self._stamp: tuple[Any, ...] | None = None

    # -- layout ------------------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="disputes-bar"):
            yield Input(placeholder="/ filter: code, summary or category", id="disputes-filter", compact=True)
            yield Static("", id="disputes-scope")
        yield SizedTable(id="disputes-table", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="dispute-detail"):
            with VerticalScroll(id="dispute-facts"):
                yield Static("", id="dispute-summary")
            with Vertical(id="proposals-pane"):
                yield Static("Proposals", id="proposals-title")
                yield OptionList(id="proposals")

    def on_mount(self) -> None:
        table = self.query_one("#disputes-table", DataTable)
        for key, label in DISPUTE_COLUMNS.items():
            table.add_column(label, key=key)
        table.focus()
        self.query_one("#disputes-scope", Static).update("Loading disputes…")

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Another screen (or the global `d`) may have changed disputes while this one was hidden; the
        # screen shows at once and the rows are read in a worker, only when something changed.
        stamp = self.data_stamp()
        if stamp != self._stamp:
            self._stamp = stamp
            self._load_listing(self.open_only, self.filter_text)

    # -- data --------------------------------------------------------------------------------------

    @property
    def store(self) -> Store:
        return self.services.store

    def _now(self) -> dt.datetime:
        return self.services.now()

    def _read_listing(self, open_only: bool, filter_text: str, store: Any = None) -> Listing:
        store = store or self.store
        statuses = [str(s) for s in OPEN_DISPUTE_STATUSES] if open_only else []
        # A large firm has thousands of disputes; the table holds the most urgent ones (open, severe,
        # oldest first) and the filter narrows the rest — a DataTable of 16,000 rows takes seconds.
        disputes = store.list_disputes(statuses=statuses, text=filter_text, limit=DISPUTE_LIST_LIMIT)
        total, open_count = store.count_disputes(statuses=statuses, text=filter_text)
        return Listing(
            open_only,
            filter_text,
            disputes,
            total,
            open_count,
            store.people_by_id(),
            store.requisitions_by_ids([d.requisition_id for d in disputes]),
        )

    @work(thread=True, exclusive=True, group="disputes-listing", exit_on_error=False)
    def _load_listing(self, open_only: bool, filter_text: str) -> None:
        worker = get_current_worker()
        self.wait_for_paint()  # the screen first, with "Loading disputes…"
        try:
            # On a connection of its own, so the UI thread's queries never wait behind these.
            with self.store.background_reader() as reader:
                listing = self._read_listing(open_only, filter_text, reader)
        except StoreError as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Disputes not loaded", severity="error")
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._listing_ready, listing)

    def _listing_ready(self, listing: Listing) -> None:
        if (listing.open_only, listing.filter_text) == (self.open_only, self.filter_text):
            self._show_listing(listing)

    def refresh_data(self, keep: int | None = None) -> None:
        """Reloads the table from the Store, keeping the cursor on the same dispute when it is still shown."""
        self.workers.cancel_group(self, "disputes-listing")
        self._stamp = self.data_stamp()
        self._show_listing(self._read_listing(self.open_only, self.filter_text), keep)

    def _show_listing(self, listing: Listing, keep: int | None = None) -> None:
        table = self.query_one("#disputes-table", SizedTable)
        current = keep if keep is not None else self.selected_id
        self.disputes, total, open_count = listing.disputes, listing.total, listing.open_count
        self._people, self._requisitions = listing.people, listing.requisitions
        now = self._now()
        rows = []
        for d in self.disputes:
            req = self._requisitions.get(d.requisition_id or -1)
            rows.append(
                (
                    Text(d.code or "", style="bold"),
                    status_text(d.status),
                    age_text(d.opened_at, d.closed_at or now),
                    severity_text(d.severity),
                    CATEGORY_LABELS[d.category],
                    req.code if req else "—",
                    f"{self._person_name(d.raised_by_id)} → {self._person_name(d.counterpart_id)}",
                )
            )
        table.clear()
        # The columns fit their widest cell, worked out from the text here rather than by the table
        # measuring every cell as a rich renderable.
        table.fit_columns(
            {key: max((text_width(row[i]) for row in rows), default=0) for i, key in enumerate(DISPUTE_COLUMNS)}
        )
        for d, row in zip(self.disputes, rows, strict=False):
            table.add_row(*row, key=str(d.id))
        scope = "open only" if self.open_only else "all"
        shown = (
            f"{total:,} shown"
            if total <= len(self.disputes)
            else f"{total:,}, the {len(self.disputes)} most urgent shown (/ narrows)"
        )
        self.query_one("#disputes-scope", Static).update(f"{open_count:,} open of {shown} · {scope} (o toggles)")
        if not self.disputes:
            self.analysis = None
            self._show_detail(None)
            return
        self.refresh_bindings()
        cursor = next((i for i, d in enumerate(self.disputes) if d.id == current), 0)
        table.move_cursor(row=cursor)
        self._show_detail(self.disputes[cursor])

    def _person_name(self, person_id: int | None) -> str:
        person = self._people.get(person_id or -1)
        return person.name if person else "—"

    @property
    def selected(self) -> Dispute | None:
        return row_at_cursor(self.query_one("#disputes-table", DataTable), self.disputes)

    @property
    def selected_id(self) -> int | None:
        return self.selected.id if self.is_mounted and self.disputes and self.selected else None

    @on(DataTable.RowHighlighted, "#disputes-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        dispute = self.selected
        if dispute is not None and (self.analysis is None or self.analysis.dispute_id != dispute.id):
            self._show_detail(dispute)

    # -- detail ------------------------------------------------------------------------------------

    def _show_detail(self, dispute: Dispute | None) -> None:
        summary = self.query_one("#dispute-summary", Static)
        proposals = self.query_one("#proposals", OptionList)
        proposals.clear_options()
        if dispute is None:
            summary.update(Text("No disputes here. Press d to log one.", style="dim"))
            self.query_one("#proposals-title", Static).update("Proposals")
            return
        self.analysis = Mediation(dispute.saved_id)
        summary.update(self._summary(dispute, None))
        self.query_one("#proposals-title", Static).update("Proposals · working them out…")
        self._load_mediation(dispute.id)

    @work(thread=True, exclusive=True, group="mediation")
    def _load_mediation(self, dispute_id: int) -> None:
        """Facts and ranked proposals come from the rules module, which may take a moment on big data."""
        worker = get_current_worker()
        result = Mediation(dispute_id)
        try:
            mediator = self._mediator()
            dispute = self.store.get_dispute(dispute_id)
            if dispute is None:
                raise LookupError("the dispute no longer exists")
            result.facts = [
                (line.label, line.value) for line in mediator.dispute_facts(dispute_id) if line.fact not in HEADER_FACTS
            ]
            result.proposals = list(mediator.proposals_for(dispute_id))
            diagnosis = mediator.diagnosis_for(dispute_id)
            result.diagnosis_note = diagnosis.note()
            result.points_elsewhere = diagnosis.points_elsewhere
            result.diagnosis = [
                (score.label, f"{score.score:g}", [e.text for e in score.evidence[:2]])
                for score in diagnosis.supported[:3]
            ]
            for proposal in result.proposals:
                try:
                    result.commitments.append(list(mediator.commitments_for(proposal, dispute)))
                except ValueError as exc:
                    # e.g. nobody stands for recruiting yet: the option still shows, its commitment
                    # lines are left for the lead to assign in the confirmation.
                    result.commitments.append([])
                    result.owner_problems[proposal.id] = str(exc)
            if dispute is not None:
                # Each side's fallback (its alternative to agreeing) is the same for every option: the top one's.
                costed = mediator.costed_fallback(dispute, result.proposals[0].category if result.proposals else None)
                result.fallback_sides = costed.side_lines()
                result.fallback_costs = [cost.text for cost in costed.costs]
        except Exception as exc:  # the rules module reports pack problems as exceptions; show, don't crash
            result.problem = str(exc) or type(exc).__name__
        if not worker.is_cancelled:
            self.app.call_from_thread(self._mediation_ready, result)

    def _mediator(self) -> Mediator:
        mediator = self.services.mediator
        if mediator is None:
            raise LookupError("the rules module is not available, so there are no proposals yet")
        return mediator

    def _mediation_ready(self, result: Mediation) -> None:
        dispute = self.selected
        if dispute is None or dispute.id != result.dispute_id:
            return  # the cursor moved on while the rules were working
        self.analysis = result
        self.query_one("#dispute-summary", Static).update(self._summary(dispute, result))
        proposals = self.query_one("#proposals", OptionList)
        proposals.clear_options()
        title = self.query_one("#proposals-title", Static)
        if result.problem:
            title.update("Proposals")
            proposals.add_option(
                Option(Text(f"The rules could not run: {result.problem}", style="bold"), disabled=True)
            )
            return
        if not result.proposals:
            title.update("Proposals")
            proposals.add_option(
                Option(
                    Text(
                        "No proposal fits this dispute; press R to write the resolution both sides agree to.",
                        style="dim",
                    ),
                    disabled=True,
                )
            )
            return
        chosen = dispute.proposal_id
        title.update(
            Text.assemble(
                ("Proposals", "bold"), (f"  {len(result.proposals)}, best first · tab picks · a accepts", "dim")
            )
        )
        for rank, (proposal, commitments) in enumerate(
            zip(result.proposals, result.commitments, strict=False), start=1
        ):
            proposals.add_option(Option(self._proposal(rank, proposal, commitments, chosen), id=str(proposal.id)))
        highlighted = next((i for i, p in enumerate(result.proposals) if p.id == chosen), 0)
        proposals.highlighted = highlighted
        self.refresh_bindings()

    def _summary(self, d: Dispute, mediation: Mediation | None) -> Group:
        req = self._requisitions.get(d.requisition_id or -1)
        raised, counterpart = self._people.get(d.raised_by_id), self._people.get(d.counterpart_id)
        head = Text.assemble((d.code or "", "bold"), "  ", (CATEGORY_LABELS[d.category], "bold"))
        state = Text.assemble(
            status_text(d.status),
            ("  ·  severity ", "dim"),
            f"{d.severity} {SEVERITY_WORDS[d.severity]}",
            ("  ·  ", "dim"),
            old(max(0, ((d.closed_at or self._now()) - d.opened_at).days)) if d.opened_at else "",
        )
        parts: list[Any] = [head, state]
        if req is not None:
            parts.append(Text.assemble((req.code or "", "bold"), f" {req.title} · {req.client}"))
        parts.append(
            Text.assemble(
                (raised.name if raised else "?", "bold"),
                f" ({raised.team if raised else '?'}) raised it with ",
                (counterpart.name if counterpart else "?", "bold"),
                f" ({counterpart.team if counterpart else '?'})",
            )
        )
        parts.extend(Text(line, style="dim") for line in party_lines(d, self._people))
        parts.append(Text(f"“{d.summary}”", style="italic"))
        parts.append(Text(""))
        parts.append(Text("Interests", style="bold underline"))
        interests = Table.grid(padding=(0, 1))
        interests.add_column(style="dim", no_wrap=True)
        interests.add_column()
        interests.add_row("Sales", d.sales_interest or Text("not recorded yet (e to add)", style="dim"))
        interests.add_row("Recruiting", d.recruiting_interest or Text("not recorded yet (e to add)", style="dim"))
        parts.append(interests)
        if d.status not in OPEN_DISPUTE_STATUSES and d.resolution:
            parts.append(Text(""))
            parts.append(Text(f"Resolution ({d.status})", style="bold underline"))
            parts.append(Text(d.resolution))
        if mediation is not None and mediation.diagnosis_note:
            parts.append(Text(""))
            parts.append(Text("Diagnosis", style="bold underline"))
            parts.append(Text(mediation.diagnosis_note, style="bold" if mediation.points_elsewhere else ""))
            for label, score, lines in mediation.diagnosis:
                parts.append(Text.assemble((label, "bold"), (f"  score {score}", "dim")))
                for line in lines:
                    parts.append(Text(f"  · {line}", style="dim"))
        if mediation is not None and mediation.facts:
            parts.append(Text(""))
            parts.append(Text("Facts", style="bold underline"))
            facts = Table.grid(padding=(0, 1))
            facts.add_column(style="dim", ratio=3)
            facts.add_column(ratio=2)
            for label, value in mediation.facts:
                facts.add_row(label, value)
            parts.append(facts)
        if mediation is not None and (mediation.fallback_sides or mediation.fallback_costs):
            parts.append(Text(""))
            parts.append(Text("If no agreement (each side's fallback, costed from the data)", style="bold underline"))
            for label, text in mediation.fallback_sides:
                parts.append(Text.assemble((f"{label}  ", "dim"), text))
            for cost in mediation.fallback_costs:
                parts.append(Text(f"  · {cost}", style="dim"))
        return Group(*parts)

    def _proposal(self, rank: int, proposal: Any, commitments: list[Commitment], chosen: str | None) -> Group:
        accepted = chosen is not None and proposal.id == chosen
        head = Text.assemble(
            (f"{rank}. ", "bold"),
            (proposal.title, "bold"),
            (f"  · {proposal.mode}", "dim"),
            ("  ✓ accepted", "bold") if accepted else "",
        )
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column()
        for side, gives, gets in (
            ("Sales", proposal.sales_gives, proposal.sales_gets),
            ("Recruiting", proposal.recruiting_gives, proposal.recruiting_gets),
        ):
            grid.add_row(side, Text.assemble(("gives ", "bold"), "; ".join(gives)))
            grid.add_row("", Text.assemble(("gets ", "bold"), "; ".join(gets)))
        grid.add_row("Criterion", Text.assemble(proposal.criterion, ": ", (str(proposal.criterion_value), "bold")))
        for i, line in enumerate(getattr(proposal, "interest_lines", tuple)()):
            grid.add_row("Interests" if i == 0 else "", line)
        for line in getattr(proposal, "together_lines", ()):
            grid.add_row("Together", line)
        # A step that waits on someone outside the room: what happens if they do not answer, on its own line
        # (the stored commitment's text ends with it; a package's steps are not in the stored order).
        unanswered_lines = [u for p in getattr(proposal, "commitments", ()) if (u := getattr(p, "if_no_answer", ""))]
        for i, c in enumerate(commitments):
            unanswered = next((u for u in unanswered_lines if c.text.endswith(f". {u}")), "")
            text = c.text.removesuffix(f". {unanswered}") if unanswered else c.text
            grid.add_row(
                "Commits" if i == 0 else "",
                Text.assemble((self._person_name(c.owner_id), "bold"), f": {text} ", (f"by {c.due:%a %d %b}", "dim")),
            )
            if unanswered:
                grid.add_row("", Text(unanswered, style="italic"))
        if self.analysis is not None and proposal.id in self.analysis.owner_problems:
            grid.add_row("Commits", Text(self.analysis.owner_problems[proposal.id], style="italic"))
        if proposal.matched:
            grid.add_row("Why", "; ".join(proposal.matched))
        for note in proposal.adjustments:
            grid.add_row("Track record", note)
        record = getattr(proposal, "record", None)
        if record is not None and record.accepted:
            # The rule's own record here, which moved its rank (a rule never accepted here ranks on its evidence).
            grid.add_row("Its record", record.sentence())
        grid.add_row("Review", f"{proposal.review_date:%a %d %b}")
        return Group(head, grid, Text(""))

    # -- actions -----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("mediate", "accept", "resolve_free", "withdraw", "escalate", "edit"):
            dispute = self.selected if self.is_mounted else None
            if dispute is None:
                return None
            if action == "edit":
                return True
            if dispute.status not in OPEN_DISPUTE_STATUSES:
                # Escalated disputes can still be settled once the escalation comes back.
                if dispute.status == DisputeStatus.ESCALATED and action in ("accept", "resolve_free", "withdraw"):
                    return True if action != "accept" else self._has_proposal()
                return None
            if action == "mediate" and dispute.status == DisputeStatus.MEDIATING:
                return None
            if action == "accept":
                return True if self._has_proposal() else None
        return True

    def _has_proposal(self) -> bool:
        m = self.analysis
        return bool(m and m.proposals and self.selected and m.dispute_id == self.selected.id)

    def action_focus_filter(self) -> None:
        self.query_one("#disputes-filter", Input).focus()

    @on(Input.Changed, "#disputes-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self.refresh_data()

    @on(Input.Submitted, "#disputes-filter")
    def _filter_done(self) -> None:
        self.query_one("#disputes-table", DataTable).focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#disputes-filter", Input)
        if box.value:
            box.value = ""  # its Changed message reloads
        elif self.open_only:
            self.action_toggle_scope()
        self.query_one("#disputes-table", DataTable).focus()

    def action_toggle_scope(self) -> None:
        self.open_only = not self.open_only
        self.refresh_data()
        self.notify("Showing open disputes only" if self.open_only else "Showing all disputes")

    def _set_status(self, status: DisputeStatus, done: str) -> None:
        dispute = self.selected
        if dispute is None or not self.can_write():
            return
        store = self.store

        def changed(saved: Dispute) -> None:
            self.notify(f"{saved.code} {done}", title="Dispute")
            self.refresh_data(keep=saved.id)

        self.write_when_free(
            lambda: set_dispute_status(store, dispute.saved_id, status, started_from=dispute),
            changed,
            lambda exc: self.not_changed(exc, lambda: self.refresh_data(keep=dispute.id)),
            what=f"{dispute.code} {done}",
        )

    def action_mediate(self) -> None:
        self._set_status(DisputeStatus.MEDIATING, "is being mediated")

    @work
    async def action_withdraw(self) -> None:
        dispute = self.selected
        if dispute is None or not self.can_write():
            return
        question = f"Withdraw {dispute.code}? It stays on record as withdrawn, with no resolution and no commitments."
        if await self.app.push_screen_wait(ConfirmModal(question, "Withdraw")):
            self._set_status(DisputeStatus.WITHDRAWN, "withdrawn")

    @work
    async def action_escalate(self) -> None:
        dispute = self.selected
        if dispute is None or not self.can_write():
            return
        question = (
            f"Escalate {dispute.code} beyond the team? It leaves the open list until it comes back to be resolved."
        )
        if await self.app.push_screen_wait(ConfirmModal(question, "Escalate")):
            self._set_status(DisputeStatus.ESCALATED, "escalated")

    def _people_list(self) -> list[Person]:
        return self.store.list_people(active_only=True)

    def action_accept(self) -> None:
        dispute = self.selected
        m = self.analysis
        if dispute is None or not self.can_write() or not self._has_proposal() or m is None:
            return
        index = self.query_one("#proposals", OptionList).highlighted or 0
        proposal = m.proposals[index]
        commitments: Sequence[Commitment | DraftCommitment] = m.commitments[index]
        if not commitments:
            # The rules could not name an owner: show the planned lines for the lead to assign.
            commitments = [DraftCommitment(None, p.text, p.due) for p in proposal.commitments]
        self.app.push_screen(
            ResolveDispute(
                self.store,
                dispute,
                people=self._people_list(),
                today=self._now().date(),
                proposal_id=proposal.id,
                proposal_title=proposal.title,
                resolution=resolution_text(proposal),
                commitments=commitments,
                review_date=proposal.review_date,
            ),
            lambda resolved: self.refresh_data(keep=dispute.id) if resolved else None,
        )

    @on(OptionList.OptionSelected, "#proposals")
    def _proposal_chosen(self) -> None:
        if self.check_action("accept", ()):
            self.action_accept()

    def action_resolve_free(self) -> None:
        dispute = self.selected
        if dispute is None or not self.can_write():
            return
        self.app.push_screen(
            ResolveDispute(self.store, dispute, people=self._people_list(), today=self._now().date()),
            lambda resolved: self.refresh_data(keep=dispute.id) if resolved else None,
        )

    def action_edit(self) -> None:
        dispute = self.selected
        if dispute is None or not self.can_write():
            return
        self.app.push_screen(
            DisputeCapture(self.store, dispute=dispute, suggest=self.services.suggest_category),
            lambda saved: self.refresh_data(keep=dispute.id) if saved else None,
        )


def resolution_text(proposal: Any) -> str:
    """The proposal put as an agreement both sides can read back: who gives what."""
    sales = "; ".join(proposal.sales_gives)
    recruiting = "; ".join(proposal.recruiting_gives)
    return f"{proposal.title}. Sales: {sales}. Recruiting: {recruiting}."


__all__ = ["DisputesScreen", "COMMANDS", "resolution_text"]
