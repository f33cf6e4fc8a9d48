"""The one business calendar: which days are worked, and every count of business days the console makes.

A business day is Monday to Friday and not a public holiday of the team's country. The country is
the settings file's ``country`` (a code the ``holidays`` package knows: "US", "GB", "DE", …, with an
optional ``subdivision`` such as "CA" or "ENG"); without one it is ``DEFAULT_COUNTRY``, the country of
the benchmarks the product ships with (SHRM's time to fill, Bullhorn's staleness flag). ``"country":
""`` counts weekends only. A country the package does not know counts weekends only too, and
``BusinessCalendar.problem`` says why, so the lead can be told.

Every consumer asks this module: the agenda (a new commitment's default due date, the first-submittal
allowance of an at-risk requisition), the expectation metrics (business days from qualification to
the first submittal, counted in SQL from ``ordinals``), and the rules (a proposal's commitments "due
in N business days", the business days until a promised date). Two clocks, one count:

- ``business_days_until(start, end)``, a countdown: the business days after `start` up to and
  including `end` (Friday to Monday is 1, and so is Saturday to Monday).
- ``business_days_elapsed(start, stop)``, an allowance's clock (the expectation metrics, the rules'
  first-submittal fact): a clock started on a day off starts on the next business day, and one stopped
  on a day off counts for the business day before it (Friday to Monday is 1, Saturday to Monday 0).
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import holidays

from mediation_console.console.core.config import load_settings

DEFAULT_COUNTRY = "US"


class BusinessCalendar:
    """Weekends, and the public holidays of `country` (none when `country` is None)."""

    def __init__(self, country: str | None = None, subdivision: str | None = None) -> None:
        self.country = (country or "").strip().upper() or None
        self.subdivision = (subdivision or "").strip() or None
        self.problem: str | None = None
        self._lock = threading.Lock()
        self._years: dict[int, tuple[dt.date, ...]] = {}  # each year's holidays that fall on a weekday, sorted
        if self.country:
            try:
                holidays.country_holidays(self.country, subdiv=self.subdivision)
            except NotImplementedError:
                where = f"{country} (subdivision {subdivision})" if self.subdivision else country
                raise ValueError(f"No public holiday calendar is known for {where!r}") from None

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> BusinessCalendar:
        """The calendar the settings file names (``country``, ``subdivision``); see the module docstring."""
        country = settings.get("country", settings.get("holidays_country", DEFAULT_COUNTRY))
        subdivision = settings.get("subdivision", settings.get("holidays_subdivision"))
        if not isinstance(country, str) or (subdivision is not None and not isinstance(subdivision, str)):
            return _with_problem(f"The settings' country must be a code such as {DEFAULT_COUNTRY!r}")
        try:
            return _calendar(country, subdivision)
        except ValueError as exc:
            return _with_problem(f"{exc}; business days skip weekends only")

    @property
    def description(self) -> str:
        """What the calendar skips, for a figure's source line: "weekends and US public holidays"."""
        if not self.country:
            return "weekends"
        where = f"{self.country}-{self.subdivision}" if self.subdivision else self.country
        return f"weekends and {where} public holidays"

    # -- the one count ---------------------------------------------------------------------------

    def _holidays(self, year: int) -> tuple[dt.date, ...]:
        found = self._years.get(year)
        if found is None:
            with self._lock:  # the metrics measure in two threads; each year is looked up once
                found = self._years.get(year)
                if found is None:
                    days: tuple[dt.date, ...] = ()
                    if self.country:
                        listed = holidays.country_holidays(self.country, subdiv=self.subdivision, years=year)
                        days = tuple(sorted(day for day in listed if day.weekday() < 5))
                    found = self._years[year] = days
        return found

    def is_business_day(self, day: dt.date) -> bool:
        if day.weekday() >= 5:
            return False
        listed = self._holidays(day.year)
        i = bisect.bisect_left(listed, day)
        return not (i < len(listed) and listed[i] == day)

    def count(self, first: dt.date, last: dt.date) -> int:
        """Business days from `first` to `last`, both included (0 when `last` is earlier)."""
        if last < first:
            return 0
        weeks, extra = divmod((last - first).days + 1, 7)
        weekdays = weeks * 5 + sum((first.weekday() + offset) % 7 < 5 for offset in range(extra))
        off = 0
        for year in range(first.year, last.year + 1):
            listed = self._holidays(year)
            off += bisect.bisect_right(listed, last) - bisect.bisect_left(listed, first)
        return weekdays - off

    # -- the questions the console asks ----------------------------------------------------------

    def add_business_days(self, start: dt.date, days: int) -> dt.date:
        """The date `days` business days after `start` (before it when `days` is negative)."""
        step = dt.timedelta(days=1 if days >= 0 else -1)
        current, remaining = start, abs(days)
        while remaining:
            current += step
            if self.is_business_day(current):
                remaining -= 1
        return current

    def next_business_day(self, day: dt.date) -> dt.date:
        """The first business day after `day` (the default due date of a new commitment)."""
        return self.add_business_days(day, 1)

    def business_days_before(self, moment: dt.datetime, days: int) -> dt.datetime:
        """The moment `days` business days before `moment`, at the same time of day."""
        return dt.datetime.combine(self.add_business_days(moment.date(), -days), moment.time(), moment.tzinfo)

    def business_days_until(self, start: dt.date, end: dt.date) -> int:
        """A countdown: business days after `start` up to and including `end` (negative when `end` is earlier)."""
        if end < start:
            return -self.business_days_until(end, start)
        return self.count(start + dt.timedelta(days=1), end)

    def business_days_elapsed(self, start: dt.date, stop: dt.date) -> int:
        """An allowance's clock from `start` to `stop`: one started on a day off starts on the next
        business day, one stopped on a day off counts for the business day before it; never negative."""
        return max(0, self.count(start, stop) - 1)

    def ordinals(self, first: dt.date, last: dt.date) -> dict[str, list[int]]:
        """For each day from `first` to `last`: [the count a clock started that day begins from, the count
        a clock stopped that day ends at], so SQL reads ``business_days_elapsed`` as a difference."""
        table: dict[str, list[int]] = {}
        count = 0
        day = first
        while day <= last:
            business = self.is_business_day(day)
            count += business
            table[day.isoformat()] = [count if business else count + 1, count]
            day += dt.timedelta(days=1)
        return table


WEEKENDS_ONLY = BusinessCalendar()


@lru_cache(maxsize=16)
def _calendar(country: str, subdivision: str | None) -> BusinessCalendar:
    """One calendar per country, shared, so each year's holidays are looked up once per process."""
    return BusinessCalendar(country, subdivision)


def _with_problem(problem: str) -> BusinessCalendar:
    calendar = BusinessCalendar()
    calendar.problem = problem
    return calendar


def user_calendar() -> BusinessCalendar:
    """The calendar of the lead's settings file (``country``, ``subdivision``)."""
    return BusinessCalendar.from_settings(load_settings())


__all__ = ["DEFAULT_COUNTRY", "WEEKENDS_ONLY", "BusinessCalendar", "user_calendar"]
