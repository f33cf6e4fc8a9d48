"""The messages screens send the app shell (they never import it): the shell handles each one."""

from __future__ import annotations

from textual.message import Message


class ShowInQueue(Message):
    """Switch to the queue with this requisition selected and scrolled into view (the queue clears the
    filters that would hide it): the other screens' "go to the queue" keys."""

    def __init__(self, requisition_id: int) -> None:
        super().__init__()
        self.requisition_id = requisition_id
