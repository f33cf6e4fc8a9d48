"""`mediate` draws at 240 frames a second unless the lead set TEXTUAL_FPS: a filter keystroke's rows then
wait ~4-8 ms for their frame instead of 16-33 ms (bench/README.md, the black-box filter figure)."""

from __future__ import annotations

import os
import subprocess
import sys

from mediation_console.console.cli.common import DRAW_FPS

PROBE = (
    "from mediation_console.console.cli.common import pace_drawing; pace_drawing(); "
    "import textual.constants as c; print(c.MAX_FPS)"
)


def _max_fps(**env: str) -> int:
    environment = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"} | env
    done = subprocess.run([sys.executable, "-c", PROBE], env=environment, capture_output=True, text=True, check=True)
    return int(done.stdout.strip())


def test_the_console_paces_textual_at_its_frame_rate_and_keeps_the_leads_own():
    assert DRAW_FPS == 240
    assert _max_fps() == DRAW_FPS
    assert _max_fps(TEXTUAL_FPS="30") == 30


def test_once_textual_is_imported_the_frame_rate_is_left_alone(monkeypatch):
    import textual.constants  # noqa: F401  (the tests have imported it already)

    from mediation_console.console.cli.common import pace_drawing

    monkeypatch.delenv("TEXTUAL_FPS", raising=False)
    pace_drawing()
    assert "TEXTUAL_FPS" not in os.environ
