"""The consumption store and its reports: ranges and portfolios with their gaps (a missing
period is null, never zero), late fills, clock-change days, CSV, and a file store reused."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from processors.history.reports import portfolio_report, report_csv, site_report
from processors.history.store import ConsumptionStore, Resolution
from tests.processors.core.machines.halfhourly_builders import flat_values, half_hourly
from tests.processors.scenarios.gwt_core import make_mpan, registered

SHOP = make_mpan("11", 801)
OFFICE = make_mpan("11", 802)
DAY = date(2025, 3, 12)


def store_with(*events: object) -> ConsumptionStore:
    store = ConsumptionStore()
    store.observe_all(
        [
            registered(SHOP, "smart_hh", date(2025, 1, 1), account_id="A-1"),
            registered(OFFICE, "smart_hh", date(2025, 1, 1), account_id="A-1"),
            *events,
        ]
    )
    return store


def site(store: ConsumptionStore, first: date, last: date, resolution: Resolution) -> dict:
    return site_report(store, SHOP, first=first, last=last, resolution=resolution, direction="import")


def test_a_missing_period_is_null_never_zero() -> None:
    store = store_with(half_hourly(SHOP, DAY, flat_values(DAY, "0.25", missing=(3,))))
    points = site(store, DAY, DAY, Resolution.HALF_HOUR)["points"]
    assert len(points) == 48
    assert points[2] == {"start": "2025-03-12T01:00:00+00:00", "kwh": None, "missing": 1}
    assert points[0]["kwh"] == "0.250"


def test_a_day_with_no_data_is_a_gap_at_every_resolution() -> None:
    store = store_with(half_hourly(SHOP, DAY))
    nxt = DAY + timedelta(days=1)
    assert {p["kwh"] for p in site(store, nxt, nxt, Resolution.HALF_HOUR)["points"]} == {None}
    days = site(store, DAY, nxt, Resolution.DAY)["points"]
    assert [(p["kwh"], p["missing"]) for p in days] == [("48.000", 0), (None, 48)]


def test_hours_and_days_sum_present_values_and_count_missing_ones() -> None:
    store = store_with(half_hourly(SHOP, DAY, flat_values(DAY, "1", missing=(4,))))
    hours = site(store, DAY, DAY, Resolution.HOUR)["points"]
    assert len(hours) == 24
    assert [(h["kwh"], h["missing"]) for h in hours[:3]] == [("2.000", 0), ("1.000", 1), ("2.000", 0)]
    day = site(store, DAY, DAY, Resolution.DAY)["points"]
    assert [(d["kwh"], d["missing"]) for d in day] == [("47.000", 1)]


def test_a_late_fill_completes_the_stored_day() -> None:
    first = half_hourly(SHOP, DAY, flat_values(DAY, "1", missing=(20, 21)))
    fill = half_hourly(SHOP, DAY, tuple(Decimal(2) if i in (20, 21) else None for i in range(1, 49)))
    store = store_with(first)
    store.observe_all([fill])
    day = site(store, DAY, DAY, Resolution.DAY)["points"]
    assert [(d["kwh"], d["missing"]) for d in day] == [("50.000", 0)]


def test_clock_change_days_have_their_own_periods_and_hours() -> None:
    spring, autumn = date(2026, 3, 29), date(2026, 10, 25)
    store = store_with(half_hourly(SHOP, spring), half_hourly(SHOP, autumn))
    assert len(site(store, spring, spring, Resolution.HALF_HOUR)["points"]) == 46
    assert len(site(store, spring, spring, Resolution.HOUR)["points"]) == 23
    hours = site(store, autumn, autumn, Resolution.HOUR)["points"]
    assert len(hours) == 25
    assert [h["start"] for h in hours[1:3]] == ["2026-10-25T00:00:00+00:00", "2026-10-25T01:00:00+00:00"]


def test_a_portfolio_sums_its_sites_and_lists_the_ones_without_data() -> None:
    store = store_with(
        half_hourly(SHOP, DAY, flat_values(DAY, "1")), half_hourly(OFFICE, DAY, flat_values(DAY, "2"))
    )
    report = portfolio_report(
        store, "A-1", first=DAY, last=DAY + timedelta(days=1), resolution=Resolution.DAY, direction="import"
    )
    assert report["sites"] == sorted([SHOP, OFFICE])
    assert report["missing_sites"] == []
    assert [(p["kwh"], p["missing"]) for p in report["points"]] == [("144.000", 0), (None, 96)]
    only_shop = store_with(half_hourly(SHOP, DAY))
    partial = portfolio_report(
        only_shop, "A-1", first=DAY, last=DAY, resolution=Resolution.DAY, direction="import"
    )
    assert partial["missing_sites"] == [OFFICE]
    assert [(p["kwh"], p["missing"]) for p in partial["points"]] == [("48.000", 48)]


def test_csv_leaves_a_missing_period_empty() -> None:
    store = store_with(half_hourly(SHOP, DAY, flat_values(DAY, "0.5", missing=(1,))))
    lines = report_csv(site(store, DAY, DAY, Resolution.HALF_HOUR)).splitlines()
    assert lines[0] == "start,kwh,missing"
    assert lines[1] == "2025-03-12T00:00:00+00:00,,1"
    assert lines[2] == "2025-03-12T00:30:00+00:00,0.500,0"


def test_a_store_file_is_reused(tmp_path: Path) -> None:
    path = tmp_path / "history.duckdb"
    store = ConsumptionStore(path)
    store.observe_all(
        [registered(SHOP, "smart_hh", date(2025, 1, 1), account_id="A-1"), half_hourly(SHOP, DAY)]
    )
    store.close()
    again = ConsumptionStore(path)
    assert again.sites_of("A-1") == [SHOP]
    assert site(again, DAY, DAY, Resolution.DAY)["points"][0]["kwh"] == "48.000"
    again.close()
