"""The `?` help: every key, generated from the command registry (the same source as bindings and palette)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from mediation_console.screens.commands import areas, commands_in, key_display

AREA_TITLES = {"app": "Everywhere"}

# What each colour on the screens also says in a sign or a word: colour is never the only signal.
LEGEND: tuple[tuple[str, str], ...] = (
    (
        "A  B  C",
        "Grade (green, amber, red): A scores 70 or more, B 45–69, C under 45, unless a gate caps it; "
        "the detail (enter) says which cap and why",
    ),
    ("-33d", "Promise: a minus means the date sales promised passed that many days ago"),
    ("13d!", "Promise: 13 days away, but sooner than the realistic time to fill (at risk)"),
    ("13d", "Promise: 13 days away and realistic"),
    ("–", "Nothing to show: no date promised, the requisition is closed, or not graded yet"),
    ("on hold", "Status in amber: paused, resumable; closed requisitions are dimmed"),
    ("◀  ▶", "More columns to the left or right: left and right scroll the table sideways"),
    ("●●● ●●· ●··", "Dispute severity: high, medium, low"),
    ("● met  ▲ at risk  ✖ missed  ○ no data", "Expectation verdict against its target"),
    ("overdue 6d  due today", "Commitment due state, in words beside its colour"),
    (
        "▁▃▅█  ·",
        "Trend by week (12 weeks, oldest left): bar height is the week's rate; · a week with no data; w charts it with labelled axes",
    ),
    ("X", "A ticked box (an unticked one is empty)"),
)


def legend_table() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold", min_width=8)
    table.add_column()
    for sign, meaning in LEGEND:
        table.add_row(sign, Text(meaning))
    return table


# Below this width the description goes under the key's title instead of into a third column, which
# at 80 columns wrapped every line in two.
NARROW = 100


def keys_table(area: str, app: Any = None, narrow: bool = False) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold", min_width=8)
    if narrow:
        table.add_column()
        for command in commands_in(area):
            table.add_row(key_display(app, command), Text.assemble(command.title, " · ", (command.description, "dim")))
        return table
    table.add_column(min_width=24)
    table.add_column()
    for command in commands_in(area):
        table.add_row(key_display(app, command), command.title, Text(command.description, style="dim"))
    return table


class HelpScreen(ModalScreen[None]):
    """Lists the current screen's keys first (in a meeting, the standup's), then the global keys and what
    the colours mean, then every other screen's."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self, current_area: str | None = None) -> None:
        super().__init__()
        self.current_area = current_area
        self._narrow: bool | None = None

    def compose(self) -> ComposeResult:
        ordered = ([self.current_area] if self.current_area else []) + ["app"]
        ordered += [a for a in areas() if a not in ordered]
        self._narrow = narrow = self.app.size.width < NARROW
        with Vertical(classes="dialog help") as dialog:
            dialog.border_title = "Keys"
            palette = next((c for c in commands_in("app") if c.id == "app.palette"), None)
            finder = key_display(self.app, palette) if palette else "ctrl+p"
            dialog.border_subtitle = f"{finder} finds any action by name · esc close"
            with VerticalScroll():
                shown = [area for area in ordered if commands_in(area)]
                for index, area in enumerate(shown):
                    title = AREA_TITLES.get(area, area.capitalize())
                    if area == self.current_area:
                        title += " (this screen)"
                    yield Static(title, classes="section-title")
                    yield Static(keys_table(area, self.app, narrow), classes="help-keys")
                    if index == min(1, len(shown) - 1):
                        # After the keys of this screen and of everywhere: what its colours mean.
                        yield Static("What the colours and signs mean", classes="section-title", id="legend-title")
                        yield Static(legend_table(), classes="help-keys", id="legend")

    def on_resize(self) -> None:
        if self._narrow is not None and (self.app.size.width < NARROW) != self._narrow:
            self.refresh(recompose=True)

    def action_close(self) -> None:
        self.dismiss(None)
