"""Small dialogs shared by the screens: confirm, pick one of a list, change a status, log a pipeline event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import ValidationError
from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from mediation_console.console.core.requisition_writes import Graded, change_status, log_pipeline_event
from mediation_console.console.core.services import Services
from mediation_console.db.models import (
    REASON_REQUIRED,
    CreditRole,
    DeclineReason,
    EventKind,
    FeedbackOutcome,
    Person,
    PipelineEvent,
    PlacementCredit,
    PlacementSource,
    Requisition,
    RequisitionStatus,
    allowed_transitions,
)
from mediation_console.db.store import StoreError
from mediation_console.screens.dialogs.form_keys import FormScreen, key_label

T = TypeVar("T")

STATUS_LABELS = {status: status.value.replace("_", " ") for status in RequisitionStatus}
EVENT_LABELS = {
    EventKind.SUBMITTAL: "Submittal (a candidate sent to the client)",
    EventKind.CLIENT_FEEDBACK: "Client feedback",
    EventKind.INTERNAL_FEEDBACK: "Internal feedback (sales screened the submittal)",
    EventKind.INTERVIEW: "Interview",
    EventKind.OFFER: "Offer",
    EventKind.PLACEMENT: "Placement",
    EventKind.DECLINE: "Candidate declined",
    EventKind.SPEC_CHANGE: "Spec change (the client changed the job)",
    EventKind.NOTE: "Note",
}
# The one detail each kind of event records besides its note: (label, model field, choices).
_OUTCOMES = [(o.value.replace("_", " "), o.value) for o in FeedbackOutcome]
EVENT_DETAILS: dict[EventKind, tuple[str, str, list[tuple[str, str]]]] = {
    EventKind.CLIENT_FEEDBACK: ("Outcome", "outcome", _OUTCOMES),
    EventKind.INTERNAL_FEEDBACK: ("Outcome", "outcome", _OUTCOMES),
    EventKind.DECLINE: (
        "Why they declined",
        "decline_reason",
        [(r.value.replace("_", "-"), r.value) for r in DeclineReason],
    ),
    EventKind.PLACEMENT: (
        "Candidate came from",
        "placement_source",
        [(p.value.replace("_", " "), p.value) for p in PlacementSource],
    ),
}
WHEN_FORMAT = "%Y-%m-%d %H:%M"
# The originator's share a placement's credit form starts from (the pack's credit_split_sales_pct default).
CREDIT_DEFAULT_SPLIT = 50.0


def friendly_errors(exc: ValidationError) -> dict[str, str]:
    """pydantic errors keyed by field, worded for a team lead rather than a developer."""
    messages: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        kind = error["type"]
        ctx = error.get("ctx") or {}
        if kind in ("int_parsing", "int_from_float"):
            text = "Enter a whole number"
        elif kind == "float_parsing":
            text = "Enter a number"
        elif kind.startswith("datetime"):
            text = "Enter a date (YYYY-MM-DD) and optionally a time (HH:MM)"
        elif kind.startswith("date"):
            text = "Enter a date as YYYY-MM-DD"
        elif kind == "greater_than_equal":
            text = f"Must be {ctx.get('ge')} or more"
        elif kind == "less_than_equal":
            text = f"Must be {ctx.get('le')} or less"
        elif kind == "string_too_long":
            text = f"Keep it under {ctx.get('max_length')} characters"
        elif kind in ("missing", "int_type", "none_required"):
            text = "Required"
        elif kind == "value_error":
            text = str(ctx.get("error", error["msg"])).removeprefix("Value error, ")
        else:
            text = error["msg"]
        messages.setdefault(field, text)
    return messages


class FormModal(FormScreen[T], Generic[T]):
    """A dialog form: enter saves from any field (FormScreen); esc asks first when changed; Save and Cancel buttons.

    Subclasses implement `action_save`; `action_cancel` closes without a result.
    """

    LAST_FIELD: ClassVar[str] = ""  # the Input whose enter saves; "" leaves enter to the subclass

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if not self.LAST_FIELD:
            return
        if event.input.id == self.LAST_FIELD:
            self.action_save()
        else:
            self.focus_next()

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_save(self) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmModal(ModalScreen[bool]):
    """Asks a yes/no question; y confirms, n or escape declines."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, confirm_label: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = "Please confirm"
            yield Static(self.question, classes="question")
            with Horizontal(classes="buttons"):
                yield Button(key_label(f"{self.confirm_label} [y]"), variant="primary", id="yes")
                yield Button(key_label("No [n]"), id="no")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


