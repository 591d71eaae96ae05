"""Given-when-then scenarios of gas prepayment reconciliation (SPEC 10, seed 004)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from gwt_core import Scenario
from gwt_gas import (
    OTHER,
    PREPAY,
    SMART,
    allocation,
    allocations,
    aq_revised,
    exchanged,
    gas_registered,
    mode_changed,
    month_days,
    sap,
    saps,
    shipper_changed,
    snapshot,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from processors.codecs.state_codec import decode_state, encode_state
from processors.core.engine import Engine, Outcome
from processors.core.machine import RECENT_IDS
from processors.core.policy import Policy
from processors.vocabulary.events import DomainEvent, SapWanted

JAN = "2024-01"
FEB = "2024-02"


def run(events: list[DomainEvent], until: date, policy: Policy | None = None) -> Scenario:
    scenario = Scenario(policy) if policy is not None else Scenario()
    return scenario.play(events, until)


def month_of_data(mprn: str, month: str, standard: str = "30", prepay: str = "27") -> list[DomainEvent]:
    return [*allocations(mprn, month, standard, prepay)]


def reconciled(s: Scenario) -> dict[tuple[str, str], Any]:
    return {(c.mprn, c.month): c for c in s.of_type("ExpectPrepaymentReconciliation")}


def lists(s: Scenario) -> dict[tuple[str, str], Any]:
    return {(c.ldz, c.month): c for c in s.of_type("SubmitSmartPrepayList")}


# --- the list ------------------------------------------------------------------------------


def test_the_list_names_the_smart_prepayment_points_of_the_report_on_the_next_day() -> None:
    s = run(
        [
            gas_registered(SMART, "smart_prepayment"),
            gas_registered(PREPAY, "prepayment"),
            gas_registered(OTHER, "smart_credit"),
            snapshot("NW", date(2024, 1, 15), SMART, PREPAY, OTHER),
        ],
        date(2024, 1, 31),
    )
    submitted = s.one("SubmitSmartPrepayList")
    assert submitted.to_json() | {"command_id": None} == {
        "command_id": None,
        "type": "SubmitSmartPrepayList",
        "issued_on": "2024-01-16",
        "cause": "deadline/gas_submit_list/NW/2024-01-16",
        "ldz": "NW",
        "month": JAN,
        "mprns": [SMART],
        "due_by": "2024-01-29",
    }


def test_a_15th_on_a_saturday_reports_on_monday_and_the_list_goes_on_tuesday() -> None:
    # 15 February 2025 is a Saturday: the transporter reports on Monday 17th.
    s = run(
        [
            gas_registered(SMART, "smart_prepayment", on=date(2025, 1, 2)),
            snapshot("NW", date(2025, 2, 17), SMART, taken_on=date(2025, 2, 17)),
        ],
        date(2025, 2, 28),
    )
    assert s.timeline() == [("SubmitSmartPrepayList", date(2025, 2, 18))]
    assert s.one("SubmitSmartPrepayList").due_by == date(2025, 2, 28)


def test_a_28th_on_a_sunday_makes_the_list_due_on_monday_29th() -> None:
    # 28 January 2024 is a Sunday.
    s = run(
        [gas_registered(SMART, "smart_prepayment"), snapshot("NW", date(2024, 1, 15), SMART)],
        date(2024, 1, 20),
    )
    assert s.one("SubmitSmartPrepayList").due_by == date(2024, 1, 29)


def test_a_report_received_on_a_friday_gives_a_list_on_monday() -> None:
    s = run(
        [gas_registered(SMART, "smart_prepayment"), snapshot("NW", date(2024, 3, 15), SMART)],
        date(2024, 3, 20),
    )
    assert s.timeline() == [("SubmitSmartPrepayList", date(2024, 3, 18))]


def test_business_days_are_england_and_wales_whatever_the_ldz() -> None:
    # 2 January is a bank holiday in Scotland only: the Scottish LDZ's list still goes that day.
    s = run(
        [
            gas_registered(SMART, "smart_prepayment", ldz="SC"),
            snapshot("SC", date(2023, 12, 29), SMART, taken_on=date(2023, 12, 15)),
        ],
        date(2024, 1, 5),
    )
    assert s.timeline() == [("SubmitSmartPrepayList", date(2024, 1, 2))]


def test_a_traditional_prepayment_meter_is_eligible_through_the_report_alone() -> None:
    s = run(
        [
            gas_registered(PREPAY, "prepayment"),
            snapshot("NW", date(2024, 1, 15), PREPAY),
            *month_of_data(PREPAY, JAN),
            *saps(JAN),
        ],
        date(2024, 2, 5),
    )
    assert s.one("SubmitSmartPrepayList").mprns == ()
    assert (PREPAY, JAN) in reconciled(s)


def test_a_point_the_report_leaves_out_is_not_eligible() -> None:
    s = run(
        [
            gas_registered(SMART, "smart_prepayment"),
            gas_registered(PREPAY, "prepayment"),
            snapshot("NW", date(2024, 1, 15)),
            *month_of_data(SMART, JAN),
            *month_of_data(PREPAY, JAN),
            *saps(JAN),
        ],
        date(2024, 2, 20),
    )
    assert s.one("SubmitSmartPrepayList").mprns == ()
    assert s.of_type("ExpectPrepaymentReconciliation") == []
    assert s.of_type("ReportIncompleteReconciliation") == []


# --- eligibility on the 15th -------------------------------------------------------------------


def _eligible_in_january(*events: DomainEvent, mprn: str = SMART) -> bool:
    s = run(
        [*events, snapshot("NW", date(2024, 1, 15), mprn), *month_of_data(mprn, JAN), *saps(JAN)],
        date(2024, 2, 5),
    )
    return (mprn, JAN) in reconciled(s)


def test_an_igt_network_a_larger_point_or_another_shipper_is_not_eligible() -> None:
    assert _eligible_in_january(gas_registered(SMART, "smart_prepayment"))
    assert not _eligible_in_january(gas_registered(SMART, "smart_prepayment", network="igt"))
    assert not _eligible_in_january(gas_registered(SMART, "smart_prepayment", aq="73201"))
    assert _eligible_in_january(gas_registered(SMART, "smart_prepayment", aq="73200"))
    assert not _eligible_in_january(gas_registered(SMART, "smart_prepayment", shipper="BGT"))


def test_the_threshold_and_our_shipper_id_are_policy() -> None:
    events = [gas_registered(SMART, "smart_prepayment", aq="9500", shipper="ACME")]
    policy = Policy(shipper_id="ACME", gas_smaller_supply_point_kwh=Decimal(9000))
    s = run([*events, snapshot("NW", date(2024, 1, 15), SMART)], date(2024, 1, 20), policy)
    assert s.one("SubmitSmartPrepayList").mprns == ()
    s = run([*events, snapshot("NW", date(2024, 1, 15), SMART)], date(2024, 1, 20), Policy(shipper_id="ACME"))
    assert s.one("SubmitSmartPrepayList").mprns == (SMART,)


def test_every_meter_of_a_multi_meter_point_must_be_prepayment() -> None:
    assert _eligible_in_january(gas_registered(SMART, "smart_prepayment", "prepayment"))
    assert not _eligible_in_january(gas_registered(SMART, "smart_prepayment", "credit"))


def test_a_smart_meter_switched_to_credit_before_the_15th_leaves_the_list() -> None:
    s = run(
        [
            gas_registered(SMART, "smart_prepayment"),
            mode_changed(SMART, "smart_credit", date(2024, 1, 10)),
            snapshot("NW", date(2024, 1, 15), SMART),
        ],
        date(2024, 1, 20),
    )
    assert s.one("SubmitSmartPrepayList").mprns == ()


def test_a_meter_exchanged_to_credit_on_the_15th_itself_counts_for_that_15th() -> None:
    assert not _eligible_in_january(
        gas_registered(SMART, "smart_prepayment"), exchanged(SMART, "credit", date(2024, 1, 15))
    )


def test_a_meter_exchanged_to_prepayment_on_the_15th_itself_makes_the_point_eligible() -> None:
    assert _eligible_in_january(
        gas_registered(PREPAY, "credit"), exchanged(PREPAY, "prepayment", date(2024, 1, 15)), mprn=PREPAY
    )


def test_a_change_after_the_15th_keeps_the_month_and_counts_from_the_next_15th() -> None:
    events = [
        gas_registered(SMART, "smart_prepayment"),
        snapshot("NW", date(2024, 1, 15), SMART),
        exchanged(SMART, "credit", date(2024, 1, 16)),
        snapshot("NW", date(2024, 2, 15), SMART),
        *month_of_data(SMART, JAN),
        *month_of_data(SMART, FEB),
        *saps(JAN),
        *saps(FEB),
    ]
    s = run(events, date(2024, 3, 20))
    assert set(reconciled(s)) == {(SMART, JAN)}
    assert lists(s)[("NW", FEB)].mprns == ()


def test_a_point_that_becomes_larger_after_the_15th_stays_eligible_to_the_month_end() -> None:
    events = [
        gas_registered(SMART, "smart_prepayment"),
        aq_revised(SMART, "80000", date(2024, 1, 20)),
        snapshot("NW", date(2024, 1, 15), SMART),
        snapshot("NW", date(2024, 2, 15), SMART),
        *month_of_data(SMART, JAN),
        *month_of_data(SMART, FEB),
        *saps(JAN),
        *saps(FEB),
    ]
    s = run(events, date(2024, 3, 20))
    assert set(reconciled(s)) == {(SMART, JAN)}
    assert reconciled(s)[(SMART, JAN)].days == 31


def test_an_aq_review_effective_on_the_15th_reverts_the_point_that_month() -> None:
    assert not _eligible_in_january(
        gas_registered(SMART, "smart_prepayment"),
        aq_revised(SMART, "80000", date(2024, 1, 15), on=date(2024, 1, 3)),
    )


def test_a_change_of_shipper_after_the_15th_leaves_the_month_with_the_losing_shipper() -> None:
    events = [
        gas_registered(SMART, "smart_prepayment"),
        shipper_changed(SMART, "BGT", date(2024, 1, 20)),
        snapshot("NW", date(2024, 1, 15), SMART),
        snapshot("NW", date(2024, 2, 15), SMART),
        *month_of_data(SMART, JAN),
        *saps(JAN),
        *saps(FEB),
    ]
    s = run(events, date(2024, 3, 20))
    assert set(reconciled(s)) == {(SMART, JAN)}
    assert reconciled(s)[(SMART, JAN)].days == 31
    assert lists(s)[("NW", FEB)].mprns == ()
    assert s.of_type("ReportIncompleteReconciliation") == []


def test_a_change_of_shipper_before_the_15th_loses_the_month() -> None:
    assert not _eligible_in_january(
        gas_registered(SMART, "smart_prepayment"), shipper_changed(SMART, "BGT", date(2024, 1, 14))
    )


def test_a_point_gained_in_the_month_is_reconciled_from_its_first_day_with_us() -> None:
    events = [
        gas_registered(SMART, "smart_prepayment", on=date(2024, 1, 10)),
        snapshot("NW", date(2024, 1, 15), SMART),
        *[allocation(SMART, d, "30", "27") for d in month_days(JAN) if d.day >= 10],
        *saps(JAN),
    ]
    s = run(events, date(2024, 2, 20))
    assert reconciled(s)[(SMART, JAN)].days == 22
    assert s.of_type("ReportIncompleteReconciliation") == []


# --- the reconciliation ---------------------------------------------------------------------------


def test_quantity_is_prepayment_less_standard_and_value_is_priced_per_day() -> None:
    feb = [
        allocation(PREPAY, d, "20.5", "22" if d.day % 2 else "19.25")
        for d in month_days(FEB)  # 29 days in 2024
    ]
    prices = [sap(d, "3.1234" if d.day <= 10 else "2.75") for d in month_days(FEB)]
    s = run(
        [gas_registered(PREPAY, "prepayment"), snapshot("NW", date(2024, 2, 15), PREPAY), *feb, *prices],
        date(2024, 3, 5),
    )
    got = reconciled(s)[(PREPAY, FEB)]
    quantities = {a.gas_day: a.prepay_kwh - a.standard_kwh for a in feb}
    by_day = {p.gas_day: p.price for p in prices}
    assert got.quantity_kwh == sum(quantities.values()) == Decimal("5.00")
    expected = sum(q * by_day[d] for d, q in quantities.items()) / 100
    assert got.value == expected.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) == Decimal("0.14")
    assert got.days == 29
    assert got.ldz == "NW"
    assert got.issued_on == date(2024, 3, 1)
    assert got.to_json()["value"] == str(got.value)


def test_the_quantity_is_negative_when_the_standard_profile_is_larger() -> None:
    s = run(
        [
            gas_registered(PREPAY, "prepayment"),
            snapshot("NW", date(2024, 1, 15), PREPAY),
            *allocations(PREPAY, JAN, standard="40", prepay="35.5"),
            *saps(JAN, "4"),
        ],
        date(2024, 2, 5),
    )
    got = reconciled(s)[(PREPAY, JAN)]
    assert got.quantity_kwh == Decimal("-139.5")
    assert got.value == Decimal("-5.58")


def test_the_quantity_is_positive_when_the_prepayment_profile_is_larger() -> None:
    s = run(
        [
            gas_registered(PREPAY, "prepayment"),
            snapshot("NW", date(2024, 1, 15), PREPAY),
            *allocations(PREPAY, JAN, standard="10", prepay="12"),
            *saps(JAN, "2.5"),
        ],
        date(2024, 2, 5),
    )
    got = reconciled(s)[(PREPAY, JAN)]
    assert (got.quantity_kwh, got.value) == (Decimal("62"), Decimal("1.55"))


def test_the_value_is_rounded_half_up_once_at_the_end() -> None:
    # Each day is worth 0.004 pence-pounds: rounded per day it would be nothing.
    s = run(
        [
            gas_registered(PREPAY, "prepayment"),
            snapshot("NW", date(2024, 1, 15), PREPAY),
            *allocations(PREPAY, JAN, standard="10", prepay="10.1"),
            *saps(JAN, "4"),
        ],
        date(2024, 2, 5),
    )
    # 31 x 0.1 kWh x 4 p = 12.4 p = 0.124 pounds
    assert reconciled(s)[(PREPAY, JAN)].value == Decimal("0.12")


def test_a_missing_sap_day_is_reported_once_with_no_mprn_and_priced_when_it_arrives() -> None:
    missing = date(2024, 1, 17)
    events = [
        gas_registered(SMART, "smart_prepayment"),
        gas_registered(PREPAY, "prepayment"),
        snapshot("NW", date(2024, 1, 15), SMART, PREPAY),
        *month_of_data(SMART, JAN),
        *month_of_data(PREPAY, JAN),
        *saps(JAN, skip=[missing]),
        sap(missing, "3.5", on=date(2024, 2, 20)),
    ]
    s = run(events, date(2024, 2, 29))
    report = s.one("ReportIncompleteReconciliation")
    # 10 business days after 31 January 2024: 14 February.
    assert (report.mprn, report.month, report.missing_days, report.issued_on) == (
        None,
        JAN,
        (missing,),
        date(2024, 2, 14),
    )
    assert report.to_json()["mprn"] is None
    got = reconciled(s)
    assert {k: c.issued_on for k, c in got.items()} == {
        (SMART, JAN): date(2024, 2, 20),
        (PREPAY, JAN): date(2024, 2, 20),
    }


class _Recording(Scenario):
    """Keeps every follow-up it feeds, so that one can be handed again as the broker's copy."""

    def __init__(self) -> None:
        super().__init__()
        self.follow_ups: list[DomainEvent] = []

    def feed(self, event: DomainEvent) -> Outcome:
        outcome = super().feed(event)
        self.follow_ups.extend(outcome.follow_ups)
        return outcome


