"""The frame every mode screen shares: header, read-only banner, the screen's body, and the footer."""
from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

if TYPE_CHECKING:
    from console.app import MediationApp

READONLY_MESSAGE = "Read-only: this database cannot be changed"


class ModeScreen(Screen[None]):
    """A mode (switched with 1–5). Subclasses set COMMAND_AREA, SUB_TITLE and implement `compose_body`."""

    COMMAND_AREA: ClassVar[str] = ""

    @property
    def mediation(self) -> "MediationApp":
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        if self.mediation.store.readonly:
            yield Static(READONLY_MESSAGE, id="readonly-banner")
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    def can_write(self) -> bool:
        """False (with a toast) when the database is read-only; call at the top of every write."""
        return self.mediation.can_write()
