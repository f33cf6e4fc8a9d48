"""The frame every mode screen shares: header, read-only banner, the screen's body, the footer, and its tables."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from rich.cells import cell_len
from rich.color import Color, ColorParseError
from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.widgets.data_table import ColumnKey, RowKey
from textual.worker import Worker

from mediation_console.console.core.services import Services
from mediation_console.console.core.waiting_writes import MustWait, Waiting, write_when_free
from mediation_console.db import damage
from mediation_console.db.models import Requisition
from mediation_console.db.store import EditConflict, Store
from mediation_console.screens.commands import all_commands, key_display, write_actions
from mediation_console.screens.messages import DataChanged, ShowInQueue
from mediation_console.screens.textual_compat import (
    FooterKey,
    KeptHeader,
    RowMeasuringTable,
    css_pass,
    footer_bindings_ready,
    is_styled_with_current_css,
    mark_footer_bindings_ready,
    mark_styled_with_current_css,
)
from mediation_console.screens.widgets.contrast import readable_hex

if TYPE_CHECKING:  # the rules engine loads on first use, not with the screens
    from mediation_console.console.core.rules.scorecard import Scorecard

R = TypeVar("R")

READONLY_MESSAGE = "Read-only: this database cannot be changed"
# The number key of the Team screen (console/app.py's MODES): the hints that send a lead there name it.
TEAM_KEY = "6"


class ModeScreen(Screen[None]):
    """A mode (switched with 1–6), handed the console's services (store, clock, rules) by the app.
    Subclasses set COMMAND_AREA, SUB_TITLE and implement `compose_body`."""

    COMMAND_AREA: ClassVar[str] = ""
    # The screen's most important keys (by action): the footer keeps them, with Help and Quit, at any width.
    KEY_ACTIONS: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self, services: Services, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.services = services
        # Textual 8.2 re-parses the whole stylesheet and restyles every widget of every screen when it
        # shows a screen whose CSS pass count lags the app's: twice on a mode's first visit, and — as
        # a screen first shown by switch_mode is not mounted yet when the pass is recorded — again on
        # every return (~70 ms each at 140×40, and it empties every table's render cache). A mode
        # screen is styled with the current stylesheet as it mounts, so it starts up to date.
        mark_styled_with_current_css(self)
        # Resumes before the first suspend belong to the first visit, whose on_mount has just loaded.
        self._left_once = False
        self._theme_variables: tuple[int, dict[str, str]] = (-1, {})
        self._loop: asyncio.AbstractEventLoop | None = None
        # What a write waiting for another program's write lock saves ("the dispute's new status").
        self.write_waiting: str | None = None
        self._write_worker: Worker[None] | None = None

    def _on_mount(self, event: events.Mount) -> None:
        # The app's event loop, for workers to schedule on (see wait_for_paint).
        self._loop = asyncio.get_running_loop()

    def _on_screen_suspend(self) -> None:
        self._left_once = True

    def needs_reload(self, loaded_stamp: tuple[Any, ...] | None) -> bool:
        """True on a return to this screen when the data or the day changed since `loaded_stamp`."""
        return self._left_once and self.data_stamp() != loaded_stamp

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Textual restyles every widget of a resuming screen (~40 ms, and it empties the tables' render
        # caches so every cell is drawn again), although switch_mode and refresh_css have already
        # restyled a screen whose stylesheet changed while it was hidden: skip it when current. Textual
        # dispatches to every class's handler, so subclasses' own `on_screen_resume` still run.
        if is_styled_with_current_css(self):
            event.refresh_styles = False

    def wait_for_paint(self, timeout: float = 0.5) -> None:
        """Called from a worker thread: returns once the screen has been painted with what it shows now.

        A worker holds the interpreter for most of what it does (validating rows, measuring), so one
        that runs while the screen lays out and paints makes the lead wait up to twice as long for it.
        Workers wait for the paint before they read (a visit shows the screen first) and before they
        measure what they have just shown. The timeout keeps a closing app from holding a worker.
        """
        painted = threading.Event()
        if self._post(self.call_after_refresh, painted.set):
            painted.wait(timeout)

    def post_from_thread(self, callback: Callable[..., Any], *args: Any) -> None:
        """Called from a worker thread: runs `callback(*args)` on this screen soon, without waiting for it.

        `app.call_from_thread` waits until the UI thread has run it: a worker reporting each figure as it
        is made then waits behind every layout and paint of the screen (an early visit to the
        expectations measured in 260 ms what takes 70 alone). Posted in order, after whatever the worker
        handed over before; dropped if the app has stopped."""
        self._post(self.call_later, callback, *args)

    def _post(self, schedule: Callable[..., Any], *args: Any) -> bool:
        """From a worker thread: `schedule(*args)` on the app's loop; False if the app is no longer running.
        Not call_from_thread: it waits for the app's loop, which may stop before running it."""
        if self._loop is None:
            return False
        try:
            self._loop.call_soon_threadsafe(schedule, *args)
        except RuntimeError:
            return False
        return True

    def refresh_data(self) -> None:
        """Reads again what the screen shows, keeping its cursor. Screens that show stored data override it."""

    def on_data_changed(self, _message: DataChanged) -> None:
        self.refresh_data()

    def data_stamp(self) -> tuple[Any, ...]:
        """What a screen's data depends on: the database's version and today's date. A screen compares
        it with the stamp of its last load to skip reloading when it comes back to unchanged data."""
        return self.services.stamp()

    def theme_colour(self, name: str) -> str:
        """A theme colour by variable name (e.g. "success") for Rich text, so every theme reads right;
        "" when the value is a Textual-only colour (e.g. "auto 60%")."""
        # Textual generates every variable of the theme on each call (~0.5 ms); a table of 200 rows
        # asks for a colour per row. The variables change only with the stylesheet (a theme change).
        if self._theme_variables[0] != css_pass(self.app):
            self._theme_variables = (css_pass(self.app), self.app.get_css_variables())
        variables = self._theme_variables[1]
        value = variables.get(name, "")
        try:
            Color.parse(value)
            Color.parse(variables.get("surface", ""))
        except ColorParseError:
            return value if _is_colour(value) else ""
        # Readable on the screen's surface at any theme (a light theme's green is ~1.6:1 otherwise).
        return readable_hex(value, variables["surface"])

    def compose(self) -> ComposeResult:
        yield KeptHeader()
        if self.services.store.readonly:
            yield Static(READONLY_MESSAGE, id="readonly-banner")
        yield DamageNotice(self.services.store)
        yield Static("", id="wait-notice", markup=False)
        yield from self.compose_body()
        yield ModeFooter()

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    def can_write(self) -> bool:
        """False (with a toast) when the database is read-only; call at the top of every write."""
        if self.services.store.readonly:
            self.notify(READONLY_MESSAGE, title="Not saved", severity="warning")
            return False
        return True

    def write_when_free(
        self,
        write: Callable[[], R],
        saved: Callable[[R], object],
        not_saved: Callable[[Exception], object] | None = None,
        *,
        what: str,
    ) -> None:
        """Runs `write()` (a core write) in one transaction, then `saved(result)`, or `not_saved(exc)` when
        it raised (by default a "Not saved" toast saying why). When the write lock is free that is now; when another program holds it (an import), on
        a worker thread once it is free: the console stays usable, and a line under the header says
        meanwhile what the save waits for and what it saves (`what`). One such wait at a time: a second
        write asked for meanwhile is refused with a message, nothing written."""
        if self.write_waiting is not None:
            self.notify(
                f"Not saved: {self.write_waiting} is still waiting to be saved; try again once it is.",
                title="Saving",
                severity="warning",
            )
            return
        store = self.services.store
        if not_saved is None:
            not_saved = self._not_saved
        try:
            result = write_when_free(store, write)
        except MustWait as busy:
            self._wait_and_write(write, saved, not_saved, what, busy.holder)
            return
        except Exception as exc:  # noqa: BLE001 - the screen says why, never a traceback
            not_saved(exc)
            return
        saved(result)

    def _not_saved(self, exc: Exception) -> None:
        self.notify(str(exc), title="Not saved", severity="error")

    def _wait_and_write(
        self,
        write: Callable[[], R],
        saved: Callable[[R], object],
        not_saved: Callable[[Exception], object],
        what: str,
        holder: str,
    ) -> None:
        store, app = self.services.store, self.app
        self.write_waiting = what
        self.show_waiting(Waiting(0.0, holder))
        self.hold_while_waiting(True)

        def done(then: Callable[[Any], object], value: Any) -> None:
            self.write_waiting = None
            self._write_worker = None
            self.show_waiting(None)
            self.hold_while_waiting(False)
            then(value)

        def wait_and_write() -> None:
            try:
                result = write_when_free(store, write, lambda waiting: app.call_from_thread(self.show_waiting, waiting))
            except Exception as exc:  # noqa: BLE001 - shown by the screen
                app.call_from_thread(done, not_saved, exc)
            else:
                app.call_from_thread(done, saved, result)

        self._write_worker = self.run_worker(
            wait_and_write, thread=True, group="write-when-free", name="write when free", exit_on_error=False
        )

    def hold_while_waiting(self, holding: bool) -> None:
        """Called with True when a write starts waiting for the lock, False when it is done: a screen
        whose fields feed the write holds them meanwhile."""

    def show_waiting(self, waiting: Waiting | None, *, saving: str | None = None) -> None:
        """Shows (or, with None, takes down) the line that says what a save waits for, and what it saves
        (`saving`, else the waiting write's)."""
        found = self.query("#wait-notice").results(Static)
        notice = next(found, None)
        if notice is None:  # the screen is being taken down
            return
        if waiting is None:
            notice.update("")
            notice.remove_class("-shown")
            return
        what = saving or self.write_waiting
        notice.update(f"{waiting.message}" + (f" — {what} is saved once it has finished" if what else ""))
        notice.add_class("-shown")

    def scorecard_for(self, requisition_id: int) -> Scorecard | None:
        """The requisition's scorecard by the console's rule pack, for its detail panel; None (with a
        toast when a rule failed) when there is none."""
        try:
            return self.services.scorecard_for(requisition_id)
        except Exception as exc:
            self.notify(f"The scorecard could not be computed: {exc}", title="Rules", severity="error")
            return None

    def show_in_queue(self, requisition_id: int) -> None:
        """Switches to the queue with the requisition selected (the app shell does it)."""
        self.post_message(ShowInQueue(requisition_id))

    def show_requisition_detail_of(self, requisition_id: int) -> None:
        """Opens the detail panel of the requisition as it is stored now (a toast if it is gone)."""
        requisition = self.services.store.get_requisition(requisition_id)
        if requisition is None:
            self.notify("That requisition no longer exists", severity="warning")
            return
        self.show_requisition_detail(requisition)

    def show_requisition_detail(self, requisition: Requisition) -> None:
        """Opens the detail panel on `requisition`: its people, timeline, scorecard and disputes."""
        from mediation_console.screens.dialogs.requisition_detail import DetailContent, open_requisition_detail

        store = self.services.store
        content = DetailContent(
            requisition,
            people=store.people_by_id(),
            timeline=store.requisition_timeline(requisition.saved_id),
            scorecard=self.scorecard_for(requisition.saved_id),
            now=self.services.now(),
            disputes=store.list_disputes(requisition_id=requisition.id),
        )
        open_requisition_detail(self.app, content)

    def not_changed(self, exc: Exception, reread: Callable[[], None]) -> None:
        """Says why a change was not saved; one someone else's edit overtook shows what is stored now (`reread`)."""
        if isinstance(exc, EditConflict):
            self.notify(str(exc), title="Not changed: changed elsewhere", severity="warning", timeout=10)
            reread()
            return
        self.notify(str(exc), title="Not changed", severity="error")


