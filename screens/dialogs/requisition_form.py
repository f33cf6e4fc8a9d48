"""The new/edit requisition form: validates every field as you type with the Requisition model; saves nothing invalid."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from mediation_console.console.core.requisition_writes import Graded, save_requisition
from mediation_console.console.core.services import Services
from mediation_console.db.models import Engagement, Person, Requisition, own_changes
from mediation_console.db.store import EditConflict, StoreError
from mediation_console.db.words import plural
from mediation_console.screens.dialogs.form_keys import key_label
from mediation_console.screens.dialogs.modals import FormModal, friendly_errors
from mediation_console.screens.widgets.tick import Tick

Kind = Literal["text", "int", "float", "date", "datetime", "select"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: Kind
    placeholder: str = ""
    required: str = ""  # the message when left empty, for fields that must be filled


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("title", "Title", "text", "e.g. Senior Data Engineer", "Give the requisition a title"),
    FieldSpec("client", "Client", "text", "e.g. Northwind Logistics", "Name the client"),
    FieldSpec("sales_owner_id", "Sales owner", "select", required="Choose the salesperson who owns it"),
    FieldSpec("recruiter_id", "Recruiter", "select"),
    FieldSpec("openings", "Openings", "int", "1", "Enter how many people the client needs"),
    FieldSpec("engagement", "Engagement", "select"),
    FieldSpec("fee_pct", "Fee %", "float", "e.g. 20"),
    FieldSpec("salary_min", "Salary min", "int", "e.g. 90000"),
    FieldSpec("salary_max", "Salary max", "int", "e.g. 110000"),
    FieldSpec("market_salary", "Market salary", "int", "market median for the role"),
    FieldSpec("location", "Location", "text", "e.g. Leeds"),
    FieldSpec("promised_date", "Promised date", "date", "YYYY-MM-DD — what sales told the client"),
    FieldSpec("first_slate_date", "First slate by", "date", "YYYY-MM-DD — when candidates were promised"),
    FieldSpec("intake_at", "Intake done", "datetime", "YYYY-MM-DD HH:MM, blank if not yet"),
    FieldSpec("interview_stages", "Interview stages", "int", "e.g. 3"),
    FieldSpec("must_haves", "Must-haves", "int", "how many hard requirements"),
    FieldSpec("competing_agencies", "Competing agencies", "int", "0", "Enter 0 when no other agency has it"),
)
CHECKS: tuple[tuple[str, str], ...] = (
    ("remote", "Remote"),
    ("hiring_manager_access", "Hiring-manager access"),
    ("feedback_agreed_48h", "Feedback agreed within 48 h"),
    ("interview_dates_agreed", "Interview dates agreed"),
    ("jd_clear", "Job description clear"),
    ("headcount_approved", "Headcount approved"),
    ("reason_known", "Reason the job is open known"),
    ("candidates_exist", "Candidates known to exist"),
)


def _as_text(value: Any, kind: Kind) -> str:
    if value is None:
        return ""
    if kind == "datetime":
        return value.strftime("%Y-%m-%d %H:%M")
    if kind == "float" and float(value).is_integer():
        return str(int(value))
    return str(value)


def _parse(raw: str, kind: Kind) -> Any:
    """Typed text to a value pydantic can check; blank means "not known" (None)."""
    text = raw.strip()
    if kind in ("int", "float"):
        text = text.replace(",", "").replace("_", "").replace(" ", "")
    if kind == "text":
        return text
    return text or None


class RequisitionForm(FormModal[Requisition | None]):
    LAST_FIELD = "field-notes"

    """Create or edit a requisition. enter (or ctrl+s) saves from any field; esc cancels, asking first if changed."""

    AUTO_FOCUS = "#field-title"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    def __init__(
        self,
        services: Services,
        requisition: Requisition | None,
        sales_people: Sequence[Person],
        recruiters: Sequence[Person],
    ) -> None:
        super().__init__()
        self.services = services
        self.requisition = requisition
        # The version the user's edit applies to: the one the form opened on, or after a refused save
        # (someone else saved meanwhile) the one stored then, so a second save re-applies the user's
        # own changes on top of theirs instead of reverting them.
        self.started_from = requisition
        self.sales_people = list(sales_people)
        self.recruiters = list(recruiters)
        self.touched: set[str] = set()
        self.errors: dict[str, str] = {}

    # -- layout ----------------------------------------------------------------------------------

    def _widget_for(self, spec: FieldSpec) -> Widget:
        current = getattr(self.requisition, spec.name) if self.requisition else None
        widget_id = f"field-{spec.name}"
        if spec.kind == "select":
            if spec.name == "engagement":
                return Select(
                    [(e.value, e.value) for e in Engagement],
                    value=(current or Engagement.CONTINGENT).value,
                    allow_blank=False,
                    id=widget_id,
                    compact=True,
                )
            people = self.sales_people if spec.name == "sales_owner_id" else self.recruiters
            return Select(
                [(p.name, p.id) for p in people],
                value=current if current is not None else Select.NULL,
                prompt="choose…" if spec.required else "nobody yet",
                id=widget_id,
                compact=True,
            )
        if current is None and self.requisition is None and spec.name in ("openings", "competing_agencies"):
            current = 1 if spec.name == "openings" else 0
        return Input(_as_text(current, spec.kind), placeholder=spec.placeholder, id=widget_id, compact=True)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form") as dialog:
            dialog.border_title = f"Edit {self.requisition.code}" if self.requisition is not None else "New requisition"
            dialog.border_subtitle = "enter save · tab next field · esc cancel"
            with VerticalScroll(id="form-fields", can_focus=False):
                for spec in FIELDS:
                    with Horizontal(classes="form-row", id=f"row-{spec.name}"):
                        yield Label(spec.label + (" *" if spec.required else ""), classes="form-label")
                        with Vertical(classes="form-input"):
                            yield self._widget_for(spec)
                            yield Static("", id=f"error-{spec.name}", classes="field-error")
                with Grid(classes="form-checks"):
                    for name, label in CHECKS:
                        value = bool(getattr(self.requisition, name)) if self.requisition else False
                        yield Tick(label, value, id=f"field-{name}", compact=True)
                with Horizontal(classes="form-row", id="row-notes"):
                    yield Label("Notes", classes="form-label")
                    with Vertical(classes="form-input"):
                        notes = self.requisition.notes if self.requisition else ""
                        yield Input(notes, placeholder="anything the teams should know", id="field-notes", compact=True)
                        yield Static("", id="error-notes", classes="field-error")
                yield Static("", id="error-form", classes="field-error")
            with Horizontal(classes="buttons"):
                yield Button(key_label("Save [enter]"), variant="primary", id="save")
                yield Button(key_label("Cancel [esc]"), id="cancel")

    # -- reading and checking ----------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for spec in FIELDS:
            widget = self.query_one(f"#field-{spec.name}")
            if isinstance(widget, Select):
                data[spec.name] = None if widget.value is Select.NULL else widget.value
            else:
                data[spec.name] = _parse(widget.value, spec.kind)  # type: ignore[attr-defined]
        for name, _label in CHECKS:
            data[name] = self.query_one(f"#field-{name}", Checkbox).value
        data["notes"] = self.query_one("#field-notes", Input).value
        return data

    def build(self) -> tuple[Requisition | None, dict[str, str]]:
        """The requisition the fields describe, or the message for each field that is wrong."""
        data = self.values()
        errors: dict[str, str] = {}
        for spec in FIELDS:
            if spec.required and data[spec.name] in (None, ""):
                errors[spec.name] = spec.required
        base = self.requisition.model_dump() if self.requisition else {}
        try:
            requisition = Requisition.model_validate({**base, **data})
        except ValidationError as exc:
            for field, message in friendly_errors(exc).items():
                # A rule across fields (salary min above max) is shown beside the second field.
                errors.setdefault(field or "salary_max", message)
            return None, errors
        return (None if errors else requisition), errors

    def _show_errors(self, show_all: bool = False) -> None:
        _requisition, self.errors = self.build()
        for name in [spec.name for spec in FIELDS] + ["notes"]:
            message = self.errors.get(name, "") if (show_all or name in self.touched) else ""
            label = self.query_one(f"#error-{name}", Static)
            label.update(message)
            label.set_class(bool(message), "shown")
            self.query_one(f"#row-{name}").set_class(bool(message), "invalid")

    @staticmethod
    def _field_name(widget: Widget) -> str | None:
        return widget.id.removeprefix("field-") if widget.id and widget.id.startswith("field-") else None

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _changed(self, event: Input.Changed | Select.Changed | Checkbox.Changed) -> None:
        name = self._field_name(event.control)
        if name is None or not self.is_mounted:
            return
        self.touched.add(name)
        self._show_errors()

    def action_save(self) -> None:
        requisition, errors = self.build()
        self._show_errors(show_all=True)
        if requisition is None:
            first = next(iter(errors))
            self.app.notify(
                f"{plural(len(errors), 'field')} {'needs' if len(errors) == 1 else 'need'} attention: {errors[first]}",
                title="Not saved",
                severity="error",
            )
            focus = self.query(f"#field-{first}")
            if focus:
                focus.first().focus()
            return
        services = self.services
        store, mediator = services.store, services.mediator  # read here: the write may run on a worker
        started_from = self.started_from
        if self.requisition is None or started_from is None:

            def write() -> Graded[Requisition]:
                return save_requisition(store, mediator, requisition)
        else:
            mine = own_changes(self.requisition, requisition, started_from)

            def write() -> Graded[Requisition]:
                return save_requisition(store, mediator, mine, started_from)

        self.save_when_free(store, write, self._saved, self._not_saved)

    def _saved(self, graded: Graded[Requisition]) -> None:
        if graded.grading_problem:
            self.app.notify(graded.grading_problem, title="Rules", severity="warning")
        self.dismiss(graded.saved)

    def _not_saved(self, exc: Exception) -> None:
        form_error = self.query_one("#error-form", Static)
        if isinstance(exc, EditConflict):
            self.started_from = exc.current
            form_error.update(str(exc))
            form_error.add_class("shown")
            self.app.notify(str(exc), title="Not saved: changed elsewhere", severity="warning", timeout=10)
            return
        message = str(exc) if isinstance(exc, StoreError) else f"The change was not saved: {exc!r}"
        form_error.update(message)
        form_error.add_class("shown")
        self.app.notify(message, title="Not saved", severity="error")
