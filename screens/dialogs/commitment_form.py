"""A new commitment (one owner, what is promised, a due date, optionally an expectation's check-in), and cancelling one with a reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import ClassVar

from pydantic import ValidationError
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from mediation_console.db.models import Commitment, CommitmentSource, Expectation, Person
from mediation_console.screens.dialogs.form_keys import FormScreen, key_label
from mediation_console.screens.dialogs.modals import FormModal, friendly_errors

FIELDS = ("owner", "text", "due", "expectation")


class CommitmentForm(FormModal[Commitment | None]):
    """Validates as the lead types; a commitment linked to an expectation is one of its check-ins.

    The standup's commitment (screens/standup_commitment.py) is this form with its own defaults and links.
    """

    DEFAULT_CSS = """
    CommitmentForm { align: center middle; }
    CommitmentForm .commitment-box {
        width: 80; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1; border-title-style: bold;
    }
    CommitmentForm .field-label { color: $text-muted; margin: 1 0 0 0; }
    CommitmentForm Input, CommitmentForm Select { background: $boost; }
    CommitmentForm Input:focus, CommitmentForm Select:focus { background: $surface-lighten-2; }
    CommitmentForm #about { color: $text-muted; }
    CommitmentForm #due { width: 16; }
    CommitmentForm .error { color: $error; height: auto; display: none; }
    CommitmentForm .error.-shown { display: block; }
    CommitmentForm .buttons { height: auto; margin: 1 0 0 0; }
    CommitmentForm .buttons Button { margin: 0 1 0 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "save", priority=True, tooltip="Save the commitment"),
    ]

    FIELDS: ClassVar[tuple[str, ...]] = FIELDS
    BOX_ID: ClassVar[str] = "commitment-form"
    TEXT_PLACEHOLDER: ClassVar[str] = "e.g. send two calibration profiles for REQ-0042"
    # Whether the owner's error shows before the lead has picked anyone (a prefilled owner: always).
    OWNER_ERROR_BEFORE_CHOICE: ClassVar[bool] = False
    FIRST_FIELD: ClassVar[str] = "owner"  # the field that has focus when the form opens
    LAST_FIELD: ClassVar[str] = "due"

    def __init__(
        self,
        people: Sequence[Person],
        today: dt.date,
        expectations: Sequence[Expectation] = (),
        expectation_id: int | None = None,
    ) -> None:
        super().__init__()
        self.people = list(people)
        self.today = today
        self.expectations = [e for e in expectations if e.id is not None]
        self.expectation_id = expectation_id
        self.default_due = today + dt.timedelta(days=7)

    # -- what differs between the forms -----------------------------------------------------------

    def default_owner(self) -> int | None:
        return None

    def compose_context(self) -> ComposeResult:
        """Lines above the fields (e.g. the agenda item the commitment comes from)."""
        yield from ()

    def compose_links(self) -> ComposeResult:
        known = {e.id for e in self.expectations}
        yield Label("Check-in of an expectation (optional)", classes="field-label")
        yield Select(
            [(e.title, e.id) for e in self.expectations],
            prompt="none: a stand-alone promise",
            value=self.expectation_id if self.expectation_id in known else Select.NULL,
            id="expectation",
            compact=True,
        )
        yield Static("", id="expectation-error", classes="error")

    def links(self) -> dict[str, object]:
        """Source and links of the new commitment."""
        expectation = self.query_one("#expectation", Select).value
        linked = None if expectation is Select.NULL else int(expectation)  # type: ignore[arg-type]
        return {"source": CommitmentSource.EXPECTATION if linked else CommitmentSource.MANUAL, "expectation_id": linked}

    # -- shared ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # One line per field (compact), so that at 80x24 the form, its buttons and the meeting behind it
        # all show; the bordered fields filled the screen and cut the buttons in half.
        known = {p.id for p in self.people}
        owner = self.default_owner()
        with Vertical(id=self.BOX_ID, classes="commitment-box") as box:
            box.border_title = "New commitment"
            box.border_subtitle = "enter save · tab next field · esc cancel"
            yield from self.compose_context()
            yield Label("Owner (one person)", classes="field-label")
            yield Select(
                [(f"{p.name} · {p.team}", p.id) for p in self.people],
                prompt="choose who owns it",
                value=owner if owner in known else Select.NULL,
                id="owner",
                compact=True,
            )
            yield Static("", id="owner-error", classes="error")
            yield Label("What is promised", classes="field-label")
            yield Input(placeholder=self.TEXT_PLACEHOLDER, id="text", compact=True)
            yield Static("", id="text-error", classes="error")
            yield Label("Due (YYYY-MM-DD)", classes="field-label")
            yield Input(self.default_due.isoformat(), id="due", compact=True)
            yield Static("", id="due-error", classes="error")
            yield from self.compose_links()
            with Horizontal(classes="buttons"):
                yield Button(key_label("Save [enter]"), variant="primary", id="save")
                yield Button(key_label("Cancel [esc]"), id="cancel")

    def on_mount(self) -> None:
        self.query_one(f"#{self.FIRST_FIELD}").focus()

    def on_key(self, event: events.Key) -> None:
        # Focus starts on the owner (reading order: one tab reaches what is promised). With the owner
        # already chosen, typing goes straight into what is promised instead of being lost.
        owner = self.query_one("#owner", Select)
        if self.focused is owner and owner.value is not Select.NULL and event.is_printable and event.character:
            text = self.query_one("#text", Input)
            text.select_on_focus = False  # selecting on focus would let the next key replace this one
            text.focus()
            text.insert_text_at_cursor(event.character)
            event.stop()
            event.prevent_default()

    def commitment(self) -> tuple[Commitment | None, dict[str, str]]:
        errors: dict[str, str] = {}
        owner = self.query_one("#owner", Select).value
        if owner is Select.NULL:
            errors["owner"] = "Every commitment has one owner"
        due: dt.date | None = None
        try:
            due = dt.date.fromisoformat(self.query_one("#due", Input).value.strip())
        except ValueError:
            errors["due"] = "Enter the due date as YYYY-MM-DD"
        if due is not None and due < self.today:
            errors["due"] = "The due date is in the past"
        try:
            commitment = Commitment(
                owner_id=owner if owner is not Select.NULL else 0,
                text=self.query_one("#text", Input).value,
                due=due or self.default_due,
                **self.links(),
            )
        except ValidationError as exc:
            errors.update({k: v for k, v in friendly_errors(exc).items() if k not in errors})
            return None, errors
        return (None if errors else commitment), errors

    @on(Input.Changed)
    @on(Select.Changed)
    def _validate(self) -> None:
        _commitment, errors = self.commitment()
        # "What is promised" and the owner complain only once the lead got to them.
        fields = ["due"] + (["text"] if self.query_one("#text", Input).value else [])
        if self.OWNER_ERROR_BEFORE_CHOICE or self.query_one("#owner", Select).value is not Select.NULL:
            fields.append("owner")
        self.show_field_errors(errors, fields)

    def action_save(self) -> None:
        commitment, errors = self.commitment()
        self.show_field_errors(errors, self.FIELDS)
        if commitment is None:
            self.notify(next(iter(errors.values()), "Check the fields"), title="Not saved", severity="error")
            return
        self.dismiss(commitment)