def row_at_cursor(table: DataTable[Any], rows: Sequence[R]) -> R | None:
    """The record on a DataTable's cursor row (`rows` in the table's order); None when there is none."""
    if not rows or table.cursor_row is None or table.cursor_row >= len(rows):
        return None
    return rows[table.cursor_row]


class DamageNotice(Static):
    """Says, while there are any, how many rows of the file its reads left out as damaged and which
    (db.damage: their model refuses them), and that `mediate doctor` lists them. It watches the Store's
    register, so rows met by a worker or another screen show as soon as they are met."""

    def __init__(self, store: Store) -> None:
        super().__init__("", id="damage-notice", markup=False)
        self.store = store
        self._version = -1

    def on_mount(self) -> None:
        self.check()
        self.set_interval(DAMAGE_CHECK_EVERY, self.check)

    def check(self) -> None:
        register = self.store.damage
        if register.version == self._version:
            return
        self._version = register.version
        text = damage.notice(register.rows(), listed_by=self.listed_by())
        self.update(text)
        if self.has_class("-shown") != bool(text):
            self.set_class(bool(text), "-shown")
            # The footer offers the list's key only while there are damaged rows.
            self.screen.refresh_bindings()

    def listed_by(self) -> str:
        """Where the rows are listed: the list's key (as the lead's keymap binds it) and doctor."""
        command = next((c for c in all_commands() if c.id == DAMAGED_ROWS_COMMAND), None)
        if command is None:
            return damage.DOCTOR_HINT
        return f"{key_display(self.app, command)} lists each (code, field, problem), as `mediate doctor` does"


