"""Billing commands: what the core decides, published for billing to carry out (SPEC 3).

One module per area (each with its `COMMANDS`); import any command from here.
`COMMAND_TYPES` is every command type by its `type` name.
"""

from __future__ import annotations

from processors.vocabulary.commands import accounts, export, gas, halfhourly, supply_point
from processors.vocabulary.commands.accounts import (
    ApproveDirectDebitPayment,
    BillBusinessAccount,
    BillFromTransferReading,
    ChaseBusinessBill,
    FindTransferReading,
    IssueCreditNote,
    IssueInvoice,
    ReviewPaymentAdequacy,
    WarnBackbillingRisk,
    WriteOffBackbilledCharges,
    WriteOffReason,
)
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
    cls.TYPE: cls for area in (supply_point, export, gas, halfhourly, accounts) for cls in area.COMMANDS
}

__all__ = [
    "COMMAND_TYPES",
    "ApplyForExportMpan",
    "ApproveDirectDebitPayment",
    "BillBusinessAccount",
    "BillFromTransferReading",
    "BillingReading",
    "ChaseBusinessBill",
    "ChaseDataCollector",
    "Command",
    "ConfigureExport",
    "CorrectHalfHourlyRating",
    "EndExportTariff",
    "EscalateExportMpanDelay",
    "ExpectPrepaymentReconciliation",
    "ExportRejectionCode",
    "FinalBillReason",
    "FindTransferReading",
    "IssueCorrectedFinalBill",
    "IssueCreditNote",
    "IssueEstimatedFinalBill",
    "IssueFinalBill",
    "IssueInvoice",
    "NotifyConsumptionExceeded",
    "RaiseCoSDispute",
    "RateHalfHourlyConsumption",
    "RatedEnergy",
    "RegisterExportMpan",
    "RejectExportApplication",
    "ReportIncompleteReconciliation",
    "ReportMissingConsumption",
    "RequestFirstExportReading",
    "ReviewPaymentAdequacy",
    "SendReadingToDataCollector",
    "SettleFinalBalance",
    "StartExportCredit",
    "SubmitSmartPrepayList",
    "SwitchToManualExportReadings",
    "WarnBackbillingRisk",
    "WithdrawExportApplication",
    "WriteOffBackbilledCharges",
    "WriteOffReason",
    "command_id_for",
]
