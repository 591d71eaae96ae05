"""Billing commands: what the core decides, published for billing to carry out (SPEC 3).

Every command carries a deterministic `command_id` derived from the supply point (or
application), its type and its cause, so a replay, a restart or a duplicate input gives
the same id and a consumer can de-duplicate.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from processors.codecs.json_values import json_value

COMMAND_NAMESPACE = uuid.UUID("6f1c3f4e-2b0a-5d7e-9c61-4d2f0e6b8a17")


def command_id_for(subject: str, command_type: str, cause: str) -> str:
    """The deterministic id of the command of `command_type` about `subject` caused by `cause`."""
    return str(uuid.uuid5(COMMAND_NAMESPACE, f"{subject}|{command_type}|{cause}"))


class FinalBillReason(StrEnum):
    COS = "cos"
    MOVE_OUT = "move_out"


class ExportRejectionCode(StrEnum):
    NOT_DOMESTIC = "not_domestic"
    OUTSIDE_GB = "outside_gb"
    BRAND_INELIGIBLE = "brand_ineligible"
    TECHNOLOGY_INELIGIBLE = "technology_ineligible"
    CAPACITY_OVER_LIMIT = "capacity_over_limit"
    NO_CERTIFICATE = "no_certificate"
    CERTIFICATE_MISMATCH = "certificate_mismatch"
    NO_DNO_NOTIFICATION = "no_dno_notification"
    FIT_EXPORT_PAYMENTS = "fit_export_payments"
    OTHER_EXPORT_SUPPORT = "other_export_support"
    SMART_METER_NOT_WORKING = "smart_meter_not_working"
    SMART_METER_NOT_CONNECTED = "smart_meter_not_connected"


@dataclass(frozen=True, slots=True, kw_only=True)
class BillingReading:
    """The reading a command bills to. `source` names where it came from: `D0086`,
    `D0010`, `customer` (a customer reading) or `estimate`."""

    value: Decimal
    read_on: date
    source: str
    meter_id: str | None = None
    register_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """Base of every billing command. Subclasses set `TYPE` and add their fields."""

    TYPE: ClassVar[str] = ""

    command_id: str
    issued_on: date
    cause: str

    @property
    def type(self) -> str:
        return self.TYPE

    @property
    def subject(self) -> str:
        """The key the command is about: the MPAN, or for export the import/export MPAN."""
        for name in ("mpan", "import_mpan", "export_mpan"):
            value = getattr(self, name, None)
            if value:
                return str(value)
        return ""

    def to_json(self) -> dict[str, Any]:
        """The command as one JSON object: the shape of `meterflow replay` and `tail`
        (`command_id` and `type` first, then the fields in order, as `json_value` writes them)."""
        body: dict[str, Any] = json_value(self)
        return {"command_id": body.pop("command_id"), "type": self.TYPE, **body}


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


# --- export enrolment ------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RejectExportApplication(Command):
    TYPE: ClassVar[str] = "RejectExportApplication"
    import_mpan: str
    application_id: str
    reasons: tuple[ExportRejectionCode, ...] = field(default=())


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplyForExportMpan(Command):
    TYPE: ClassVar[str] = "ApplyForExportMpan"
    import_mpan: str
    application_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalateExportMpanDelay(Command):
    TYPE: ClassVar[str] = "EscalateExportMpanDelay"
    import_mpan: str
    application_id: str
    requested_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterExportMpan(Command):
    TYPE: ClassVar[str] = "RegisterExportMpan"
    import_mpan: str
    application_id: str
    export_mpan: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigureExport(Command):
    TYPE: ClassVar[str] = "ConfigureExport"
    export_mpan: str
    import_mpan: str
    ssd: date


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestFirstExportReading(Command):
    TYPE: ClassVar[str] = "RequestFirstExportReading"
    export_mpan: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StartExportCredit(Command):
    TYPE: ClassVar[str] = "StartExportCredit"
    export_mpan: str
    tariff: str
    reading: BillingReading


@dataclass(frozen=True, slots=True, kw_only=True)
class SwitchToManualExportReadings(Command):
    TYPE: ClassVar[str] = "SwitchToManualExportReadings"
    export_mpan: str
    last_reading_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class EndExportTariff(Command):
    TYPE: ClassVar[str] = "EndExportTariff"
    export_mpan: str
    end_date: date
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WithdrawExportApplication(Command):
    TYPE: ClassVar[str] = "WithdrawExportApplication"
    import_mpan: str
    application_id: str


COMMAND_TYPES: dict[str, type[Command]] = {
    cls.TYPE: cls
    for cls in (
        IssueFinalBill,
        IssueEstimatedFinalBill,
        IssueCorrectedFinalBill,
        SettleFinalBalance,
        RaiseCoSDispute,
        SendReadingToDataCollector,
        ChaseDataCollector,
        RejectExportApplication,
        ApplyForExportMpan,
        EscalateExportMpanDelay,
        RegisterExportMpan,
        ConfigureExport,
        RequestFirstExportReading,
        StartExportCredit,
        SwitchToManualExportReadings,
        EndExportTariff,
        WithdrawExportApplication,
    )
}