DAMAGE_CHECK_EVERY = 0.5  # seconds
# The command (console/app.py) that opens the list of damaged rows (screens/dialogs/damaged_rows.py).
DAMAGED_ROWS_COMMAND = "app.damaged"


def _is_colour(value: str) -> bool:
    try:
        Color.parse(value)
    except ColorParseError:
        return False
    return True


class ModeFooter(Footer):
    """Textual's footer of the screen's keys, composed once per change of the keys it shows.

    Textual's footer recomposes on every bindings signal (a focus change, a refresh_bindings, a
    resume), once per signal, even when it would show the same keys, and each key restyles twice as
    it mounts (its `compact` watcher adds a class that the footer's data binding removes at once).
    Each of those passes re-applies the stylesheet to every key: ~35 ms on a first visit at 140×40.
    """

    def __init__(self) -> None:
        super().__init__()
        self._shown: tuple[Any, ...] | None = None
        self._recomposing = False

    def _keys(self) -> tuple[Any, ...]:
        """What compose reads: the shown bindings with their state, the palette key's, and the options."""
        active = self.screen.active_bindings
        shown = tuple(
            (binding, enabled, tooltip) for _node, binding, enabled, tooltip in active.values() if binding.show
        )
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        return shown, palette and palette[1:], self.compact, self.show_command_palette, self.app.size.width

    def compose(self) -> ComposeResult:
        self._recomposing = False
        if not (self.screen.is_mounted and footer_bindings_ready(self)):
            # Which keys apply depends on the focus and the selection, settled once the screen has
            # mounted: the first bindings signal after that composes them, once.
            self._shown = None
            return
        self._shown = self._keys()
        keys = [widget for widget in super().compose() if isinstance(widget, FooterKey)]
        if self.screen_readonly():
            # A viewer's seat (a read-only database) lists what it can do: the keys that would change
            # something are left out (the banner under the header says why; pressed, they say so).
            writes = write_actions()
            keys = [key for key in keys if key.action not in writes]
        for widget in fit_footer_keys(keys, self.app.size.width, self._kept_actions()):
            _settle_compact(widget, self.compact)
            yield widget

    def _kept_actions(self) -> frozenset[str]:
        return frozenset((*ALWAYS_IN_FOOTER, *getattr(self.screen, "KEY_ACTIONS", ())))

    def screen_readonly(self) -> bool:
        services = getattr(self.screen, "services", None)
        return bool(services is not None and services.store.readonly)

    def on_resize(self, _event: events.Resize) -> None:
        # A narrower or wider terminal fits a different set of keys.
        if self._shown is not None and self._shown != self._keys() and not self._recomposing:
            self._recomposing = True
            self.call_after_refresh(self.recompose)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        # A burst of signals (focus, then refresh_bindings twice) asks for one recompose, not one each;
        # it composes with the keys as they are by then.
        mark_footer_bindings_ready(self)
        if (
            screen.app.app_focus
            and self.is_attached
            and screen is self.screen
            and not self._recomposing
            and self._shown != self._keys()
        ):
            self._recomposing = True
            self.call_after_refresh(self.recompose)