# A picker's width (app.tcss `.dialog.picker`) when its title is short.
PICKER_WIDTH = 44


class PickerModal(ModalScreen[T | None], Generic[T]):
    """Choose one of a short list (a status, a person, a sort column). Escape keeps things as they were."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, choices: Sequence[tuple[str, T]], current: T | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker") as dialog:
            dialog.border_title = self.title_text
            dialog.border_subtitle = "enter choose · esc cancel"
            # As wide as its title, which it cut ("Meeting length (each item gets its sh…"): the border's
            # corners and a space each side, and the padding (the screen's width still caps it).
            dialog.styles.width = max(PICKER_WIDTH, cell_len(self.title_text) + 10)
            yield OptionList(*[Option(label, id=str(i)) for i, (label, _value) in enumerate(self.choices)])

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        for i, (_label, value) in enumerate(self.choices):
            if value == self.current:
                options.highlighted = i
                break
        else:
            options.highlighted = 0

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index][1])

    def action_cancel(self) -> None:
        self.dismiss(None)


class PersonPickerModal(ModalScreen[int | None]):
    """Choose one person of a big team: typing part of a name narrows the list, enter takes the highlighted
    one. Dismisses with the person's id, -1 for `anyone` (the first choice), None when cancelled."""

    SHOWN = 100  # the most names listed at once (a team of thousands is narrowed by typing)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]

    def __init__(self, title: str, people: Sequence[tuple[str, int]], current: int | None, anyone: str) -> None:
        super().__init__()
        self.title_text = title
        self.choices: list[tuple[str, int]] = [(anyone, -1), *people]
        self.current = -1 if current is None else current
        self.shown: list[tuple[str, int]] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker") as dialog:
            dialog.border_title = self.title_text
            dialog.border_subtitle = "type a name · ↑↓ · enter choose · esc cancel"
            yield Input(placeholder="type part of a name", id="person-search")
            yield Static("", id="person-count")
            yield OptionList(id="people")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#person-search", Input).focus()

    def _fill(self, text: str) -> None:
        words = text.lower().split()
        matches = [c for c in self.choices if all(word in c[0].lower() for word in words)]
        self.shown = matches[: self.SHOWN]
        options = self.query_one("#people", OptionList)
        options.clear_options()
        options.add_options([Option(label, id=str(i)) for i, (label, _value) in enumerate(self.shown)])
        values = [value for _label, value in self.shown]
        options.highlighted = values.index(self.current) if self.current in values else (0 if self.shown else None)
        more = f" · the first {len(self.shown)} shown: type more of the name" if len(matches) > len(self.shown) else ""
        self.query_one("#person-count", Static).update(
            "No one by that name" if not matches else f"{len(matches):,} of {len(self.choices):,}{more}"
        )

    @on(Input.Changed, "#person-search")
    def _narrow(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#person-search")
    def _take_highlighted(self) -> None:
        highlighted = self.query_one("#people", OptionList).highlighted
        if highlighted is not None and highlighted < len(self.shown):
            self.dismiss(self.shown[highlighted][1])

    def action_move(self, step: int) -> None:
        options = self.query_one("#people", OptionList)
        if options.highlighted is not None and self.shown:
            options.highlighted = max(0, min(len(self.shown) - 1, options.highlighted + step))

    @on(OptionList.OptionSelected, "#people")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.shown[event.option_index][1])

    def action_cancel(self) -> None:
        self.dismiss(None)


