"""The keys every form and dialog shares, so a live meeting holds no typing traps.

`enter` saves from any field (a dropdown opens with space or down; an open dropdown, a button, a
multi-line note and a list keep their own enter). `esc` on a form whose fields changed asks before
throwing the changes away; on an untouched form it just closes.

A form's save goes through `save_when_free`: tried at once, and when another program (an import)
holds the database's write lock, waited for on a worker thread while the form says what it waits
for in its border ("Waiting for an import to finish writing… 2 s · esc stops waiting"), its Save
button reads "Waiting…", and the console stays usable; esc then stops the wait (nothing saved,
the fields as typed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Generic, TypeVar

from textual.binding import Binding, BindingType
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    OptionList,
    RadioSet,
    Select,
    SelectionList,
    Static,
    Switch,
    TextArea,
)
from textual.worker import Worker, get_current_worker

from mediation_console.console.core.waiting_writes import MustWait, Waiting, WaitStopped, write_when_free
from mediation_console.db.store import Store
from mediation_console.screens.widgets.wrapped_input import WrappedInput

T = TypeVar("T")
R = TypeVar("R")

# The widgets a form's values are typed or picked in.
FIELDS = "Input, Select, TextArea, Checkbox, Switch, RadioSet, SelectionList"

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
        for field in self.query(FIELDS):
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

    def show_field_errors(self, errors: Mapping[str, str], fields: Iterable[str]) -> None:
        """Shows each of `fields`' error in its `#<field>-error` line, which takes a row (class -shown)
        only while it has something to say."""
        for field in fields:
            line = self.query_one(f"#{field}-error", Static)
            message = errors.get(field, "")
            line.update(message)
            line.set_class(bool(message), "-shown")

    # -- saving, waiting for the write lock off the UI thread when another program holds it ------------

    _save_worker: Worker[None] | None = None
    _subtitle_before_wait: str | None = None
    _label_before_wait: Any = None
    _held_fields: list[Widget] | None = None
    _focus_before_wait: Widget | None = None

    @property
    def save_waiting(self) -> bool:
        """Whether a save is waiting for another program to finish writing."""
        return self._save_worker is not None

    def save_when_free(
        self,
        store: Store,
        write: Callable[[], R],
        saved: Callable[[R], object],
        not_saved: Callable[[Exception], object],
    ) -> None:
        """Runs `write()` (a core write) in one transaction and then `saved(result)`, or `not_saved(exc)`
        when it raised. When the write lock is free that happens now; when another program holds it,
        on a worker thread once the lock is free, the form saying meanwhile what it waits for."""
        if self.save_waiting:
            self.notify("The save is still waiting; esc stops waiting.", title="Saving", severity="warning")
            return
        try:
            result = write_when_free(store, write)
        except MustWait as busy:
            self._wait_and_save(store, write, saved, not_saved, busy.holder)
            return
        except Exception as exc:  # noqa: BLE001 - the form says why, by its field or in a toast
            not_saved(exc)
            return
        saved(result)

    def _wait_and_save(
        self,
        store: Store,
        write: Callable[[], R],
        saved: Callable[[R], object],
        not_saved: Callable[[Exception], object],
        holder: str,
    ) -> None:
        app = self.app
        self._show_waiting(Waiting(0.0, holder))

        def done(then: Callable[[Any], object], value: Any) -> None:
            self._waiting_ended()
            then(value)

        def wait_and_write() -> None:
            worker = get_current_worker()

            def tell(waiting: Waiting) -> None:
                app.call_from_thread(self._show_waiting, waiting)

            try:
                result = write_when_free(store, write, tell, stopped=lambda: worker.is_cancelled)
            except WaitStopped as exc:
                app.call_from_thread(done, self._stopped_waiting, exc)
            except Exception as exc:  # noqa: BLE001 - shown by the form, never a traceback
                app.call_from_thread(done, not_saved, exc)
            else:
                app.call_from_thread(done, saved, result)

        self._save_worker = self.run_worker(
            wait_and_write, thread=True, group="save-when-free", name="save when free", exit_on_error=False
        )

    def _dialog_box(self) -> Widget | None:
        """The form's bordered box: its `.dialog`, or the one container the form is drawn in."""
        boxes = self.query(".dialog")
        if boxes:
            return boxes.first()
        return self.children[0] if len(self.children) == 1 else None

    def _show_waiting(self, waiting: Waiting) -> None:
        box = self._dialog_box()
        if box is not None:
            if self._subtitle_before_wait is None:
                self._subtitle_before_wait = str(box.border_subtitle or "")
            box.border_subtitle = f"{escape(waiting.message)} · esc stops waiting"
        for button in self.query("#save").results(Button):
            if self._label_before_wait is None:
                self._label_before_wait = button.label
            button.label = "Waiting…"
            button.disabled = True
        if self._held_fields is None:
            # What is being saved is what the fields said on save: they take no typing until it is done.
            self._focus_before_wait = self.focused
            self._held_fields = [field for field in self.query(FIELDS) if not field.disabled]
            for field in self._held_fields:
                field.disabled = True

    def _waiting_ended(self) -> None:
        self._save_worker = None
        box = self._dialog_box()
        if box is not None and self._subtitle_before_wait is not None:
            box.border_subtitle = self._subtitle_before_wait
        self._subtitle_before_wait = None
        for button in self.query("#save").results(Button):
            if self._label_before_wait is not None:
                button.label = self._label_before_wait
            button.disabled = False
        self._label_before_wait = None
        for field in self._held_fields or []:
            field.disabled = False
        self._held_fields = None
        focus, self._focus_before_wait = self._focus_before_wait, None
        if focus is not None and focus.is_attached and focus.focusable:
            focus.focus()

    def _stopped_waiting(self, exc: Exception) -> None:
        self.notify(f"{exc}; what you typed is still here.", title="Not saved", severity="warning")

    def action_leave_form(self) -> None:
        if self._save_worker is not None:
            self._save_worker.cancel()  # the wait ends within 50 ms, nothing saved
            return
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
