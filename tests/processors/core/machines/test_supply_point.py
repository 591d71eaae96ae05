"""Given-when-then scenarios of the supply point machine: CoS loss, move-out, final bills."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from gwt_core import (
    ENG,
    SCT,
    Scenario,
    customer_reading,
    d0010,
    d0086,
    hh_midnight,
    midnight,
    moved_out,
    registered,
    secured,
    smart_reading,
    withdrawn,
)

SUPPLY_START = date(2023, 1, 1)
SSD = date(2024, 3, 1)  # a Friday
SECURED_ON = date(2024, 2, 10)

REFUND_STANDARD = ("PayGuaranteedStandardCompensation",)
"""Not paying a refund in 10 working days pays a standard (test_guaranteed_standards.py):
these scenarios are about the rest, so their refunds are assumed paid."""


def loss(kind: str, mpan: str = ENG, ssd: date = SSD) -> list:
    return [
        registered(mpan, kind, SUPPLY_START, on=SUPPLY_START),
        secured(mpan, ssd, on=ssd - timedelta(days=20)),
    ]


# --- traditional meter -------------------------------------------------------------------


def test_traditional_loss_with_no_reading_disputes_on_ssd_plus_31_and_estimates_on_ssd_plus_42() -> None:
    s = Scenario().play(loss("traditional"), until=date(2024, 5, 1))
    assert s.timeline(ignoring=REFUND_STANDARD) == [
        ("RaiseCoSDispute", date(2024, 4, 1)),
        ("IssueEstimatedFinalBill", date(2024, 4, 12)),
        ("SettleFinalBalance", date(2024, 4, 12)),
    ]
    dispute = s.one("RaiseCoSDispute")
    assert (dispute.ssd, dispute.gaining_supplier, dispute.mpan) == (SSD, "GAIN", ENG)
    assert dispute.cause == f"deadline/cos_dispute/{ENG}/2024-04-01"
    estimate = s.one("IssueEstimatedFinalBill")
    assert (estimate.reason, estimate.final_date) == ("cos", SSD)
    settle = s.one("SettleFinalBalance")
    assert settle.final_bill == estimate.command_id
    # 10 working days after Friday 12 April 2024
    assert settle.refund_due_by == date(2024, 4, 26)


def test_d0086_before_the_dispute_day_gives_the_final_bill_and_cancels_dispute_and_estimate() -> None:
    events = [*loss("traditional"), d0086(ENG, midnight(SSD), on=date(2024, 3, 12), value="4321")]
    s = Scenario().play(events, until=date(2024, 6, 1))
    assert s.timeline(ignoring=REFUND_STANDARD) == [
        ("IssueFinalBill", date(2024, 3, 12)),
        ("SettleFinalBalance", date(2024, 3, 12)),
    ]
    bill = s.one("IssueFinalBill")
    assert bill.reading.value == Decimal("4321")
    assert (bill.reading.read_on, bill.reading.source, bill.final_date, bill.reason) == (
        SSD,
        "D0086",
        SSD,
        "cos",
    )
    assert bill.cause == events[-1].event_id


def test_d0086_on_the_dispute_day_is_still_in_time() -> None:
    events = [*loss("traditional"), d0086(ENG, midnight(SSD), on=date(2024, 4, 1))]
    s = Scenario().play(events, until=date(2024, 5, 1))
    assert [t for t, _ in s.timeline(ignoring=REFUND_STANDARD)] == ["IssueFinalBill", "SettleFinalBalance"]


def test_d0086_on_the_estimate_day_is_still_in_time() -> None:
    events = [*loss("traditional"), d0086(ENG, midnight(SSD), on=date(2024, 4, 12))]
    s = Scenario().play(events, until=date(2024, 5, 1))
    assert s.timeline(ignoring=REFUND_STANDARD) == [
        ("RaiseCoSDispute", date(2024, 4, 1)),
        ("IssueFinalBill", date(2024, 4, 12)),
        ("SettleFinalBalance", date(2024, 4, 12)),
    ]


def test_late_d0086_after_the_estimate_gives_exactly_one_corrected_bill() -> None:
    late = d0086(ENG, midnight(SSD), on=date(2024, 4, 20), value="4400")
    s = Scenario().play([*loss("traditional"), late, late], until=date(2024, 5, 30))
    corrected = s.one("IssueCorrectedFinalBill")
    estimate = s.one("IssueEstimatedFinalBill")
    assert corrected.replaces == estimate.command_id
    assert (corrected.issued_on, corrected.reading.value, corrected.final_date) == (
        date(2024, 4, 20),
        4400,
        SSD,
    )
    settles = s.of_type("SettleFinalBalance")
    assert [x.final_bill for x in settles] == [estimate.command_id, corrected.command_id]
    # the same reading again changes nothing (issue 11 item 6: only a changed reading corrects)
    s.given(d0086(ENG, midnight(SSD), on=date(2024, 6, 1), value="4400")).pass_days_through(date(2024, 6, 2))
    assert len(s.of_type("IssueCorrectedFinalBill")) == 1
    assert "cos_reading_unchanged" in s.anomaly_kinds()


def test_d0086_for_a_point_we_never_supplied_is_an_anomaly() -> None:
    s = Scenario().play([d0086(ENG, midnight(SSD), on=date(2024, 3, 5))], until=date(2024, 3, 6))
    assert s.commands == []
    assert s.anomaly_kinds() == ["no_loss_for_cos_reading"]


def test_d0086_that_failed_validation_does_not_bill() -> None:
    events = [*loss("traditional"), d0086(ENG, midnight(SSD), on=date(2024, 3, 5), status="F")]
    s = Scenario().play(events, until=date(2024, 3, 20))
    assert s.commands == []
    assert s.anomaly_kinds() == ["unfit_reading"]


def test_d0086_dated_far_from_the_ssd_is_an_anomaly() -> None:
    events = [*loss("traditional"), d0086(ENG, midnight(date(2024, 1, 15)), on=date(2024, 3, 5))]
    s = Scenario().play(events, until=date(2024, 3, 20))
    assert s.commands == []
    assert s.anomaly_kinds() == ["cos_reading_not_at_ssd"]


# --- withdrawn switch ----------------------------------------------------------------------


def test_withdrawn_switch_issues_nothing_and_cancels_every_deadline() -> None:
    events = [*loss("traditional"), withdrawn(ENG, SSD, on=date(2024, 2, 25))]
    s = Scenario().play(events, until=date(2024, 6, 1))
    assert s.commands == []
    assert s.engine.deadlines_between(date(2024, 1, 1), date(2025, 1, 1)) == []
    assert s.engine.subject_label(ENG) == "supplying"


def test_withdrawal_of_another_ssd_is_an_anomaly_and_the_loss_goes_on() -> None:
    events = [*loss("traditional"), withdrawn(ENG, date(2024, 3, 8), on=date(2024, 2, 25))]
    s = Scenario().play(events, until=date(2024, 4, 13))
    assert "no_matching_switch" in s.anomaly_kinds()
    assert len(s.of_type("IssueEstimatedFinalBill")) == 1


def test_switch_secured_and_withdrawn_on_the_same_day_in_either_order_issue_nothing() -> None:
    for order in (0, 1):
        sec = secured(ENG, SSD, on=date(2024, 2, 10))
        wd = withdrawn(ENG, SSD, on=date(2024, 2, 10))
        pair = [sec, wd] if order == 0 else [wd, sec]
        s = Scenario().play([registered(ENG, "traditional", SUPPLY_START), *pair], until=date(2024, 5, 1))
        assert s.commands == []


# --- smart meters ---------------------------------------------------------------------------


def test_smart_hh_bills_to_the_d0010_reading_at_the_ssd_stamped_2359() -> None:
    reading = d0010(ENG, hh_midnight(SSD), on=date(2024, 3, 2), value="777.5")
    s = Scenario().play([*loss("smart_hh"), reading], until=date(2024, 5, 1))
    assert s.timeline(ignoring=REFUND_STANDARD) == [
        ("IssueFinalBill", date(2024, 3, 2)),
        ("SettleFinalBalance", date(2024, 3, 2)),
    ]
    bill = s.one("IssueFinalBill")
    assert (bill.reading.read_on, bill.reading.source, bill.reading.value) == (SSD, "D0010", Decimal("777.5"))


def test_smart_hh_bills_to_the_d0010_reading_at_ssd_midnight() -> None:
    s = Scenario().play(
        [*loss("smart_hh"), d0010(ENG, midnight(SSD), on=date(2024, 3, 3))], until=date(2024, 5, 1)
    )
    assert len(s.of_type("IssueFinalBill")) == 1
    assert s.of_type("IssueEstimatedFinalBill") == []


def test_smart_hh_reading_before_the_ssd_does_not_count_so_the_bill_is_estimated() -> None:
    before = d0010(ENG, midnight(SSD - timedelta(days=1)), on=date(2024, 3, 1))
    midday = d0010(ENG, datetime(2024, 3, 1, 12, 30), on=date(2024, 3, 2))
    s = Scenario().play([*loss("smart_hh"), before, midday], until=date(2024, 5, 1))
    assert s.timeline(ignoring=REFUND_STANDARD) == [
        ("IssueEstimatedFinalBill", date(2024, 4, 12)),
        ("SettleFinalBalance", date(2024, 4, 12)),
    ]


def test_smart_hh_has_no_dispute_and_a_deemed_reading_does_not_bill() -> None:
    deemed = d0010(ENG, midnight(SSD), on=date(2024, 3, 3), reading_type="D")
    s = Scenario().play([*loss("smart_hh"), deemed], until=date(2024, 5, 1))
    assert s.of_type("RaiseCoSDispute") == []
    assert [t for t, _ in s.timeline(ignoring=REFUND_STANDARD)] == [
        "IssueEstimatedFinalBill",
        "SettleFinalBalance",
    ]


def test_smart_hh_actual_d0010_after_the_estimate_corrects_it() -> None:
    late = d0010(ENG, midnight(SSD), on=date(2024, 4, 20))
    s = Scenario().play([*loss("smart_hh"), late], until=date(2024, 5, 1))
    assert [t for t, _ in s.timeline(ignoring=REFUND_STANDARD)] == [
        "IssueEstimatedFinalBill",
        "SettleFinalBalance",
        "IssueCorrectedFinalBill",
        "SettleFinalBalance",
    ]


def test_smart_nhh_sends_the_ssd_reading_to_the_dc_and_chases_on_the_11th_working_day() -> None:
    reading = smart_reading(ENG, SSD, on=date(2024, 3, 4))
    s = Scenario().play([*loss("smart_nhh"), reading], until=date(2024, 3, 31))
    assert s.timeline(ignoring=REFUND_STANDARD) == [
        ("SendReadingToDataCollector", date(2024, 3, 4)),
        ("ChaseDataCollector", date(2024, 3, 19)),
    ]
    assert s.one("SendReadingToDataCollector").reading.source == "smart"
    assert s.one("ChaseDataCollector").reading_sent_on == date(2024, 3, 4)
    assert s.of_type("RaiseCoSDispute") == []


def test_smart_nhh_never_sends_the_dc_its_own_d0010_back() -> None:
    """Issue 11 item 5: a D0010 at the SSD (even a remotely read `X`) is the DC's reading."""
    reading = d0010(ENG, midnight(SSD), on=date(2024, 3, 4), value="100", reading_type="X")
    s = Scenario().play([*loss("smart_nhh"), reading], until=date(2024, 3, 10))
    assert s.timeline(ignoring=REFUND_STANDARD) == []


