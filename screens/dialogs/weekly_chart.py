"""A trend by week as a labelled bar chart (textual-plotext): the weeks on the x axis by the day each
ends, the percentage on a 0–100 y axis, the target as a line, and weeks without data left empty and
said so — what the one-line sparklines beside the tables cannot show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static
from textual_plotext import PlotextPlot

from mediation_console.db.words import plural


def week_ends(last: dt.date, weeks: int) -> list[dt.date]:
    """The last day of each of `weeks` seven-day weeks, oldest first, the newest ending on `last`
    (the track record's and the expectations' convention: week 0 is the seven days ending today)."""
    return [last - dt.timedelta(days=7 * ago) for ago in reversed(range(weeks))]


class WeeklyChart(ModalScreen[None]):
    """`values` are percentages by week, oldest first (None: no data that week)."""

    DEFAULT_CSS = """
    WeeklyChart { align: center middle; }
    WeeklyChart #weekly-chart-box {
        width: 90%; max-width: 110; height: 80%; max-height: 30; min-height: 14;
        border: round $primary; background: $surface; padding: 0 1; border-title-style: bold;
    }
    WeeklyChart PlotextPlot { height: 1fr; }
    WeeklyChart #weekly-chart-note { color: $text-muted; height: auto; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,w,enter", "close", "close")]

    def __init__(
        self,
        title: str,
        values: Sequence[float | None],
        last_week_ends: dt.date,
        *,
        measure: str,
        target: float | None = None,
    ) -> None:
        super().__init__()
        self.chart_title = title
        self.values = list(values)
        self.ends = week_ends(last_week_ends, len(self.values))
        self.measure = measure
        self.target = target

    def compose(self) -> ComposeResult:
        with Vertical(id="weekly-chart-box") as box:
            box.border_title = self.chart_title
            box.border_subtitle = "esc close"
            yield PlotextPlot()
            yield Static(self._note(), id="weekly-chart-note")

    def _note(self) -> str:
        empty = [f"{end:%d %b}" for end, value in zip(self.ends, self.values, strict=True) if value is None]
        target = f"Target {self.target:g}% (the line). " if self.target is not None else ""
        zero = [f"{end:%d %b}" for end, value in zip(self.ends, self.values, strict=True) if value == 0]
        missing = f"No data in the weeks ending {', '.join(empty)} (no bar)." if empty else "Every week has data."
        nothing = f" 0% (no bar either) in the weeks ending {', '.join(zero)}." if zero else ""
        return f"{target}{missing}{nothing}"

    def on_mount(self) -> None:
        plt = self.query_one(PlotextPlot).plt
        plt.clear_figure()  # plotext keeps some settings between figures: start from nothing
        positions = [float(x) for x in range(1, len(self.values) + 1)]
        shown = [(x, v) for x, v in zip(positions, self.values, strict=True) if v is not None]
        if shown:
            plt.bar([x for x, _ in shown], [v for _, v in shown], width=0.4)
        if self.target is not None:
            plt.hline(self.target)
        # Every week labelled where the labels fit (7 cells each), else every other week back from the
        # newest: plotext would otherwise leave out overlapping labels, not always the same ones.
        step = 1 if self.app.size.width >= 120 else 2
        labelled = list(range(len(self.ends) - 1, -1, -step))[::-1]
        plt.xticks([positions[i] for i in labelled], [f"{self.ends[i]:%d %b}" for i in labelled])
        plt.ylim(0, 100)
        plt.yticks([0, 25, 50, 75, 100])
        plt.xlabel("week ending")
        plt.ylabel(f"{self.measure} %")
        plt.title(f"{self.measure} by week, {plural(len(self.values), 'week')}")

    def action_close(self) -> None:
        self.dismiss(None)
