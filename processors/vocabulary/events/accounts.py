"""Events about a customer account (SPEC 8): opening, bills, reviews, migration, business charges.

They are keyed by `account_id` (not the MPAN): the account machine folds them. A
`meter.access_prevented` names an MPAN too, but it is about the account's bills, so it is
keyed by the account as well. The follow-ups between the supply points and their accounts
are at the end: each is keyed by its addressee and its id derives from its cause.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from processors.vocabulary.events.base import UK, DomainEvent
from processors.vocabulary.events.internal import follow_up_id


class AccountSegment(StrEnum):
    DOMESTIC = "domestic"
    MICROBUSINESS = "microbusiness"
    BUSINESS = "business"


class BillKind(StrEnum):
    BILL = "bill"
    REBILL = "rebill"


class BillBasis(StrEnum):
    ACTUAL = "actual"
    ESTIMATED = "estimated"


class MigrationSource(StrEnum):
    SYSTEM_MIGRATION = "system_migration"
    ACQUISITION = "acquisition"
    SOLR = "solr"


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountEvent(DomainEvent):
    """An event about one account: partitioned and folded by `account_id`."""

    account_id: str

    @property
    def partition_key(self) -> str:
        return self.account_id


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountOpened(AccountEvent):
    segment: AccountSegment
    opened_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class BillCharge:
    """A charge of a bill for the days `period_from` to `period_to` (inclusive); a credit is negative."""

    period_from: date
    period_to: date
    amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class BillIssued(AccountEvent):
    """A bill (or a rebill replacing bill `replaces`) issued on `issued_on`; `balance_after`
    negative means the customer is in debit after it."""

    bill_id: str
    issued_on: date
    kind: BillKind
    basis: BillBasis
    charges: tuple[BillCharge, ...]
    balance_after: Decimal
    replaces: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentAdequacyReviewed(AccountEvent):
    reviewed_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterAccessPrevented(AccountEvent):
    """The customer prevented us from reading the meter of `mpan` on `on`."""

    mpan: str
    on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferReading:
    """The last reading the old system billed to."""

    value: Decimal
    read_on: date
    meter_id: str | None = None
    register_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountMigrated(AccountEvent):
    mpan: str
    migrated_on: date
    migration_source: MigrationSource
    """The JSON field `source` (renamed: `DomainEvent.source` is where the event was read)."""
    transfer_reading: TransferReading | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargeItem:
    """An uninvoiced charge (positive) or credit (negative)."""

    item_id: str
    period_from: date
    period_to: date
    amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargesCreated(AccountEvent):
    items: tuple[ChargeItem, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceIssued(AccountEvent):
    document_id: str
    kind: DocumentKind
    issued_on: date
    total: Decimal


# --- follow-ups between supply points and accounts (internal) ---------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountMpanLinked(AccountEvent):
    """To the account: `supply_point.registered` names it the account of `mpan` from `ssd`."""

    DERIVED: ClassVar[bool] = True

    mpan: str
    ssd: date


@dataclass(frozen=True, slots=True, kw_only=True)
class BusinessMpanMarked(DomainEvent):
    """To the MPAN (`mpan`): you belong to business account `account_id`; forward it your
    actual readings."""

    DERIVED: ClassVar[bool] = True

    mpan: str
    account_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountReadingForwarded(AccountEvent):
    """To the business account: an actual reading of its `mpan` (`reading_source`: `D0010`
    or `customer`)."""

    DERIVED: ClassVar[bool] = True

    mpan: str
    value: Decimal
    read_on: date
    reading_source: str
    meter_id: str | None = None
    register_id: str | None = None


def _noon(day: date) -> datetime:
    """The occurred_at of a follow-up: its cause's UK day (noon, so the day is unambiguous)."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=UK)


def account_link(cause: str, day: date, mpan: str, account_id: str, ssd: date) -> AccountMpanLinked:
    """The follow-up a supply point sends its account when a registration names it."""
    return AccountMpanLinked(
        event_id=follow_up_id(cause, "account_linked", account_id),
        occurred_at=_noon(day),
        account_id=account_id,
        mpan=mpan,
        ssd=ssd,
    )


def business_mark(cause: str, day: date, mpan: str, account_id: str) -> BusinessMpanMarked:
    """The follow-up a business account sends each of its MPANs: forward me your readings."""
    return BusinessMpanMarked(
        event_id=follow_up_id(cause, "business_mpan", mpan),
        occurred_at=_noon(day),
        mpan=mpan,
        account_id=account_id,
    )
