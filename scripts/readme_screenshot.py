"""Draws the README's screenshot (docs/screenshot.svg) from the demo that `make demo` writes.

    .venv/bin/python scripts/readme_screenshot.py [OUT.svg]     (or: make screenshot)

The demo is generated as `mediate demo` generates it (60 requisitions, seed 7, the shipped rules only)
into a scratch folder, on a fixed clock so that the picture is the same on every run, and the console
is opened on it at 120 x 36 with settings of its own (never the user's theme, keymap or rule pack).
tests/unit/test_readme_screenshot.py fails when docs/screenshot.svg is not what this draws.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

# The clock the picture is drawn at (the tests' demo clock); the demo's data is laid out around it.
SCREENSHOT_NOW = dt.datetime(2026, 11, 23, 9, 0)
SIZE = (120, 36)
REQUISITIONS, SEED = 60, 7  # `mediate demo`'s defaults
README_SVG = Path(__file__).resolve().parent.parent / "docs" / "screenshot.svg"


def build_demo(path: Path) -> None:
    """The demo as `mediate demo` writes it, with the shipped rules only, at SCREENSHOT_NOW."""
    from mediation_console.console.core.demo_setup import fill_demo
    from mediation_console.db.store import Store

    with Store(path, now=lambda: SCREENSHOT_NOW) as store:
        fill_demo(store, requisitions=REQUISITIONS, seed=SEED, include_user_pack=False)


async def _draw(database: Path) -> str:
    from textual.widgets import Input

    from mediation_console.console.app import MediationApp
    from mediation_console.db.store import Store

    Input.cursor_blink = False  # type: ignore[assignment]  # a blinking cursor would be caught on or off
    with Store(database, now=lambda: SCREENSHOT_NOW) as store:
        app = MediationApp(store, now=lambda: SCREENSHOT_NOW)
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(3):  # a worker that finishes can start another: wait until a pause starts none
                await pilot.pause()
                await app.workers.wait_for_complete()
            await pilot.pause()
            return app.export_screenshot(title="Mediation Console")


def draw(database: Path) -> str:
    """The SVG of the console's queue on `database` (a demo built by build_demo)."""
    return asyncio.run(_draw(database))


def isolated(scratch: Path) -> None:
    """Settings, rules and data folders of the picture's own, so the user's never show in it."""
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        os.environ[name] = str(scratch / name.lower())
    os.environ["MEDIATE_SETTINGS"] = str(scratch / "settings.json")
    os.environ["MEDIATE_DB"] = str(scratch / "demo.db")


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        print("usage: readme_screenshot.py [OUT.svg]", file=sys.stderr)
        return 2
    out = Path(argv[0]) if argv else README_SVG
    with tempfile.TemporaryDirectory(prefix="mediate-screenshot-") as scratch:
        isolated(Path(scratch))
        database = Path(scratch) / "demo.db"
        build_demo(database)
        svg = draw(database)
    out.write_text(svg, encoding="utf-8")
    print(
        f"Wrote {out} ({SIZE[0]} x {SIZE[1]}, the demo of {REQUISITIONS} requisitions at {SCREENSHOT_NOW:%Y-%m-%d %H:%M})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
