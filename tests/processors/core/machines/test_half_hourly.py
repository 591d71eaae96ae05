"""Half-hourly rating (SPEC 9, DOMAIN "Smart tariffs, precisely"): given a site on a smart
tariff, when its days' values, dispatches and corrections arrive, then the ratings."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from processors.vocabulary.commands import RatedEnergy
from processors.vocabulary.events import UK
from processors.vocabulary.periods import periods_in_day, periods_overlapping
from tests.processors.core.machines.halfhourly_builders import (
    dispatch,
    flat_values,
    half_hourly,
    tariff,
)
from tests.processors.scenarios.gwt_core import Scenario, make_mpan, registered

SITE = make_mpan("14", 501)
DAY = date(2025, 3, 12)  # a Wednesday of 48 periods
START = date(2025, 3, 1)


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=UK)


def on_tariff(product: str) -> Scenario:
    return Scenario().given(tariff(SITE, product, START))


def energy(off_kwh: str, peak_kwh: str, off_cost: str, peak_cost: str) -> RatedEnergy:
    return RatedEnergy(
        off_peak_kwh=Decimal(off_kwh),
        peak_kwh=Decimal(peak_kwh),
        off_peak_cost=Decimal(off_cost),
        peak_cost=Decimal(peak_cost),
    )


# --- IO Go -------------------------------------------------------------------------------


def test_io_go_rates_23_30_to_05_30_off_peak_and_the_rest_at_peak() -> None:
    s = on_tariff("IO_GO").play([half_hourly(SITE, DAY)], until=DAY + timedelta(days=1))
    rated = s.one("RateHalfHourlyConsumption")
    # 00:00-05:30 is 11 half hours, 23:30-24:00 one more: 12 kWh off-peak, 36 at peak.
    assert rated.import_ == energy("12", "36", "84.0000", "882.0000")
    assert (rated.mpan, rated.day, rated.product, rated.export, rated.missing_periods) == (
        SITE,
        DAY,
        "IO_GO",
        None,
        (),
    )
    assert rated.issued_on == DAY + timedelta(days=1)


def test_a_completed_smart_dispatch_is_off_peak_widened_to_whole_half_hours() -> None:
    # 12:45-14:10 overlaps the half hours from 12:30 to 14:30: four of them.
    s = on_tariff("IO_GO").play(
        [dispatch(SITE, local(DAY, 12, 45), local(DAY, 14, 10)), half_hourly(SITE, DAY)],
        until=DAY + timedelta(days=1),
    )
    assert s.one("RateHalfHourlyConsumption").import_ == energy("16", "32", "112.0000", "784.0000")


def test_a_dispatch_ending_02_10_covers_the_half_hour_from_02_00() -> None:
    periods = periods_overlapping(DAY, local(DAY, 1, 40), local(DAY, 2, 10))
    assert periods == (4, 5)  # 01:30-02:00 and 02:00-02:30


def test_a_smart_dispatch_at_19_00_makes_that_half_hour_off_peak() -> None:
    s = on_tariff("IO_GO").play(
        [dispatch(SITE, local(DAY, 19), local(DAY, 19, 30)), half_hourly(SITE, DAY)],
        until=DAY + timedelta(days=1),
    )
    assert s.one("RateHalfHourlyConsumption").import_ == energy("13", "35", "91.0000", "857.5000")


def test_a_planned_dispatch_that_did_not_complete_changes_nothing() -> None:
    planned = dispatch(SITE, local(DAY, 13), local(DAY, 14), completed=False)
    with_plan = on_tariff("IO_GO").play([planned, half_hourly(SITE, DAY)], until=DAY + timedelta(days=1))
    without = on_tariff("IO_GO").play([half_hourly(SITE, DAY)], until=DAY + timedelta(days=1))
    assert (
        with_plan.one("RateHalfHourlyConsumption").import_ == without.one("RateHalfHourlyConsumption").import_
    )
    assert with_plan.of_type("CorrectHalfHourlyRating") == []


def test_bump_charging_gets_the_rate_of_the_time_of_day() -> None:
    bumps = [
        dispatch(SITE, local(DAY, 17), local(DAY, 18), kind="bump"),
        dispatch(SITE, local(DAY, 1), local(DAY, 2), kind="bump"),
    ]
    s = on_tariff("IO_GO").play([*bumps, half_hourly(SITE, DAY)], until=DAY + timedelta(days=1))
    assert s.one("RateHalfHourlyConsumption").import_ == energy("12", "36", "84.0000", "882.0000")


def test_a_late_completed_dispatch_corrects_the_rated_day() -> None:
    late = dispatch(SITE, local(DAY, 14), local(DAY, 14, 40), on=local(DAY + timedelta(days=3), 9))
    s = on_tariff("IO_GO").play([half_hourly(SITE, DAY), late], until=DAY + timedelta(days=3))
    rated = s.one("RateHalfHourlyConsumption")
    corrected = s.one("CorrectHalfHourlyRating")
    assert corrected.replaces == rated.command_id
    assert corrected.import_ == energy("14", "34", "98.0000", "833.0000")
    assert corrected.issued_on == DAY + timedelta(days=3)


def test_io_go_on_the_spring_clock_change_has_46_periods() -> None:
    day = date(2026, 3, 29)
    s = on_tariff("IO_GO").play([half_hourly(SITE, day)], until=day + timedelta(days=1))
    # 00:00, 00:30, then 02:00 to 05:00 local (9 half hours) and 23:30: 10 off-peak.
    assert s.one("RateHalfHourlyConsumption").import_ == energy("10", "36", "70.0000", "882.0000")


def test_io_go_on_the_autumn_clock_change_has_50_periods() -> None:
    day = date(2026, 10, 25)
    s = on_tariff("IO_GO").play([half_hourly(SITE, day)], until=day + timedelta(days=1))
    # 01:00-02:00 happens twice: 13 half hours before 05:30, and 23:30.
    assert s.one("RateHalfHourlyConsumption").import_ == energy("14", "36", "98.0000", "882.0000")


def test_settlement_period_counts_of_2026() -> None:
    assert (periods_in_day(date(2026, 3, 29)), periods_in_day(date(2026, 10, 25))) == (46, 50)
    assert periods_in_day(date(2026, 6, 1)) == 48


# --- IO Flux and FLAT ------------------------------------------------------------------------------


def test_io_flux_peak_is_16_to_19_for_import_and_export() -> None:
    s = on_tariff("IO_FLUX").play(
        [half_hourly(SITE, DAY), half_hourly(SITE, DAY, flat_values(DAY, "2"), direction="export")],
        until=DAY + timedelta(days=1),
    )
    rated = s.one("RateHalfHourlyConsumption")
    assert rated.import_ == energy("42", "6", "840.0000", "180.0000")
    assert rated.export == energy("84", "12", "420.0000", "300.0000")


def test_io_flux_export_arriving_later_is_a_correction() -> None:
    export = half_hourly(SITE, DAY, flat_values(DAY, "2"), direction="export", on=DAY + timedelta(days=3))
    s = on_tariff("IO_FLUX").play([half_hourly(SITE, DAY), export], until=DAY + timedelta(days=3))
    assert s.one("RateHalfHourlyConsumption").export is None
    corrected = s.one("CorrectHalfHourlyRating")
    assert corrected.export == energy("84", "12", "420.0000", "300.0000")
    assert corrected.import_ == s.one("RateHalfHourlyConsumption").import_


def test_flat_rates_everything_at_peak() -> None:
    s = on_tariff("FLAT").play(
        [half_hourly(SITE, DAY, flat_values(DAY, "0.5"))], until=DAY + timedelta(days=1)
    )
    rated = s.one("RateHalfHourlyConsumption")
    assert rated.import_ == energy("0", "24.0", "0.0000", "600.0000")
    assert rated.to_json()["import"]["peak_cost"] == "600.0000"


def test_a_site_on_no_smart_tariff_is_not_rated() -> None:
    s = Scenario().play([half_hourly(SITE, DAY)], until=DAY + timedelta(days=1))
    assert s.commands == []


def test_a_tariff_arriving_after_the_values_rates_the_days_it_covers() -> None:
    s = Scenario().play(
        [half_hourly(SITE, DAY), tariff(SITE, "FLAT", START, on=DAY + timedelta(days=2))],
        until=DAY + timedelta(days=2),
    )
    assert s.one("RateHalfHourlyConsumption").issued_on == DAY + timedelta(days=2)


# --- missing values ------------------------------------------------------------------------------


def test_missing_values_are_listed_never_rated_as_zero() -> None:
    values = flat_values(DAY, missing=(1, 20, 21))
    s = on_tariff("IO_GO").play([half_hourly(SITE, DAY, values)], until=DAY + timedelta(days=1))
    rated = s.one("RateHalfHourlyConsumption")
    assert rated.missing_periods == (1, 20, 21)
    assert rated.import_ == energy("11", "34", "77.0000", "833.0000")


def test_a_day_still_incomplete_at_the_close_of_the_next_day_is_reported() -> None:
    values = flat_values(DAY, missing=(20,))
    s = on_tariff("FLAT").play([half_hourly(SITE, DAY, values, on=DAY)], until=DAY + timedelta(days=1))
    report = s.one("ReportMissingConsumption")
    assert (report.day, report.direction, report.missing_periods, report.issued_on) == (
        DAY,
        "import",
        (20,),
        DAY + timedelta(days=1),
    )


def test_a_day_with_no_values_at_all_is_reported_missing_every_period_at_the_close_of_the_next_day() -> None:
    """Values flow daily (DOMAIN: daily delivery of the previous day): a day of a site on a
    smart tariff whose values never came is missing every period (SPEC 9)."""
    after = DAY + timedelta(days=1)
    s = on_tariff("FLAT").play([half_hourly(SITE, DAY)], until=after + timedelta(days=1))
    report = s.one("ReportMissingConsumption")
    assert (report.day, report.direction, report.missing_periods, report.issued_on) == (
        after,
        "import",
        tuple(range(1, 49)),
        after + timedelta(days=1),
    )


def test_a_day_whose_values_arrive_by_the_close_of_the_next_day_is_not_reported() -> None:
    after = DAY + timedelta(days=1)
    late = half_hourly(SITE, after, on=after + timedelta(days=1))
    s = on_tariff("FLAT").play([half_hourly(SITE, DAY), late], until=after + timedelta(days=1))
    assert s.of_type("ReportMissingConsumption") == []


def test_a_day_with_no_values_is_not_reported_off_a_smart_tariff_or_before_any_values() -> None:
    no_tariff = Scenario().play([half_hourly(SITE, DAY)], until=DAY + timedelta(days=5))
    assert no_tariff.of_type("ReportMissingConsumption") == []
    nothing_yet = on_tariff("FLAT").play([], until=DAY + timedelta(days=5))
    assert nothing_yet.of_type("ReportMissingConsumption") == []


def test_a_wholly_missing_day_filled_later_is_rated() -> None:
    after = DAY + timedelta(days=1)
    late = half_hourly(SITE, after, on=after + timedelta(days=3))
    s = on_tariff("FLAT").play([half_hourly(SITE, DAY), late], until=after + timedelta(days=3))
    reported = [r.day for r in s.of_type("ReportMissingConsumption")]
    assert reported == [after + timedelta(days=n) for n in range(3)]
    assert [c.day for c in s.of_type("RateHalfHourlyConsumption")] == [DAY, after]


def test_a_site_whose_values_stopped_is_reported_for_the_window_at_most() -> None:
    s = on_tariff("FLAT").play([half_hourly(SITE, DAY)], until=DAY + timedelta(days=90))
    days = [r.day for r in s.of_type("ReportMissingConsumption")]
    assert days[0] == DAY + timedelta(days=1)
    assert days == [DAY + timedelta(days=n) for n in range(1, len(days) + 1)]
    assert 30 < len(days) <= 42


def test_export_values_stopping_is_reported_for_export() -> None:
    after = DAY + timedelta(days=1)
    s = on_tariff("IO_FLUX").play(
        [
            half_hourly(SITE, DAY),
            half_hourly(SITE, DAY, direction="export"),
            half_hourly(SITE, after),
        ],
        until=after + timedelta(days=1),
    )
    report = s.one("ReportMissingConsumption")
    assert (report.day, report.direction, len(report.missing_periods)) == (after, "export", 48)


def test_a_gap_filled_before_the_close_of_the_next_day_is_not_reported_and_is_corrected() -> None:
    first = half_hourly(SITE, DAY, flat_values(DAY, missing=(20,)), on=DAY)
    fill = half_hourly(SITE, DAY, tuple(Decimal(3) if i == 20 else None for i in range(1, 49)))
    s = on_tariff("FLAT").play([first, fill], until=DAY + timedelta(days=3))
    assert [r.day for r in s.of_type("ReportMissingConsumption") if r.day == DAY] == []
    corrected = s.one("CorrectHalfHourlyRating")
    assert corrected.missing_periods == ()
    assert corrected.import_.peak_kwh == Decimal(50)
    assert corrected.replaces == s.one("RateHalfHourlyConsumption").command_id


def test_a_resend_with_identical_values_changes_nothing() -> None:
    s = on_tariff("IO_GO").play(
        [half_hourly(SITE, DAY), half_hourly(SITE, DAY, on=DAY + timedelta(days=2))],
        until=DAY + timedelta(days=3),
    )
    assert [c.type for c in s.commands if c.type != "ReportMissingConsumption"] == [
        "RateHalfHourlyConsumption"
    ]


def test_a_day_older_than_the_window_is_an_anomaly_not_a_second_rating() -> None:
    recent = DAY + timedelta(days=60)
    s = on_tariff("FLAT").play(
        [half_hourly(SITE, DAY), half_hourly(SITE, recent)], until=recent + timedelta(days=1)
    )
    s.play(
        [half_hourly(SITE, DAY, flat_values(DAY, "2"), on=recent + timedelta(days=2))],
        until=recent + timedelta(days=2),
    )
    assert len(s.of_type("RateHalfHourlyConsumption")) == 2
    assert s.of_type("CorrectHalfHourlyRating") == []
    assert s.anomaly_kinds() == ["half_hourly_too_old"]


# --- properties ----------------------------------------------------------------------------------

kwh = st.one_of(st.none(), st.decimals(min_value=0, max_value=50, places=3, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(values=st.lists(kwh, min_size=48, max_size=48), product=st.sampled_from(["IO_GO", "IO_FLUX", "FLAT"]))
def test_the_rated_kwh_of_a_day_equal_the_sum_of_its_present_values(
    values: list[Decimal | None], product: str
) -> None:
    s = on_tariff(product).play([half_hourly(SITE, DAY, values)], until=DAY + timedelta(days=1))
    rated = s.one("RateHalfHourlyConsumption")
    assert rated.import_.off_peak_kwh + rated.import_.peak_kwh == sum(
        (v for v in values if v is not None), Decimal(0)
    )
    assert rated.missing_periods == tuple(i for i, v in enumerate(values, start=1) if v is None)


@settings(max_examples=30, deadline=None)
@given(values=st.lists(kwh, min_size=48, max_size=48), late=st.booleans())
def test_rating_a_day_twice_gives_one_command(values: list[Decimal | None], late: bool) -> None:
    event = half_hourly(SITE, DAY, values)
    again = half_hourly(SITE, DAY, values, on=DAY + timedelta(days=4 if late else 1))
    s = on_tariff("IO_GO").play([event, event, again], until=DAY + timedelta(days=4))
    assert len(s.of_type("RateHalfHourlyConsumption")) == 1
    assert s.of_type("CorrectHalfHourlyRating") == []


def test_registration_is_not_needed_but_does_not_change_the_rating() -> None:
    s = on_tariff("FLAT").play(
        [registered(SITE, "smart_hh", START, on=START, account_id="A-9"), half_hourly(SITE, DAY)],
        until=DAY + timedelta(days=1),
    )
    assert [c.type for c in s.commands] == ["RateHalfHourlyConsumption"]


# --- the state exists only for sites with half-hourly input ----------------------------------


def test_a_registered_site_without_half_hourly_input_keeps_no_half_hourly_state() -> None:
    other = make_mpan("14", 502)
    s = Scenario().play(
        [
            registered(SITE, "smart_hh", START, account_id="A-9"),
            registered(other, "smart_hh", START, account_id="A-9"),
            tariff(SITE, "FLAT", START, on=START + timedelta(days=1)),
        ],
        until=START + timedelta(days=3),
    )
    kept = {key: set(states) for key, states in s.engine.subjects()}
    assert "half_hourly" in kept[SITE]
    assert "half_hourly" not in kept[other]
    assert "supply_point" in kept[other]


def test_a_site_registered_before_its_first_values_hands_its_totals_to_its_account() -> None:
    s = Scenario().play(
        [registered(SITE, "smart_hh", START, account_id="A-9"), half_hourly(SITE, DAY)],
        until=DAY + timedelta(days=1),
    )
    states = dict(s.engine.subjects())
    assert states[SITE]["half_hourly"].account_id == "A-9"
    tracker = states["A-9"]["consumption_tracker"]
    assert [(t.mpan, t.day, t.kwh) for t in tracker.totals] == [(SITE, DAY, Decimal(48))]
