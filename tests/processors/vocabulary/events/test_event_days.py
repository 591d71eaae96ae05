"""`uk_day`, an event's UK day: the shortcut for UTC instants gives the day the time zone
conversion gives, across every BST change and where the UK's offset was neither 0 nor +1."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from hypothesis import given
from hypothesis import strategies as st

from processors.vocabulary.events.base import UK, uk_day


def _converted(instant: datetime) -> date:
    return instant.astimezone(UK).date()


def test_the_late_utc_hours_of_every_day_from_1970_to_2100_fall_on_the_uk_day() -> None:
    day = date(1970, 1, 1)
    while day < date(2100, 1, 1):
        for hour in (0, 21, 22, 23):
            instant = datetime.combine(day, time(hour, 59, 59), tzinfo=UTC)
            assert uk_day(instant) == _converted(instant), instant
        day += timedelta(days=1)


def test_an_instant_in_bst_after_2300_utc_is_the_next_uk_day() -> None:
    assert uk_day(datetime(2024, 6, 1, 23, 30, tzinfo=UTC)) == date(2024, 6, 2)
    assert uk_day(datetime(2024, 12, 1, 23, 30, tzinfo=UTC)) == date(2024, 12, 1)


def test_double_summer_time_moved_the_day_from_2200_utc() -> None:
    assert uk_day(datetime(1944, 6, 6, 22, 30, tzinfo=UTC)) == date(1944, 6, 7)


@given(
    st.datetimes(min_value=datetime(1800, 1, 1), max_value=datetime(2200, 1, 1)),
    st.sampled_from([UTC, UK, timezone(timedelta(hours=-5)), timezone(timedelta(hours=3))]),
)
def test_any_aware_instant_falls_on_the_day_the_conversion_gives(naive: datetime, zone: tzinfo) -> None:
    instant = naive.replace(tzinfo=zone)
    assert uk_day(instant) == _converted(instant)
