"""The standup's clocks tick every second without laying the screen out again: a tick repaints the clock's
line, and only a clock whose text gets longer (the meeting clock is as wide as its text) is laid out."""

from __future__ import annotations

import datetime as dt

from textual.widgets import Static

from tests.app.screen_text import screen_text
from tests.app.test_standup import NOW, standup_under_way
from tests.conftest import Clock


async def test_a_tick_repaints_the_clocks_and_lays_out_only_a_clock_that_grew(tmp_path, monkeypatch):
    clock = Clock(NOW)
    async with standup_under_way(tmp_path, monkeypatch, (140, 40), clock) as (_store, app, pilot):
        screen = app.screen
        refreshes: list[tuple[str, bool]] = []
        for widget in screen.query(Static).filter("#item-clock, #meeting-clock"):

            def spy(*regions, layout=False, _widget=widget, _refresh=widget.refresh, **kwargs):
                refreshes.append((_widget.id or "", layout))
                return _refresh(*regions, layout=layout, **kwargs)

            widget.refresh = spy  # type: ignore[method-assign]

        for seconds in (1, 9, 10, 59):
            clock.at = NOW + dt.timedelta(seconds=seconds)
            screen._tick()
            await pilot.pause()
        lines = screen_text(app).splitlines()
        assert any("Item 0:59 / " in line for line in lines), "the item clock shows the new second"
        assert any("Meeting 0:59 of ~" in line for line in lines), "the meeting clock shows the new second"
        assert {widget for widget, _ in refreshes} == {"item-clock", "meeting-clock"}
        assert not any(layout for _, layout in refreshes), f"a same-length tick laid out: {refreshes}"

        # Far past the meeting's length the meeting clock says by how much: a longer text, laid out whole.
        refreshes.clear()
        clock.at = NOW + dt.timedelta(minutes=40)
        screen._tick()
        await pilot.pause()
        assert ("meeting-clock", True) in refreshes
        meeting = next(line for line in screen_text(app).splitlines() if "Meeting 40:00 of ~" in line)
        shown = str(screen.query_one("#meeting-clock", Static).content)
        assert shown.endswith(" over") and shown in meeting, f"{shown!r} not shown whole in {meeting!r}"
