"""Starting a standup: who is there (present/absent), who facilitates, and how long the meeting is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, SelectionList, Static

from mediation_console.console.core.agenda import DEFAULT_MEETING_MINUTES, MAX_MEETING_MINUTES, MIN_MEETING_MINUTES
from mediation_console.db.models import Attendee, Person, Team
from mediation_console.screens.dialogs.form_keys import FormScreen, key_label


@dataclass(frozen=True)
class StandupPlan:
    attendees: list[Attendee]
    facilitator_id: int | None
    meeting_minutes: float


def parse_meeting_length(text: str) -> tuple[float | None, str]:
    """The meeting's length as typed ("15", "7.5") in minutes, or the reason it is not usable."""
    try:
        minutes = float(text.strip().replace(",", "."))
    except ValueError:
        return None, "Enter the meeting's length in minutes, e.g. 15"
    if not MIN_MEETING_MINUTES <= minutes <= MAX_MEETING_MINUTES:
        return None, f"Between {MIN_MEETING_MINUTES} and {MAX_MEETING_MINUTES} minutes"
    return minutes, ""


# The most rows the list of people takes (on a screen that has them); beyond, it scrolls.
PEOPLE_ROWS = 14


class StandupStart(FormScreen[StandupPlan | None]):
    SAVE_ACTION = "start"  # enter starts the meeting from any field (space ticks a person)
    """Everyone active is ticked as present; space toggles a person, enter (or ctrl+s) starts."""

    DEFAULT_CSS = """
    StandupStart { align: center middle; }
    StandupStart #start {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1; border-title-style: bold;
    }
    StandupStart SelectionList { height: auto; max-height: 14; border: none; }
    StandupStart .field-label { color: $text-muted; margin: 1 0 0 0; }
    StandupStart #settings { height: auto; }
    StandupStart #settings Vertical { height: auto; }
    StandupStart #facilitator-field { width: 1fr; margin: 0 2 0 0; }
    StandupStart #timebox-field { width: 26; }
    StandupStart Input, StandupStart Select { background: $boost; }
    StandupStart Input:focus, StandupStart Select:focus { background: $surface-lighten-2; }
    StandupStart #timebox { width: 12; }
    StandupStart #timebox-error { color: $error; height: auto; display: none; }
    StandupStart #timebox-error.-shown { display: block; }
    StandupStart .buttons { height: auto; margin: 1 0 0 0; }
    StandupStart .buttons Button { margin: 0 1 0 0; }
    StandupStart #start-help { color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "start", "start", priority=True, tooltip="Start the standup"),
    ]

    def __init__(self, people: Sequence[Person], meeting_minutes: float = DEFAULT_MEETING_MINUTES) -> None:
        super().__init__()
        self.people = list(people)
        self.meeting_minutes = meeting_minutes

    def compose(self) -> ComposeResult:
        leads = [p for p in self.people if p.team == Team.LEAD]
        with Vertical(id="start") as box:
            box.border_title = "Start a standup"
            box.border_subtitle = "space present/absent · enter start · esc cancel"
            yield Label("Who is here (ticked = present)", classes="field-label")
            yield SelectionList[int](*[(f"{p.name} · {p.team}", p.saved_id, True) for p in self.people], id="attendees")
            # The facilitator and the meeting's length side by side, one line each: at 80x24 the list of
            # people keeps as many rows as the screen leaves, and the buttons show whole.
            with Horizontal(id="settings"):
                with Vertical(id="facilitator-field"):
                    yield Label("Facilitator", classes="field-label")
                    yield Select(
                        [(p.name, p.id) for p in self.people],
                        value=leads[0].id if leads else Select.NULL,
                        prompt="nobody in particular",
                        id="facilitator",
                        compact=True,
                    )
                with Vertical(id="timebox-field"):
                    yield Label("Meeting length, minutes", classes="field-label")
                    yield Input(f"{self.meeting_minutes:g}", id="timebox", compact=True)
                    yield Static("", id="timebox-error")
            with Horizontal(classes="buttons"):
                yield Button(key_label("Start [enter]"), variant="primary", id="go")
                yield Button(key_label("Cancel [esc]"), id="cancel")
            yield Static(
                "The agenda is built from the data as it is now and cut to fit the meeting: the most urgent "
                "items fill the time, the rest wait under “+N more” (+ adds them).",
                id="start-help",
            )

    def on_mount(self) -> None:
        self.call_after_refresh(self._fit_people)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_people)

    def _fit_people(self) -> None:
        """The list of people takes the rows the rest of the window leaves on the screen (at most 14); it
        scrolls beyond them."""
        box = self.query_one("#start", Vertical)
        people = self.query_one("#attendees", SelectionList)
        # Rows the window's content runs past its box (held to the screen's height), and rows the screen has
        # to spare around the box.
        overflow = max(child.region.bottom for child in box.children if child.display) - box.content_region.bottom
        spare = self.size.height - box.outer_size.height
        rows = max(3, min(PEOPLE_ROWS, people.outer_size.height - overflow + spare))
        if people.styles.max_height is None or people.styles.max_height.value != rows:
            people.styles.max_height = rows

    def _show_error(self, error: str) -> None:
        message = self.query_one("#timebox-error", Static)
        message.update(error)
        message.set_class(bool(error), "-shown")

    @on(Input.Changed, "#timebox")
    def _validate(self) -> None:
        _minutes, error = parse_meeting_length(self.query_one("#timebox", Input).value)
        self._show_error(error)

    @on(Input.Submitted, "#timebox")
    @on(Button.Pressed, "#go")
    def action_start(self) -> None:
        minutes, error = parse_meeting_length(self.query_one("#timebox", Input).value)
        if minutes is None:
            self._show_error(error)
            self.notify(error, title="Not started", severity="error")
            return
        present = set(self.query_one("#attendees", SelectionList).selected)
        facilitator = self.query_one("#facilitator", Select).value
        self.dismiss(
            StandupPlan(
                attendees=[Attendee(person_id=p.id, present=p.id in present) for p in self.people],
                facilitator_id=None if facilitator is Select.NULL else int(facilitator),  # type: ignore[arg-type]
                meeting_minutes=minutes,
            )
        )

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
