"""`mediate keys`: every command's id and key (with the settings' keymap applied), and what the keymap got wrong."""

from __future__ import annotations

import click

from mediation_console.console.cli.common import Rejected
from mediation_console.console.core import config


@click.command("keys")
def keys() -> None:
    """List every command's id, its key and what it does; check the settings' keymap (exit 1 if it is wrong)."""
    import mediation_console.console.app  # noqa: F401  (every screen registers its commands)
    from mediation_console.screens.commands import all_commands
    from mediation_console.screens.keymap import check_keymap

    check = check_keymap(config.load_settings().get("keymap"))
    commands = list(all_commands())
    width = max(len(c.id) for c in commands)
    for command in commands:
        rebound = check.keymap.get(command.id)
        key = rebound.replace(",", " / ") + " (keymap)" if rebound else command.shown_key or "(palette only)"
        click.echo(f"{command.id:<{width}}  {key:<18}  {command.name}")
    if check.problems:
        raise Rejected(
            "\n".join([f"the keymap in {config.settings_path()} has entries that are not applied:", *check.problems])
        )
