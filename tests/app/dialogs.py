"""How the lead opens each dialog of the console, by its keys from the queue it starts on (issue 18: every
dialog checked at 80x24 and pinned as a snapshot at three sizes)."""

from __future__ import annotations

from tests.pilot import settle

# The standup begun with everyone here and the 15 minutes offered.
STANDUP = ("5", "s", "ctrl+s")

# dialog -> its keys; "~" waits for the screen to settle (a screen's data is read in a worker).
DIALOGS: dict[str, tuple[str, ...]] = {
    "help": ("question_mark",),
    "requisition_form": ("e",),
    "status_change": ("s",),
    "event": ("x",),
    "requisition_detail": ("enter",),
    "dispute_capture": ("d",),
    "import": ("i",),
    "accept": ("2", "~", "down", "~", "up", "~", "a"),
    "resolve": ("2", "~", "down", "~", "up", "~", "R"),
    "expectation_form": ("3", "~", "n"),
    "breaches": ("3", "~", "enter"),
    "commitment_form": ("3", "~", "tab", "~", "n"),
    "cancel_commitment": ("3", "~", "tab", "~", "c"),
    "weekly_chart": ("4", "~", "w"),
    "sort_picker": ("4", "~", "s"),
    "person_form": ("6", "~", "n"),
    "standup_start": ("5", "~", "s"),
    "standup_commitment": (*STANDUP, "~", "c"),
    "meeting_length": (*STANDUP, "~", "t"),
    "end_meeting": (*STANDUP, "~", "E"),
}


async def open_dialog(pilot, dialog: str) -> None:
    """Presses the dialog's keys, waiting where the table says and at the end."""

    await settle(pilot)
    for key in DIALOGS[dialog]:
        if key == "~":
            await settle(pilot)
        else:
            await pilot.press(key)
    await settle(pilot)


async def begin_standup(pilot) -> None:
    """From the queue, the standup begun with everyone here: 5 and s open its start window, ctrl+s starts it."""
    await settle(pilot)
    await pilot.press("5", "s")
    await settle(pilot)
    await pilot.press("ctrl+s")
    await settle(pilot)
