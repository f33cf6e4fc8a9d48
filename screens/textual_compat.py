"""Every reliance of the console on Textual's private internals (Textual is pinned to 8.2), in one place.

A Textual upgrade is checked here and in tests/unit/test_textual_compat.py, which fails when any of
these changes shape: a name, a signature, or Textual itself no longer reading it. What each one
buys is said where it is used:

- the stylesheet pass count (`App._css_update_count`, `Screen._css_update_count`): mode screens that
  skip a restyle Textual would repeat (screens/base.py `ModeScreen`), theme colours cached per pass;
- `Footer._bindings_ready` and the private module's `FooterKey`: the footer composed once per change
  of its keys, fitted to the width (screens/base.py `ModeFooter`);
- `DataTable._update_dimensions`: tables told their column widths, so adding rows measures no cell
  (screens/base.py `SizedTable`);
- `Screen._screen_resized` and `Screen._compositor`: the requisition panel laid out once per size
  (screens/dialogs/requisition_detail.py); `App._screen_stacks`, read again there: the app's one
  panel, shown again for each requisition, is never pushed while it is on any mode's stack; and
  `App._get_screen`, which mounts an installed screen: the panel mounted before its first use;
- `ToggleButton._button`: a checkbox whose empty box is empty (screens/widgets/tick.py);
- `App._filters`, `App._handle_exception`, `App._exit_renderables`: every drawn line inert, and a crash
  that prints no traceback (console/app.py);
- `App._screen_stacks` and `App.switch_mode` calling `delay_update`: a return to a mode already shown
  drawn at once, not held 50 ms (console/app.py);
- `App._notifications`, `App._unnotify` and the private module's `ToastRack`: taking down some toasts and not others (Textual's public
  `clear_notifications` takes down all), so a dialog opened over passing news is not covered by it
  (console/app.py);
- `Header._on_mount`, `Widget._on_mount` and the private module's `HeaderTitle`: a header that does not stop the console when
  its title changes while it is being taken down (screens/base.py `ModeScreen`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any, TypeVar

from textual.app import App
from textual.content import Content
from textual.dom import NoScreen
from textual.events import Mount
from textual.filter import LineFilter
from textual.geometry import Size
from textual.screen import ModalScreen, Screen
from textual.widget import AwaitMount, Widget
from textual.widgets import Checkbox, DataTable, Footer, Header
from textual.widgets._footer import FooterKey  # Textual exports no public name for a footer's key
from textual.widgets._header import HeaderTitle  # nor for the title inside a header
from textual.widgets._toast import ToastRack  # nor for the container of a screen's toasts
from textual.widgets.data_table import RowKey

__all__ = [
    "CrashQuietApp",
    "dismiss_toasts",
    "DrawnCheckbox",
    "FooterKey",
    "HeaderTitle",
    "KeptHeader",
    "ModalResizedOncePerSize",
    "ReturnsDrawnAtOnceApp",
    "RowMeasuringTable",
    "add_line_filter",
    "css_pass",
    "footer_bindings_ready",
    "is_styled_with_current_css",
    "mark_footer_bindings_ready",
    "mark_styled_with_current_css",
]

ResultT = TypeVar("ResultT")
ReturnT = TypeVar("ReturnT")


# -- the stylesheet pass count ------------------------------------------------------------------------


def css_pass(app: App[Any]) -> int:
    """How many times the app has applied its stylesheet (a theme change applies it again)."""
    return app._css_update_count


def mark_styled_with_current_css(screen: Screen[Any]) -> None:
    """Records that `screen` is styled with the app's current stylesheet: Textual restyles every widget
    of a screen it shows whose count lags the app's."""
    screen._css_update_count = screen.app._css_update_count


def is_styled_with_current_css(screen: Screen[Any]) -> bool:
    return screen._css_update_count == screen.app._css_update_count


def mount_installed_screen(app: App[Any], name: str) -> None:
    """Mounts the screen installed under `name` without showing it (Textual does so as it first pushes
    one): its widgets are composed and styled now, and pushing it later only lays it out and draws it."""
    app._get_screen(name)


def in_any_screen_stack(app: App[Any], screen: Screen[Any]) -> bool:
    """Whether `screen` is on the stack of any of the app's modes (not only the current one's)."""
    return any(screen in stack for stack in app._screen_stacks.values())


# -- the footer ----------------------------------------------------------------------------------------


def footer_bindings_ready(footer: Footer) -> bool:
    """True once Textual has told the footer the screen's bindings (its first compose has none)."""
    return footer._bindings_ready


def mark_footer_bindings_ready(footer: Footer) -> None:
    footer._bindings_ready = True


# -- the header ----------------------------------------------------------------------------------------


