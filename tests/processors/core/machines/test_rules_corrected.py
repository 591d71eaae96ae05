"""Given-when-then scenarios of part one's rules corrected to the letter (issue 11, SPEC 7,
DOMAIN.md "Reading quality" and on). Each test names its finding; each failed on the code
before the correction."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from gwt_core import (
    ENG,
    ENG2,
    EXPORT,
    Scenario,
    customer_reading,
    d0004,
    d0010,
    d0010_registers,
    d0086,
    d0086_registers,
    d0217,
    d0260,
    d0300,
    export_allocated,
    export_submitted,
    hh_midnight,
    midnight,
    moved_out,
    payment_cleared,
    payment_overdue,
    refund_paid,
    registered,
    registers,
    secured,
    smart_reading,
)

from processors.core.policy import DEFAULT_POLICY, Policy, regulated_changes, regulated_fields
from processors.vocabulary.events import ExportTariff

SUPPLY_START = date(2023, 1, 1)
SSD = date(2024, 3, 1)  # a Friday
MOVE_OUT = date(2024, 6, 3)
GS = "PayGuaranteedStandardCompensation"


def loss(kind: str, mpan: str = ENG, ssd: date = SSD) -> list:
    return [
        registered(mpan, kind, SUPPLY_START, on=SUPPLY_START),
        secured(mpan, ssd, on=ssd - timedelta(days=20)),
    ]


def move_out(kind: str = "traditional") -> list:
    return [registered(ENG, kind, SUPPLY_START, on=SUPPLY_START), moved_out(ENG, MOVE_OUT, on=MOVE_OUT)]


# --- 1. every register is billed ------------------------------------------------------------


def test_1_a_two_rate_d0086_bills_both_registers() -> None:
    e7 = d0086_registers(ENG, date(2024, 3, 8), registers(midnight(SSD), {"01": "1200.0", "02": "3400.0"}))
    s = Scenario().play([*loss("traditional"), e7], until=date(2024, 3, 9))
    bill = s.one("IssueFinalBill")
    assert [(r.register_id, r.value) for r in bill.readings] == [
        ("01", Decimal("1200.0")),
        ("02", Decimal("3400.0")),
    ]
    assert bill.reading == bill.readings[0]


def test_1_a_two_rate_smart_hh_d0010_bills_both_registers() -> None:
    hh = d0010_registers(ENG, date(2024, 3, 2), registers(hh_midnight(SSD), {"01": "10.0", "02": "20.0"}))
    s = Scenario().play([*loss("smart_hh"), hh], until=date(2024, 3, 3))
    assert [r.register_id for r in s.one("IssueFinalBill").readings] == ["01", "02"]


# --- 2. reading quality ---------------------------------------------------------------------


def test_2_a_withdrawn_d0086_that_failed_07a_is_an_anomaly_not_a_final_bill() -> None:
    bad = d0086_registers(ENG, date(2024, 3, 8), registers(midnight(SSD), {"01": "1200.0"}, valid=False), "W")
    s = Scenario().play([*loss("traditional"), bad], until=date(2024, 3, 20))
    assert s.of_type("IssueFinalBill") == []
    assert s.anomaly_kinds() == ["unfit_reading"]
    assert "withdrawn" in s.anomalies[0].detail and "failed validation" in s.anomalies[0].detail


def test_2_a_smart_hh_d0010_failed_in_bsc_status_flag_and_032_does_not_bill() -> None:
    bad = d0010_registers(
        ENG,
        date(2024, 3, 2),
        registers(hh_midnight(SSD), {"01": "10.0"}, flag=False, valid=False),
        status="F",
    )
    s = Scenario().play([*loss("smart_hh"), bad], until=date(2024, 3, 3))
    assert s.of_type("IssueFinalBill") == []
    detail = s.anomalies[0].detail
    assert "BSC validation" in detail and "flag" in detail and "failed validation" in detail


# --- 3. the 35-day window is about receiving the reading -----------------------------------------


def test_3_a_reading_taken_31_days_after_the_move_out_does_not_bill_the_move_out() -> None:
    late = customer_reading(ENG, MOVE_OUT + timedelta(days=31), on=MOVE_OUT + timedelta(days=31))
    s = Scenario().play([*move_out(), late], until=MOVE_OUT + timedelta(days=36))
    assert s.of_type("IssueFinalBill") == []
    assert s.one("IssueEstimatedFinalBill").issued_on == MOVE_OUT + timedelta(days=35)


def test_3_a_move_out_reading_arriving_after_35_days_corrects_the_estimate() -> None:
    arrives = MOVE_OUT + timedelta(days=40)
    s = Scenario().play([*move_out(), customer_reading(ENG, MOVE_OUT, on=arrives)], until=arrives)
    assert s.of_type("IssueFinalBill") == []
    assert s.one("IssueCorrectedFinalBill").replaces == s.one("IssueEstimatedFinalBill").command_id


# --- 5. only our own readings go to the DC ------------------------------------------------------


def test_5_a_dc_d0010_at_the_ssd_is_not_sent_back_but_our_smart_reading_is() -> None:
    events = [
        *loss("smart_nhh"),
        d0010(ENG, midnight(SSD), on=SSD),
        smart_reading(ENG, SSD, on=date(2024, 3, 2)),
    ]
    s = Scenario().play(events, until=date(2024, 3, 3))
    sent = s.one("SendReadingToDataCollector")
    assert (sent.issued_on, sent.reading.source, sent.cause) == (
        date(2024, 3, 2),
        "smart",
        events[-1].event_id,
    )


# --- 6. corrections after an actual final bill ------------------------------------------------


def test_6_a_replacement_d0086_after_an_actual_final_bill_corrects_it() -> None:
    first = d0086(ENG, midnight(SSD), on=date(2024, 3, 8), value="4321")
    replacement = d0086(ENG, midnight(SSD), on=date(2024, 4, 2), value="4300")
    s = Scenario().play([*loss("traditional"), first, replacement], until=date(2024, 4, 3))
    corrected = s.one("IssueCorrectedFinalBill")
    assert corrected.replaces == s.one("IssueFinalBill").command_id
    assert corrected.reading.value == Decimal("4300")


def test_6_an_actual_d0010_at_the_move_out_corrects_the_move_out_estimate() -> None:
    arrives = MOVE_OUT + timedelta(days=40)
    events = [*move_out("smart_nhh"), d0010(ENG, midnight(MOVE_OUT), on=arrives, value="777")]
    s = Scenario().play(events, until=arrives)
    corrected = s.one("IssueCorrectedFinalBill")
    assert (corrected.reason, corrected.reading.source, corrected.reading.value) == ("move_out", "D0010", 777)


# --- 7. regulated numbers are loud ------------------------------------------------------------


def test_7_a_changed_regulated_number_is_listed_with_its_regulation() -> None:
    assert regulated_changes(DEFAULT_POLICY) == []
    changed = regulated_changes(Policy(estimated_final_bill_days=50, dispute_after_days=40))
    assert [c["key"] for c in changed] == ["estimated_final_bill_days"]
    assert (
        changed[0]["value"] == "50"
        and changed[0]["default"] == "42"
        and "six weeks" in changed[0]["regulation"]
    )
    keys = {f["key"] for f in regulated_fields()}
    assert {"estimated_final_bill_days", "refund_working_days", "guaranteed_standard_amount"} <= keys


# --- 8. inbound D0300 ----------------------------------------------------------------------------


def billed_loss() -> list:
    return [*loss("traditional"), d0086(ENG, midnight(SSD), on=date(2024, 3, 8), value="4321")]


def test_8_a_proposal_within_250_kwh_of_our_reading_is_agreed_within_5_working_days() -> None:
    dispute = d0300(ENG, SSD, on=date(2024, 3, 15), status="P", proposed={"1": "4500"})
    s = Scenario().play([*billed_loss(), dispute], until=date(2024, 3, 16))
    answer = s.one("RespondToCoSDispute")
    assert (answer.status, answer.ssd, answer.respond_by) == ("Y", SSD, date(2024, 3, 22))
    assert [r.value for r in answer.proposed_readings] == [Decimal("4500")]
    # we agreed a different reading: our final bill is corrected to it
    assert s.one("IssueCorrectedFinalBill").reading.value == Decimal("4500")


def test_8_a_proposal_over_250_kwh_from_ours_gets_our_alternative() -> None:
    dispute = d0300(ENG, SSD, on=date(2024, 3, 15), status="P", proposed={"1": "4700"})
    s = Scenario().play([*billed_loss(), dispute], until=date(2024, 3, 16))
    answer = s.one("RespondToCoSDispute")
    assert answer.status == "A"
    assert [(r.value, r.source) for r in answer.proposed_readings] == [(Decimal("4321"), "D0086")]
    assert s.of_type("IssueCorrectedFinalBill") == []


def test_8_an_agreed_different_reading_corrects_our_final_bill() -> None:
    agreed = d0300(ENG, SSD, on=date(2024, 4, 10), status="Y", proposed={"1": "4400"})
    s = Scenario().play([*billed_loss(), agreed], until=date(2024, 4, 11))
    corrected = s.one("IssueCorrectedFinalBill")
    assert (corrected.reading.value, corrected.reading.source) == (Decimal("4400"), "D0300")
    assert s.of_type("RespondToCoSDispute") == []


def test_8_a_dispute_more_than_12_months_after_the_ssd_is_out_of_time() -> None:
    late = d0300(ENG, SSD, on=date(2025, 3, 3), status="P", proposed={"1": "4400"})
    s = Scenario().play([*billed_loss(), late], until=date(2025, 3, 4))
    assert s.of_type("RespondToCoSDispute") == []
    assert "dispute_out_of_time" in s.anomaly_kinds()


def test_8_our_dispute_carries_the_reading_we_propose() -> None:
    before = d0010(ENG, midnight(SSD - timedelta(days=3)), on=SSD - timedelta(days=2), value="4200")
    s = Scenario().play([*loss("traditional"), before], until=date(2024, 4, 1))
    dispute = s.one("RaiseCoSDispute")
    assert [(r.value, r.read_on, r.source) for r in dispute.proposed_readings] == [
        (Decimal("4200"), SSD - timedelta(days=3), "D0010")
    ]


# --- 9. D0004 -------------------------------------------------------------------------------------


def test_9_d0004_during_a_pending_move_out_asks_the_customer_for_a_reading() -> None:
    failed = d0004(ENG, on=MOVE_OUT + timedelta(days=3), attempted=MOVE_OUT + timedelta(days=2))
    s = Scenario().play([*move_out(), failed], until=MOVE_OUT + timedelta(days=4))
    ask = s.one("RequestCustomerReading")
    assert (ask.reason, ask.failed_on, ask.issued_on) == (
        "dc_failed_to_read",
        MOVE_OUT + timedelta(days=2),
        MOVE_OUT + timedelta(days=3),
    )


def test_9_d0004_with_nothing_pending_asks_nothing() -> None:
    events = [registered(ENG, "traditional", SUPPLY_START, on=SUPPLY_START), d0004(ENG, on=date(2024, 3, 4))]
    s = Scenario().play(events, until=date(2024, 3, 5))
    assert s.commands == []


# --- 10. related MPANs -------------------------------------------------------------------------------


def test_10_the_loss_of_one_mpan_of_a_related_pair_bills_both_for_the_same_ssd() -> None:
    events = [
        registered(ENG, "traditional", SUPPLY_START, on=SUPPLY_START),
        registered(ENG2, "traditional", SUPPLY_START, on=SUPPLY_START),
        d0217(ENG, SUPPLY_START, on=date(2023, 1, 5), related=((ENG, ENG2),)),
        secured(ENG, SSD, on=SSD - timedelta(days=20)),
    ]
    s = Scenario().play(events, until=SSD + timedelta(days=42))
    estimates = s.of_type("IssueEstimatedFinalBill")
    assert sorted((e.mpan, e.final_date, e.issued_on) for e in estimates) == sorted(
        [(ENG, SSD, SSD + timedelta(days=42)), (ENG2, SSD, SSD + timedelta(days=42))]
    )


# --- 11. D0260 ------------------------------------------------------------------------------------------


def test_11_a_d0260_whose_ssd_is_not_our_registration_is_an_anomaly() -> None:
    events = [
        registered(ENG, "traditional", SUPPLY_START, on=SUPPLY_START),
        d0260(ENG, date(2023, 1, 9), on=date(2023, 1, 10)),
    ]
    s = Scenario().play(events, until=date(2023, 1, 11))
    assert s.anomaly_kinds() == ["registration_ssd_mismatch"]


# --- 12. guaranteed standards -------------------------------------------------------------------------


def test_12_a_final_bill_more_than_six_weeks_after_the_ssd_pays_30_pounds_once() -> None:
    late = d0086(ENG, midnight(SSD), on=SSD + timedelta(days=43))
    s = Scenario().play(
        [
            registered(ENG, "smart_hh", SUPPLY_START, on=SUPPLY_START),
            secured(ENG, SSD, on=SSD - timedelta(days=1)),
            late,
        ],
        until=SSD + timedelta(days=44),
    )
    # smart HH: the estimate on SSD+42 is in time; the D0086 after it is a correction
    assert [c for c in s.of_type(GS) if c.standard == "final_bill_six_weeks"] == []
    s2 = Scenario().play(
        [registered(ENG, "traditional", SUPPLY_START, on=SUPPLY_START)], until=SSD + timedelta(days=50)
    )
    s2.given(secured(ENG, SSD, on=SSD - timedelta(days=20)))  # learnt late: bills at once
    gs = s2.one(GS)
    assert (gs.standard, gs.amount, gs.due_to, gs.issued_on) == (
        "final_bill_six_weeks",
        Decimal("30.00"),
        "A-1",
        SSD + timedelta(days=50),
    )


def test_12_a_refund_not_paid_by_its_due_date_pays_the_refund_standard_once() -> None:
    s = Scenario().play(billed_loss(), until=date(2024, 4, 30))
    refund_due = s.one("SettleFinalBalance").refund_due_by
    gs = s.one(GS)
    assert (gs.standard, gs.issued_on) == ("refund_ten_working_days", refund_due + timedelta(days=1))


def test_12_a_refund_paid_on_its_due_date_pays_nothing() -> None:
    s = Scenario().play(billed_loss(), until=date(2024, 3, 9))
    settle = s.one("SettleFinalBalance")
    s.play([refund_paid(ENG, settle.final_bill, on=settle.refund_due_by)], until=date(2024, 4, 30))
    assert s.of_type(GS) == []


# --- 13. export certificates ---------------------------------------------------------------------------


def test_13_hydro_without_a_certificate_is_at_the_suppliers_discretion() -> None:
    app = [
        registered(ENG, "smart_nhh", SUPPLY_START),
        export_submitted("APP-1", ENG, on=SSD, technology="hydro", mcs_certificate=None),
    ]
    assert Scenario().play(app, until=SSD).one("RejectExportApplication").reasons == ("no_certificate",)
    relaxed = Scenario(Policy(mcs_required_for_hydro_and_ad=False)).play(app, until=SSD)
    assert relaxed.of_type("RejectExportApplication") == [] and relaxed.one("ApplyForExportMpan")


def test_13_solar_without_a_certificate_is_always_rejected() -> None:
    app = [
        registered(ENG, "smart_nhh", SUPPLY_START),
        export_submitted("APP-1", ENG, on=SSD, mcs_certificate=None),
    ]
    relaxed = Scenario(Policy(mcs_required_for_hydro_and_ad=False)).play(app, until=SSD)
    assert relaxed.one("RejectExportApplication").reasons == ("no_certificate",)


# --- 14. the first export reading, and the 90 days ----------------------------------------------------


def enrolled(**kw: object) -> list:
    return [
        registered(ENG, "smart_nhh", SUPPLY_START),
        export_submitted("APP-1", ENG, on=date(2024, 3, 1), **kw),
        export_allocated("APP-1", ENG, EXPORT, on=date(2024, 3, 15)),
        d0217(EXPORT, date(2024, 3, 25), on=date(2024, 3, 22)),
    ]


def test_14_no_first_export_reading_is_chased_after_14_days() -> None:
    s = Scenario().play(enrolled(), until=date(2024, 4, 30))
    chase = s.one("ChaseFirstExportReading")
    assert (chase.export_mpan, chase.requested_on, chase.issued_on) == (
        EXPORT,
        date(2024, 3, 22),
        date(2024, 4, 5),
    )


def test_14_manual_photo_readings_do_not_stop_the_switch_to_manual_readings() -> None:
    first = d0010(EXPORT, midnight(date(2024, 4, 1)), on=date(2024, 4, 2), value="1.0")
    photo = customer_reading(EXPORT, date(2024, 6, 1), on=date(2024, 6, 1), value="90", photo=True)
    s = Scenario().play([*enrolled(), first, photo], until=date(2024, 7, 15))
    manual = s.one("SwitchToManualExportReadings")
    assert (manual.last_reading_on, manual.issued_on) == (
        date(2024, 4, 1),
        date(2024, 4, 1) + timedelta(days=91),
    )


# --- 15. fixed tariff notice, export credit held while unpaid ---------------------------------------------


def test_15_a_fixed_export_tariff_gets_notice_42_days_before_its_end() -> None:
    end = date(2025, 3, 31)
    events = enrolled(tariff=ExportTariff.OUTGOING_FIXED, tariff_end_date=end)
    s = Scenario().play(events, until=date(2025, 3, 31))
    notice = s.one("NotifyExportTariffEnding")
    assert (notice.export_mpan, notice.end_date, notice.issued_on) == (EXPORT, end, end - timedelta(days=42))


def test_15_export_credit_is_held_while_the_import_account_is_unpaid_and_released_after() -> None:
    events = [
        *enrolled(),
        payment_overdue("A-1", date(2024, 5, 1)),
        payment_cleared("A-1", date(2024, 5, 20)),
    ]
    s = Scenario().play(events, until=date(2024, 5, 21))
    hold, release = s.one("HoldExportCredit"), s.one("ReleaseExportCredit")
    assert (hold.export_mpan, hold.account_id, hold.on, hold.issued_on) == (
        EXPORT,
        "A-1",
        date(2024, 5, 1),
        date(2024, 5, 1),
    )
    assert (release.export_mpan, release.on) == (EXPORT, date(2024, 5, 20))


def test_15_an_account_overdue_before_its_export_is_registered_holds_it_on_registration() -> None:
    events = [*enrolled(), payment_overdue("A-1", date(2024, 3, 10))]
    s = Scenario().play(events, until=date(2024, 3, 23))
    assert s.one("HoldExportCredit").issued_on == date(2024, 3, 22)


def test_a_move_out_of_the_applications_day_redelivered_late_does_not_end_the_tariff() -> None:
    """Found by the redelivery property: the move-out is ordered before the application of
    the same day, so it never ends it, whenever it is delivered again."""
    mo = moved_out(ENG, date(2024, 3, 1), on=date(2024, 3, 1))
    s = Scenario().play([*enrolled()[:2], mo], until=date(2024, 3, 2))
    s.feed(mo)
    assert s.of_type("EndExportTariff") == [] and s.of_type("WithdrawExportApplication") == []
