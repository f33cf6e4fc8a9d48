"""The keys every form and dialog shares, so a live meeting holds no typing traps.

`enter` saves from any field (a dropdown opens with space or down; an open dropdown, a button, a
multi-line note and a list keep their own enter). `esc` on a form whose fields changed asks before
throwing the changes away; on an untouched form it just closes.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from textual.binding import Binding, BindingType
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, OptionList, RadioSet, Select, SelectionList, Switch, TextArea

from mediation_console.screens.widgets.wrapped_input import WrappedInput

T = TypeVar("T")

DISCARD_QUESTION = "Discard what you typed in this form? Nothing has been saved yet."


class FormScreen(ModalScreen[T], Generic[T]):
    """A modal form: `SAVE_ACTION` runs on enter, `action_cancel` on esc (asking first when changed)."""

    SAVE_ACTION: ClassVar[str] = "save"
    # False for a form whose own enter handling already saves (and does more, e.g. picks a suggestion).
    ENTER_SAVES: ClassVar[bool] = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "enter_saves", "save", show=False, priority=True),
        Binding("escape", "leave_form", "cancel", show=False, tooltip="Close; asks first when something changed"),
    ]

    _form_start: tuple[Any, ...] | None = None

    def on_mount(self) -> None:
        # After the form's own on_mount has filled its fields: what "unchanged" means.
        self.call_after_refresh(self.remember_form)

    def remember_form(self) -> None:
        """Takes the fields as they are now as the form's unchanged state (e.g. after a prefill)."""
        self._form_start = self.form_values()

    def form_values(self) -> tuple[Any, ...]:
        values: list[Any] = []
        for field in self.query("Input, Select, TextArea, Checkbox, Switch, RadioSet, SelectionList"):
            values.append((field.id, _value_of(field)))
        return tuple(values)

    @property
    def form_changed(self) -> bool:
        return self._form_start is not None and self.form_values() != self._form_start

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "enter_saves":
            return self.ENTER_SAVES and _enter_saves_in(self.focused)
        return super().check_action(action, parameters)

    def action_enter_saves(self) -> None:
        getattr(self, f"action_{self.SAVE_ACTION}")()

    def action_leave_form(self) -> None:
        if not self.form_changed:
            self.action_cancel()
            return
        from mediation_console.screens.dialogs.modals import ConfirmModal

        def answered(discard: bool | None) -> None:
            if discard:
                self.action_cancel()

        self.app.push_screen(ConfirmModal(DISCARD_QUESTION, confirm_label="Discard"), answered)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _enter_saves_in(focused: Widget | None) -> bool:
    """Whether enter in the focused widget means "save": not where enter has its own job."""
    if focused is None:
        return True
    if isinstance(focused, (WrappedInput, SelectionList)):
        return True  # a paragraph; a list of ticks (space ticks), though it is an OptionList too
    # An open dropdown picks with enter; buttons press; notes take a new line; pickers choose a row.
    return not isinstance(focused, (Button, TextArea, OptionList, RadioSet))


def _value_of(field: Widget) -> Any:
    if isinstance(field, TextArea):
        return field.text
    if isinstance(field, SelectionList):
        return tuple(field.selected)
    if isinstance(field, RadioSet):
        return field.pressed_index
    if isinstance(field, (Input, Select, Checkbox, Switch)):
        return field.value
    return None


def key_label(text: str) -> str:
    """A button label naming its key, e.g. "Save [enter]": the brackets escaped, so the key shows
    instead of being read as markup (and silently dropped)."""
    return escape(text)
