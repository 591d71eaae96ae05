"""Billing commands: what the core decides, published for billing to carry out (SPEC 3).

One module per area (each with its `COMMANDS`); import any command from here.
`COMMAND_TYPES` is every command type by its `type` name.
"""

from __future__ import annotations

from processors.vocabulary.commands import export, supply_point
from processors.vocabulary.commands.base import BillingReading, Command, command_id_for
from processors.vocabulary.commands.export import (
    ApplyForExportMpan,
    ChaseFirstExportReading,
    ConfigureExport,
    EndExportTariff,
    EscalateExportMpanDelay,
    ExportRejectionCode,
    HoldExportCredit,
    NotifyExportTariffEnding,
    RegisterExportMpan,
    RejectExportApplication,
    ReleaseExportCredit,
    RequestFirstExportReading,
    StartExportCredit,
    SwitchToManualExportReadings,
    WithdrawExportApplication,
)
from processors.vocabulary.commands.supply_point import (
    ChaseDataCollector,
    CustomerReadingReason,
    DisputeResponse,
    FinalBillReason,
    GuaranteedStandard,
    IssueCorrectedFinalBill,
    IssueEstimatedFinalBill,
    IssueFinalBill,
    PayGuaranteedStandardCompensation,
    RaiseCoSDispute,
    RequestCustomerReading,
    RespondToCoSDispute,
    SendReadingToDataCollector,
    SettleFinalBalance,
)

COMMAND_TYPES: dict[str, type[Command]] = {
    cls.TYPE: cls for area in (supply_point, export) for cls in area.COMMANDS
}

__all__ = [
    "COMMAND_TYPES",
    "ApplyForExportMpan",
    "BillingReading",
    "ChaseDataCollector",
    "ChaseFirstExportReading",
    "Command",
    "ConfigureExport",
    "CustomerReadingReason",
    "DisputeResponse",
    "EndExportTariff",
    "EscalateExportMpanDelay",
    "ExportRejectionCode",
    "FinalBillReason",
    "GuaranteedStandard",
    "HoldExportCredit",
    "IssueCorrectedFinalBill",
    "IssueEstimatedFinalBill",
    "IssueFinalBill",
    "NotifyExportTariffEnding",
    "PayGuaranteedStandardCompensation",
    "RaiseCoSDispute",
    "RegisterExportMpan",
    "RejectExportApplication",
    "ReleaseExportCredit",
    "RequestCustomerReading",
    "RequestFirstExportReading",
    "RespondToCoSDispute",
    "SendReadingToDataCollector",
    "SettleFinalBalance",
    "StartExportCredit",
    "SwitchToManualExportReadings",
    "WithdrawExportApplication",
    "command_id_for",
]
