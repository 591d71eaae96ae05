"""JSON-lines account events (SPEC 8): every type read exactly, every bad field named."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from flow_helpers import Read

from processors.vocabulary.events import (
    AccountMigrated,
    AccountOpened,
    BillCharge,
    BillIssued,
    ChargesCreated,
    InvoiceIssued,
    MeterAccessPrevented,
    PaymentAdequacyReviewed,
    TransferReading,
)

Reader = Callable[[str], Read]


def test_every_account_event_type_is_read(read: Reader) -> None:
    result = read("accounts_valid.jsonl")
    assert not result.rejections
    assert [type(e) for e in result.events] == [
        AccountOpened,
        BillIssued,
        BillIssued,
        PaymentAdequacyReviewed,
        MeterAccessPrevented,
        AccountMigrated,
        AccountMigrated,
        ChargesCreated,
        InvoiceIssued,
    ]
    assert all(e.partition_key == "B-1" for e in result.events)


def test_money_is_exact_and_signed_where_the_contract_says(read: Reader) -> None:
    events = read("accounts_valid.jsonl").events
    rebill = events[1]
    assert isinstance(rebill, BillIssued)
    assert rebill.charges == (
        BillCharge(period_from=date(2023, 9, 1), period_to=date(2023, 9, 30), amount=Decimal("120.45")),
        BillCharge(period_from=date(2023, 10, 1), period_to=date(2023, 10, 31), amount=Decimal("-20.10")),
    )
    assert (rebill.balance_after, rebill.replaces, str(rebill.kind)) == (Decimal("-100.35"), "BL-0", "rebill")
    assert isinstance(events[2], BillIssued) and events[2].replaces is None and events[2].charges == ()
    migrated, without = events[5], events[6]
    assert isinstance(migrated, AccountMigrated) and isinstance(without, AccountMigrated)
    assert str(migrated.migration_source) == "solr"
    assert migrated.source is not None and migrated.source.line == 6  # where it was read stays
    assert migrated.transfer_reading == TransferReading(
        value=Decimal("10234.5"), read_on=date(2024, 9, 30), meter_id="M1", register_id="1"
    )
    assert without.transfer_reading is None
    charges = events[7]
    assert isinstance(charges, ChargesCreated)
    assert [(i.item_id, i.amount) for i in charges.items] == [
        ("I1", Decimal("1500.00")),
        ("I2", Decimal("-12.50")),
    ]


def test_each_bad_account_line_is_rejected_with_its_field(read: Reader) -> None:
    result = read("accounts_bad.jsonl")
    assert [e.event_id for e in result.events] == ["x8"]
    by_line = {r.line or 0: r for r in result.rejections}
    expected = {
        1: ("segment", "expected one of domestic, microbusiness, business"),
        2: ("charges.0.period_to", "not a calendar date"),
        3: ("charges", "expected a list"),
        4: ("mpan", "check digit"),
        5: ("items.0.amount", "required field is missing"),
        6: ("kind", "expected one of invoice, credit_note"),
        7: ("account_id", "non-empty text"),
    }
    assert sorted(by_line) == sorted(expected)
    for line, (field, words) in expected.items():
        rejection = by_line[line]
        assert rejection.field == field, (line, rejection)
        assert words in rejection.reason, (line, rejection.reason)
        assert rejection.path.endswith("accounts_bad.jsonl")
    assert "charges.1.amount: expected a number" in by_line[2].reason
    assert "balance_after: expected a finite number" in by_line[3].reason
    assert "source: expected one of system_migration" in by_line[4].reason
    assert "transfer_reading.value: expected a non-negative number" in by_line[4].reason
    assert "total: expected a non-negative number" in by_line[6].reason
    assert "on: required field is missing" in by_line[7].reason