def test_an_ask_for_prices_that_comes_round_again_is_answered_once() -> None:
    # More points ask than a state remembers input ids (RECENT_IDS), one SAP day arrives
    # after the asks, and then every ask comes round again (the copy of the follow-up that
    # a worker also published to the input topic).
    late = date(2024, 1, 17)
    points = [f"20000000{n:02d}" for n in range(RECENT_IDS + 2)]
    events = [
        *(gas_registered(mprn, "smart_prepayment") for mprn in points),
        snapshot("NW", date(2024, 1, 15), *points),
        *(a for mprn in points for a in month_of_data(mprn, JAN)),
        *saps(JAN, skip=[late]),
        sap(late, "3.5", on=date(2024, 2, 20)),
    ]
    s = _Recording()
    s.play(events, date(2024, 2, 25))
    asks = [e for e in s.follow_ups if isinstance(e, SapWanted)]
    assert sorted(a.mprn for a in asks) == points
    commands, anomalies = len(s.commands), len(s.anomalies)
    for ask in asks:
        again = s.feed(ask)
        assert (again.commands, again.follow_ups, again.anomalies) == ([], [], [])
    assert (len(s.commands), len(s.anomalies)) == (commands, anomalies)
    assert sorted(mprn for mprn, _ in reconciled(s)) == points


