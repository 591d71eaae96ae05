"""Given-when-then scenarios of the account machine: backbilling, migration, business billing."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from gwt_accounts import (
    bill,
    charge,
    charges_created,
    invoice,
    migrated,
    opened,
    prevented,
    reviewed,
)
from gwt_core import ENG, ENG2, SCT, Scenario, customer_reading, d0010, midnight, registered
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import read_paths
from processors.core.machines.accounts.account import _TRANSITIONS, AccountMachine
from processors.core.machines.accounts.backbilling import add_months, pennies, pre_cutoff_total
from processors.core.policy import DEFAULT_POLICY
from processors.vocabulary.events import AccountReadingForwarded, BillCharge, DomainEvent, account_link

ACCOUNT = "A-1"
OPENED = date(2022, 1, 1)
ISSUED = date(2024, 6, 1)  # cutoff 2023-06-01


def domestic(*events: object, until: date, segment: str = "domestic") -> Scenario:
    return Scenario().play(
        [
            registered(ENG, "traditional", OPENED, account_id=ACCOUNT),
            opened(ACCOUNT, segment, OPENED),
            reviewed(ACCOUNT, date(2024, 1, 10)),
            *events,  # type: ignore[list-item]
        ],
        until=until,
    )


def write_offs(s: Scenario) -> list[tuple[str, str, list[str]]]:
    return [
        (c.bill_id, str(c.amount), [str(r) for r in c.reasons])  # type: ignore[attr-defined]
        for c in s.of_type("WriteOffBackbilledCharges")
    ]


# --- backbilling -------------------------------------------------------------------------------


def test_a_charge_period_straddling_the_cutoff_is_apportioned_by_days() -> None:
    # 2023-05-02 .. 2023-06-30 is 60 days, 30 of them before the cutoff (2023-06-01)
    s = domestic(
        bill(ACCOUNT, "B1", ISSUED, [charge(date(2023, 5, 2), date(2023, 6, 30), "600.00")], "-900.00"),
        until=ISSUED,
    )
    write_off = s.one("WriteOffBackbilledCharges")
    assert (write_off.amount, write_off.cutoff, write_off.issued_on) == (
        Decimal("300.00"),
        date(2023, 6, 1),
        ISSUED,
    )
    assert write_off.to_json()["amount"] == "300.00"
    assert [str(r) for r in write_off.reasons] == ["not_billed"]


def test_charges_entirely_after_the_cutoff_are_never_written_off() -> None:
    s = domestic(
        bill(ACCOUNT, "B1", ISSUED, [charge(date(2023, 6, 1), date(2024, 5, 31), "900")], "-900"),
        until=ISSUED,
    )
    assert s.of_type("WriteOffBackbilledCharges") == []


def test_pennies_are_rounded_half_up_on_the_total_only() -> None:
    # three charges of 1/3 pre-cutoff each: 0.3333.. x 3 -> 1.00, not 0.33 x 3 = 0.99
    charges = [charge(date(2023, 5, 31), date(2023, 6, 2), "1.00") for _ in range(3)]
    s = domestic(bill(ACCOUNT, "B1", ISSUED, charges, "-10"), until=ISSUED)
    assert write_offs(s) == [("B1", "1.00", ["not_billed"])]


def test_the_write_off_is_capped_by_the_debit_the_bill_leaves() -> None:
    s = domestic(
        bill(ACCOUNT, "B1", ISSUED, [charge(date(2023, 1, 1), date(2023, 5, 31), "500")], "-120.50"),
        until=ISSUED,
    )
    assert write_offs(s) == [("B1", "120.50", ["not_billed"])]


def test_a_bill_leaving_the_account_exactly_at_zero_writes_nothing_off() -> None:
    s = domestic(
        bill(ACCOUNT, "B1", ISSUED, [charge(date(2023, 1, 1), date(2023, 5, 31), "500")], "0.00"),
        until=ISSUED,
    )
    assert s.of_type("WriteOffBackbilledCharges") == []


def test_a_bill_leaving_the_account_in_credit_writes_nothing_off() -> None:
    s = domestic(
        bill(ACCOUNT, "B1", ISSUED, [charge(date(2023, 1, 1), date(2023, 5, 31), "500")], "25.00"),
        until=ISSUED,
    )
    assert s.of_type("WriteOffBackbilledCharges") == []


def test_pre_cutoff_credits_reduce_what_is_sought() -> None:
    charges = [
        charge(date(2023, 1, 1), date(2023, 5, 31), "500"),
        charge(date(2023, 3, 1), date(2023, 3, 31), "-200"),
    ]
    s = domestic(bill(ACCOUNT, "B1", ISSUED, charges, "-1000"), until=ISSUED)
    assert write_offs(s) == [("B1", "300.00", ["not_billed"])]


def test_no_adequacy_review_in_the_year_before_the_bill_is_a_reason() -> None:
    s = Scenario().play(
        [
            registered(ENG, "traditional", OPENED, account_id=ACCOUNT),
            opened(ACCOUNT, "domestic", OPENED),
            reviewed(ACCOUNT, date(2023, 5, 31)),  # one day too early
            bill(ACCOUNT, "B1", ISSUED, [charge(date(2023, 1, 1), date(2023, 5, 31), "500")], "-600"),
        ],
        until=ISSUED,
    )
    assert write_offs(s) == [("B1", "500.00", ["not_billed", "no_adequacy_review"])]


def test_a_rebill_higher_only_before_the_cutoff_writes_off_the_increase() -> None:
    old = [
        charge(date(2023, 1, 1), date(2023, 5, 31), "300"),
        charge(date(2023, 6, 1), date(2023, 12, 31), "700"),
    ]
    new = [
        charge(date(2023, 1, 1), date(2023, 5, 31), "450"),
        charge(date(2023, 6, 1), date(2023, 12, 31), "550"),
    ]
    s = domestic(
        bill(ACCOUNT, "B1", date(2024, 1, 5), old, "50", basis="estimated"),
        bill(ACCOUNT, "B2", ISSUED, new, "-400", kind="rebill", replaces="B1"),
        until=ISSUED,
    )
    # the rebill's total is the same (1000), but 150 more is sought for pre-cutoff days
    assert write_offs(s) == [("B2", "150.00", ["rebilled_higher", "underestimated"])]


def test_a_rebill_compares_the_pre_cutoff_days_of_its_own_cutoff() -> None:
    # B1 charged 2023-05-01..2023-06-30 (61 days) 610; the rebill 732 for the same days.
    # The rebill's cutoff (2023-06-01) leaves 31 days before it: 310 then, 372 now.
    s = domestic(
        bill(ACCOUNT, "B1", date(2023, 7, 5), [charge(date(2023, 5, 1), date(2023, 6, 30), "610")], "-10"),
        bill(
            ACCOUNT,
            "B2",
            ISSUED,
            [charge(date(2023, 5, 1), date(2023, 6, 30), "732")],
            "-500",
            kind="rebill",
            replaces="B1",
        ),
        until=ISSUED,
    )
    assert write_offs(s) == [("B2", "62.00", ["rebilled_higher"])]


def test_a_rebill_with_the_same_or_lower_pre_cutoff_charges_writes_nothing_off() -> None:
    old = [charge(date(2023, 1, 1), date(2023, 5, 31), "300")]
    s = domestic(
        bill(ACCOUNT, "B1", date(2023, 7, 1), old, "-10"),
        bill(
            ACCOUNT,
            "B2",
            ISSUED,
            [charge(date(2023, 1, 1), date(2023, 5, 31), "300")],
            "-300",
            kind="rebill",
            replaces="B1",
        ),
        bill(
            ACCOUNT,
            "B3",
            ISSUED,
            [charge(date(2023, 1, 1), date(2023, 5, 31), "250")],
            "-300",
            kind="rebill",
            replaces="B2",
        ),
        until=ISSUED,
    )
    assert s.of_type("WriteOffBackbilledCharges") == []


def test_no_write_off_when_the_customer_prevented_a_reading_before_the_cutoff() -> None:
    s = domestic(
        prevented(ACCOUNT, ENG, date(2023, 3, 14)),
        bill(ACCOUNT, "B1", ISSUED, [charge(date(2023, 1, 1), date(2023, 5, 31), "500")], "-600"),
        until=ISSUED,
    )
    assert s.of_type("WriteOffBackbilledCharges") == []


def test_a_prevented_reading_after_the_cutoff_does_not_stop_the_write_off() -> None:
    s = domestic(
        prevented(ACCOUNT, ENG, date(2023, 9, 14)),
        bill(ACCOUNT, "B1", ISSUED, [charge(date(2023, 1, 1), date(2023, 5, 31), "500")], "-600"),
        until=ISSUED,
    )
    assert write_offs(s) == [("B1", "500.00", ["not_billed"])]


def test_a_duplicate_bill_issued_writes_off_once() -> None:
    first = bill(
        ACCOUNT, "B1", ISSUED, [charge(date(2023, 1, 1), date(2023, 5, 31), "500")], "-600", event_id="E-1"
    )
    again = bill(
        ACCOUNT, "B1", ISSUED, [charge(date(2023, 1, 1), date(2023, 5, 31), "500")], "-600", event_id="E-2"
    )
    s = domestic(first, first, until=ISSUED)
    s.given(first, again).pass_days_through(ISSUED + timedelta(days=3))
    s.given(first)
    assert write_offs(s) == [("B1", "500.00", ["not_billed"])]
    assert s.anomaly_kinds() == ["duplicate_bill"]


def test_a_bill_for_an_unknown_account_is_an_anomaly() -> None:
    s = domestic(
        bill("A-404", "B1", ISSUED, [charge(date(2023, 1, 1), date(2023, 5, 31), "500")], "-600"),
        until=ISSUED,
    )
    assert s.of_type("WriteOffBackbilledCharges") == []
    assert [(a.kind, a.subject) for a in s.anomalies] == [("unknown_account", "A-404")]
    assert "account we do not know" in s.anomalies[0].detail


def test_charges_and_invoices_for_an_unknown_account_are_unknown_accounts() -> None:
    s = domestic(
        charges_created("A-404", date(2024, 6, 2), ("I1", "10.00")),
        invoice("A-404", "INV-1", date(2024, 6, 3), "10.00"),
        until=date(2024, 6, 3),
    )
    assert [(a.kind, a.subject) for a in s.anomalies] == [("unknown_account", "A-404")] * 2
    assert s.of_type("IssueInvoice") == []


# --- prevention ------------------------------------------------------------------------------------


def test_backbilling_risk_is_warned_once_when_unbilled_days_reach_eleven_months() -> None:
    s = Scenario().play(
        [
            registered(ENG, "traditional", OPENED, account_id=ACCOUNT),
            opened(ACCOUNT, "domestic", OPENED),
            reviewed(ACCOUNT, date(2022, 12, 1)),
            bill(ACCOUNT, "B1", date(2022, 3, 2), [charge(OPENED, date(2022, 2, 28), "90")], "0"),
        ],
        until=date(2023, 3, 31),
    )
    warning = s.one("WarnBackbillingRisk")
    assert (warning.issued_on, warning.unbilled_since, warning.write_off_from) == (
        date(2023, 2, 1),
        date(2022, 3, 1),
        date(2023, 3, 1),
    )


def test_a_bill_before_eleven_months_moves_the_warning_on() -> None:
    s = Scenario().play(
        [
            registered(ENG, "traditional", OPENED, account_id=ACCOUNT),
            opened(ACCOUNT, "domestic", OPENED),
            reviewed(ACCOUNT, date(2022, 6, 1)),
            bill(ACCOUNT, "B1", date(2022, 11, 20), [charge(OPENED, date(2022, 10, 31), "500")], "0"),
        ],
        until=date(2023, 10, 31),
    )
    assert [(c.issued_on, c.unbilled_since) for c in s.of_type("WarnBackbillingRisk")] == [  # type: ignore[attr-defined]
        (date(2023, 10, 1), date(2022, 11, 1))
    ]


def test_payment_adequacy_review_is_asked_for_eleven_months_after_the_last() -> None:
    s = Scenario().play(
        [opened(ACCOUNT, "domestic", OPENED), reviewed(ACCOUNT, date(2022, 3, 31))], until=date(2023, 3, 31)
    )
    review = s.one("ReviewPaymentAdequacy")
    assert (review.issued_on, review.last_reviewed_on) == (date(2023, 2, 28), date(2022, 3, 31))


def test_an_account_never_reviewed_is_asked_eleven_months_after_opening() -> None:
    s = Scenario().play([opened(ACCOUNT, "domestic", OPENED)], until=date(2022, 12, 31))
    review = s.one("ReviewPaymentAdequacy")
    assert (review.issued_on, review.last_reviewed_on) == (date(2022, 12, 1), None)


# --- migration ---------------------------------------------------------------------------------------


def test_a_migrated_account_is_billed_from_its_transfer_reading() -> None:
    s = Scenario().play(
        [migrated(ACCOUNT, ENG, date(2024, 4, 1), ("10234.5", date(2024, 3, 20)), "acquisition")],
        until=date(2024, 4, 2),
    )
    command = s.one("BillFromTransferReading")
    assert command.to_json()["reading"] == {
        "value": "10234.5",
        "read_on": "2024-03-20",
        "source": "transfer",
        "meter_id": "M1",
        "register_id": "1",
    }
    assert (command.mpan, command.source) == (ENG, "acquisition")
    assert s.of_type("WarnBackbillingRisk") == []


def test_a_migration_without_a_transfer_reading_asks_operations_to_find_one() -> None:
    s = Scenario().play([migrated(ACCOUNT, ENG, date(2024, 4, 1), None, "solr")], until=date(2024, 4, 2))
    assert [(c.type, c.source) for c in s.commands] == [("FindTransferReading", "solr")]  # type: ignore[attr-defined]


def test_a_transfer_reading_older_than_twelve_months_is_a_backbilling_risk() -> None:
    s = Scenario().play(
        [migrated(ACCOUNT, ENG, date(2024, 4, 1), ("5000", date(2023, 3, 31)))], until=date(2024, 4, 30)
    )
    warning = s.one("WarnBackbillingRisk")
    assert (warning.issued_on, warning.unbilled_since, warning.write_off_from) == (
        date(2024, 4, 1),
        date(2023, 3, 31),
        date(2024, 3, 31),
    )
    assert s.one("BillFromTransferReading").issued_on == date(2024, 4, 1)


def test_a_recent_transfer_reading_is_warned_about_only_at_eleven_months() -> None:
    s = Scenario().play(
        [migrated(ACCOUNT, ENG, date(2024, 4, 1), ("5000", date(2023, 6, 1)))], until=date(2024, 6, 30)
    )
    warning = s.one("WarnBackbillingRisk")
    assert (warning.issued_on, warning.unbilled_since) == (date(2024, 5, 1), date(2023, 6, 1))


# --- business billing ------------------------------------------------------------------------------


def business(
    *events: object, until: date, mpans: tuple[str, ...] = (ENG,), segment: str = "business"
) -> Scenario:
    return Scenario().play(
        [
            *(registered(m, "smart_nhh", date(2024, 9, 1), account_id="B-1") for m in mpans),
            opened("B-1", segment, date(2024, 9, 1)),
            *events,  # type: ignore[list-item]
        ],
        until=until,
    )


def test_a_business_account_is_billed_per_mpan_on_the_first_of_each_month() -> None:
    s = business(until=date(2024, 11, 1), mpans=(ENG, ENG2))
    assert [(c.issued_on, c.mpan, c.bill_date, c.reading) for c in s.of_type("BillBusinessAccount")] == [  # type: ignore[attr-defined]
        (date(2024, 10, 1), ENG, date(2024, 10, 1), None),
        (date(2024, 10, 1), ENG2, date(2024, 10, 1), None),
        (date(2024, 11, 1), ENG, date(2024, 11, 1), None),
        (date(2024, 11, 1), ENG2, date(2024, 11, 1), None),
    ]


def test_a_microbusiness_account_gets_none_of_the_business_rules() -> None:
    s = business(
        charges_created("B-1", date(2024, 10, 3), ("I1", "10")),
        until=date(2024, 11, 30),
        segment="microbusiness",
    )
    assert [c.type for c in s.commands] == []
    assert s.anomaly_kinds() == ["not_a_business_account"]


def test_the_first_is_a_sunday_and_the_reading_window_still_counts_five_days() -> None:
    # 2024-12-01 is a Sunday: readings read on 26 November or later count, the 25th does not
    s = business(
        d0010(ENG, midnight(date(2024, 11, 25)), on=date(2024, 11, 25), value="100"),
        d0010(ENG, midnight(date(2024, 11, 26)), on=date(2024, 11, 26), value="110"),
        d0010(ENG, midnight(date(2024, 11, 28)), on=date(2024, 11, 28), value="120", reading_type="D"),
        until=date(2024, 12, 1),
    )
    bill_command = s.of_type("BillBusinessAccount")[-1]
    assert bill_command.issued_on == date(2024, 12, 1)
    assert bill_command.to_json()["reading"] == {
        "value": "110",
        "read_on": "2024-11-26",
        "source": "D0010",
        "meter_id": "M1",
        "register_id": "1",
    }


def test_the_latest_actual_reading_wins_and_customer_readings_count() -> None:
    s = business(
        d0010(ENG, midnight(date(2024, 11, 27)), on=date(2024, 11, 27), value="110"),
        customer_reading(ENG, date(2024, 11, 29), on=date(2024, 11, 30), value="130"),
        until=date(2024, 12, 1),
    )
    reading = s.of_type("BillBusinessAccount")[-1].to_json()["reading"]
    assert (reading["value"], reading["read_on"], reading["source"]) == ("130", "2024-11-29", "customer")


def test_no_reading_in_the_window_bills_on_an_estimate() -> None:
    s = business(d0010(ENG, midnight(date(2024, 11, 20)), on=date(2024, 11, 20)), until=date(2024, 12, 1))
    assert s.of_type("BillBusinessAccount")[-1].to_json()["reading"] is None


def test_readings_of_a_domestic_account_are_not_forwarded() -> None:
    s = business(
        d0010(ENG, midnight(date(2024, 11, 27)), on=date(2024, 11, 27)),
        until=date(2024, 11, 28),
        segment="domestic",
    )
    assert s.engine.state_of(ENG, "account_feed") is None
    assert s.engine.state_of(ENG, "supply_point") is not None


def test_charges_and_credits_never_share_a_document() -> None:
    s = business(
        charges_created(
            "B-1", date(2024, 10, 2), ("I1", "100.005"), ("I2", "-20.10"), ("I3", "49.99"), ("I4", "-0.005")
        ),
        until=date(2024, 10, 2),
    )
    invoice_cmd, credit_note = s.one("IssueInvoice"), s.one("IssueCreditNote")
    assert (invoice_cmd.items, invoice_cmd.to_json()["total"]) == (("I1", "I3"), "150.00")
    assert (credit_note.items, credit_note.to_json()["total"]) == (("I2", "I4"), "20.11")


def test_credit_notes_only() -> None:
    s = business(
        charges_created("B-1", date(2024, 10, 2), ("C1", "-12.00"), ("C2", "-3.50")), until=date(2024, 10, 2)
    )
    assert s.of_type("IssueInvoice") == []
    note = s.one("IssueCreditNote")
    assert (note.items, note.total) == (("C1", "C2"), Decimal("15.50"))


def test_a_direct_debit_over_three_thousand_pounds_needs_approval() -> None:
    s = business(
        invoice("B-1", "D-1", date(2024, 10, 3), "3000.00"),
        invoice("B-1", "D-2", date(2024, 10, 4), "3000.01"),
        invoice("B-1", "D-3", date(2024, 10, 5), "9000.00", kind="credit_note"),
        until=date(2024, 10, 5),
    )
    approval = s.one("ApproveDirectDebitPayment")
    assert (approval.document_id, approval.to_json()["amount"]) == ("D-2", "3000.01")


def test_a_business_bill_not_issued_by_the_tenth_working_day_is_chased() -> None:
    # October 2024: the 10th working day is Monday the 14th
    s = business(until=date(2024, 10, 31))
    assert [(c.issued_on, c.bill_date) for c in s.of_type("ChaseBusinessBill")] == [  # type: ignore[attr-defined]
        (date(2024, 10, 14), date(2024, 10, 1))
    ]


def test_an_invoice_on_the_tenth_working_day_is_in_time() -> None:
    s = business(invoice("B-1", "D-1", date(2024, 10, 14), "250.00"), until=date(2024, 10, 31))
    assert s.of_type("ChaseBusinessBill") == []


def test_the_christmas_holidays_inside_the_ten_working_days() -> None:
    # January 2025: New Year's Day is a bank holiday (and 2 January in Scotland), so the
    # 10th working day is the 15th in England and the 16th in Scotland
    england = business(invoice("B-1", "D-1", date(2024, 12, 10), "250.00"), until=date(2025, 1, 31))
    scotland = business(
        invoice("B-1", "D-1", date(2024, 12, 10), "250.00"), until=date(2025, 1, 31), mpans=(SCT,)
    )
    mixed = business(
        invoice("B-1", "D-1", date(2024, 12, 10), "250.00"), until=date(2025, 1, 31), mpans=(ENG, SCT)
    )
    assert [c.issued_on for c in england.of_type("ChaseBusinessBill")][-1] == date(2025, 1, 15)
    assert [c.issued_on for c in scotland.of_type("ChaseBusinessBill")][-1] == date(2025, 1, 16)
    assert [c.issued_on for c in mixed.of_type("ChaseBusinessBill")][-1] == date(2025, 1, 15)


def test_december_bills_are_chased_before_christmas() -> None:
    s = business(invoice("B-1", "D-1", date(2024, 11, 5), "250.00"), until=date(2024, 12, 31))
    assert [c.issued_on for c in s.of_type("ChaseBusinessBill")] == [date(2024, 10, 14), date(2024, 12, 13)]


# --- properties ------------------------------------------------------------------------------------

_days = st.integers(min_value=0, max_value=900)
_money = st.decimals(min_value=Decimal("-500"), max_value=Decimal("5000"), places=2, allow_nan=False)


@st.composite
def _charges(draw: st.DrawFn) -> list[BillCharge]:
    out = []
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        start = date(2022, 6, 1) + timedelta(days=draw(_days))
        length = draw(st.integers(min_value=0, max_value=400))
        out.append(
            BillCharge(period_from=start, period_to=start + timedelta(days=length), amount=draw(_money))
        )
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    old=_charges(),
    new=_charges(),
    balance=_money,
    rebill=st.booleans(),
)
def test_a_write_off_never_exceeds_the_debit_left_nor_the_pre_cutoff_charges(
    old: list[BillCharge], new: list[BillCharge], balance: Decimal, rebill: bool
) -> None:
    s = domestic(
        bill(ACCOUNT, "B1", date(2024, 1, 2), old, "0", basis="estimated"),
        bill(
            ACCOUNT,
            "B2",
            ISSUED,
            new,
            str(balance),
            kind="rebill" if rebill else "bill",
            replaces="B1" if rebill else None,
        ),
        until=ISSUED,
    )
    cutoff = add_months(ISSUED, -12)
    for command in s.of_type("WriteOffBackbilledCharges"):
        charges = old if command.bill_id == "B1" else new  # type: ignore[attr-defined]
        bill_balance = Decimal(0) if command.bill_id == "B1" else balance  # type: ignore[attr-defined]
        assert Decimal(0) < command.amount <= -bill_balance  # type: ignore[attr-defined]
        assert command.amount <= pennies(pre_cutoff_total(charges, add_months(command.issued_on, -12)))  # type: ignore[attr-defined]
        assert command.cutoff == (cutoff if command.bill_id == "B2" else date(2023, 1, 2))  # type: ignore[attr-defined]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(charges=_charges(), balance=_money, day=st.integers(min_value=0, max_value=60))
def test_replay_twice_gives_identical_commands(charges: list[BillCharge], balance: Decimal, day: int) -> None:
    on = date(2024, 9, 2) + timedelta(days=day)
    log = [
        *(registered(m, "smart_nhh", date(2024, 9, 1), account_id="B-1") for m in (ENG, ENG2)),
        opened("B-1", "business", date(2024, 9, 1)),
        bill("B-1", "B1", on, charges, str(balance)),
        d0010(ENG, midnight(on - timedelta(days=2)), on=on),
        charges_created("B-1", on, ("I1", str(balance)), ("I2", "-1")),
        invoice("B-1", "D-1", on, "3100"),
    ]

    def run() -> list[dict[str, object]]:
        return [c.to_json() for c in Scenario().play(log, until=date(2025, 1, 1)).commands]

    first, second = run(), run()
    assert first == second
    assert {"BillBusinessAccount", "IssueCreditNote", "ApproveDirectDebitPayment"} <= {
        str(c["type"]) for c in first
    }


def test_the_converters_build_the_inputs_the_dataclasses_build() -> None:
    """The account inputs are built without their dataclass `__init__` (`vocabulary.construction`): each
    is still of its own class, equal to, hashing and written (its conflict digest's text)
    the same as the one the dataclass builds from the same fields."""
    examples = Path(__file__).parents[4] / "examples" / "events" / "billing.jsonl"
    events: list[Any] = [e for e in read_paths([examples]) if isinstance(e, DomainEvent)]
    events.append(account_link("reg-1", date(2024, 3, 1), ENG, "ACC-1", date(2024, 3, 1)))
    events.append(
        AccountReadingForwarded(
            event_id="fwd-1",
            occurred_at=midnight(date(2024, 3, 2)),
            account_id="ACC-1",
            mpan=ENG,
            value=Decimal("12.5"),
            read_on=date(2024, 3, 2),
            reading_source="D0010",
        )
    )
    converters = AccountMachine().converters
    built = [converters[type(e)](e, DEFAULT_POLICY) for e in events if type(e) in converters]
    assert {type(inp) for inp in built} == set(_TRANSITIONS)  # every input class, each its own
    for inp in built:
        same = type(inp)(**{spec.name: getattr(inp, spec.name) for spec in fields(inp)})
        assert inp == same
        assert hash(inp) == hash(same)
        assert repr(inp) == repr(same)