def test_smart_nhh_d0086_on_the_chase_day_stops_the_chase() -> None:
    events = [*loss("smart_nhh"), smart_reading(ENG, SSD, on=date(2024, 3, 4))]
    events.append(d0086(ENG, midnight(SSD), on=date(2024, 3, 19)))
    s = Scenario().play(events, until=date(2024, 5, 1))
    assert [t for t, _ in s.timeline(ignoring=REFUND_STANDARD)] == [
        "SendReadingToDataCollector",
        "IssueFinalBill",
        "SettleFinalBalance",
    ]


def test_chase_skips_christmas_and_new_year_in_england() -> None:
    ssd = date(2024, 12, 20)
    events = [*loss("smart_nhh", ENG, ssd), smart_reading(ENG, ssd, on=ssd)]
    s = Scenario().play(events, until=date(2025, 1, 15))
    assert s.one("ChaseDataCollector").issued_on == date(2025, 1, 9)


def test_chase_skips_the_2nd_of_january_in_scotland() -> None:
    ssd = date(2024, 12, 20)
    events = [*loss("smart_nhh", SCT, ssd), smart_reading(SCT, ssd, on=ssd)]
    s = Scenario().play(events, until=date(2025, 1, 15))
    assert s.one("ChaseDataCollector").issued_on == date(2025, 1, 10)