class StatusChangeModal(FormModal[Requisition | None]):
    """Moves a requisition to one of the statuses allowed from where it is; some moves need a reason."""

    DEFAULT_CSS = """
    StatusChangeModal #reason { background: $boost; }
    StatusChangeModal #reason:focus { background: $surface-lighten-2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    def __init__(self, services: Services, requisition: Requisition) -> None:
        super().__init__()
        self.services = services
        self.requisition = requisition
        self.choices = list(allowed_transitions(requisition.status))

    def compose(self) -> ComposeResult:
        req = self.requisition
        with Vertical(classes="dialog") as dialog:
            dialog.border_title = f"Change status · {req.code}"
            dialog.border_subtitle = "enter choose · ctrl+s save · esc cancel"
            yield Static(f"{req.title} — now [b]{STATUS_LABELS[req.status]}[/b]. Move it to:", classes="question")
            yield OptionList(
                *[
                    Option(STATUS_LABELS[s] + ("  (reason required)" if s in REASON_REQUIRED else ""), id=s.value)
                    for s in self.choices
                ],
                id="status-choices",
            )
            yield Label("Reason", classes="field-label")
            # One line (compact): at 80x24 the statuses, the reason and whole buttons all show.
            yield Input(placeholder="why (required for declined and lost)", id="reason", compact=True)
            yield Static("", id="reason-error", classes="field-error")
            with Horizontal(classes="buttons"):
                yield Button(key_label("Save [enter]"), variant="primary", id="save")
                yield Button(key_label("Cancel [esc]"), id="cancel")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0

    @property
    def chosen(self) -> RequisitionStatus | None:
        index = self.query_one(OptionList).highlighted
        return None if index is None else self.choices[index]

    @on(OptionList.OptionHighlighted)
    def _highlighted(self) -> None:
        self._show_error("")

    @on(OptionList.OptionSelected)
    def _selected(self) -> None:
        chosen = self.chosen
        if chosen in REASON_REQUIRED and not self.query_one("#reason", Input).value.strip():
            self.query_one("#reason", Input).focus()
            self._show_error(f"Say why the requisition is {STATUS_LABELS[chosen]}")
            return
        self.action_save()

    @on(Input.Submitted, "#reason")
    def _reason_submitted(self) -> None:
        self.action_save()

    @on(Input.Changed, "#reason")
    def _reason_changed(self, event: Input.Changed) -> None:
        if event.value.strip():
            self._show_error("")

    def _show_error(self, message: str) -> None:
        error = self.query_one("#reason-error", Static)
        error.update(message)
        error.set_class(bool(message), "shown")

    def action_save(self) -> None:
        chosen = self.chosen
        if chosen is None:
            return
        reason = self.query_one("#reason", Input).value.strip()
        if chosen in REASON_REQUIRED and not reason:
            self._show_error(f"Say why the requisition is {STATUS_LABELS[chosen]}")
            self.query_one("#reason", Input).focus()
            return
        store, mediator, requisition_id = self.services.store, self.services.mediator, self.requisition.saved_id
        self.save_when_free(
            store,
            lambda: change_status(store, mediator, requisition_id, chosen, reason),
            self._changed,
            lambda exc: self.app.notify(_unsaved(exc), title="Status not changed", severity="error"),
        )

    def _changed(self, graded: Graded[Requisition]) -> None:
        changed = graded.saved
        if graded.grading_problem:
            self.app.notify(graded.grading_problem, title="Rules", severity="warning")
        self.app.notify(f"{changed.code} is now {STATUS_LABELS[changed.status]}", title=f"{changed.code} saved")
        self.dismiss(changed)


class PipelineEventModal(FormModal[PipelineEvent | None]):
    LAST_FIELD = "note"

    """Logs something that happened on a requisition: a submittal, feedback, an interview…"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    def __init__(
        self, services: Services, requisition: Requisition, people: Sequence[Person], now: dt.datetime
    ) -> None:
        super().__init__()
        self.services = services
        self.requisition = requisition
        self.people = list(people)
        self.now = now
        self.credits: list[PlacementCredit] = []  # a placement's credit, as the fields last read

    # One line per field, its label beside it (as in the requisition form): at 80x24 every field and the
    # buttons show, where the bordered fields pushed the note and Save off the bottom of the dialog.
    DEFAULT_CSS = """
    PipelineEventModal .dialog.event { width: 84; padding: 1 2 0 2; }
    PipelineEventModal #event-fields { height: auto; max-height: 100%; }
    PipelineEventModal #credit { height: auto; }
    PipelineEventModal .form-label { width: 20; }
    PipelineEventModal .credit-hint { color: $text-muted; padding: 0 0 0 22; }
    """

    def compose(self) -> ComposeResult:
        req = self.requisition
        people = [(f"{p.name} ({p.team})", p.id) for p in self.people]

        def row(label: str, *widgets: Any, row_id: str | None = None, label_id: str | None = None) -> Horizontal:
            return Horizontal(
                Label(label, classes="form-label", id=label_id),
                Vertical(*widgets, classes="form-input"),
                classes="form-row",
                id=row_id,
            )

        def credit_pick(widget_id: str, person_id: int | None) -> Select[Any]:
            # The requisition's own person to start with, when they are still in the list.
            known = any(p.id == person_id for p in self.people)
            return Select(
                people, value=person_id if known else Select.NULL, prompt="nobody", id=widget_id, compact=True
            )

        with Vertical(classes="dialog event") as dialog:
            dialog.border_title = f"Log a pipeline event · {req.code}"
            dialog.border_subtitle = "enter save · tab next field · esc cancel"
            yield Static(req.title, classes="question")
            with VerticalScroll(id="event-fields", can_focus=False):
                yield row(
                    "What happened",
                    Select(
                        [(label, kind.value) for kind, label in EVENT_LABELS.items()],
                        value=EventKind.SUBMITTAL.value,
                        allow_blank=False,
                        id="kind",
                        compact=True,
                    ),
                )
                yield row(
                    "When",
                    Input(self.now.strftime(WHEN_FORMAT), placeholder="YYYY-MM-DD HH:MM", id="at", compact=True),
                    Static("", id="at-error", classes="field-error"),
                )
                yield row(
                    "Who",
                    Select(
                        people,
                        value=req.recruiter_id if req.recruiter_id is not None else Select.NULL,
                        prompt="nobody in particular",
                        id="actor",
                        compact=True,
                    ),
                )
                yield row(
                    "Outcome",
                    Select(_OUTCOMES, prompt="not recorded", id="detail", compact=True),
                    row_id="detail-row",
                    label_id="detail-label",
                )
                # A placement's credit (migration 18): who originated it, who filled it, and the split.
                with Vertical(id="credit"):
                    yield row("Originated by", credit_pick("originated", req.sales_owner_id))
                    yield row("Filled by", credit_pick("filled", req.recruiter_id))
                    yield row(
                        "Originator's split %",
                        Input(f"{CREDIT_DEFAULT_SPLIT:g}", id="split", compact=True),
                        Static("", id="split-error", classes="field-error"),
                    )
                    yield Static(
                        "The originator won the client, the filler found the candidate and gets the rest.",
                        classes="credit-hint",
                    )
                yield row(
                    "Note",
                    Input(
                        placeholder="why, for feedback and declines",
                        id="note",
                        compact=True,
                    ),
                    Static("", id="note-error", classes="field-error"),
                )
            with Horizontal(classes="buttons"):
                yield Button(key_label("Save [enter]"), variant="primary", id="save")
                yield Button(key_label("Cancel [esc]"), id="cancel")

    def on_mount(self) -> None:
        self._show_detail()

    def _kind(self) -> EventKind:
        value = self.query_one("#kind", Select).value
        if not isinstance(value, str):  # the select has no blank: it always holds a kind
            raise TypeError(f"The event kind select holds {value!r}")
        return EventKind(value)

    @on(Select.Changed, "#kind")
    def _show_detail(self) -> None:
        """The detail select follows the kind: an outcome for feedback, a reason for a decline, a source for a placement."""
        detail = EVENT_DETAILS.get(self._kind())
        select = self.query_one("#detail", Select)
        label = self.query_one("#detail-label", Label)
        self.query_one("#detail-row").display = detail is not None
        if detail is not None:
            label.update(detail[0])
            select.set_options(detail[2])
        self.query_one("#credit", Vertical).display = self._kind() == EventKind.PLACEMENT

    def _credits(self, errors: dict[str, str]) -> list[PlacementCredit]:
        """The placement's credit from the three credit fields: the originator's split and the rest to the filler."""
        originated = self.query_one("#originated", Select).value
        filled = self.query_one("#filled", Select).value
        raw = self.query_one("#split", Input).value.strip().removesuffix("%").strip()
        try:
            split = float(raw)
        except ValueError:
            errors["split"] = "Enter the originator's share as a number from 0 to 100"
            return []
        if not 0 <= split <= 100:
            errors["split"] = "The originator's share is from 0 to 100 %"
            return []
        req_id = self.requisition.saved_id
        parts: list[tuple[Any, CreditRole, float]] = [
            (originated, CreditRole.ORIGINATED, split),
            (filled, CreditRole.FILLED, 100 - split),
        ]
        chosen = [(pid, role, pct) for pid, role, pct in parts if pid is not Select.NULL]
        if not chosen:
            return []  # a placement logged with no credit (yet)
        if len(chosen) == 1:
            pid, role, _pct = chosen[0]
            chosen = [(pid, role, 100.0)]
        return [
            PlacementCredit(requisition_id=req_id, person_id=pid, role=role, split_pct=pct)
            for pid, role, pct in chosen
            if pct > 0 or len(chosen) == 1
        ]

    def _event(self) -> tuple[PipelineEvent | None, dict[str, str]]:
        errors: dict[str, str] = {}
        raw_at = self.query_one("#at", Input).value.strip()
        at: dt.datetime | None = None
        try:
            at = (
                dt.datetime.strptime(raw_at, WHEN_FORMAT)
                if len(raw_at) > 10
                else dt.datetime.strptime(raw_at, "%Y-%m-%d")
            )
        except ValueError:
            errors["at"] = "Enter a date and time as YYYY-MM-DD HH:MM"
        if at is not None and at > self.now + dt.timedelta(minutes=5):
            errors["at"] = "That is in the future; log events once they have happened"
        actor = self.query_one("#actor", Select).value
        kind = self._kind()
        details: dict[str, Any] = {}
        chosen = self.query_one("#detail", Select).value
        if kind in EVENT_DETAILS and chosen is not Select.NULL:
            details[EVENT_DETAILS[kind][1]] = chosen
        credits: list[PlacementCredit] = []
        if kind == EventKind.PLACEMENT:
            credits = self._credits(errors)
            details["participants"] = list(dict.fromkeys(c.person_id for c in credits)) or [
                p for p in (self.requisition.recruiter_id, self.requisition.sales_owner_id) if p
            ]
        self.credits = credits
        try:
            event = PipelineEvent(
                requisition_id=self.requisition.id,
                kind=kind,
                at=at or self.now,
                actor_id=None if actor is Select.NULL else actor,
                note=self.query_one("#note", Input).value,
                **details,
            )
        except ValidationError as exc:
            errors.update(friendly_errors(exc))
            return None, errors
        return (None if errors else event), errors

    @on(Input.Changed)
    def _validate(self) -> None:
        _event, errors = self._event()
        for field in ("at", "note", "split"):
            error = self.query_one(f"#{field}-error", Static)
            error.update(errors.get(field, ""))
            error.set_class(field in errors, "shown")

    def action_save(self) -> None:
        event, errors = self._event()
        self._validate()
        if event is None:
            self.app.notify(next(iter(errors.values()), "Check the fields"), title="Not saved", severity="error")
            return
        store, mediator = self.services.store, self.services.mediator
        credits = self.credits if event.kind == EventKind.PLACEMENT else []
        self.save_when_free(
            store,
            lambda: log_pipeline_event(store, mediator, event, credits),
            self._logged,
            lambda exc: self.app.notify(_unsaved(exc), title="Event not logged", severity="error"),
        )

    def _logged(self, graded: Graded[PipelineEvent]) -> None:
        stored = graded.saved
        if graded.grading_problem:
            self.app.notify(graded.grading_problem, title="Rules", severity="warning")
        self.app.notify(
            f"{EVENT_LABELS[stored.kind].split(' (')[0]} logged on {self.requisition.code}",
            title=f"{self.requisition.code} saved",
        )
        self.dismiss(stored)


def people_choices(people: Sequence[Person], blank: str | None = None) -> list[tuple[str, Any]]:
    choices: list[tuple[str, Any]] = [(blank, None)] if blank else []
    return choices + [(f"{p.name} · {p.team}", p.id) for p in people]


def _unsaved(exc: Exception) -> str:
    """Why a save did not happen, for a toast: the Store's own words, or the unexpected problem named."""
    return str(exc) if isinstance(exc, StoreError) else f"The change was not saved: {exc!r}"
