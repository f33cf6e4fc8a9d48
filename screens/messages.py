"""The messages screens send the app shell (they never import it): the shell handles each one."""

from __future__ import annotations

from textual.message import Message


class ShowInQueue(Message):
    """Switch to the queue with this requisition selected and scrolled into view (the queue clears the
    filters that would hide it): the other screens' "go to the queue" keys."""

    def __init__(self, requisition_id: int) -> None:
        super().__init__()
        self.requisition_id = requisition_id


class DataChanged(Message, bubble=False):
    """What the screen shows may have changed: another console or a CLI import committed to the file,
    or a dialog opened over the screen (e.g. the global dispute capture) saved. The screen reads again
    what it shows (`ModeScreen.refresh_data`); a form open on top keeps what the user typed."""
