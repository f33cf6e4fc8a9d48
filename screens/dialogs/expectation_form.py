"""Proposing a new expectation: pick a metric from the catalogue (or "checked in by hand"), target, threshold, window."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from mediation_console.console.core.metric_registry import CHECKED_BY_HAND, REGISTRY, definition
from mediation_console.db.models import Expectation, ExpectationStatus, Team
from mediation_console.screens.dialogs.form_keys import key_label
from mediation_console.screens.dialogs.modals import FormModal, friendly_errors

BY_HAND = "by_hand"  # the Select's value for "checked in by hand" (Select cannot hold None)
TEAM_CHOICES = [
    ("Sales promises it", Team.SALES),
    ("Recruiting promises it", Team.RECRUITING),
    ("The lead promises it", Team.LEAD),
]
FIELDS = ("metric", "title", "owner_team", "target", "threshold", "window_days")


class ExpectationForm(FormModal[Expectation | None]):
    LAST_FIELD = "window_days"

    """A new expectation, saved as proposed; every field is checked as it is typed."""

    DEFAULT_CSS = """
    ExpectationForm { align: center middle; }
    ExpectationForm #expectation-form {
        width: 84; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1; border-title-style: bold;
    }
    ExpectationForm .field-label { color: $text-muted; margin: 1 0 0 0; }
    ExpectationForm #metric-about { color: $text-muted; height: auto; }
    ExpectationForm .numbers { height: auto; }
    ExpectationForm .numbers Vertical { width: 1fr; height: auto; margin: 0 1 0 0; }
    ExpectationForm Input, ExpectationForm Select { background: $boost; }
    ExpectationForm Input:focus, ExpectationForm Select:focus { background: $surface-lighten-2; }
    ExpectationForm .error { color: $error; height: auto; display: none; }
    ExpectationForm .error.-shown { display: block; }
    ExpectationForm .buttons { height: auto; margin: 1 0 0 0; }
    ExpectationForm .buttons Button { margin: 0 1 0 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "save", priority=True, tooltip="Propose the expectation"),
    ]

    def __init__(self, taken_titles: Sequence[str] = ()) -> None:
        super().__init__()
        self.taken_titles = {t.casefold() for t in taken_titles}
        # The title follows the metric and threshold until the lead types one of their own.
        first = next(iter(REGISTRY.values()))
        self._suggestion = first.title(first.default_threshold)
        self._title_is_suggested = True

    def compose(self) -> ComposeResult:
        first = next(iter(REGISTRY.values()))
        # One line per field (compact), so that at 80x24 the whole form and its buttons show.
        with Vertical(id="expectation-form") as box:
            box.border_title = "New expectation (proposed until both teams agree)"
            box.border_subtitle = "enter save · tab next field · esc cancel"
            yield Label("Measured by", classes="field-label")
            yield Select(
                [(spec.label, key) for key, spec in REGISTRY.items()] + [(CHECKED_BY_HAND.label, BY_HAND)],
                value=first.key,
                allow_blank=False,
                id="metric",
                compact=True,
            )
            yield Static(first.description, id="metric-about")
            yield Static("", id="metric-error", classes="error")
            yield Label("Title (what both teams read)", classes="field-label")
            yield Input(first.title(first.default_threshold), id="title", compact=True)
            yield Static("", id="title-error", classes="error")
            yield Label("Who promises it", classes="field-label")
            yield Select(TEAM_CHOICES, value=first.owner_team, allow_blank=False, id="owner_team", compact=True)
            yield Static("", id="owner_team-error", classes="error")
            with Horizontal(classes="numbers"):
                with Vertical():
                    yield Label("Target (% of cases)", classes="field-label")
                    yield Input(_number(first.default_target), id="target", compact=True)
                    yield Static("", id="target-error", classes="error")
                with Vertical():
                    yield Label(self._threshold_label(first.key), classes="field-label", id="threshold-label")
                    yield Input(_number(first.default_threshold), id="threshold", compact=True)
                    yield Static("", id="threshold-error", classes="error")
                with Vertical():
                    yield Label("Window (days)", classes="field-label")
                    yield Input(_number(first.default_window_days), id="window_days", compact=True)
                    yield Static("", id="window_days-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(key_label("Propose [enter]"), variant="primary", id="save")
                yield Button(key_label("Cancel [esc]"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#metric", Select).focus()

    # -- the form ----------------------------------------------------------------------------------

    @property
    def metric(self) -> str | None:
        value = self.query_one("#metric", Select).value
        return None if value in (BY_HAND, Select.NULL) else str(value)

    @staticmethod
    def _threshold_label(metric: str | None) -> str:
        spec = definition(metric)
        if metric is None:
            return "Threshold (not used)"
        if not spec.threshold_required:
            return f"Tolerance ({spec.unit}, optional)"
        return f"Threshold ({spec.unit})"

    def expectation(self) -> tuple[Expectation | None, dict[str, str]]:
        errors: dict[str, str] = {}
        metric = self.metric
        spec = definition(metric)
        raw: dict[str, Any] = {
            "title": self.query_one("#title", Input).value,
            "owner_team": self.query_one("#owner_team", Select).value,
            "metric": metric,
            "target": self.query_one("#target", Input).value.strip().rstrip("%") or None,
            "window_days": self.query_one("#window_days", Input).value.strip() or None,
            "status": ExpectationStatus.PROPOSED,
        }
        threshold = self.query_one("#threshold", Input).value.strip()
        if metric is not None:
            if threshold:
                raw["threshold"] = threshold
            elif spec.threshold_required:
                errors["threshold"] = f"Say how many {spec.unit} are allowed"
        if raw["title"].strip().casefold() in self.taken_titles:
            errors["title"] = "An expectation with this title already exists"
        try:
            expectation = Expectation(**{k: v for k, v in raw.items() if v is not None})
        except ValidationError as exc:
            errors.update({k: v for k, v in friendly_errors(exc).items() if k not in errors})
            if errors.get("target", "").startswith("Must be"):
                errors["target"] = "A target is a percentage from 0 to 100"
            return None, errors
        if expectation.threshold is not None and expectation.threshold < 0:
            errors["threshold"] = "Must be 0 or more"
        return (None if errors else expectation), errors

    def _suggest_title(self) -> None:
        if not self._title_is_suggested:
            return
        spec = definition(self.metric)
        raw = self.query_one("#threshold", Input).value.strip()
        try:
            threshold = float(raw) if raw else spec.default_threshold
        except ValueError:
            return
        self._suggestion = spec.title(threshold) if spec.key else ""
        self.query_one("#title", Input).value = self._suggestion

    @on(Select.Changed, "#metric")
    def _metric_changed(self) -> None:
        metric = self.metric
        spec = definition(metric)
        self.query_one("#metric-about", Static).update(spec.description)
        self.query_one("#threshold-label", Label).update(self._threshold_label(metric))
        threshold = self.query_one("#threshold", Input)
        threshold.value = _number(spec.default_threshold) if metric else ""
        threshold.disabled = metric is None
        self._suggest_title()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if event.input.id == "title":
            self._title_is_suggested = event.value.strip() in ("", self._suggestion)
        elif event.input.id == "threshold":
            self._suggest_title()
        _expectation, errors = self.expectation()
        # Complain about the title only once something is in it.
        fields = [f for f in FIELDS if f != "title" or self.query_one("#title", Input).value]
        self.show_field_errors(errors, fields)

    def action_save(self) -> None:
        expectation, errors = self.expectation()
        self.show_field_errors(errors, FIELDS)
        if expectation is None:
            self.notify(next(iter(errors.values()), "Check the fields"), title="Not saved", severity="error")
            return
        self.dismiss(expectation)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


__all__ = ["ExpectationForm", "BY_HAND"]
