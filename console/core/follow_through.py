"""Follow-through, defined once: kept ÷ (kept + missed) of the commitments whose outcome falls in a window.

The track record screen shows it, the rules read it (each side's follow-through ranks and tightens a
dispute's proposals), and so the agenda's top proposal for a dispute rests on it too. They all count
the same commitments:

- **The window** is the last N days, today included: from ``today - (N - 1)`` to ``today``. The rules
  read the 90-day figure, the track record shows the 30- and the 90-day ones.
- **A commitment counts on its outcome day**: the day it was kept or missed when that came before its
  due date, otherwise its due date. Why not simply the due date: a promise kept early would not count
  until the day it was due, so someone who delivers ahead of time would show no record for weeks.
  Why not simply the day it was decided: a promise kept or missed late, or marked late by the lead,
  would move out of the window in which it fell due. So a commitment counts in the window in which it
  was due, unless its outcome was known sooner; a promise kept after its due date still counts as kept
  (on its due date) and is also counted as ``late``. The expectations checked in by hand date their
  commitments the same way (db/store/track_record.py's ``_OUTCOME_DAY``).
- Open and cancelled commitments never count: one past its due date shows as overdue until the lead
  decides. No kept or missed commitment in the window gives None ("no data"), never 100 %.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from mediation_console.db.store import Store

WINDOW_DAYS = 90  # the rules' window, and the longer of the track record's two
WINDOWS = (30, WINDOW_DAYS)


def window(today: dt.date, days: int = WINDOW_DAYS) -> tuple[dt.date, dt.date]:
    """The first and the last day of the `days`-day window ending today (both included)."""
    return today - dt.timedelta(days=days - 1), today


def outcome_day(due: dt.date, closed_at: dt.datetime | None) -> dt.date:
    """The day a kept or missed commitment counts on: the day it was decided when that came before its
    due date, otherwise its due date (the Python twin of db/store/track_record.py's ``_OUTCOME_DAY``)."""
    if closed_at is not None and closed_at.date() < due:
        return closed_at.date()
    return due


def rate(kept: int, missed: int) -> float | None:
    """kept ÷ (kept + missed) as a percentage; None when nothing was decided (no data is not 100 %)."""
    return None if not kept + missed else 100.0 * kept / (kept + missed)


def rate_of(tally: Mapping[str, int]) -> float | None:
    """The rate of a {kept, missed, …} tally."""
    return rate(tally.get("kept", 0) or 0, tally.get("missed", 0) or 0)


def tallies_by_owner(store: Store, today: dt.date, days: int = WINDOW_DAYS) -> dict[int, dict[str, int]]:
    """{owner id: {kept, missed, late}} of the commitments whose outcome day falls in the window."""
    return store.follow_through_by_owner(*window(today, days))


__all__ = ["WINDOWS", "WINDOW_DAYS", "outcome_day", "rate", "rate_of", "tallies_by_owner", "window"]
