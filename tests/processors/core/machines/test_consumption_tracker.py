"""Consumption trackers (SPEC 9): given an account's tracker, when its sites' days arrive,
then one NotifyConsumptionExceeded per tracker period whose total passes the limit."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from tests.processors.core.machines.halfhourly_builders import (
    flat_values,
    half_hourly,
    tracker_removed,
    tracker_set,
)
from tests.processors.scenarios.gwt_core import Scenario, make_mpan, registered

SHOP = make_mpan("11", 601)
OFFICE = make_mpan("11", 602)
ELSEWHERE = make_mpan("11", 603)
ACCOUNT = "A-77"
MONDAY = date(2025, 3, 10)


def account_sites() -> Scenario:
    return Scenario().given(
        registered(SHOP, "smart_hh", date(2025, 1, 1), account_id=ACCOUNT),
        registered(OFFICE, "smart_hh", date(2025, 1, 1), account_id=ACCOUNT),
        registered(ELSEWHERE, "smart_hh", date(2025, 1, 1), account_id="A-other"),
    )


def test_a_daily_tracker_notifies_once_when_the_day_passes_its_limit() -> None:
    s = account_sites().play(
        [
            tracker_set(ACCOUNT, "day", "40", on=MONDAY - timedelta(days=1)),
            half_hourly(SHOP, MONDAY, flat_values(MONDAY, "0.5")),  # 24 kWh
            half_hourly(OFFICE, MONDAY, flat_values(MONDAY, "0.5")),  # 48 in all: passes 40
            half_hourly(ELSEWHERE, MONDAY, flat_values(MONDAY, "5")),  # another account's
        ],
        until=MONDAY + timedelta(days=2),
    )
    note = s.one("NotifyConsumptionExceeded")
    assert (note.tracker_id, note.account_id, note.period_start, note.period_end) == (
        "T-1",
        ACCOUNT,
        MONDAY,
        MONDAY,
    )
    assert (note.used_kwh, note.limit_kwh, note.complete) == (Decimal(48), Decimal(40), True)


def test_reaching_the_limit_exactly_does_not_pass_it() -> None:
    s = account_sites().play(
        [tracker_set(ACCOUNT, "day", "24", on=MONDAY), half_hourly(SHOP, MONDAY, flat_values(MONDAY, "0.5"))],
        until=MONDAY + timedelta(days=1),
    )
    assert s.of_type("NotifyConsumptionExceeded") == []


def test_a_weekly_tracker_notifies_once_and_is_incomplete_while_periods_are_missing() -> None:
    days = [MONDAY + timedelta(days=i) for i in range(7)]
    events = [tracker_set(ACCOUNT, "week", "100", on=MONDAY, mpans=[SHOP])]
    events += [half_hourly(SHOP, d, flat_values(d, "1", missing=(5,) if d == MONDAY else ())) for d in days]
    s = account_sites().play(events, until=days[-1] + timedelta(days=1))
    note = s.one("NotifyConsumptionExceeded")
    # 47 kWh on Monday, 48 on Tuesday, 48 on Wednesday: passes 100 on Wednesday's data.
    assert (note.period_start, note.period_end, note.used_kwh) == (
        MONDAY,
        MONDAY + timedelta(days=6),
        Decimal(143),
    )
    assert note.complete is False
    assert note.issued_on == MONDAY + timedelta(days=3)


def test_each_period_is_notified_once() -> None:
    days = [MONDAY + timedelta(days=i) for i in range(3)]
    events = [tracker_set(ACCOUNT, "day", "10", on=MONDAY)]
    events += [half_hourly(SHOP, d) for d in days]
    events += [half_hourly(SHOP, days[0], flat_values(days[0], "2"), on=days[-1] + timedelta(days=1))]
    s = account_sites().play(events, until=days[-1] + timedelta(days=1))
    assert [n.period_start for n in s.of_type("NotifyConsumptionExceeded")] == days


def test_a_removed_tracker_notifies_nothing() -> None:
    s = account_sites().play(
        [
            tracker_set(ACCOUNT, "day", "1", on=MONDAY),
            tracker_removed(ACCOUNT, on=MONDAY),
            half_hourly(SHOP, MONDAY),
        ],
        until=MONDAY + timedelta(days=1),
    )
    assert s.of_type("NotifyConsumptionExceeded") == []


def test_a_tracker_of_named_sites_counts_only_them() -> None:
    s = account_sites().play(
        [
            tracker_set(ACCOUNT, "month", "60", on=MONDAY, mpans=[OFFICE]),
            half_hourly(SHOP, MONDAY, flat_values(MONDAY, "5")),
            half_hourly(OFFICE, MONDAY, flat_values(MONDAY, "1")),
        ],
        until=MONDAY + timedelta(days=1),
    )
    assert s.of_type("NotifyConsumptionExceeded") == []


def test_a_site_day_resent_late_replaces_its_total_and_the_totals_stay_in_day_order() -> None:
    days = [MONDAY + timedelta(days=i) for i in range(3)]
    events = [tracker_set(ACCOUNT, "week", "150", on=MONDAY)]
    events += [half_hourly(d_site, d) for d in days for d_site in (OFFICE, SHOP)]  # 24 kWh a site-day
    events.append(half_hourly(SHOP, MONDAY, flat_values(MONDAY, "1.5"), on=days[-1] + timedelta(days=1)))
    s = account_sites().play(events, until=days[-1] + timedelta(days=2))
    note = s.one("NotifyConsumptionExceeded")  # 6 x 24 = 144, then 5 x 24 + 72: replaced, not added
    assert (note.used_kwh, note.complete) == (Decimal(192), False)
    state = s.engine.state_of(ACCOUNT, "consumption_tracker")
    assert [(t.day, t.mpan) for t in state.totals] == sorted((d, m) for d in days for m in (SHOP, OFFICE))
    assert [t.kwh for t in state.totals if (t.day, t.mpan) == (MONDAY, SHOP)] == [Decimal(72)]
