"""The account machine's commands: backbilling, migration billing, business billing (SPEC 8).

Amounts are `Decimal` pounds, written in JSON as strings (`"1234.56"`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from processors.vocabulary.commands.base import BillingReading, Command


class WriteOffReason(StrEnum):
    NOT_BILLED = "not_billed"
    REBILLED_HIGHER = "rebilled_higher"
    UNDERESTIMATED = "underestimated"
    NO_ADEQUACY_REVIEW = "no_adequacy_review"


@dataclass(frozen=True, slots=True, kw_only=True)
class WriteOffBackbilledCharges(Command):
    TYPE: ClassVar[str] = "WriteOffBackbilledCharges"
    account_id: str
    bill_id: str
    amount: Decimal
    cutoff: date
    reasons: tuple[WriteOffReason, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class WarnBackbillingRisk(Command):
    TYPE: ClassVar[str] = "WarnBackbillingRisk"
    account_id: str
    unbilled_since: date
    write_off_from: date


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewPaymentAdequacy(Command):
    TYPE: ClassVar[str] = "ReviewPaymentAdequacy"
    account_id: str
    last_reviewed_on: date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class BillFromTransferReading(Command):
    TYPE: ClassVar[str] = "BillFromTransferReading"
    account_id: str
    mpan: str
    reading: BillingReading
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FindTransferReading(Command):
    TYPE: ClassVar[str] = "FindTransferReading"
    account_id: str
    mpan: str
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BillBusinessAccount(Command):
    TYPE: ClassVar[str] = "BillBusinessAccount"
    account_id: str
    mpan: str
    bill_date: date
    reading: BillingReading | None


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueInvoice(Command):
    TYPE: ClassVar[str] = "IssueInvoice"
    account_id: str
    items: tuple[str, ...]
    total: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueCreditNote(Command):
    TYPE: ClassVar[str] = "IssueCreditNote"
    account_id: str
    items: tuple[str, ...]
    total: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class ApproveDirectDebitPayment(Command):
    TYPE: ClassVar[str] = "ApproveDirectDebitPayment"
    account_id: str
    document_id: str
    amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class ChaseBusinessBill(Command):
    TYPE: ClassVar[str] = "ChaseBusinessBill"
    account_id: str
    bill_date: date


COMMANDS: tuple[type[Command], ...] = (
    WriteOffBackbilledCharges,
    WarnBackbillingRisk,
    ReviewPaymentAdequacy,
    BillFromTransferReading,
    FindTransferReading,
    BillBusinessAccount,
    IssueInvoice,
    IssueCreditNote,
    ApproveDirectDebitPayment,
    ChaseBusinessBill,
)