def test_missing_allocation_days_are_reported_per_mprn_once() -> None:
    gap = [date(2024, 1, 30), date(2024, 1, 31)]
    events = [
        gas_registered(SMART, "smart_prepayment"),
        gas_registered(PREPAY, "prepayment"),
        snapshot("NW", date(2024, 1, 15), SMART, PREPAY),
        *allocations(SMART, JAN, skip=gap),
        *month_of_data(PREPAY, JAN),
        *saps(JAN),
    ]
    s = run(events, date(2024, 3, 31))
    report = s.one("ReportIncompleteReconciliation")
    assert (report.mprn, report.month, report.missing_days, report.issued_on) == (
        SMART,
        JAN,
        tuple(gap),
        date(2024, 2, 14),
    )
    assert set(reconciled(s)) == {(PREPAY, JAN)}


def test_a_late_allocation_completes_the_month_after_the_report() -> None:
    gap = date(2024, 1, 31)
    events = [
        gas_registered(SMART, "smart_prepayment"),
        snapshot("NW", date(2024, 1, 15), SMART),
        *allocations(SMART, JAN, skip=[gap]),
        allocation(SMART, gap, "30", "27", on=date(2024, 2, 22)),
        *saps(JAN),
    ]
    s = run(events, date(2024, 2, 29))
    assert s.timeline() == [
        ("SubmitSmartPrepayList", date(2024, 1, 16)),
        ("ReportIncompleteReconciliation", date(2024, 2, 14)),
        ("ExpectPrepaymentReconciliation", date(2024, 2, 22)),
    ]


