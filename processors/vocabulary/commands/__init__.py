"""Billing commands: what the core decides, published for billing to carry out (SPEC 3).

One module per area (each with its `COMMANDS`); import any command from here.
`COMMAND_TYPES` is every command type by its `type` name.
"""

from __future__ import annotations

from processors.vocabulary.commands import export, gas, halfhourly, supply_point
from processors.vocabulary.commands.base import BillingReading, Command, command_id_for
from processors.vocabulary.commands.export import (
    ApplyForExportMpan,
    ConfigureExport,
    EndExportTariff,
    EscalateExportMpanDelay,
    ExportRejectionCode,
    RegisterExportMpan,
    RejectExportApplication,
    RequestFirstExportReading,
    StartExportCredit,
    SwitchToManualExportReadings,
    WithdrawExportApplication,
)
from processors.vocabulary.commands.gas import (
    ExpectPrepaymentReconciliation,
    ReportIncompleteReconciliation,
    SubmitSmartPrepayList,
)
from processors.vocabulary.commands.halfhourly import (
    CorrectHalfHourlyRating,
    NotifyConsumptionExceeded,
    RatedEnergy,
    RateHalfHourlyConsumption,
    ReportMissingConsumption,
)
from processors.vocabulary.commands.supply_point import (
    ChaseDataCollector,
    FinalBillReason,
    IssueCorrectedFinalBill,
    IssueEstimatedFinalBill,
    IssueFinalBill,
    RaiseCoSDispute,
    SendReadingToDataCollector,
    SettleFinalBalance,
)

COMMAND_TYPES: dict[str, type[Command]] = {
    cls.TYPE: cls for area in (supply_point, export, gas, halfhourly) for cls in area.COMMANDS
}

__all__ = [
    "COMMAND_TYPES",
    "ApplyForExportMpan",
    "BillingReading",
    "ChaseDataCollector",
    "Command",
    "ConfigureExport",
    "CorrectHalfHourlyRating",
    "EndExportTariff",
    "EscalateExportMpanDelay",
    "ExpectPrepaymentReconciliation",
    "ExportRejectionCode",
    "FinalBillReason",
    "IssueCorrectedFinalBill",
    "IssueEstimatedFinalBill",
    "IssueFinalBill",
    "NotifyConsumptionExceeded",
    "RaiseCoSDispute",
    "RateHalfHourlyConsumption",
    "RatedEnergy",
    "RegisterExportMpan",
    "RejectExportApplication",
    "ReportIncompleteReconciliation",
    "ReportMissingConsumption",
    "RequestFirstExportReading",
    "SendReadingToDataCollector",
    "SettleFinalBalance",
    "StartExportCredit",
    "SubmitSmartPrepayList",
    "SwitchToManualExportReadings",
    "WithdrawExportApplication",
    "command_id_for",
]
