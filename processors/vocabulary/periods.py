"""Settlement periods: the half hours of a UK day, clock changes included.

Period 1 starts at local midnight; a day has 48 periods, 46 on the day the clocks go
forward and 50 on the day they go back (DOMAIN.md "Smart tariffs, precisely"). The
flows reader (a day's period count), the rating machine (each period's local time) and
the consumption store (each period's instant) all read them from here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from processors.vocabulary.events.base import UK

HALF_HOUR = timedelta(minutes=30)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UK).astimezone(UTC)


@lru_cache(maxsize=4096)
def period_starts(day: date) -> tuple[datetime, ...]:
    """The UTC start of each settlement period of the UK day `day`, period 1 first."""
    first = _midnight(day)
    end = _midnight(day + timedelta(days=1))
    count = int((end - first) / HALF_HOUR)
    return tuple(first + i * HALF_HOUR for i in range(count))


def periods_in_day(day: date) -> int:
    """46, 48 or 50."""
    return len(period_starts(day))


@lru_cache(maxsize=4096)
def local_minutes(day: date) -> tuple[int, ...]:
    """The UK local time of day of each period's start, in minutes after midnight."""
    out = []
    for start in period_starts(day):
        local = start.astimezone(UK)
        out.append(local.hour * 60 + local.minute)
    return tuple(out)


def periods_overlapping(day: date, start: datetime, end: datetime) -> tuple[int, ...]:
    """The 1-based periods of `day` that the interval [start, end) overlaps (an interval is
    so widened to whole half hours)."""
    return tuple(
        i
        for i, period_start in enumerate(period_starts(day), start=1)
        if start < period_start + HALF_HOUR and end > period_start
    )
