"""Every dialog on the demo data at the sizes people share at: 80×24, 100×30 and 120×40 (issue 18).

Each dialog is opened as the lead opens it, by its keys from where it is used (tests/app/dialogs.py); the
few combinations pinned elsewhere (tests/snapshots/test_every_screen_at_three_sizes.py) are left out.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea

from tests.app.dialogs import DIALOGS, open_dialog
from tests.snapshots.test_every_screen_at_three_sizes import SIZES, settle

# Pinned elsewhere at this size.
ELSEWHERE = {("accept", (80, 24)), ("event", (80, 24)), ("weekly_chart", (80, 24))}
# Not pinned: at 100 and 120 columns the weekly chart's x-axis labels move by a cell from one run to the next
# (plotext places them; the widget's size is the same each time), so a snapshot would fail at random. Its
# 80x24 snapshot (test_every_screen_at_three_sizes.py) and the 80x24 fit check stand for it.
UNSTABLE = {("weekly_chart", (100, 30)), ("weekly_chart", (120, 40))}

CASES = [
    pytest.param(dialog, size, id=f"{dialog}-{size[0]}x{size[1]}")
    for dialog in DIALOGS
    for size in SIZES
    if (dialog, size) not in ELSEWHERE | UNSTABLE
]


@pytest.mark.parametrize(("dialog", "size"), CASES)
def test_the_dialog_at_each_size(snap_compare, demo_app, dialog, size):
    async def show(pilot) -> None:
        # Toasts time out after seconds (a loaded machine would catch them or not): none before the dialog.
        pilot.app.clear_notifications()
        await open_dialog(pilot, dialog)
        # No cursor: the first field takes the focus during the dialog's first frames, and a cursor (steady
        # or blinking) in it was drawn or not from run to run; the dialog is shown with nothing focused.
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        for area in pilot.app.screen.query(TextArea):
            area.cursor_blink = False
        await settle(pilot)
        pilot.app.screen.set_focus(None)
        await settle(pilot)

    assert snap_compare(demo_app, terminal_size=size, run_before=show)
