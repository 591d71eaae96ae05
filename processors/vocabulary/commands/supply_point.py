"""The supply point's commands: final bills, their settlement, disputes and the DC (SPEC 3, 7)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from processors.vocabulary.commands.base import BillingReading, Command


class FinalBillReason(StrEnum):
    COS = "cos"
    MOVE_OUT = "move_out"


class DisputeResponse(StrEnum):
    """Our answer on a D0300 (FLOWS.md 4): `A` alternative proposed, `D` disagreed (request an
    actual), `M` proposal unacceptable or missing (a further reading is being obtained),
    `Y` the other supplier's proposal agreed."""

    ALTERNATIVE = "A"
    DISAGREED = "D"
    MISSING = "M"
    AGREED = "Y"


class GuaranteedStandard(StrEnum):
    FINAL_BILL_SIX_WEEKS = "final_bill_six_weeks"
    REFUND_TEN_WORKING_DAYS = "refund_ten_working_days"


class CustomerReadingReason(StrEnum):
    DC_FAILED_TO_READ = "dc_failed_to_read"


# --- change of supplier and move-out -------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueFinalBill(Command):
    TYPE: ClassVar[str] = "IssueFinalBill"
    mpan: str
    reason: FinalBillReason
    final_date: date
    reading: BillingReading
    readings: tuple[BillingReading, ...] = field(default=())
    """Every register of the meter(s) (SPEC 7); `reading` is the first, for old consumers."""


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueEstimatedFinalBill(Command):
    TYPE: ClassVar[str] = "IssueEstimatedFinalBill"
    mpan: str
    reason: FinalBillReason
    final_date: date
    readings: tuple[BillingReading, ...] = field(default=())
    """Always empty: the core holds no reading to bill to; billing estimates every register."""


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueCorrectedFinalBill(Command):
    TYPE: ClassVar[str] = "IssueCorrectedFinalBill"
    mpan: str
    reason: FinalBillReason
    final_date: date
    reading: BillingReading
    replaces: str
    readings: tuple[BillingReading, ...] = field(default=())


@dataclass(frozen=True, slots=True, kw_only=True)
class SettleFinalBalance(Command):
    TYPE: ClassVar[str] = "SettleFinalBalance"
    mpan: str
    final_bill: str
    refund_due_by: date


@dataclass(frozen=True, slots=True, kw_only=True)
class RaiseCoSDispute(Command):
    TYPE: ClassVar[str] = "RaiseCoSDispute"
    mpan: str
    ssd: date
    gaining_supplier: str
    proposed_readings: tuple[BillingReading, ...] = field(default=())
    """The readings we propose as the CoS reading (our latest actual ones; empty: none)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SendReadingToDataCollector(Command):
    TYPE: ClassVar[str] = "SendReadingToDataCollector"
    mpan: str
    reading: BillingReading
    readings: tuple[BillingReading, ...] = field(default=())
    """Every register we read (SPEC 7); `reading` is the first."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChaseDataCollector(Command):
    TYPE: ClassVar[str] = "ChaseDataCollector"
    mpan: str
    reading_sent_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class RespondToCoSDispute(Command):
    """Our answer to an inbound D0300, due by `respond_by`."""

    TYPE: ClassVar[str] = "RespondToCoSDispute"
    mpan: str
    ssd: date
    status: DisputeResponse
    proposed_readings: tuple[BillingReading, ...]
    respond_by: date


@dataclass(frozen=True, slots=True, kw_only=True)
class PayGuaranteedStandardCompensation(Command):
    """A guaranteed standard missed: pay `amount` (pounds) to the account `due_to`."""

    TYPE: ClassVar[str] = "PayGuaranteedStandardCompensation"
    mpan: str
    standard: GuaranteedStandard
    amount: Decimal
    due_to: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestCustomerReading(Command):
    """The DC could not read the meter (D0004) while a loss or move-out waits for a reading."""

    TYPE: ClassVar[str] = "RequestCustomerReading"
    mpan: str
    reason: CustomerReadingReason
    failed_on: date


COMMANDS: tuple[type[Command], ...] = (
    IssueFinalBill,
    IssueEstimatedFinalBill,
    IssueCorrectedFinalBill,
    SettleFinalBalance,
    RaiseCoSDispute,
    SendReadingToDataCollector,
    ChaseDataCollector,
    RespondToCoSDispute,
    PayGuaranteedStandardCompensation,
    RequestCustomerReading,
)
