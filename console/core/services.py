"""What the app hands every screen: the open Store, the clock, the business calendar, the requisition the
lead has selected, and the one rules Mediator, built with the lead's `--rules` pack, that every grade,
scorecard and proposal comes from."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mediation_console.console.core.calendar import BusinessCalendar, user_calendar
from mediation_console.db.store import Store

if TYPE_CHECKING:
    from mediation_console.console.core.rules.diagnosis import Diagnosis
    from mediation_console.console.core.rules.scorecard import Scorecard
    from mediation_console.console.core.rules.service import Mediator


@dataclass
class Services:
    """The console's services. `mediator` is loaded on first use (the rules engine costs ~0.5 s to
    import, so a start that shows the queue never waits for it), once, under a lock (workers ask from
    threads). A pack that cannot be loaded leaves it None, `rules_problem` says why and `on_problem`
    (the app's toast) is told once."""

    store: Store
    now: Callable[[], dt.datetime]
    rules_path: Path | None = None
    on_problem: Callable[[str], None] | None = field(default=None, repr=False)
    rules_problem: str | None = field(default=None, init=False)
    # The requisition highlighted in the queue; other screens prefill from it (e.g. a new dispute).
    selected_requisition_id: int | None = field(default=None, init=False)
    _mediator: Mediator | None = field(default=None, init=False, repr=False)
    _loaded: bool = field(default=False, init=False, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)

    @property
    def mediator(self) -> Mediator | None:
        with self._lock:
            if not self._loaded:
                self._loaded = True
                from mediation_console.console.core.rules.service import Mediator

                try:
                    self._mediator = Mediator(self.store, extra_packs=[self.rules_path] if self.rules_path else [])
                except Exception as exc:  # an invalid rule pack: which and what, never a traceback
                    self.rules_problem = f"The rule pack could not be loaded: {exc}"
                    if self.on_problem is not None:
                        self.on_problem(self.rules_problem)
            return self._mediator

    def calendar(self) -> BusinessCalendar:
        """The business calendar of the lead's settings (country, subdivision), read as it is now."""
        return user_calendar()

    def scorecard_for(self, requisition_id: int) -> Scorecard | None:
        """The requisition's scorecard by the console's pack; None when the pack did not load. A rule
        that fails on this requisition's data raises (the screen says so)."""
        mediator = self.mediator
        return None if mediator is None else mediator.scorecard_for(requisition_id)

    def suggest_category(
        self, summary: str, requisition_id: int | None, sales_interest: str = "", recruiting_interest: str = ""
    ) -> Diagnosis | None:
        """The category the evidence suggests for a dispute being typed (the capture form's hint), or None
        when the rules are not available. A hint: a rule that fails gives none. Called from worker threads."""
        mediator = self.mediator
        if mediator is None:
            return None
        try:
            return mediator.suggest_category(summary, requisition_id, sales_interest, recruiting_interest)
        except Exception:  # the form works without a suggestion
            return None