def test_a_corrected_allocation_before_the_month_end_replaces_the_first() -> None:
    day = date(2024, 1, 5)
    events = [
        gas_registered(PREPAY, "prepayment"),
        snapshot("NW", date(2024, 1, 15), PREPAY),
        *allocations(PREPAY, JAN, standard="10", prepay="10"),
        allocation(PREPAY, day, "10", "20", on=date(2024, 1, 20)),
        *saps(JAN, "1"),
    ]
    s = run(events, date(2024, 2, 5))
    assert reconciled(s)[(PREPAY, JAN)].quantity_kwh == Decimal(10)


def test_gas_events_for_an_unknown_mprn_are_anomalies() -> None:
    s = run(
        [allocation(OTHER, date(2024, 1, 2), "1", "1"), mode_changed(OTHER, "credit", date(2024, 1, 2))],
        date(2024, 1, 5),
    )
    assert s.anomaly_kinds() == ["unknown_supply_point", "unknown_supply_point"]
    assert s.commands == []


def test_a_mode_change_for_a_meter_the_point_does_not_have_is_an_anomaly() -> None:
    s = run(
        [
            gas_registered(SMART, "smart_prepayment"),
            mode_changed(SMART, "credit", date(2024, 1, 3), meter_id="X9"),
        ],
        date(2024, 1, 5),
    )
    assert s.anomaly_kinds() == ["gas_fact_not_applicable"]


