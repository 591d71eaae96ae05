"""Working days: weekends and the bank holidays of England and Wales, or of Scotland.

The calendar comes from the `holidays` library (UK subdivisions ENG and SCT), cached per
year, so deadlines such as "10 working days later" follow the published calendar. The
years 1970-2099 are read from a table written from the library
(`bank_holiday_table`, scripts/bank_holiday_table.py): importing `holidays` loads every
country it knows, about 16 MB a process (D73), so it is imported only for other years.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from processors.core import bank_holiday_table
from processors.vocabulary.mpan import Country, InvalidMpan, country_of

_SUBDIVISION = {Country.ENGLAND_AND_WALES.value: "ENG", Country.SCOTLAND.value: "SCT"}
ONE_DAY = timedelta(days=1)
"""A day as a `timedelta`, built once (deadline arithmetic runs per state and listing)."""


@lru_cache(maxsize=512)
def bank_holidays(year: int, country: str) -> frozenset[date]:
    """The bank holidays of `country` (a Country value) in `year`."""
    try:
        subdiv = _SUBDIVISION[str(country)]
    except KeyError:
        raise ValueError(f"unknown country {country!r}; expected one of {sorted(_SUBDIVISION)}") from None
    if bank_holiday_table.FIRST_YEAR <= year <= bank_holiday_table.LAST_YEAR:
        line = getattr(bank_holiday_table, subdiv)[year - bank_holiday_table.FIRST_YEAR]
        return frozenset(date(year, int(day[:2]), int(day[2:])) for day in line.split())
    import holidays  # noqa: PLC0415 - only for a year outside the table (see the module doc)

    return frozenset(holidays.country_holidays("GB", subdiv=subdiv, years=year).keys())


def is_working_day(day: date, country: str) -> bool:
    """Monday to Friday and not a bank holiday of `country`."""
    return day.weekday() < 5 and day not in bank_holidays(day.year, country)


@lru_cache(maxsize=65536)
def working_days_after(day: date, n: int, country: str) -> date:
    """The n-th working day after `day` (n >= 1); `day` itself never counts."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    current = day
    left = n
    while left:
        current += ONE_DAY
        if is_working_day(current, country):
            left -= 1
    return current


def country_for(mpan: str) -> Country:
    """The supply point's country; England and Wales when the key is not a valid MPAN core."""
    try:
        return country_of(mpan)
    except InvalidMpan:
        return Country.ENGLAND_AND_WALES
