"""Text colours that stay readable on any theme: a colour too close to its background is moved toward
black or white until it reaches WCAG's 4.5:1 for body text (light themes' green and amber are ~1.5:1)."""

from __future__ import annotations

from functools import lru_cache

from rich.style import Style
from textual.color import Color

MINIMUM_CONTRAST = 4.5


def _luminance(colour: Color) -> float:
    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.r) + 0.7152 * channel(colour.g) + 0.0722 * channel(colour.b)


def contrast_ratio(foreground: Color, background: Color) -> float:
    """WCAG's contrast ratio, 1 (none) to 21 (black on white)."""
    a, b = _luminance(foreground), _luminance(background)
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


@lru_cache(maxsize=256)
def readable(foreground: Color, background: Color, minimum: float = MINIMUM_CONTRAST) -> Color:
    """`foreground`, or the nearest shade of it toward black (on a light background) or white (on a dark
    one) that reads at `minimum` contrast on `background`."""
    if foreground.a < 1:
        foreground = background.blend(foreground.with_alpha(1), foreground.a)
    target = Color(0, 0, 0) if _luminance(background) > 0.18 else Color(255, 255, 255)
    shade = foreground
    for step in range(1, 11):
        if contrast_ratio(shade, background) >= minimum:
            return shade
        shade = foreground.blend(target, step / 10)
    return shade


def readable_style(style: Style, minimum: float = MINIMUM_CONTRAST) -> Style:
    """The style with its colour made readable on its own background (unchanged without both)."""
    if style.color is None or style.bgcolor is None or style.color.triplet is None or style.bgcolor.triplet is None:
        return style
    foreground = Color.from_rich_color(style.color)
    background = Color.from_rich_color(style.bgcolor)
    adjusted = readable(foreground, background, minimum)
    return style if adjusted == foreground else style + Style(color=adjusted.rich_color)


def readable_hex(foreground: str, background: str, minimum: float = MINIMUM_CONTRAST) -> str:
    """The same for colours given as theme values ("#4EBF71"); "" stays ""."""
    if not foreground or not background:
        return foreground
    return readable(Color.parse(foreground), Color.parse(background), minimum).hex
