"""The command registry: each command declared once drives its key binding, footer, palette entry and help line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

if TYPE_CHECKING:
    from textual.screen import Screen


@dataclass(frozen=True)
class Command:
    """One thing the lead can do, with the key that does it.

    `area` groups commands on the help screen and prefixes their palette name ("queue: new
    requisition"); the areas in GLOBAL_AREAS ("app", "import") apply on every screen, any other
    area belongs to the screen whose `COMMAND_AREA` names it. `action` is a Textual action run on
    the app (global areas) or on that screen. `writes` marks commands a read-only database refuses.
    """

    id: str
    key: str
    area: str
    title: str
    description: str
    action: str
    footer: str = ""  # short label for the footer; empty keeps the key out of the footer
    writes: bool = False
    priority: bool = False
    key_display: str | None = None

    @property
    def name(self) -> str:
        return f"{self.area}: {self.title}"

    @property
    def shown_key(self) -> str:
        return self.key_display or self.key

    @property
    def action_name(self) -> str:
        return self.action.split("(", 1)[0]

    def binding(self) -> Binding:
        return Binding(
            self.key,
            self.action,
            self.footer or self.title,
            show=bool(self.footer),
            key_display=self.key_display,
            priority=self.priority,
            id=self.id,
            tooltip=self.description,
        )


# Areas in the order the help screen lists them; screens register theirs as they are added.
_REGISTRY: dict[str, list[Command]] = {}
# Areas whose commands apply on every screen and run on the app ("import: requisitions from CSV").
GLOBAL_AREAS = ("app", "import")


def register(*commands: Command) -> list[Command]:
    """Adds commands to the registry (idempotent by id) and returns them, for `bindings()`."""
    for command in commands:
        area = _REGISTRY.setdefault(command.area, [])
        area[:] = [c for c in area if c.id != command.id]
        area.append(command)
    return list(commands)


def bindings(commands: Iterable[Command]) -> list[BindingType]:
    return [command.binding() for command in commands]


def areas() -> list[str]:
    return list(_REGISTRY)


def commands_in(area: str) -> list[Command]:
    return list(_REGISTRY.get(area, ()))


def all_commands() -> Iterator[Command]:
    for commands in _REGISTRY.values():
        yield from commands


def applicable(screen: Screen[Any]) -> list[Command]:
    """The commands that make sense right now: global ones plus the current screen's, if enabled."""
    app = screen.app
    readonly = bool(getattr(getattr(app, "store", None), "readonly", False))
    area = getattr(screen, "COMMAND_AREA", None)
    offered = []
    for command in all_commands():
        if command.area not in GLOBAL_AREAS and command.area != area:
            continue
        if command.writes and readonly:
            continue
        target = app if command.area in GLOBAL_AREAS else screen
        if target.check_action(command.action_name, ()) is not True:
            continue
        offered.append(command)
    return offered


def write_actions() -> frozenset[str]:
    """The actions of the commands a read-only database refuses (as a binding names them: the action with
    its arguments)."""
    return frozenset(command.action for command in all_commands() if command.writes)


def key_display(app: Any, command: Command) -> str:
    """The key the lead presses for `command` now, as the footer shows it: the settings' keymap's when it
    rebinds the command (the app's `user_keymap`, screens/keymap.py), else the command's own display."""
    keys = getattr(app, "user_keymap", {}).get(command.id)
    if not keys:
        return command.shown_key
    return " / ".join(app.get_key_display(Binding(key, command.action)) for key in keys.split(","))


def run_command(screen: Screen[Any], command: Command) -> None:
    target = screen.app if command.area in GLOBAL_AREAS else screen
    screen.app.call_later(screen.app.run_action, command.action, target)


class CommandsProvider(Provider):
    """The `ctrl+p` palette: every applicable command, named "area: action", with its key."""

    def _offered(self) -> list[Command]:
        return applicable(self.screen)

    async def discover(self) -> Hits:
        for command in self._offered():
            yield DiscoveryHit(
                Text(command.name),  # plain text: names and keys like "/" or "[" are not markup
                partial(run_command, self.screen, command),
                text=command.name,
                help=escape(f"{command.description}  (key: {key_display(self.app, command)})"),
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._offered():
            score = max(matcher.match(command.name), matcher.match(command.description) * 0.5)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(command.name),
                    partial(run_command, self.screen, command),
                    text=command.name,
                    help=escape(f"{command.description}  (key: {key_display(self.app, command)})"),
                )
