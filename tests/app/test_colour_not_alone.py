"""Colour is never the only signal (issue 18, problem 8): a legend on `?`, promises that say in text
whether they passed or are at risk, empty states readable through the hatch, empty boxes that are
empty, and colours that read on a light theme."""

from __future__ import annotations

from typing import Any

from textual.color import Color

from mediation_console.screens.dialogs.help import HelpScreen
from mediation_console.screens.dialogs.requisition_form import RequisitionForm
from mediation_console.screens.queue import RequisitionTable
from mediation_console.screens.widgets.contrast import MINIMUM_CONTRAST, contrast_ratio
from tests.app.screen_text import screen_lines, screen_text
from tests.pilot import press_settled, settle

SIZE = (120, 40)


async def opened_with_in_view(pilot, key: str, screen_type: type, selector: str) -> Any:
    """Presses `key` on the settled console, checks it opened a `screen_type`, and scrolls the widget at
    `selector` into view; returns that widget."""
    await settle(pilot)
    await pilot.press(key)
    await pilot.pause()
    assert isinstance(pilot.app.screen, screen_type)
    widget = pilot.app.screen.query_one(selector)
    widget.scroll_visible(animate=False)
    await pilot.pause()
    return widget


async def assert_grades_and_verdicts_read(pilot, on: str = "") -> None:
    """On the theme in use (`on` names it in the messages): the queue's grade colours on their rows' background,
    then the expectations' verdict colours on the surface, read at the minimum contrast."""
    table = pilot.app.screen.query_one(RequisitionTable)
    for tone in ("good", "warn", "bad"):
        style = table._style(f"base:{tone}")
        ratio = contrast_ratio(Color.from_rich_color(style.color), Color.from_rich_color(style.bgcolor))
        assert ratio >= MINIMUM_CONTRAST, f"{tone} grades read at {ratio:.1f}:1{on}"
    await pilot.press("3")
    await settle(pilot)
    surface = Color.parse(pilot.app.get_css_variables()["surface"])
    for name in ("success", "warning", "error"):
        ratio = contrast_ratio(Color.parse(pilot.app.screen.theme_colour(name)), surface)
        assert ratio >= MINIMUM_CONTRAST, f"{name} reads at {ratio:.1f}:1{on}"


async def test_question_mark_shows_what_the_colours_and_signs_mean(store, app_factory):
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        await opened_with_in_view(pilot, "question_mark", HelpScreen, "#legend")
        text = screen_text(app)
        assert "What the colours and signs mean" in text
        assert "-33d  Promise: a minus means the date sales promised" in text
        assert "13d!  Promise: 13 days away, but sooner than the" in text


async def test_a_passed_promise_and_an_unrealistic_one_read_differently_without_colour(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = demo_app.screen.query_one(RequisitionTable)
        cells = [
            table.columns[[c.key for c in table.columns].index("promised")].cell(table.row_at(i))
            for i in range(table.total)
        ]
        passed = [c for c in cells if c.text.startswith("-")]
        at_risk = [c for c in cells if c.text.endswith("!")]
        realistic = [c for c in cells if c.text[:1].isdigit() and not c.text.endswith("!")]
        assert passed and at_risk and realistic
        assert {c.tone for c in passed} == {"bad"} and {c.tone for c in at_risk} == {"bad"}
        assert {c.tone for c in realistic} == {None}
        header_and_rows = "\n".join(screen_lines(demo_app))
        assert any(c.text in header_and_rows for c in at_risk)


async def test_the_empty_queues_message_reads_through_the_hatch(empty_store, app_factory):
    app = app_factory(empty_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        line = next(line for line in screen_lines(app) if "No team yet" in line)
        assert "No team yet — press 6 (Team) to add people, then n here adds a requisition" in line


async def test_an_unticked_box_is_empty_and_a_ticked_one_shows_x(store, app_factory):
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        remote = await opened_with_in_view(pilot, "n", RequisitionForm, "#field-remote")
        line = next(line for line in screen_lines(app) if "Remote" in line)
        assert "X" not in line.split("Remote")[0]
        remote.value = True
        await pilot.pause()
        line = next(line for line in screen_lines(app) if "Remote" in line)
        assert "X" in line.split("Remote")[0]


async def test_grades_and_verdicts_read_on_the_light_theme(demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        demo_app.theme = "textual-light"
        await settle(pilot)
        await assert_grades_and_verdicts_read(pilot)


async def test_an_item_and_a_meeting_over_their_timebox_say_so_in_words_at_80_columns(tmp_path, monkeypatch):
    import datetime as dt

    from tests.app.test_standup import NOW, standup_under_way
    from tests.conftest import Clock

    clock = Clock(NOW)
    async with standup_under_way(tmp_path, monkeypatch, (80, 24), clock) as (_store, app, pilot):
        screen = app.screen
        clock.at = NOW + dt.timedelta(minutes=40)  # far past the item's box and the meeting's length
        screen._tick()
        await pilot.pause()
        text = screen_text(app)
        item_line = next(line for line in text.splitlines() if "Item " in line and " / " in line)
        assert " over" in item_line
        assert any("Meeting" in line and " over" in line for line in text.splitlines())


async def test_w_charts_a_persons_follow_through_by_week_with_labelled_axes(demo_app):
    from mediation_console.screens.dialogs.weekly_chart import WeeklyChart, week_ends

    async with demo_app.run_test(size=(100, 30)) as pilot:
        await press_settled(pilot, "4", "w")
        assert isinstance(demo_app.screen, WeeklyChart)
        chart = demo_app.screen
        text = screen_text(demo_app)
        assert "follow-through by week" in text and "week ending" in text and "Follow-through %" in text
        for tick in ("100┤", " 50┤", "  0┤"):
            assert tick in text  # the y axis, labelled from 0 to 100
        newest = week_ends(demo_app.now().date(), 12)[-1]
        assert chart.ends[-1] == newest
        # Weeks without data are named in words rather than drawn as a 0 % bar.
        if any(value is None for value in chart.values):
            assert "No data in the weeks ending" in text


async def test_w_charts_an_expectations_compliance_against_its_target(demo_app):
    from mediation_console.screens.dialogs.weekly_chart import WeeklyChart

    async with demo_app.run_test(size=(100, 30)) as pilot:
        await press_settled(pilot, "3", "w")
        assert isinstance(demo_app.screen, WeeklyChart)
        text = screen_text(demo_app)
        assert "compliance by week" in text and "Compliance %" in text
        assert "Target 90% (the line)" in text
