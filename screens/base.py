"""The frame every mode screen shares: header, read-only banner, the screen's body, and the footer."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

if TYPE_CHECKING:
    from console.app import MediationApp

READONLY_MESSAGE = "Read-only: this database cannot be changed"


class ModeScreen(Screen[None]):
    """A mode (switched with 1–5). Subclasses set COMMAND_AREA, SUB_TITLE and implement `compose_body`."""

    COMMAND_AREA: ClassVar[str] = ""

    def __init__(self, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        # Textual 8.2 re-parses the whole stylesheet and restyles every widget of every screen when it
        # shows a screen whose CSS pass count lags the app's: twice on a mode's first visit, and — as
        # a screen first shown by switch_mode is not mounted yet when the pass is recorded — again on
        # every return (~70 ms each at 140×40, and it empties every table's render cache). A mode
        # screen is styled with the current stylesheet as it mounts, so it starts up to date.
        self._css_update_count = self.app._css_update_count
        # Resumes before the first suspend belong to the first visit, whose on_mount has just loaded.
        self._left_once = False

    def _on_screen_suspend(self) -> None:
        self._left_once = True

    def needs_reload(self, loaded_stamp: tuple[Any, ...] | None) -> bool:
        """True on a return to this screen when the data or the day changed since `loaded_stamp`."""
        return self._left_once and self.data_stamp() != loaded_stamp

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Textual restyles every widget of a resuming screen (~40 ms, and it empties the tables' render
        # caches so every cell is drawn again), although switch_mode and refresh_css have already
        # restyled a screen whose stylesheet changed while it was hidden: skip it when current. Textual
        # dispatches to every class's handler, so subclasses' own `on_screen_resume` still run.
        if self._css_update_count == self.app._css_update_count:
            event.refresh_styles = False

    def data_stamp(self) -> tuple[Any, ...]:
        """What a screen's data depends on: the database's version and today's date. A screen compares
        it with the stamp of its last load to skip reloading when it comes back to unchanged data."""
        return (self.mediation.store.data_version(), self.mediation.now().date())

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