def test_a_second_snapshot_of_a_month_is_an_anomaly_and_changes_nothing() -> None:
    s = run(
        [
            gas_registered(SMART, "smart_prepayment"),
            snapshot("NW", date(2024, 1, 15), SMART),
            snapshot("NW", date(2024, 1, 16), taken_on=date(2024, 1, 15)),
        ],
        date(2024, 1, 20),
    )
    assert s.one("SubmitSmartPrepayList").mprns == (SMART,)
    assert s.anomaly_kinds() == ["gas_snapshot_repeated"]


# --- properties ----------------------------------------------------------------------------------


def _three_points() -> list[DomainEvent]:
    return [
        gas_registered(SMART, "smart_prepayment"),
        gas_registered(PREPAY, "prepayment"),
        gas_registered(OTHER, "smart_prepayment", ldz="EA"),
        shipper_changed(OTHER, "BGT", date(2024, 2, 20)),
        mode_changed(SMART, "smart_credit", date(2024, 2, 3)),
        snapshot("NW", date(2024, 1, 15), SMART, PREPAY),
        snapshot("EA", date(2024, 1, 15), OTHER),
        snapshot("NW", date(2024, 2, 15), SMART, PREPAY),
        snapshot("EA", date(2024, 2, 15), OTHER),
        *[a for m in (JAN, FEB) for p in (SMART, PREPAY, OTHER) for a in allocations(p, m, "31.5", "29.25")],
        *saps(JAN, "3.25"),
        *saps(FEB, "2.5", skip=[date(2024, 2, 29)]),
    ]