# Actions the footer never drops, on any screen: the way to every other key, and the way out.
ALWAYS_IN_FOOTER = ("help", "quit")


def footer_key_width(key: FooterKey) -> int:
    """The cells a (non-compact) footer key takes: its key with a space each side, its label and a space;
    the palette key on the right adds its border and padding."""
    width = cell_len(key.key_display) + 2 + (cell_len(key.description) + 1 if key.description else 0)
    return width + 2 if key.has_class("-command-palette") else width


def fit_footer_keys(keys: list[FooterKey], width: int, kept_actions: frozenset[str]) -> list[FooterKey]:
    """The keys that fit in `width` cells, in their order: when they do not all fit, the palette key goes
    first (ctrl+p is on the help screen), then the other keys from the right, never a kept one (by
    action: Help, Quit and the screen's most important keys)."""
    chosen = list(keys)

    def total() -> int:
        return sum(footer_key_width(key) for key in chosen)

    if total() <= width:
        return chosen
    chosen = [key for key in chosen if not key.has_class("-command-palette")]
    for key in reversed(list(chosen)):
        if total() <= width:
            break
        if key.action.split("(", 1)[0] not in kept_actions:
            chosen.remove(key)
    return chosen


def _settle_compact(key: FooterKey, footer_compact: bool) -> None:
    """Gives a key, before it mounts, the `compact` value and class it would end up with, so neither its
    watcher nor the footer's data binding changes a class (and restyles the key) once it is mounted."""
    # The palette key is not bound to the footer's `compact` and keeps the reactive's default (True).
    compact = True if key.has_class("-command-palette") else footer_compact
    key.set_reactive(FooterKey.compact, compact)
    key.set_class(compact, "-compact", update=False)


class SizedTable(RowMeasuringTable):
    """A DataTable told its columns' widths, so adding rows does not measure every cell.

    Textual measures each cell of each new row when the table next idles (~25 ms for 200 rows of
    seven columns), only to widen auto-width columns. Here every column is either given a fixed width
    or widened by the screen with `fit_columns` from the text it is about to add.
    """

    def fit_columns(self, widths: Mapping[str, int]) -> None:
        """Widens auto-width columns to `widths` (in cells), as measuring their cells would; like
        Textual's own measuring, a column never narrows again."""
        for key, width in widths.items():
            column = self.columns[ColumnKey(key)]
            column.content_width = max(column.content_width, width)

    def rows_to_measure(self, new_rows: list[RowKey]) -> Iterable[RowKey]:
        if any(
            (row := self.rows.get(key)) is not None and (row.label is not None or row.auto_height) for key in new_rows
        ):
            return new_rows  # labelled or multi-line rows: Textual's measuring
        # The columns are sized already; what remains is the scrollable size.
        return ()


def text_width(cell: Any) -> int:
    """The width in cells of a table cell's text (a str or a rich Text)."""
    return cell_len(cell) if isinstance(cell, str) else cell.cell_len
