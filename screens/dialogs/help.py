"""The `?` help: every key, generated from the command registry (the same source as bindings and palette)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from mediation_console.screens.commands import areas, commands_in

AREA_TITLES = {"app": "Everywhere"}


def keys_table(area: str) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold", min_width=8)
    table.add_column(min_width=24)
    table.add_column()
    for command in commands_in(area):
        table.add_row(command.shown_key, command.title, Text(command.description, style="dim"))
    return table


class HelpScreen(ModalScreen[None]):
    """Lists the global keys first, then the current screen's, then every other screen's."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self, current_area: str | None = None) -> None:
        super().__init__()
        self.current_area = current_area

    def compose(self) -> ComposeResult:
        ordered = ["app"] + ([self.current_area] if self.current_area else [])
        ordered += [a for a in areas() if a not in ordered]
        with Vertical(classes="dialog help") as dialog:
            dialog.border_title = "Keys"
            dialog.border_subtitle = "ctrl+p finds any action by name · esc close"
            with VerticalScroll():
                for area in ordered:
                    if not commands_in(area):
                        continue
                    yield Static(AREA_TITLES.get(area, area.capitalize()), classes="section-title")
                    yield Static(keys_table(area), classes="help-keys")

    def action_close(self) -> None:
        self.dismiss(None)
