"""The gas prepayment reconciliation's commands (SPEC 10, UNC modification 0451AV)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from processors.vocabulary.commands.base import Command
from processors.vocabulary.events.gas import SAP_KEY


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitSmartPrepayList(Command):
    """Our notice to the transporter for one LDZ and month: the smart meters in
    prepayment mode on the 15th (E 6.9.4), due by the 28th or the next business day."""

    TYPE: ClassVar[str] = "SubmitSmartPrepayList"
    ldz: str
    month: str
    mprns: tuple[str, ...]
    due_by: date


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpectPrepaymentReconciliation(Command):
    """The reconciliation the transporter will invoice for an eligible SSP and month:
    `quantity_kwh` prepayment profile less standard profile, `value` in pounds."""

    TYPE: ClassVar[str] = "ExpectPrepaymentReconciliation"
    mprn: str
    ldz: str
    month: str
    quantity_kwh: Decimal
    value: Decimal
    days: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportIncompleteReconciliation(Command):
    """A month's allocations (`mprn` set) or SAP prices (`mprn` null) still missing on
    the 10th business day after it ended."""

    TYPE: ClassVar[str] = "ReportIncompleteReconciliation"
    mprn: str | None
    month: str
    missing_days: tuple[date, ...]

    @property
    def subject(self) -> str:
        """The MPRN, or for missing SAP days the key of the prices (`SAP_KEY`)."""
        return self.mprn or SAP_KEY


COMMANDS: tuple[type[Command], ...] = (
    SubmitSmartPrepayList,
    ExpectPrepaymentReconciliation,
    ReportIncompleteReconciliation,
)
