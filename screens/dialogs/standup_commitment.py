"""Recording a commitment during the standup: one owner, what is promised, and a due date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.widgets import Static

from mediation_console.db.models import CommitmentSource, Person, StandupItem
from mediation_console.screens.dialogs.commitment_form import CommitmentForm


class StandupCommitment(CommitmentForm):
    """Prefilled with the item's person and the next business day; linked to the item's standup,
    requisition and dispute."""

    FIELDS: ClassVar[tuple[str, ...]] = ("owner", "text", "due")
    BOX_ID: ClassVar[str] = "commit"
    TEXT_PLACEHOLDER: ClassVar[str] = "e.g. book the joint intake with the hiring manager"
    OWNER_ERROR_BEFORE_CHOICE: ClassVar[bool] = True
    # The owner is prefilled from the item; focus still starts on it, so tab follows the reading order
    # (owner, what is promised, due) and typing goes into what is promised (CommitmentForm.on_key).
    FIRST_FIELD: ClassVar[str] = "owner"

    def __init__(
        self,
        item: StandupItem,
        people: Sequence[Person],
        default_due: dt.date,
        today: dt.date,
        about: str = "",
    ) -> None:
        super().__init__(people, today)
        self.item = item
        self.default_due = default_due
        self.about = about

    def default_owner(self) -> int | None:
        return self.item.person_id

    def compose_context(self) -> ComposeResult:
        yield Static(self.about or self.item.title, id="about")

    def compose_links(self) -> ComposeResult:
        yield from ()

    def links(self) -> dict[str, object]:
        return {
            "source": CommitmentSource.STANDUP,
            "standup_id": self.item.standup_id,
            "requisition_id": self.item.requisition_id,
            "dispute_id": self.item.dispute_id,
        }
