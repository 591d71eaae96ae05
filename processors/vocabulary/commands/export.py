"""The export enrolment's commands: application, export MPAN, configuration, credit (SPEC 3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import ClassVar

from processors.vocabulary.commands.base import BillingReading, Command


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


@dataclass(frozen=True, slots=True, kw_only=True)
class ChaseFirstExportReading(Command):
    """No first export reading a policy number of days after `RequestFirstExportReading`."""

    TYPE: ClassVar[str] = "ChaseFirstExportReading"
    export_mpan: str
    requested_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class NotifyExportTariffEnding(Command):
    """A fixed export tariff ends on `end_date`: the customer's notice (at least 42 days before)."""

    TYPE: ClassVar[str] = "NotifyExportTariffEnding"
    export_mpan: str
    tariff: str
    end_date: date


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldExportCredit(Command):
    """The import account `account_id` is unpaid from `on`: hold the export credit back."""

    TYPE: ClassVar[str] = "HoldExportCredit"
    export_mpan: str
    account_id: str
    on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class ReleaseExportCredit(Command):
    """The import account `account_id` is paid up from `on`: release the held export credit."""

    TYPE: ClassVar[str] = "ReleaseExportCredit"
    export_mpan: str
    account_id: str
    on: date


COMMANDS: tuple[type[Command], ...] = (
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
    ChaseFirstExportReading,
    NotifyExportTariffEnding,
    HoldExportCredit,
    ReleaseExportCredit,
)
