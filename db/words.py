"""Counts and day distances in words a lead reads without stumbling: "1 open dispute", "3 days ago", "in 2 days"."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def plural(n: int, word: str, many: str | None = None) -> str:
    """`n` and the word in the number it takes: plural(1, "dispute") is "1 dispute", plural(2, "dispute")
    "2 disputes", plural(1200, "row") "1,200 rows"; `many` spells an irregular plural ("people")."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {many or word + 's'}"


def days_ago(days: int) -> str:
    """An age: "today", "1 day ago", "5 days ago" (a date in the future reads "in N days")."""
    if days == 0:
        return "today"
    if days < 0:
        return days_away(-days)
    return f"{plural(days, 'day')} ago"


def days_away(days: int) -> str:
    """A distance to a date: "today", "tomorrow", "in 3 days", and for one already past "3 days ago"."""
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days < 0:
        return "yesterday" if days == -1 else f"{plural(-days, 'day')} ago"
    return f"in {plural(days, 'day')}"


def until(days: int) -> str:
    """Where a date lies from today, to follow "is": "today", "tomorrow", "in 3 days", "yesterday",
    "8 days past" (never "-8 days away")."""
    if days < -1:
        return f"{plural(-days, 'day')} past"
    return days_away(days)


def old(days: int) -> str:
    """How old something is, as a phrase that follows a noun: "opened today", "3 days old"."""
    return "new today" if days <= 0 else f"{plural(days, 'day')} old"


def closest_name(name: str, names: Iterable[str], cutoff: float = 0.75) -> str | None:
    """The one of `names` `name` was most likely meant to be ("Jordon Hay" -> "Jordan Hay"), whatever
    the case, or None when none is close: how a typo is caught before it becomes a new person."""
    spelled = {n.casefold(): n for n in names}
    close = difflib.get_close_matches(name.casefold(), list(spelled), n=1, cutoff=cutoff)
    return spelled[close[0]] if close else None


__all__ = ["plural", "days_ago", "days_away", "until", "old", "closest_name"]
