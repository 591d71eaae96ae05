"""The wall-clock scheduler's arithmetic: which tick a partition is owed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from processors.streaming.clock import last_closed_day, tick_due, tick_for


def test_the_closed_day_is_yesterday_in_uk_time() -> None:
    # 23:30 UTC on 30 June is 00:30 BST on 1 July: 30 June is over in the UK
    assert last_closed_day(datetime(2024, 6, 30, 23, 30, tzinfo=UTC)) == date(2024, 6, 30)
    # 23:30 UTC on 30 January is still 30 January in the UK (GMT)
    assert last_closed_day(datetime(2024, 1, 30, 23, 30, tzinfo=UTC)) == date(2024, 1, 29)


def test_a_tick_is_owed_once_until_the_engine_has_closed_the_day() -> None:
    day = date(2024, 3, 10)
    assert tick_due(None, None, day)
    assert tick_due(date(2024, 3, 1), None, day)  # after downtime: one tick closes the gap
    assert not tick_due(date(2024, 3, 1), day, day)  # already sent, not yet folded
    assert not tick_due(day, None, day)
    assert tick_due(date(2024, 3, 9), date(2024, 3, 9), day)


def test_the_tick_closes_its_day_at_the_days_end() -> None:
    tick = tick_for(date(2024, 3, 10))
    assert tick.event_id == "tick/2024-03-10"
    assert tick.closed_day == date(2024, 3, 10)
    assert tick.day == date(2024, 3, 10)
