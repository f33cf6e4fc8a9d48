"""The one business calendar: weekends and the public holidays of the lead's country, counted one way."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from mediation_console.console.core.calendar import DEFAULT_COUNTRY, WEEKENDS_ONLY, BusinessCalendar, user_calendar

THANKSGIVING = dt.date(2026, 11, 26)  # a Thursday, a public holiday in the United States


def test_business_days_skip_weekends():
    friday = dt.date(2025, 3, 7)
    assert WEEKENDS_ONLY.add_business_days(friday, 1) == dt.date(2025, 3, 10)
    assert WEEKENDS_ONLY.add_business_days(friday, 5) == dt.date(2025, 3, 14)
    assert WEEKENDS_ONLY.business_days_until(friday, dt.date(2025, 3, 14)) == 5
    assert WEEKENDS_ONLY.business_days_until(dt.date(2025, 3, 14), friday) == -5
    assert WEEKENDS_ONLY.next_business_day(dt.date(2026, 11, 26)) == dt.date(2026, 11, 27)  # Thu -> Fri
    assert WEEKENDS_ONLY.next_business_day(dt.date(2026, 11, 27)) == dt.date(2026, 11, 30)  # Fri -> Mon
    assert WEEKENDS_ONLY.business_days_before(dt.datetime(2026, 11, 30, 9), 1) == dt.datetime(2026, 11, 27, 9)


def test_an_allowance_clock_starts_on_the_next_business_day():
    assert WEEKENDS_ONLY.business_days_elapsed(dt.date(2026, 11, 13), dt.date(2026, 11, 16)) == 1  # Fri -> Mon
    assert WEEKENDS_ONLY.business_days_elapsed(dt.date(2026, 11, 14), dt.date(2026, 11, 16)) == 0  # Sat -> Mon
    assert WEEKENDS_ONLY.business_days_elapsed(dt.date(2026, 11, 16), dt.date(2026, 11, 23)) == 5
    # A countdown from a Saturday still has Monday to work with.
    assert WEEKENDS_ONLY.business_days_until(dt.date(2026, 11, 14), dt.date(2026, 11, 16)) == 1


def test_the_ordinals_the_sql_reads_give_the_same_clock():
    us = BusinessCalendar("US")
    first, last = dt.date(2026, 11, 1), dt.date(2026, 12, 31)
    table = json.loads(json.dumps(us.ordinals(first, last)))
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    for start in days[::3]:
        for stop in days:
            if stop >= start:
                assert max(0, table[stop.isoformat()][1] - table[start.isoformat()][0]) == us.business_days_elapsed(
                    start, stop
                )


def test_a_public_holiday_of_the_country_is_no_business_day():
    us = BusinessCalendar("US")
    assert not us.is_business_day(THANKSGIVING)
    assert WEEKENDS_ONLY.is_business_day(THANKSGIVING)
    assert us.next_business_day(dt.date(2026, 11, 25)) == dt.date(2026, 11, 27)
    assert us.add_business_days(dt.date(2026, 11, 20), 5) == dt.date(2026, 11, 30)
    assert us.business_days_until(dt.date(2026, 11, 23), dt.date(2026, 11, 27)) == 3
    assert us.business_days_elapsed(dt.date(2026, 11, 25), dt.date(2026, 11, 27)) == 1
    assert us.description == "weekends and US public holidays"
    # Another country's holiday is a working day here: Boxing Day is not a US holiday.
    assert us.is_business_day(dt.date(2026, 12, 28)) and not BusinessCalendar("GB").is_business_day(
        dt.date(2026, 12, 28)
    )


def test_the_country_comes_from_the_settings_file(tmp_path, monkeypatch):
    settings = tmp_path / "settings.json"
    monkeypatch.setenv("MEDIATE_SETTINGS", str(settings))
    assert user_calendar().country == DEFAULT_COUNTRY == "US"  # no settings file: the default country
    settings.write_text(json.dumps({"country": "gb", "subdivision": "SCT"}))
    scotland = user_calendar()
    assert (scotland.country, scotland.subdivision) == ("GB", "SCT")
    assert not scotland.is_business_day(dt.date(2026, 11, 30))  # St Andrew's Day
    settings.write_text(json.dumps({"country": ""}))
    assert user_calendar().country is None  # weekends only, as asked


def test_an_unknown_country_counts_weekends_only_and_says_why():
    with pytest.raises(ValueError, match="No public holiday calendar"):
        BusinessCalendar("Atlantis")
    calendar = BusinessCalendar.from_settings({"country": "Atlantis"})
    assert calendar.country is None and "Atlantis" in (calendar.problem or "")
    assert BusinessCalendar.from_settings({"holidays_country": "Atlantis"}).country is None
    assert BusinessCalendar.from_settings({"country": 42}).problem
