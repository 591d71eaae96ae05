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
    "ChaseFirstExportReading",
    "Command",
    "ConfigureExport",
    "CorrectHalfHourlyRating",
    "CustomerReadingReason",
    "DisputeResponse",
    "EndExportTariff",
    "EscalateExportMpanDelay",
    "ExpectPrepaymentReconciliation",
    "ExportRejectionCode",
    "FinalBillReason",
    "FindTransferReading",
    "GuaranteedStandard",
    "HoldExportCredit",
    "IssueCorrectedFinalBill",
    "IssueCreditNote",
    "IssueEstimatedFinalBill",
    "IssueFinalBill",
    "IssueInvoice",
    "NotifyConsumptionExceeded",
    "NotifyExportTariffEnding",
    "PayGuaranteedStandardCompensation",
    "RaiseCoSDispute",
    "RateHalfHourlyConsumption",
    "RatedEnergy",
    "RegisterExportMpan",
    "RejectExportApplication",
    "ReleaseExportCredit",
    "ReportIncompleteReconciliation",
    "ReportMissingConsumption",
    "RequestCustomerReading",
    "RequestFirstExportReading",
    "RespondToCoSDispute",
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
