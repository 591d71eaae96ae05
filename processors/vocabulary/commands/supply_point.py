"""The supply point's commands: final bills, their settlement, disputes and the DC (SPEC 3, 7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import ClassVar

from processors.vocabulary.commands.base import BillingReading, Command


class FinalBillReason(StrEnum):
    COS = "cos"
    MOVE_OUT = "move_out"


# --- change of supplier and move-out -------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueFinalBill(Command):
    TYPE: ClassVar[str] = "IssueFinalBill"
    mpan: str
    reason: FinalBillReason
    final_date: date
    reading: BillingReading


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueEstimatedFinalBill(Command):
    TYPE: ClassVar[str] = "IssueEstimatedFinalBill"
    mpan: str
    reason: FinalBillReason
    final_date: date


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueCorrectedFinalBill(Command):
    TYPE: ClassVar[str] = "IssueCorrectedFinalBill"
    mpan: str
    reason: FinalBillReason
    final_date: date
    reading: BillingReading
    replaces: str


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


@dataclass(frozen=True, slots=True, kw_only=True)
class SendReadingToDataCollector(Command):
    TYPE: ClassVar[str] = "SendReadingToDataCollector"
    mpan: str
    reading: BillingReading


@dataclass(frozen=True, slots=True, kw_only=True)
class ChaseDataCollector(Command):
    TYPE: ClassVar[str] = "ChaseDataCollector"
    mpan: str
    reading_sent_on: date


COMMANDS: tuple[type[Command], ...] = (
    IssueFinalBill,
    IssueEstimatedFinalBill,
    IssueCorrectedFinalBill,
    SettleFinalBalance,
    RaiseCoSDispute,
    SendReadingToDataCollector,
    ChaseDataCollector,
)
