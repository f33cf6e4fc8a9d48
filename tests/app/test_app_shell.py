"""The shell: number keys switch screens, but never from under an open dialog; closing twice is harmless."""

from __future__ import annotations

from mediation_console.screens.dialogs.help import HelpScreen
from mediation_console.screens.disputes import DisputesScreen
from mediation_console.screens.queue import QueueScreen

SIZE = (120, 36)


async def test_number_keys_switch_between_the_screens(store, app_factory):
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        assert isinstance(app.screen, DisputesScreen)
        await pilot.press("1")
        assert isinstance(app.screen, QueueScreen)


async def test_a_number_typed_while_help_is_open_does_not_switch_the_screen_under_it(store, app_factory):
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("2")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)
        assert app.current_mode == "queue"


async def test_closing_a_dialog_that_is_already_closed_keeps_the_console_running(store, app_factory):
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        help_screen = app.screen
        help_screen.dismiss()
        help_screen.dismiss()  # as Textual's palette can, when keys arrive faster than it lays out
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        assert app._exception is None
