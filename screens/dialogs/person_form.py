"""Adding or editing a person of the team: name, role, team and email, each checked as it is typed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from mediation_console.console.core.team import field_errors, person_conflicts, person_from_form
from mediation_console.db.models import Person, Team
from mediation_console.db.store import RejectedChange, Store, StoreError
from mediation_console.screens.dialogs.form_keys import key_label
from mediation_console.screens.dialogs.modals import FormModal
from mediation_console.screens.widgets.tick import Tick

ROLE_CHOICES = [
    ("Sales (wins requisitions)", Team.SALES.value),
    ("Recruiter (fills them)", Team.RECRUITING.value),
    ("Lead", Team.LEAD.value),
]
# The form's fields by the Person field each one fills (the role is stored as `team`).
FIELDS = {"name": "name", "team": "role", "team_name": "team_name", "email": "email"}


class PersonForm(FormModal[Person | None]):
    """A new person (active), or an edit of one (with the active tick). `save` writes the person (the
    Store's add or update); the form closes with what was saved, or shows the refusal by its field."""

    DEFAULT_CSS = """
    PersonForm { align: center middle; }
    PersonForm #person-form {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1; border-title-style: bold;
    }
    PersonForm .field-label { color: $text-muted; }
    PersonForm .error { color: $error; height: auto; }
    PersonForm #active { background: $surface; }
    PersonForm .buttons { height: auto; margin: 1 0 0 0; }
    PersonForm .buttons Button { margin: 0 1 0 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "save", priority=True, tooltip="Save the person"),
    ]

    def __init__(
        self, store: Store, person: Person | None, others: Sequence[Person], save: Callable[[Person], Person]
    ) -> None:
        """`save` writes to `store` (waited for off the UI thread while another program is writing)."""
        super().__init__()
        self.store = store
        self.person = person
        self.save = save
        self.others = [p for p in others if person is None or p.id != person.id]
        self.touched: set[str] = set()

    def compose(self) -> ComposeResult:
        person = self.person
        with Vertical(id="person-form") as box:
            box.border_title = f"Edit {person.name}" if person is not None else "Add a person to the team"
            box.border_subtitle = "enter save · tab next field · esc cancel"
            yield Label("Name *", classes="field-label")
            yield Input(person.name if person else "", placeholder="e.g. Jordan Hay", id="name", compact=True)
            yield Static("", id="name-error", classes="error")
            yield Label("Role *", classes="field-label")
            yield Select(
                ROLE_CHOICES,
                value=person.team.value if person else Select.NULL,
                prompt="choose…",
                id="role",
                compact=True,
            )
            yield Static("", id="role-error", classes="error")
            yield Label("Team (optional)", classes="field-label")
            yield Input(person.team_name if person else "", placeholder="e.g. Tech desk", id="team_name", compact=True)
            yield Static("", id="team_name-error", classes="error")
            yield Label("Email (optional)", classes="field-label")
            yield Input(
                (person.email or "") if person else "", placeholder="name@example.com", id="email", compact=True
            )
            yield Static("", id="email-error", classes="error")
            if person is not None:
                yield Tick("Active (shown in forms and standups)", value=person.active, id="active")
            with Horizontal(classes="buttons"):
                yield Button(key_label("Save [enter]"), variant="primary", id="save")
                yield Button(key_label("Cancel [esc]"), id="cancel")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#name", Input).focus()

    def typed(self) -> tuple[Person | None, dict[str, str]]:
        """The person as typed, or None with the errors by form field."""
        role = self.query_one("#role", Select).value
        active = self.query_one("#active", Checkbox).value if self.person is not None else True
        errors: dict[str, str] = {}
        if role is Select.NULL:
            errors["role"] = "Choose sales, recruiter or lead"
        try:
            person = person_from_form(
                self.query_one("#name", Input).value,
                str(role) if role is not Select.NULL else Team.SALES.value,
                self.query_one("#team_name", Input).value,
                self.query_one("#email", Input).value,
                active=active,
                person_id=self.person.id if self.person is not None else None,
            )
        except ValidationError as exc:
            for name, message in field_errors(exc).items():
                errors.setdefault(FIELDS.get(name, name), message)
            return None, errors
        errors.update(
            {FIELDS[k]: v for k, v in person_conflicts(person, self.others).items() if FIELDS[k] not in errors}
        )
        return (None if errors else person), errors

    def show_errors(self, errors: dict[str, str], fields: Sequence[str] | None = None) -> None:
        for field in fields if fields is not None else FIELDS.values():
            self.query_one(f"#{field}-error", Static).update(errors.get(field, ""))

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self, event: Input.Changed | Select.Changed) -> None:
        if event.control.id:
            self.touched.add(event.control.id)
        _person, errors = self.typed()
        # A field the lead has not reached yet is not complained about until they save.
        self.show_errors(errors, [f for f in FIELDS.values() if f in self.touched])

    def action_save(self) -> None:
        person, errors = self.typed()
        self.show_errors(errors)
        if person is None:
            self.notify(next(iter(errors.values()), "Check the fields"), title="Not saved", severity="error")
            first = next((f for f in FIELDS.values() if f in errors), "name")
            self.query_one(f"#{first}").focus()
            return
        save = self.save
        self.save_when_free(self.store, lambda: save(person), self.dismiss, self._not_saved)

    def _not_saved(self, exc: Exception) -> None:
        if isinstance(exc, RejectedChange):
            # Someone else took the name or the email since the form opened: said by the field.
            field = "email" if "email" in str(exc) else "name"
            self.show_errors({field: str(exc)}, [field])
            self.query_one(f"#{field}").focus()
            self.notify(str(exc), title="Not saved", severity="error")
            return
        message = str(exc) if isinstance(exc, StoreError) else f"The change was not saved: {exc!r}"
        self.notify(message, title="Not saved", severity="error")


__all__ = ["PersonForm", "ROLE_CHOICES"]
