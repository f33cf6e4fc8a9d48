"""Recording a commitment during the standup: one owner, what is promised, and a due date."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import ClassVar

from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from db.models import Commitment, CommitmentSource, Person, StandupItem
from screens.modals import friendly_errors


class StandupCommitment(ModalScreen[Commitment | None]):
    """Prefilled with the item's person and the next business day; validates as the lead types."""

    DEFAULT_CSS = """
    StandupCommitment { align: center middle; }
    StandupCommitment #commit {
        width: 80; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1; border-title-style: bold;
    }
    StandupCommitment .field-label { color: $text-muted; margin: 1 0 0 0; }
    StandupCommitment #about { color: $text-muted; }
    StandupCommitment #due { width: 16; }
    StandupCommitment .error { color: $error; height: auto; }
    StandupCommitment .buttons { height: auto; margin: 1 0 0 0; }
    StandupCommitment .buttons Button { margin: 0 1 0 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "cancel", tooltip="Close without saving"),
        Binding("ctrl+s", "save", "save", priority=True, tooltip="Save the commitment"),
    ]

    def __init__(
        self, item: StandupItem, people: Sequence[Person], default_due: dt.date, today: dt.date,
        about: str = "",
    ) -> None:
        super().__init__()
        self.item = item
        self.people = list(people)
        self.default_due = default_due
        self.today = today
        self.about = about

    def compose(self) -> ComposeResult:
        known = {p.id for p in self.people}
        with Vertical(id="commit") as box:
            box.border_title = "New commitment"
            box.border_subtitle = "ctrl+s save · esc cancel"
            yield Static(self.about or self.item.title, id="about")
            yield Label("Owner (one person)", classes="field-label")
            yield Select(
                [(f"{p.name} · {p.team}", p.id) for p in self.people],
                value=self.item.person_id if self.item.person_id in known else Select.NULL,
                prompt="choose who owns it", id="owner",
            )
            yield Static("", id="owner-error", classes="error")
            yield Label("What is promised", classes="field-label")
            yield Input(placeholder="e.g. book the joint intake with the hiring manager", id="text")
            yield Static("", id="text-error", classes="error")
            yield Label("Due (YYYY-MM-DD)", classes="field-label")
            yield Input(self.default_due.isoformat(), id="due")
            yield Static("", id="due-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Save [ctrl+s]", variant="primary", id="save")
                yield Button("Cancel [esc]", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#text", Input).focus()

    def commitment(self) -> tuple[Commitment | None, dict[str, str]]:
        errors: dict[str, str] = {}
        owner = self.query_one("#owner", Select).value
        if owner is Select.NULL:
            errors["owner"] = "Every commitment has one owner"
        raw_due = self.query_one("#due", Input).value.strip()
        due: dt.date | None = None
        try:
            due = dt.date.fromisoformat(raw_due)
        except ValueError:
            errors["due"] = "Enter the due date as YYYY-MM-DD"
        if due is not None and due < self.today:
            errors["due"] = "The due date is in the past"
        try:
            commitment = Commitment(
                owner_id=owner if owner is not Select.NULL else 0,  # type: ignore[arg-type]
                text=self.query_one("#text", Input).value,
                due=due or self.default_due,
                source=CommitmentSource.STANDUP,
                standup_id=self.item.standup_id,
                requisition_id=self.item.requisition_id,
                dispute_id=self.item.dispute_id,
            )
        except ValidationError as exc:
            errors.update({k: v for k, v in friendly_errors(exc).items() if k not in errors})
            return None, errors
        return (None if errors else commitment), errors

    def _show(self, errors: dict[str, str], fields: Sequence[str]) -> None:
        for field in fields:
            self.query_one(f"#{field}-error", Static).update(errors.get(field, ""))

    @on(Input.Changed)
    @on(Select.Changed)
    def _validate(self, event: Input.Changed | Select.Changed) -> None:
        # Validate the field being typed in; "what is promised" complains only once something is typed.
        _commitment, errors = self.commitment()
        fields = ["owner", "due"] + (["text"] if self.query_one("#text", Input).value else [])
        self._show(errors, fields)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "due":
            self.action_save()
        else:
            self.focus_next()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        commitment, errors = self.commitment()
        self._show(errors, ["owner", "text", "due"])
        if commitment is None:
            self.notify(next(iter(errors.values()), "Check the fields"), title="Not saved", severity="error")
            return
        self.dismiss(commitment)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
