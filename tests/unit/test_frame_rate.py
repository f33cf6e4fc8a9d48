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


def test_mediate_sets_it_before_anything_on_its_way_to_the_console_imports_textual(tmp_path):
    """The whole path of `mediate --db FILE`, stopped as the console's module starts importing: Textual
    not imported yet (it reads the rate once, as it is imported) and the rate set."""
    probe = (
        "import os, sys\n"
        "def hook(event, args):\n"
        "    if event == 'import' and args[0] == 'mediation_console.console.app':\n"
        "        print(os.environ.get('TEXTUAL_FPS'), 'textual.constants' in sys.modules, flush=True)\n"
        "        os._exit(0)\n"
        "sys.addaudithook(hook)\n"
        "from mediation_console.console.cli import main\n"
        f"sys.argv = ['mediate', '--db', {str(tmp_path / 'team.db')!r}]\n"
        "main()\n"
    )
    environment = {k: v for k, v in os.environ.items() if k not in ("TEXTUAL_FPS", "MEDIATE_DB")}
    environment["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    environment["XDG_DATA_HOME"] = str(tmp_path / "data")
    done = subprocess.run(
        [sys.executable, "-c", probe], env=environment, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.split() == [str(DRAW_FPS), "False"], (done.stdout, done.stderr[-2000:])
