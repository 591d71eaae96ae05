"""The wall-clock scheduler's arithmetic: which day ticks a partition is owed.

The core never reads the clock (SPEC 2.3). In streaming mode the worker asks this module,
from time to time, which day the wall clock has closed, and writes that day's tick into
each partition it owns whose Engine has not closed it yet. The Engine closes skipped
days in order, so one tick for "yesterday" after downtime is enough.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from processors.vocabulary.events import DayClosed, end_of_day, uk_day


def last_closed_day(now: datetime | None = None) -> date:
    """The latest UK day that is over at `now` (yesterday, UK time)."""
    instant = now or datetime.now(UTC)
    return uk_day(instant) - timedelta(days=1)


def tick_for(day: date) -> DayClosed:
    """The tick that closes `day`, stamped as ingest stamps it: the last instant of that UK day."""
    return DayClosed.for_day(day, end_of_day(day))


def tick_due(closed: date | None, sent: date | None, today_closed: date) -> bool:
    """Whether a partition whose Engine closed `closed` (and to which we already sent a
    tick for `sent`) needs a tick for `today_closed`."""
    if closed is not None and closed >= today_closed:
        return False
    return sent is None or sent < today_closed
