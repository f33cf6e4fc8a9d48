"""Keys of the lead's own: the settings' keymap rebinds commands by id, and the footer, the help screen and the
palette all show the new key; an entry that cannot be applied is a warning naming it, never a crash."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

from rich.console import Console
from textual.command import CommandPalette
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from mediation_console.screens.commands import all_commands
from mediation_console.screens.dialogs.help import HelpScreen
from mediation_console.screens.dialogs.requisition_form import RequisitionForm
from mediation_console.screens.keymap import check_keymap, key_problem
from mediation_console.screens.queue import QueueScreen
from tests.app.screen_text import screen_lines
from tests.pilot import press_to

SIZE = (120, 36)


def write_settings(**settings: object) -> None:
    Path(os.environ["MEDIATE_SETTINGS"]).write_text(json.dumps(settings), encoding="utf-8")


def footer_keys(app) -> dict[str, str]:
    """The footer as shown: label -> key."""
    return {key.description: key.key_display for key in app.screen.query(FooterKey)}


def help_lines(help_screen: HelpScreen) -> list[str]:
    console = Console(file=io.StringIO(), width=160, color_system=None)
    for static in help_screen.query(".help-keys").results(Static):
        console.print(static.content)
    return console.file.getvalue().splitlines()  # type: ignore[attr-defined]


async def type_text(pilot, text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


async def test_a_rebinding_changes_the_key_in_the_footer_the_help_screen_and_the_palette(store, app_factory):
    write_settings(keymap={"queue.new": "f2", "app.help": "f1"})
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(50):  # the footer is composed after the screen's first pause under load
            await pilot.pause()
            if "New" in footer_keys(app):
                break
        assert isinstance(app.screen, QueueScreen)
        keys = footer_keys(app)
        assert keys["New"] == "f2" and keys["Help"] == "f1", keys
        assert not app._notifications  # nothing to complain about

        # The new keys do it and the old ones no longer do.
        await press_to(pilot, "n", QueueScreen)
        await press_to(pilot, "f2", RequisitionForm)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await press_to(pilot, "f1", HelpScreen)
        lines = help_lines(app.screen)
        new_line = next(line for line in lines if "new requisition" in line)
        assert new_line.split()[0] == "f2"
        help_line = next(line for line in lines if "Every key on every screen" in line)
        assert help_line.split()[0] == "f1"
        await pilot.press("escape")
        await pilot.pause()

        await press_to(pilot, "ctrl+p", CommandPalette)
        await type_text(pilot, "queue: new requisition")
        await pilot.pause(0.3)
        assert any("Open an empty requisition form  (key: f2)" in line for line in screen_lines(app))


async def test_the_palette_key_itself_can_move_and_the_footer_and_help_follow(store, app_factory):
    write_settings(keymap={"app.palette": "ctrl+k"})
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        palette_key = app.screen.query_one(".-command-palette", FooterKey)
        assert palette_key.key_display == "^k"
        await press_to(pilot, "ctrl+k", CommandPalette)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.query_one(".dialog").border_subtitle.startswith("^k finds any action")


async def test_bad_entries_are_named_in_one_warning_and_the_good_ones_still_apply(store, app_factory):
    write_settings(
        keymap={
            "queue.nwe": "f2",  # a typo of an id
            "queue.edit": "ctrl+banana",  # not a key
            "queue.sort": 5,  # not a key at all
            "app.quit": "n",  # the queue's new requisition has it
            "queue.status": "f3",  # fine
        }
    )
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        [warning] = [n for n in app._notifications if n.title == "Keys not changed"]
        assert warning.severity == "warning"
        text = warning.message
        assert "keymap 'queue.nwe': no command has this id — did you mean 'queue.new'?" in text
        assert "keymap 'queue.edit': 'ctrl+banana': 'banana' is not a key name; kept e" in text
        assert "keymap 'queue.sort': expected a key" in text and "got 5" in text
        # A key every screen may answer: all the commands that have it are named, in the order of their ids.
        [quit_line] = [line for line in text.splitlines() if line.startswith("keymap 'app.quit':")]
        assert quit_line.startswith("keymap 'app.quit': 'n' is already the key of 'expectations.new' (")
        assert "'queue.new' (queue: new requisition)" in quit_line and quit_line.endswith("; kept q")
        assert os.environ["MEDIATE_SETTINGS"] in text
        keys = footer_keys(app)
        assert keys["Status"] == "f3" and keys["Edit"] == "e" and keys["Quit"] == "q" and keys["New"] == "n"


async def test_a_keymap_that_is_not_a_table_is_a_warning(store, app_factory):
    write_settings(keymap=["queue.new", "f2"])
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        [warning] = [n for n in app._notifications if n.title == "Keys not changed"]
        assert "expected a table of command id -> key" in warning.message
        assert footer_keys(app)["New"] == "n"


def test_every_command_has_a_unique_id_and_a_key_textual_can_bind():
    import mediation_console.console.app  # noqa: F401  (registers every screen's commands)

    commands = list(all_commands())
    ids = [c.id for c in commands]
    assert len(ids) == len(set(ids)) and len(ids) > 50
    for command in commands:
        for key in filter(None, command.key.split(",")):
            assert key_problem(key) is None, (command.id, key)


def test_keys_are_checked_as_textual_names_them():
    assert key_problem("ctrl+shift+x") is None
    assert key_problem("?") is None and key_problem("question_mark") is None and key_problem("plus") is None
    assert key_problem("F1") == "'F1' is not a key name — did you mean 'f1'?"
    assert key_problem("pgup") == "'pgup' is not a key name — did you mean 'pageup'?"
    assert key_problem("cmd+a") == "'cmd' is not a modifier (ctrl, shift, alt, meta, super, hyper)"
    assert key_problem("ctrl+") is not None and key_problem("") is not None


def test_a_list_of_keys_and_a_swap_of_two_keys_apply():
    import mediation_console.console.app  # noqa: F401

    check = check_keymap({"queue.new": ["f2", "+"], "queue.sort": "r", "queue.reverse": "o"})
    assert check.problems == []
    assert check.keymap == {"queue.new": "f2,plus", "queue.sort": "r", "queue.reverse": "o"}


def test_mediate_keys_lists_every_id_with_its_key_and_refuses_a_wrong_keymap():
    from click.testing import CliRunner

    from mediation_console.console.cli import cli

    write_settings(keymap={"queue.new": "f2"})
    result = CliRunner().invoke(cli, ["keys"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.split()[:3] == ["queue.new", "f2", "(keymap)"] for line in lines)
    assert any(line.split()[:2] == ["app.help", "?"] for line in lines)
    assert len(lines) == len(list(all_commands()))

    write_settings(keymap={"queue.nw": "f2"})
    result = CliRunner().invoke(cli, ["keys"])
    assert result.exit_code == 1
    assert "keymap 'queue.nw': no command has this id — did you mean 'queue.new'?" in result.output


def test_the_readme_keymap_example_applies_cleanly():
    import re

    import mediation_console.console.app  # noqa: F401

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = re.search(r'```json\n(\{ "keymap".*?)\n```', readme, re.S)
    assert example is not None
    check = check_keymap(json.loads(example.group(1))["keymap"])
    assert check.problems == [] and len(check.keymap) == 4
