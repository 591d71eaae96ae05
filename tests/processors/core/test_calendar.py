"""Working days of England and Wales and of Scotland, from the `holidays` library."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import holidays
import pytest
from gwt_core import ENG, SCT

from processors.core import bank_holiday_table
from processors.core.calendar import (
    _SUBDIVISION,
    bank_holidays,
    country_for,
    is_working_day,
    working_days_after,
)
from processors.vocabulary.mpan import Country

EW = Country.ENGLAND_AND_WALES
SC = Country.SCOTLAND


def test_weekends_are_not_working_days() -> None:
    assert is_working_day(date(2024, 3, 1), EW)  # Friday
    assert not is_working_day(date(2024, 3, 2), EW)
    assert not is_working_day(date(2024, 3, 3), SC)


@pytest.mark.parametrize(
    ("day", "england", "scotland"),
    [
        (date(2024, 12, 25), False, False),
        (date(2024, 12, 26), False, False),
        (date(2025, 1, 1), False, False),
        (date(2025, 1, 2), True, False),  # Scotland's 2nd January
        (date(2024, 4, 1), False, True),  # Easter Monday: England and Wales only
        (date(2024, 8, 5), True, False),  # Scottish summer bank holiday
        (date(2024, 8, 26), False, True),  # English summer bank holiday
        (date(2024, 12, 2), True, False),  # St Andrew's Day substitute
    ],
)
def test_bank_holidays_by_country(day: date, england: bool, scotland: bool) -> None:
    assert is_working_day(day, EW) is england
    assert is_working_day(day, SC) is scotland


def test_working_days_after_skips_christmas_and_new_year() -> None:
    assert working_days_after(date(2024, 12, 20), 5, EW) == date(2024, 12, 31)
    assert working_days_after(date(2024, 12, 20), 6, EW) == date(2025, 1, 2)
    assert working_days_after(date(2024, 12, 20), 6, SC) == date(2025, 1, 3)
    assert working_days_after(date(2024, 12, 20), 11, EW) == date(2025, 1, 9)
    assert working_days_after(date(2024, 12, 20), 11, SC) == date(2025, 1, 10)


def test_working_days_after_never_counts_the_day_itself() -> None:
    assert working_days_after(date(2024, 3, 1), 1, EW) == date(2024, 3, 4)
    assert working_days_after(date(2024, 3, 2), 1, EW) == date(2024, 3, 4)
    assert working_days_after(date(2024, 3, 1), 0, EW) == date(2024, 3, 1)
    with pytest.raises(ValueError, match="n must be"):
        working_days_after(date(2024, 3, 1), -1, EW)


def test_unknown_country_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown country"):
        is_working_day(date(2024, 3, 1), "wales")


def test_country_of_a_supply_point_comes_from_its_distributor() -> None:
    assert country_for(SCT) == SC
    assert country_for(ENG) == EW
    assert country_for("not an mpan") == EW


@pytest.mark.parametrize("country", [EW, SC])
def test_the_table_is_the_holidays_librarys_calendar(country: Country) -> None:
    """The table the calendar reads (D73) gives every year the library's bank holidays."""
    subdiv = _SUBDIVISION[country.value]
    for year in range(bank_holiday_table.FIRST_YEAR, bank_holiday_table.LAST_YEAR + 1):
        expected = frozenset(holidays.country_holidays("GB", subdiv=subdiv, years=year).keys())
        assert bank_holidays(year, country.value) == expected, year


def test_a_year_outside_the_table_asks_the_library() -> None:
    year = bank_holiday_table.LAST_YEAR + 1
    assert bank_holidays(year, EW.value) == frozenset(
        holidays.country_holidays("GB", subdiv="ENG", years=year)
    )
    assert date(year, 12, 25) in bank_holidays(year, SC.value)


def test_the_calendar_does_not_import_the_holidays_library() -> None:
    """The worker's imports, and a working-day count, leave out `holidays` (16 MB, D73)."""
    code = (
        "import sys, processors.streaming.worker\n"
        "from datetime import date\n"
        "from processors.core.calendar import working_days_after\n"
        "working_days_after(date(2024, 12, 20), 11, 'england_and_wales')\n"
        "print('holidays' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