class CancelCommitment(FormScreen[str | None]):
    """Cancelling is not missing: it needs a reason, which stays on the record."""

    DEFAULT_CSS = """
    CancelCommitment { align: center middle; }
    CancelCommitment #cancel-form {
        width: 80; max-width: 100%; height: auto; max-height: 100%;
        border: round $warning; background: $surface; padding: 0 1; border-title-style: bold;
    }
    CancelCommitment #about { color: $text-muted; height: auto; }
    CancelCommitment .field-label { color: $text-muted; margin: 1 0 0 0; }
    CancelCommitment .error { color: $error; height: auto; display: none; }
    CancelCommitment .error.-shown { display: block; }
    CancelCommitment .buttons { height: auto; margin: 1 0 0 0; }
    CancelCommitment .buttons Button { margin: 0 1 0 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "cancel it", priority=True, tooltip="Cancel the commitment with this reason"),
    ]

    def __init__(self, commitment: Commitment, owner: str) -> None:
        super().__init__()
        self.commitment = commitment
        self.owner = owner

    def compose(self) -> ComposeResult:
        with Vertical(id="cancel-form") as box:
            box.border_title = "Cancel a commitment"
            box.border_subtitle = "enter cancel it · esc keep it open"
            yield Static(f"{self.owner}: {self.commitment.text} (due {self.commitment.due:%a %d %b})", id="about")
            yield Label("Why is it no longer needed?", classes="field-label")
            yield Input(placeholder="e.g. the client filled the role themselves", id="reason", max_length=500)
            yield Static("", id="reason-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(key_label("Cancel it [enter]"), variant="warning", id="save")
                yield Button(key_label("Keep it open [esc]"), id="back")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            error = self.query_one("#reason-error", Static)
            error.update("Say why: a cancelled promise keeps its reason")
            error.add_class("-shown")
            return
        self.dismiss(reason)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if event.value.strip():
            error = self.query_one("#reason-error", Static)
            error.update("")
            error.remove_class("-shown")

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:  # esc (asking first when a reason was typed): keep it open
        self.action_back()


__all__ = ["CommitmentForm", "CancelCommitment"]
