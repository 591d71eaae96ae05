"""Given-when-then builders for accounts (SPEC 8): account events as the JSON lines give them."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

from gwt_core import at

from processors.vocabulary.events import (
    AccountMigrated,
    AccountOpened,
    AccountSegment,
    BillBasis,
    BillCharge,
    BillIssued,
    BillKind,
    ChargeItem,
    ChargesCreated,
    DocumentKind,
    InvoiceIssued,
    MeterAccessPrevented,
    MigrationSource,
    PaymentAdequacyReviewed,
    TransferReading,
)

_ids = itertools.count(1)


def _id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def opened(account: str, segment: str, opened_on: date, on: date | None = None) -> AccountOpened:
    return AccountOpened(
        event_id=_id("open"),
        occurred_at=at(on or opened_on),
        account_id=account,
        segment=AccountSegment(segment),
        opened_on=opened_on,
    )


def charge(period_from: date, period_to: date, amount: str) -> BillCharge:
    return BillCharge(period_from=period_from, period_to=period_to, amount=Decimal(amount))


def bill(
    account: str,
    bill_id: str,
    issued_on: date,
    charges: list[BillCharge],
    balance_after: str,
    *,
    kind: str = "bill",
    replaces: str | None = None,
    basis: str = "actual",
    event_id: str | None = None,
    on: date | None = None,
) -> BillIssued:
    return BillIssued(
        event_id=event_id or _id("bill"),
        occurred_at=at(on or issued_on),
        account_id=account,
        bill_id=bill_id,
        issued_on=issued_on,
        kind=BillKind(kind),
        replaces=replaces,
        basis=BillBasis(basis),
        charges=tuple(charges),
        balance_after=Decimal(balance_after),
    )


def reviewed(account: str, reviewed_on: date) -> PaymentAdequacyReviewed:
    return PaymentAdequacyReviewed(
        event_id=_id("review"), occurred_at=at(reviewed_on), account_id=account, reviewed_on=reviewed_on
    )


def prevented(account: str, mpan: str, on: date) -> MeterAccessPrevented:
    return MeterAccessPrevented(
        event_id=_id("prevent"), occurred_at=at(on), account_id=account, mpan=mpan, on=on
    )


def migrated(
    account: str,
    mpan: str,
    migrated_on: date,
    reading: tuple[str, date] | None,
    source: str = "system_migration",
) -> AccountMigrated:
    transfer = (
        None
        if reading is None
        else TransferReading(value=Decimal(reading[0]), read_on=reading[1], meter_id="M1", register_id="1")
    )
    return AccountMigrated(
        event_id=_id("mig"),
        occurred_at=at(migrated_on),
        account_id=account,
        mpan=mpan,
        migrated_on=migrated_on,
        migration_source=MigrationSource(source),
        transfer_reading=transfer,
    )


def charges_created(account: str, on: date, *items: tuple[str, str]) -> ChargesCreated:
    return ChargesCreated(
        event_id=_id("charges"),
        occurred_at=at(on),
        account_id=account,
        items=tuple(
            ChargeItem(item_id=item_id, period_from=on.replace(day=1), period_to=on, amount=Decimal(amount))
            for item_id, amount in items
        ),
    )


def invoice(
    account: str, document_id: str, on: date, total: str, kind: str = "invoice", **kw: Any
) -> InvoiceIssued:
    return InvoiceIssued(
        event_id=kw.get("event_id", _id("doc")),
        occurred_at=at(on),
        account_id=account,
        document_id=document_id,
        kind=DocumentKind(kind),
        issued_on=on,
        total=Decimal(total),
    )
