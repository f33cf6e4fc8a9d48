"""The disputes screen shows the mediator's diagnosis: the categories the evidence supports with their
evidence lines, and says so when the facts point away from the category the lead logged."""

from __future__ import annotations

import tomllib
from pathlib import Path

from mediation_console.console.app import MediationApp
from mediation_console.console.core.calendar import BusinessCalendar
from mediation_console.console.core.database import open_store
from mediation_console.console.core.stories import load_story
from tests.app.screen_text import screen_text

STORIES = Path(__file__).parents[1] / "stories"


async def _diagnosis_on_screen(story: str, tmp_path: Path) -> str:
    data = tomllib.loads((STORIES / story).read_text(encoding="utf-8"))
    store = open_store(tmp_path / "story.db")
    loaded = load_story(store, data, source=story, calendar=BusinessCalendar("US"))
    app = MediationApp(store, now=lambda: loaded.now)
    try:
        async with app.run_test(size=(160, 90)) as pilot:
            await pilot.press("2")
            for _ in range(60):  # the mediation is read in a worker
                await pilot.pause(0.05)
                text = screen_text(app)
                if "Diagnosis" in text:
                    break
            return screen_text(app)
    finally:
        store.close()


async def test_a_pay_gap_logged_as_quality_shows_the_facts_point_elsewhere(tmp_path):
    text = await _diagnosis_on_screen("pay_gap_23_logged_as_quality.toml", tmp_path)
    assert "Diagnosis" in text
    assert "The facts point elsewhere: logged as candidate quality" in text
    assert "pay below market" in text.lower()
    assert "23" in text and "$110,000" in text  # the evidence line cites the gap and the median


async def test_a_dispute_logged_right_says_the_evidence_supports_it(tmp_path):
    text = await _diagnosis_on_screen("internal_rejects_5_of_6.toml", tmp_path)
    assert "Diagnosis" in text
    assert "point elsewhere" not in text
    assert "The evidence supports candidate quality" in text
