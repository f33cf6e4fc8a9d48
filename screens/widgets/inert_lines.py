"""The last line of the inert-text rule: no widget can send stored text's control characters to the
terminal, whichever widget drew it (a cell, a label, a Rich table, a notification, a title).

Screens show record text through `db.text.inert` where they build it (the paged tables do for every
cell); this filter sees every line every widget draws, just before Textual turns it into terminal
output, and shows any control character still in it the same way (␛, ␍, ⟮U+202E⟯). Textual's own
escape sequences are not in the lines' text (they come from styles and cursor moves), so they pass.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from mediation_console.db.text import has_unsafe_line, inert_line


class InertLines(LineFilter):
    """Shows control characters in drawn text visibly, keeping the line its width: the marks take
    the blanks that follow them (or, when there are none, the line's last cells)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if not any(not control and has_unsafe_line(text) for text, _style, control in segments):
            return segments
        width = sum(cell_len(text) for text, _style, control in segments if not control)
        shown = [
            segment
            if segment.control or not has_unsafe_line(segment.text)
            else Segment(inert_line(segment.text), segment.style)
            for segment in segments
        ]
        owed = sum(cell_len(text) for text, _style, control in shown if not control) - width
        # Give back the extra cells from the blanks at the end of segments, rightmost first.
        for index in range(len(shown) - 1, -1, -1):
            if owed <= 0:
                break
            text, style, control = shown[index]
            if control:
                continue
            blanks = len(text) - len(text.rstrip(" "))
            take = min(blanks, owed)
            if take:
                shown[index] = Segment(text[: len(text) - take], style)
                owed -= take
        if owed > 0:
            shown = list(Segment.adjust_line_length(shown, width))
        return shown