def test_replaying_the_log_twice_gives_identical_commands() -> None:
    events = _three_points()
    first = [c.to_json() for c in run(events, date(2024, 3, 31)).commands]
    shuffled = list(events)
    random.Random(7).shuffle(shuffled)  # `play` keeps event-time order, not arrival order
    second = [c.to_json() for c in run(shuffled, date(2024, 3, 31)).commands]
    assert first == second
    types = {c["type"] for c in first}
    assert types == {
        "SubmitSmartPrepayList",
        "ExpectPrepaymentReconciliation",
        "ReportIncompleteReconciliation",
    }


def test_a_restarted_engine_from_encoded_states_gives_the_same_commands() -> None:
    events = sorted(_three_points(), key=lambda e: e.day)
    whole = run(events, date(2024, 3, 31))
    half = [e for e in events if e.day <= date(2024, 2, 10)]
    s = run(half, date(2024, 2, 10))
    engine = Engine()
    for stored, state in s.engine.store.items():
        engine.store.put(stored, decode_state(encode_state(state)))
    engine.rebuild_deadlines()
    resumed = Scenario(engine=engine).play(
        [e for e in events if e.day > date(2024, 2, 10)], date(2024, 3, 31)
    )
    assert [c.to_json() for c in s.commands + resumed.commands] == [c.to_json() for c in whole.commands]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=0, max_value=200, places=3),
            st.decimals(min_value=0, max_value=200, places=3),
            st.decimals(min_value=Decimal("0.5"), max_value=15, places=4),
        ),
        min_size=29,
        max_size=29,
    )
)
def test_the_value_is_the_day_by_day_sum_of_quantity_times_price(days: list[tuple[Decimal, ...]]) -> None:
    feb = month_days(FEB)
    events: list[DomainEvent] = [
        gas_registered(PREPAY, "prepayment"),
        snapshot("NW", date(2024, 2, 15), PREPAY),
    ]
    for d, (standard, prepay, price) in zip(feb, days, strict=True):
        events.append(allocation(PREPAY, d, str(standard), str(prepay)))
        events.append(sap(d, str(price)))
    got = reconciled(run(events, date(2024, 3, 2)))[(PREPAY, FEB)]
    assert got.quantity_kwh == sum((p - s for s, p, _ in days), Decimal(0))
    exact = sum(((p - s) * price for s, p, price in days), Decimal(0)) / 100
    assert got.value == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert abs(got.value - exact) <= Decimal("0.005")


def test_every_gas_state_round_trips_through_the_state_codec() -> None:
    s = run(_three_points()[:-10], date(2024, 3, 3))
    names = set()
    for stored, state in s.engine.store.items():
        assert decode_state(encode_state(state)) == state
        names.add(stored.partition(":")[0])
    assert {"gas_point", "gas_ldz", "gas_sap"} <= names


def test_no_list_is_sent_before_the_16th_even_for_an_early_report() -> None:
    s = run(
        [
            gas_registered(SMART, "smart_prepayment"),
            snapshot("NW", date(2024, 1, 12), SMART, taken_on=date(2024, 1, 15)),
        ],
        date(2024, 1, 20),
    )
    assert s.timeline() == [("SubmitSmartPrepayList", date(2024, 1, 16))]
    assert s.one("SubmitSmartPrepayList").mprns == (SMART,)


def test_deadlines_of_other_days_do_not_fire_early() -> None:
    s = run(
        [gas_registered(SMART, "smart_prepayment"), snapshot("NW", date(2024, 1, 15), SMART)],
        date(2024, 1, 15),
    )
    assert s.commands == []
    s.pass_days_through(date(2024, 1, 15) + timedelta(days=1))
    assert len(s.commands) == 1