def test_refund_due_date_skips_scottish_holidays() -> None:
    ssd = date(2024, 11, 21)  # SSD + 42 = Thursday 2 January 2025
    s = Scenario().play(loss("smart_hh", SCT, ssd), until=date(2025, 1, 3))
    estimate = s.one("IssueEstimatedFinalBill")
    assert estimate.issued_on == date(2025, 1, 2)
    # 3, 6, 7, 8, 9, 10, 13, 14, 15, 16 January
    assert s.one("SettleFinalBalance").refund_due_by == date(2025, 1, 16)


def test_customer_reading_for_the_cos_goes_to_the_dc_and_is_chased() -> None:
    events = [*loss("traditional"), customer_reading(ENG, SSD, on=date(2024, 3, 4), value="900")]
    s = Scenario().play(events, until=date(2024, 3, 31))
    sent = s.one("SendReadingToDataCollector")
    assert (sent.issued_on, sent.reading.source, sent.reading.value) == (date(2024, 3, 4), "customer", 900)
    assert s.one("ChaseDataCollector").issued_on == date(2024, 3, 19)


# --- move-out -------------------------------------------------------------------------------------

MOVE_OUT = date(2024, 5, 10)


def test_move_out_with_no_reading_is_estimated_35_days_later() -> None:
    events = [registered(ENG, "traditional", SUPPLY_START), moved_out(ENG, MOVE_OUT, on=date(2024, 5, 1))]
    s = Scenario().play(events, until=date(2024, 7, 1))
    assert s.timeline(ignoring=REFUND_STANDARD) == [
        ("IssueEstimatedFinalBill", date(2024, 6, 14)),
        ("SettleFinalBalance", date(2024, 6, 14)),
    ]
    assert (s.one("IssueEstimatedFinalBill").reason, s.one("IssueEstimatedFinalBill").final_date) == (
        "move_out",
        MOVE_OUT,
    )


