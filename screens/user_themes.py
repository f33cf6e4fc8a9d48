"""Themes of the lead's own: `themes/*.toml` beside the settings file, each a Textual Theme's fields.

A file that cannot become a theme (not TOML, a field Textual's Theme has not, a colour Textual cannot
parse, no primary colour, a built-in theme's name) is left out and named in one line, with the field.
The grade and verdict colours stay readable whatever a theme says: screens draw them through
`ModeScreen.theme_colour`, which lifts a colour to the contrast minimum on the theme's surface.
"""

from __future__ import annotations

import dataclasses
import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import BUILTIN_THEMES, Theme

from mediation_console.db import safe_file

COLOUR_FIELDS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
FIELDS = tuple(f.name for f in dataclasses.fields(Theme))


@dataclass
class ThemeFiles:
    themes: list[Theme] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _colour_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return f'expected a colour such as "#4EBF71"; got {value!r}'
    try:
        Color.parse(value)
    except ColorParseError:
        return f'\'{value}\' is not a colour (e.g. "#4EBF71", "rgb(78,191,113)", "green")'
    return None


def theme_from_table(data: dict[str, Any], default_name: str) -> tuple[Theme | None, list[str]]:
    """A Theme from one file's table, or None and one line per field that is wrong."""
    problems: list[str] = []
    for key in data:
        if key not in FIELDS:
            close = difflib.get_close_matches(key, FIELDS, n=1, cutoff=0.6)
            hint = f" — did you mean '{close[0]}'?" if close else f" (a theme has {', '.join(FIELDS)})"
            problems.append(f"'{key}' is not a theme field{hint}")
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name.strip():
        problems.append(f"name: expected a name; got {name!r}")
    elif name in BUILTIN_THEMES:
        problems.append(f"name: '{name}' is a built-in theme; give yours another name")
    if "primary" not in data:
        problems.append("primary: missing (every theme needs its primary colour)")
    for key in COLOUR_FIELDS:
        if key in data and (problem := _colour_problem(data[key])):
            problems.append(f"{key}: {problem}")
    for key in ("dark", "ansi"):
        if key in data and not isinstance(data[key], bool):
            problems.append(f"{key}: expected true or false; got {data[key]!r}")
    for key in ("luminosity_spread", "text_alpha"):
        value = data.get(key, 0.5)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            problems.append(f"{key}: expected a number from 0 to 1; got {value!r}")
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in variables.items()
    ):
        problems.append('variables: expected a table of names to values, e.g. { "block-cursor-foreground" = "#fff" }')
    if problems:
        return None, problems
    return Theme(**{**{k: v for k, v in data.items() if k in FIELDS}, "name": name}), []


def load_theme_files(folder: Path) -> ThemeFiles:
    """Every `*.toml` in `folder` (sorted by name) as a Theme, or its problems; no folder, no themes."""
    found = ThemeFiles()
    try:
        paths = sorted(folder.glob("*.toml"))
    except OSError:
        return found
    names: dict[str, Path] = {}
    for path in paths:
        where = f"{path}"
        try:
            data = tomllib.loads(safe_file.read_text(path))  # a FIFO among them would hang the start
        except OSError as exc:
            found.problems.append(f"{where}: could not be read ({exc.strerror or exc})")
            continue
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            found.problems.append(f"{where}: not TOML ({exc})")
            continue
        theme, problems = theme_from_table(data, path.stem)
        if theme is not None and theme.name in names:
            problems = [f"name: '{theme.name}' is already the name of {names[theme.name].name}"]
            theme = None
        if theme is None:
            found.problems.append(f"{where}: " + "; ".join(problems))
            continue
        names[theme.name] = path
        found.themes.append(theme)
    return found
