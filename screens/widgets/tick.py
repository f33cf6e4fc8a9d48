"""A checkbox whose empty box is empty: Textual draws an unticked box as a dim "X", which on a shared
screen (or a washed-out projector) reads as ticked."""

from __future__ import annotations

from textual.content import Content
from textual.style import Style

from mediation_console.screens.textual_compat import DrawnCheckbox


class Tick(DrawnCheckbox):
    """A Checkbox showing "X" only when ticked."""

    def draw_box(self) -> Content:
        if self.value:
            return self.textual_box()
        # As Textual draws the box (its edges in the button's background), with nothing inside.
        button_style = self.get_visual_style("toggle--button")
        side_style = Style(foreground=button_style.background, background=self.background_colors[1])
        return Content.assemble(
            (self.BUTTON_LEFT, side_style),
            (" " * len(self.BUTTON_INNER), button_style),
            (self.BUTTON_RIGHT, side_style),
        )
