"""What the terminal shows, as text lines: tests read the screen as the lead sees it, not the widgets."""

from __future__ import annotations

from textual.app import App


def screen_lines(app: App[object]) -> list[str]:
    """Every line of the terminal as drawn now (the top screen and what shows beneath a dialog)."""
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip) for strip in strips]


def screen_text(app: App[object]) -> str:
    return "\n".join(screen_lines(app))
