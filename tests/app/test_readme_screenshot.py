"""The README's screenshot is what scripts/readme_screenshot.py draws from the demo (issue 18, problem 9)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_script():
    spec = importlib.util.spec_from_file_location("readme_screenshot", ROOT / "scripts" / "readme_screenshot.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shown_text(svg: str) -> list[str]:
    """The words the picture shows, in order (what a reader of the README sees)."""
    return [re.sub(r"&#160;", " ", t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_the_readme_shows_the_screenshot_the_script_draws_from_the_demo(tmp_path, monkeypatch):
    script = load_script()
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    database = tmp_path / "demo.db"
    script.build_demo(database)
    drawn = script.draw(database)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "![The requisition queue](docs/screenshot.svg)" in readme
    shipped = script.README_SVG.read_text(encoding="utf-8")
    text = " ".join(shown_text(drawn))
    assert "of 60 requisitions" in text and "REQ-0010" in text, "the picture shows the demo's queue"
    assert shown_text(shipped) == shown_text(drawn), "docs/screenshot.svg is stale: run make screenshot"
    assert shipped == drawn, "docs/screenshot.svg is stale (same words, other colours): run make screenshot"


def test_the_script_refuses_more_than_one_argument(capsys):
    assert load_script().main(["a.svg", "b.svg"]) == 2
    assert "usage" in capsys.readouterr().err
