"""Resolving a dispute: shows exactly which commitments will be created, editable, then saves it all at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from pydantic import ValidationError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Select, Static, TextArea

from mediation_console.console.core.dispute_writes import accept_proposal
from mediation_console.db.models import Commitment, CommitmentSource, Dispute, Person
from mediation_console.db.store import EditConflict
from mediation_console.screens.dialogs.form_keys import FormScreen
from mediation_console.screens.widgets.wrapped_input import WrappedInput

if TYPE_CHECKING:
    from mediation_console.db.store import Store

DATE_FORMAT = "%Y-%m-%d"
# A free-text resolution offers this many blank commitment lines; blank ones are left out.
FREE_TEXT_LINES = 2


@dataclass(frozen=True)
class DraftCommitment:
    """A commitment line before it is saved: the owner may still be missing (the lead picks one)."""

    owner_id: int | None
    text: str
    due: dt.date | None


class ResolveDispute(FormScreen["Dispute | None"]):
    """Accepts a proposal (or a resolution in the lead's own words) and creates its commitments.

    Every line is editable: owner, what is promised, due date. Clearing a line's text leaves it out.
    Saving is one transaction in the Store: resolution, proposal link, commitments and audit log.
    """

    DEFAULT_CSS = """
    ResolveDispute { align: center middle; }
    ResolveDispute #resolve {
        width: 90%; max-width: 140; min-width: 60; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
        border-title-style: bold;
    }
    ResolveDispute .intro { color: $text-muted; }
    ResolveDispute .section { text-style: bold; margin: 1 0 0 0; width: 100%; }
    ResolveDispute #resolution { width: 1fr; }
    ResolveDispute .line { height: auto; }
    ResolveDispute .owner { width: 1fr; max-width: 40; }
    ResolveDispute .due-label { width: auto; margin: 0 1 0 2; color: $text-muted; }
    ResolveDispute .due { width: 12; }
    ResolveDispute .text { width: 1fr; margin: 0 0 0 2; }
    ResolveDispute #lines { height: auto; max-height: 12; }
    ResolveDispute .error { color: $error; display: none; height: auto; }
    ResolveDispute .error.-shown { display: block; }
    ResolveDispute #resolve-help { color: $text-muted; margin: 1 0 0 0; dock: bottom; }
    ResolveDispute #resolve { overflow-y: auto; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "next_field", "next field", show=False),
        Binding("up", "previous_field", "previous field", show=False),
    ]

    def __init__(
        self,
        store: Store,
        dispute: Dispute,
        *,
        people: Sequence[Person],
        today: dt.date,
        proposal_id: str | None = None,
        proposal_title: str = "",
        resolution: str = "",
        commitments: Sequence[Commitment | DraftCommitment] = (),
        review_date: dt.date | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.dispute = dispute
        # The version the resolution is recorded against: refused if the dispute changed since the
        # lead read it; after that refusal (its message says what changed), saving again resolves it.
        self.started_from = dispute
        self.people = list(people)
        self.today = today
        self.proposal_id = proposal_id
        self.proposal_title = proposal_title
        self.resolution = resolution
        self.review_date = review_date
        self.lines = [DraftCommitment(c.owner_id, c.text, c.due) for c in commitments]
        self.free_text = proposal_id is None
        if self.free_text and not self.lines:
            self.lines = [DraftCommitment(None, "", None)] * FREE_TEXT_LINES

    def compose(self) -> ComposeResult:
        d = self.dispute
        options = [(f"{p.name} ({p.team})", p.id) for p in self.people]
        with Vertical(id="resolve") as frame:
            if self.free_text:
                frame.border_title = f"Resolve {d.code} in your own words"
                yield Static(f"{d.code} · {d.summary}", classes="intro")
            else:
                frame.border_title = f"Accept proposal · {d.code}"
                yield Static(Text.assemble(("Proposal  ", "dim"), (self.proposal_title, "bold")))
                yield Static(f"{d.code} · {d.summary}", classes="intro")
            yield Label("Resolution both sides agreed to", classes="section")
            # Wrapped, so the whole resolution reads at 80 columns too.
            yield WrappedInput(
                self.resolution,
                placeholder="e.g. Sam takes the market report to the client on Friday",
                id="resolution",
                max_length=4000,
            )
            yield Label("", id="resolution-error", classes="error")
            heading = "Commitments this creates" if not self.free_text else "Commitments (optional)"
            yield Label(heading + " — edit before saving; clear a line's text to leave it out", classes="section")
            # Each commitment: its owner and due date on one line, what is promised wrapped below them
            # (in reading order, which is also the order tab takes).
            with VerticalScroll(id="lines"):
                for i, line in enumerate(self.lines):
                    with Horizontal(classes="line"):
                        yield Select(
                            options,
                            value=Select.NULL if line.owner_id is None else line.owner_id,
                            prompt="owner",
                            id=f"owner-{i}",
                            classes="owner",
                            compact=True,
                        )
                        yield Label("due", classes="due-label")
                        yield Input(
                            line.due.strftime(DATE_FORMAT) if line.due else "",
                            placeholder="YYYY-MM-DD",
                            id=f"due-{i}",
                            classes="due",
                            max_length=10,
                            compact=True,
                        )
                    yield WrappedInput(
                        line.text, placeholder="what is promised", id=f"text-{i}", classes="text", max_length=1000
                    )
                    yield Label("", id=f"line-{i}-error", classes="error")
            if self.review_date is not None:
                yield Static(
                    Text.assemble(
                        ("Review on ", "dim"),
                        (f"{self.review_date:%a %d %b %Y}", "bold"),
                        ("  — whether these are kept counts towards each side's follow-through", "dim"),
                    ),
                )
            yield Label("", id="save-error", classes="error")
            yield Static(
                Text.assemble(
                    ("enter", "bold"),
                    " save   ",
                    ("esc", "bold"),
                    " cancel   ",
                    ("tab", "bold"),
                    " next field   ",
                    ("shift+tab", "bold"),
                    " back",
                ),
                id="resolve-help",
            )

    def on_mount(self) -> None:
        self.query_one("#resolution", WrappedInput).focus()
        # Start at the beginning so the lead reads the resolution from its first word.
        self.query_one("#resolution", WrappedInput).move_cursor((0, 0))

    def action_next_field(self) -> None:
        self.focus_next()

    def action_previous_field(self) -> None:
        self.focus_previous()

    # -- validation --------------------------------------------------------------------------------

    def _collect(self) -> tuple[str, list[Commitment], dict[str, str]]:
        errors: dict[str, str] = {}
        resolution = self.query_one("#resolution", WrappedInput).value.strip()
        if not resolution:
            errors["resolution"] = "Write the resolution both sides agreed to"
        commitments: list[Commitment] = []
        for i in range(len(self.lines)):
            text = self.query_one(f"#text-{i}", WrappedInput).value.strip()
            if not text:
                continue
            owner = self.query_one(f"#owner-{i}", Select).value
            raw_due = self.query_one(f"#due-{i}", Input).value.strip()
            problems = []
            if owner is Select.NULL:
                problems.append("choose who owns it")
            due: dt.date | None = None
            try:
                due = dt.datetime.strptime(raw_due, DATE_FORMAT).date()
            except ValueError:
                problems.append("enter the due date as YYYY-MM-DD")
            if due is not None and due < self.today:
                problems.append(f"the due date {due:%d %b} is already past")
            if problems:
                errors[f"line-{i}"] = "This commitment needs: " + "; ".join(problems)
                continue
            try:
                commitments.append(
                    Commitment(
                        owner_id=int(owner),  # type: ignore[arg-type]
                        text=text,
                        due=due,
                        source=CommitmentSource.DISPUTE,
                        dispute_id=self.dispute.id,
                        requisition_id=self.dispute.requisition_id,
                    )
                )
            except ValidationError as exc:
                errors[f"line-{i}"] = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        return resolution, commitments, errors

    def _show_errors(self, errors: dict[str, str]) -> None:
        self.show_field_errors(errors, ["resolution", "save", *(f"line-{i}" for i in range(len(self.lines)))])

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        if getattr(self, "_tried", False):
            self._show_errors(self._collect()[2])

    # -- saving ------------------------------------------------------------------------------------

    @on(Input.Submitted)
    @on(WrappedInput.Submitted)
    def _submitted(self, event: Input.Submitted | WrappedInput.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        self._tried = True
        resolution, commitments, errors = self._collect()
        self._show_errors(errors)
        if errors:
            return
        store, started_from, proposal_id = self.store, self.started_from, self.proposal_id
        # A dispute changed since it was read is refused (said by the save); saving again goes over the newer one.
        self.save_when_free(
            store,
            lambda: accept_proposal(store, started_from, resolution, proposal_id, commitments),
            self._resolved,
            self._not_resolved,
        )

    def _resolved(self, saved: tuple[Dispute, list[Commitment]]) -> None:
        resolved, created = saved
        made = f"{len(created)} commitment{'s' if len(created) != 1 else ''} created"
        self.app.notify(f"{resolved.code} resolved · {made}", title="Dispute resolved")
        self.dismiss(resolved)

    def _not_resolved(self, exc: Exception) -> None:
        if isinstance(exc, EditConflict):
            self.started_from = exc.current
        self._show_errors({"save": str(exc)})

    def action_cancel(self) -> None:
        self.dismiss(None)


__all__ = ["ResolveDispute", "DraftCommitment"]