def test_customer_reading_within_35_days_of_move_out_gives_the_final_bill() -> None:
    events = [
        registered(ENG, "traditional", SUPPLY_START),
        moved_out(ENG, MOVE_OUT, on=date(2024, 5, 1)),
        customer_reading(ENG, MOVE_OUT, on=date(2024, 6, 14), value="2222"),
    ]
    s = Scenario().play(events, until=date(2024, 7, 1))
    assert s.timeline(ignoring=REFUND_STANDARD) == [
        ("IssueFinalBill", date(2024, 6, 14)),
        ("SettleFinalBalance", date(2024, 6, 14)),
    ]
    bill = s.one("IssueFinalBill")
    assert (bill.reason, bill.final_date, bill.reading.source) == ("move_out", MOVE_OUT, "customer")


def test_move_out_and_its_reading_on_the_same_day_bill_once() -> None:
    events = [
        registered(ENG, "traditional", SUPPLY_START),
        customer_reading(ENG, MOVE_OUT, on=MOVE_OUT),
        moved_out(ENG, MOVE_OUT, on=MOVE_OUT),
    ]
    s = Scenario().play(events, until=date(2024, 7, 1))
    assert [t for t, _ in s.timeline(ignoring=REFUND_STANDARD)] == ["IssueFinalBill", "SettleFinalBalance"]


def test_customer_reading_after_the_move_out_estimate_corrects_it() -> None:
    events = [
        registered(ENG, "traditional", SUPPLY_START),
        moved_out(ENG, MOVE_OUT, on=date(2024, 5, 1)),
        customer_reading(ENG, MOVE_OUT, on=date(2024, 6, 20)),
    ]
    s = Scenario().play(events, until=date(2024, 7, 1))
    assert [t for t, _ in s.timeline(ignoring=REFUND_STANDARD)] == [
        "IssueEstimatedFinalBill",
        "SettleFinalBalance",
        "IssueCorrectedFinalBill",
        "SettleFinalBalance",
    ]
    assert s.one("IssueCorrectedFinalBill").replaces == s.one("IssueEstimatedFinalBill").command_id


def test_move_out_before_the_ssd_of_a_pending_loss_gets_its_own_final_bill() -> None:
    events = [*loss("traditional"), moved_out(ENG, date(2024, 2, 20), on=date(2024, 2, 15))]
    events.append(customer_reading(ENG, date(2024, 2, 20), on=date(2024, 2, 21)))
    events.append(d0086(ENG, midnight(SSD), on=date(2024, 3, 10)))
    s = Scenario().play(events, until=date(2024, 5, 1))
    bills = s.of_type("IssueFinalBill")
    assert [(b.reason, b.final_date) for b in bills] == [("move_out", date(2024, 2, 20)), ("cos", SSD)]
    assert s.of_type("IssueEstimatedFinalBill") == []


def test_move_out_on_or_after_the_ssd_of_a_pending_loss_is_covered_by_the_cos_bill() -> None:
    events = [*loss("traditional"), moved_out(ENG, SSD, on=date(2024, 2, 25))]
    s = Scenario().play(events, until=date(2024, 5, 1))
    assert "move_out_during_loss" in s.anomaly_kinds()
    finals = s.of_type("IssueEstimatedFinalBill") + s.of_type("IssueFinalBill")
    assert [(b.reason, b.final_date) for b in finals] == [("cos", SSD)]


def test_switch_for_an_unknown_point_is_an_anomaly() -> None:
    s = Scenario().play([secured(ENG, SSD, on=SECURED_ON)], until=date(2024, 5, 1))
    assert s.commands == []
    assert s.anomaly_kinds() == ["unknown_supply_point"]


def test_state_labels_follow_the_loss() -> None:
    s = Scenario().play(loss("traditional"), until=date(2024, 2, 20))
    label = s.engine.subject_label
    assert label(ENG) == "loss_pending"
    s.pass_days_through(date(2024, 3, 5))
    assert label(ENG) == "awaiting_cos_reading"
    s.pass_days_through(date(2024, 4, 2))
    assert label(ENG) == "disputed"
    s.pass_days_through(date(2024, 4, 13))
    assert label(ENG) == "estimated_final_billed"
    s.given(d0086(ENG, midnight(SSD), on=date(2024, 4, 14))).pass_days_through(date(2024, 4, 14))
    assert label(ENG) == "final_billed"
