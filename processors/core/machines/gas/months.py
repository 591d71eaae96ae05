"""The calendar of gas reconciliation: months as `YYYY-MM`, UNC business days.

UNC business days are England and Wales working days, whatever the LDZ (SPEC 10).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from processors.core.calendar import is_working_day, working_days_after
from processors.vocabulary.events import UK
from processors.vocabulary.mpan import Country

GAS_COUNTRY = Country.ENGLAND_AND_WALES.value
SNAPSHOT_DAY = 15
LIST_DUE_DAY = 28
_ONE_DAY = timedelta(days=1)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def last_day(month: str) -> date:
    start = first_day(month)
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return following - _ONE_DAY


def days_of(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def snapshot_day_on_or_after(day: date) -> date:
    """The first 15th on or after `day`."""
    if day.day <= SNAPSHOT_DAY:
        return day.replace(day=SNAPSHOT_DAY)
    return last_day(month_of(day)) + timedelta(days=SNAPSHOT_DAY)


def business_day_on_or_after(day: date) -> date:
    while not is_working_day(day, GAS_COUNTRY):
        day += _ONE_DAY
    return day


def business_days_after(day: date, n: int) -> date:
    return working_days_after(day, n, GAS_COUNTRY)


def list_due_by(month: str) -> date:
    """The 28th of the month, or the next business day when it is not one (E 6.9.4)."""
    return business_day_on_or_after(first_day(month).replace(day=LIST_DUE_DAY))


def noon(day: date) -> datetime:
    """The occurred_at of a follow-up: its cause's UK day (noon, so the day is unambiguous)."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=UK)
