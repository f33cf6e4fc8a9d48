"""The detail panel's facts grid writes what Rich's grid table wrote: the same cells, the same styles."""

from __future__ import annotations

import io
import random

import pytest
from rich.console import Console
from rich.text import Text

from mediation_console.screens.widgets.facts_grid import FactsGrid, facts_table

LABELS = ["client", "hiring manager", "openings", "status", "x", "長い", "é"]
WORDS = [
    "a",
    "client",
    "Acme",
    "長い名前",
    "x" * 40,
    "résumé",
    "12,000",
    "–",
    "·",
    "\tTab",
    "new\nline",
    "",
    "  spaced  ",
    "emoji😀",
    "access yes, 48 h feedback no",
]


def drawn(renderable: object, width: int, styles: bool = True) -> str:
    console = Console(width=width, record=True, file=io.StringIO(), color_system="truecolor")
    console.print(renderable)
    return console.export_text(styles=styles)


def random_rows(rng: random.Random) -> list[tuple[str, str]]:
    return [
        (rng.choice(LABELS), " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 14))))
        for _ in range(rng.randint(1, 8))
    ]


@pytest.mark.parametrize("seed", range(4))
def test_the_grid_draws_what_the_table_drew(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(250):
        rows = random_rows(rng)
        width = rng.randint(1, 130)
        table = drawn(facts_table([(label, Text(value)) for label, value in rows]), width)
        grid = drawn(FactsGrid([(label, Text(value)) for label, value in rows]), width)
        assert grid == table, (width, rows)


def test_the_panels_own_rows_at_its_widths() -> None:
    rows = [
        ("client", "Globex Corporation"),
        ("status", "sourcing — the client asked to pause until the budget is signed off"),
        ("salary", "90,000 – 110,000  (market 120,000)"),
        ("hiring manager", "access yes, 48 h feedback no"),
        ("notes", "Needs a hybrid role in Leeds; the client prefers candidates from fintech.\nSecond line."),
        ("pipeline", ""),
    ]
    for width in (24, 43, 61, 66, 100):
        table = drawn(facts_table([(label, Text(value)) for label, value in rows]), width)
        assert drawn(FactsGrid([(label, Text(value)) for label, value in rows]), width) == table
    shown = drawn(FactsGrid([(label, Text(value)) for label, value in rows]), 66, styles=False).splitlines()
    assert shown[4].startswith("hiring manager  access yes, 48 h feedback no")
    assert shown[1].startswith("        status  sourcing — the client asked to pause until the")
    assert shown[2].startswith("                budget is signed off")


def test_only_empty_values() -> None:
    rows = [("client", Text("")), ("status", Text(""))]
    for width in (5, 9, 40):
        assert drawn(FactsGrid(rows), width) == drawn(facts_table(rows), width)
