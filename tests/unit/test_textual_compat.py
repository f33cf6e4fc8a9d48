"""The shape of every Textual internal the console relies on (screens/textual_compat.py): these fail
when a Textual upgrade renames one, changes its signature, or stops reading it the way the console
expects; then screens/textual_compat.py is the one place to change."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import pytest
from textual.app import App
from textual.content import Content
from textual.filter import LineFilter
from textual.geometry import Size
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widgets import Checkbox, DataTable, Footer
from textual.widgets._toast import Toast, ToastRack
from textual.widgets._toggle_button import ToggleButton

from mediation_console.screens import textual_compat
from mediation_console.screens.textual_compat import FooterKey


def _parameters(function: Callable[..., object]) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_the_stylesheet_pass_count_is_kept_by_the_app_and_each_screen_and_compared_on_showing_one():
    app = App()
    assert isinstance(app._css_update_count, int)
    assert Screen()._css_update_count == -1  # a new screen lags, so Textual styles it when shown
    source = inspect.getsource(App)
    assert "screen._css_update_count != self._css_update_count" in source  # a lagging screen is restyled
    assert "self._css_update_count += 1" in source  # each stylesheet pass counts


def test_the_footer_waits_for_its_bindings_and_its_keys_are_footer_keys():
    assert isinstance(Footer.__dict__["_bindings_ready"], Reactive) and Footer()._bindings_ready is False
    assert "_bindings_ready" in inspect.getsource(Footer.compose)
    assert "_bindings_ready = True" in inspect.getsource(Footer.bindings_changed)
    assert _parameters(Footer.bindings_changed) == ["self", "screen"]
    assert _parameters(FooterKey.__init__)[:5] == ["self", "key", "key_display", "description", "action"]
    assert isinstance(FooterKey.__dict__["compact"], Reactive)
    key = FooterKey("q", "q", "Quit", "app.quit")
    assert (key.key_display, key.description, key.action) == ("q", "Quit", "app.quit")


def test_a_table_measures_new_rows_in_update_dimensions():
    assert _parameters(DataTable._update_dimensions) == ["self", "new_rows"]
    assert "self._update_dimensions(new_rows)" in inspect.getsource(DataTable)
    assert textual_compat.RowMeasuringTable._update_dimensions is not DataTable._update_dimensions


def test_a_screen_is_laid_out_on_a_resize_in_screen_resized_against_its_compositors_size():
    assert _parameters(Screen._screen_resized) == ["self", "size"]
    assert "_screen_resized(event.size)" in inspect.getsource(Screen)
    assert isinstance(Screen()._compositor.size, Size)


def test_a_toggle_buttons_box_is_drawn_by_its_button_property():
    assert isinstance(ToggleButton.__dict__["_button"], property)
    assert "self._button" in inspect.getsource(ToggleButton.render)
    assert "_button" not in Checkbox.__dict__  # the Checkbox draws ToggleButton's box
    assert inspect.signature(ToggleButton.__dict__["_button"].fget).return_annotation in (Content, "Content")


def test_the_app_keeps_its_line_filters_and_its_exit_renderables_and_handles_exceptions():
    app = App()
    assert isinstance(app._filters, list) and all(isinstance(f, LineFilter) for f in app._filters)
    assert "self._filters" in inspect.getsource(App)
    assert isinstance(app._exit_renderables, list)
    assert _parameters(App._handle_exception) == ["self", "error"]
    # An unexpected exception is rendered into the exit renderables (a traceback, or the error's own
    # rendering), which Textual prints when the app has exited.
    assert "self._fatal_error()" in inspect.getsource(App._handle_exception)
    assert "self.panic(error)" in inspect.getsource(App._handle_exception)
    assert "self._exit_renderables.append(" in inspect.getsource(App._fatal_error)
    assert "self._exit_renderables.extend(" in inspect.getsource(App.panic)
    assert "self._exit_renderables" in inspect.getsource(App._print_error_renderables)


async def test_the_app_keeps_its_toasts_in_notifications_and_takes_one_down_with_unnotify():
    from textual.notifications import Notification, Notifications

    app = App()
    assert isinstance(app._notifications, Notifications)
    assert _parameters(App._unnotify) == ["self", "notification", "refresh"]
    assert _parameters(ToastRack.show) == ["self", "notifications"]
    assert "toast.remove()" in inspect.getsource(ToastRack.show)  # a toast no longer notified is taken down
    async with app.run_test(notifications=True) as pilot:
        app.notify("passing news")
        app.notify("a problem", severity="error")
        await pilot.pause()
        assert all(isinstance(n, Notification) for n in app._notifications)
        assert textual_compat.dismiss_toasts(app, ["information"]) == 1
        assert [n.message for n in app._notifications] == ["a problem"]
        await pilot.pause()
        assert [toast._notification.message for toast in app.screen.query(Toast)] == ["a problem"]


def test_switch_mode_holds_drawing_with_delay_update_and_keeps_each_modes_stack_in_screen_stacks():
    source = inspect.getsource(App.switch_mode)
    assert "self.delay_update()" in source
    assert "self._screen_stacks" in inspect.getsource(App._init_mode)
    assert _parameters(App.delay_update) == ["self", "delay"]
    assert isinstance(App()._screen_stacks, dict)


class _TwoModes(textual_compat.ReturnsDrawnAtOnceApp[None]):
    MODES = {"one": Screen, "two": Screen}  # noqa: RUF012 - Textual's own class attribute


async def test_a_return_to_a_mode_is_not_held_but_a_first_visit_is():
    app = _TwoModes()
    held: list[str] = []
    async with app.run_test() as pilot:
        app.switch_mode("one")
        await pilot.pause(0.1)
        original = App.delay_update

        def recording(self: App[None], delay: float = 0.05) -> None:
            held.append(self.current_mode)
            original(self, delay)

        App.delay_update = recording  # type: ignore[method-assign]
        try:
            await app.switch_mode("two")  # first visit: held, as Textual holds it
            await pilot.pause(0.1)
            await app.switch_mode("one")  # back: drawn with the next frame
            await pilot.pause(0.1)
        finally:
            App.delay_update = original  # type: ignore[method-assign]
        assert held == ["one"]  # the hold begins before the mode changes, so it names the one left
        assert app._batch_count == 0


def test_no_other_module_of_the_console_reaches_into_textuals_internals():
    # Private names of Textual's that the console uses: only screens/textual_compat.py may name them.
    import pathlib
    import re

    import mediation_console

    root = pathlib.Path(mediation_console.__file__).resolve().parent
    internals = re.compile(
        r"\.(_css_update_count|_bindings_ready|_update_dimensions|_screen_resized|_compositor|_filters"
        r"|_handle_exception|_exit_renderables|_button|_size|_notifications|_unnotify|_refresh_notifications)\b"
        r"|from textual[.\w]*\._\w+ import"
    )
    offenders = [
        f"{path.relative_to(root.parent)}:{n}"
        for path in sorted(root.glob("*/**/*.py"))
        if path.name != "textual_compat.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if internals.search(line)
    ]
    assert offenders == []


def test_pilots_idle_wait_reads_its_window_and_threshold_at_call_time():
    # tests/conftest.py shortens the window Pilot's idle wait watches; that only works while the wait
    # looks both names up in its module each time round, and Pilot's key presses go through it.
    import textual._wait
    from textual.pilot import Pilot

    source = inspect.getsource(textual._wait.wait_for_idle)
    assert "await sleep(SLEEP_GRANULARITY)" in source and "cpu_elapsed < SLEEP_IDLE" in source
    assert "wait_for_idle(0)" in inspect.getsource(App._press_keys)
    assert "wait_for_idle(0)" in inspect.getsource(Pilot.pause)
    assert textual._wait.SLEEP_GRANULARITY == 0.005  # the conftest's, not Textual's 1/50
    # ... and the frame period a screen's drawing timer is made with, when it first draws.
    assert "UPDATE_PERIOD, self._on_timer_update" in inspect.getsource(Screen._update_timer.fget)  # type: ignore[attr-defined]


def test_the_header_watches_the_titles_in_on_mount_and_finds_its_title_widget_by_class():
    from textual.widgets import Header

    source = inspect.getsource(Header._on_mount)
    assert "query_one(HeaderTitle)" in source and source.count("self.watch(") == 4
    assert _parameters(Header._on_mount) == ["self", "_"]
    from textual.widget import Widget

    # KeptHeader stands in for Header's handler and calls Widget's: no other class between them has one.
    between = Header.__mro__[1 : Header.__mro__.index(Widget)]
    assert [c for c in between if "_on_mount" in c.__dict__ or "on_mount" in c.__dict__] == []
    assert "_on_mount" in Widget.__dict__ and "on_mount" not in Header.__dict__
    assert issubclass(textual_compat.KeptHeader, Header)


class _Titled(textual_compat.CrashQuietApp[None]):
    def __init__(self, header: type) -> None:
        super().__init__()
        self.header, self.crashes = header, []

    def compose(self):
        yield self.header()

    def unexpected_exception(self, error: Exception) -> None:
        self.crashes.append(type(error).__name__)


async def _change_title_without_its_widget(header: type) -> list[str]:
    app = _Titled(header)
    async with app.run_test() as pilot:
        app.title = "Before"
        await pilot.pause()
        assert "Before" in str(app.query_one(textual_compat.HeaderTitle).render())
        await app.query_one(textual_compat.HeaderTitle).remove()
        app.title = "After"
        await pilot.pause()
    return app.crashes


async def test_a_title_changed_while_the_header_is_taken_down_does_not_stop_the_console():
    # Seen from outside: the console stopped at quitting with "No nodes match 'HeaderTitle' on Header()".
    # The moment made certain: the header's title widget gone (as its children go first), then a change.
    from textual.css.query import NoMatches
    from textual.widgets import Header

    with pytest.raises(NoMatches):  # Textual's own header: the crash
        await _change_title_without_its_widget(Header)
    assert await _change_title_without_its_widget(textual_compat.KeptHeader) == []
