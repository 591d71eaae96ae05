"""Billing commands: what the core decides, published for billing to carry out (SPEC 3).

One module per area (each with its `COMMANDS`); import any command from here.
`COMMAND_TYPES` is every command type by its `type` name.
"""

from __future__ import annotations

from processors.vocabulary.commands import accounts, export, supply_point
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
    cls.TYPE: cls for area in (supply_point, export, accounts) for cls in area.COMMANDS
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
    "EndExportTariff",
    "EscalateExportMpanDelay",
    "ExportRejectionCode",
    "FinalBillReason",
    "FindTransferReading",
    "IssueCorrectedFinalBill",
    "IssueCreditNote",
    "IssueEstimatedFinalBill",
    "IssueFinalBill",
    "IssueInvoice",
    "RaiseCoSDispute",
    "RegisterExportMpan",
    "RejectExportApplication",
    "RequestFirstExportReading",
    "ReviewPaymentAdequacy",
    "SendReadingToDataCollector",
    "SettleFinalBalance",
    "StartExportCredit",
    "SwitchToManualExportReadings",
    "WarnBackbillingRisk",
    "WithdrawExportApplication",
    "WriteOffBackbilledCharges",
    "WriteOffReason",
    "command_id_for",
]