class KeptHeader(Header):
    """Textual's header, whose title is redrawn only while its title widget is there.

    Textual's (8.2) redraws its title, on a change of the app's or the screen's title, by finding its
    title widget, and an absent one is an unexpected exception: the console stopped with "No nodes
    match 'HeaderTitle'" when a change came while a screen was being taken down (its header's children
    removed first: at quitting, seen from outside the process). Here the change is dropped then: the
    header is going."""

    def _on_mount(self, event: Mount) -> None:
        # Textual calls each class's `_on_mount` down the class tree: Header's own is skipped (it would
        # watch the titles a second time, the old way), Widget's is called as Textual would.
        event.prevent_default()
        Widget._on_mount(self, event)

        async def set_title() -> None:
            titles = self.query(HeaderTitle)
            if titles:
                with contextlib.suppress(NoScreen):  # as Textual's: no screen, no title to draw
                    titles.first().update(self.format_title())

        self.watch(self.app, "title", set_title)
        self.watch(self.app, "sub_title", set_title)
        self.watch(self.screen, "title", set_title)
        self.watch(self.screen, "sub_title", set_title)


# -- tables, screens, checkboxes ---------------------------------------------------------------------------


class RowMeasuringTable(DataTable[Any]):
    """A DataTable that asks `rows_to_measure` which of the rows just added Textual should measure
    (cell by cell, to widen auto-width columns) before it works out the scrollable size."""

    def rows_to_measure(self, new_rows: list[RowKey]) -> Iterable[RowKey]:
        return new_rows

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        super()._update_dimensions(self.rows_to_measure(list(new_rows)))


class ModalResizedOncePerSize(ModalScreen[ResultT]):
    """A modal screen laid out again on a resize only when its size changed.

    Textual (8.2) lays a pushed screen out as it resumes, and that layout sends the screen a Resize,
    which lays it all out and draws it again at once at the same size; the layout its widgets asked
    for since then is done with the next frame anyway (with the one that ends mounting), so opening
    it draws it twice rather than three times. A change of the terminal's size still lays it out.
    """

    def _screen_resized(self, size: Size) -> None:
        if size == self._compositor.size:
            return
        super()._screen_resized(size)


class DrawnCheckbox(Checkbox):
    """A Checkbox whose box (the "X" part) is drawn by `draw_box`; `textual_box` is Textual's drawing."""

    def draw_box(self) -> Content:
        return self.textual_box()

    def textual_box(self) -> Content:
        return super()._button

    @property
    def _button(self) -> Content:
        return self.draw_box()


# -- the app -----------------------------------------------------------------------------------------------


def add_line_filter(app: App[Any], line_filter: LineFilter) -> None:
    """Every line any widget of `app` draws goes through `line_filter` (Textual keeps its own there)."""
    app._filters.append(line_filter)


class CrashQuietApp(App[ReturnT]):
    """An app that an unexpected exception stops as Textual would, but that prints nothing of it when it
    exits: `unexpected_exception` is told first (e.g. to write the traceback to a private file)."""

    def unexpected_exception(self, error: Exception) -> None:
        """Called with the exception that is about to stop the app."""

    def _handle_exception(self, error: Exception) -> None:
        self.unexpected_exception(error)
        super()._handle_exception(error)
        self._exit_renderables.clear()


class ReturnsDrawnAtOnceApp(App[ReturnT]):
    """An app whose switch back to a mode it has already shown is drawn with the next frame.

    Textual (8.2) holds all drawing for 50 ms on every `switch_mode` (`delay_update`), to mask a new
    mode's screen composing; a screen coming back is composed and laid out, so the hold only makes
    each return 50 ms slower (the black-box bench's "return" figure). A first visit keeps the hold.
    """

    _switching_back = False

    def switch_mode(self, mode: str) -> AwaitMount:
        self._switching_back = mode != self.current_mode and mode in self._screen_stacks
        try:
            return super().switch_mode(mode)
        finally:
            self._switching_back = False

    def delay_update(self, delay: float = 0.05) -> None:
        if self._switching_back:
            return
        super().delay_update(delay)


def dismiss_toasts(app: App[Any], severities: Iterable[str]) -> int:
    """Takes down the toasts shown now whose severity is one of `severities`, on the screen on top and on
    the screens beneath it (each screen draws its own, and those beneath show around a dialog); returns
    how many."""
    wanted = set(severities)
    shown = [notification for notification in app._notifications if notification.severity in wanted]
    for notification in shown:
        app._unnotify(notification, refresh=False)
    if shown:
        for screen in app.screen_stack:
            for rack in screen.query_children(ToastRack):
                rack.show(app._notifications)
    return len(shown)
