"""The domain events: one vocabulary for every source (DTC flows, JSON events, ticks).

`flows/` produces them, `processors/` folds them, `processors.codecs.serde` moves them over
Kafka. Import them from here.
"""

from processors.vocabulary.events.base import UK, DayClosed, DomainEvent, Source, uk_day
from processors.vocabulary.events.customer import (
    CustomerMovedOut,
    CustomerReadingReceived,
    MeterKind,
    SupplyPointRegistered,
    SwitchSecured,
    SwitchWithdrawn,
)
from processors.vocabulary.events.disputes import (
    CosReadingDisputed,
    CosReadingRejectionCode,
    DisputedMeter,
    DisputedRegister,
    ProposedReadingStatus,
)
from processors.vocabulary.events.dtc import DtcEvent, DtcFile
from processors.vocabulary.events.export import (
    ELIGIBLE_TECHNOLOGIES,
    CertificateScheme,
    DnoNotification,
    ExportApplicationCancelled,
    ExportApplicationSubmitted,
    ExportEvent,
    ExportMpanAllocated,
    ExportMpanRefused,
    ExportTariff,
    GenerationCertificate,
    SmartMeterStatus,
)
from processors.vocabulary.events.failures import ReadingAttempt, ReadingNotObtained
from processors.vocabulary.events.handoffs import (
    ExportCreditAccount,
    RelatedSwitchSecured,
    RelatedSwitchWithdrawn,
)
from processors.vocabulary.events.internal import ExportMpanLinked, ExportMpanRegistered, ExportTariffEnded
from processors.vocabulary.events.payments import AccountPaymentCleared, AccountPaymentOverdue, RefundPaid
from processors.vocabulary.events.readings import (
    BscValidationStatus,
    CosReadingsNotified,
    MeterReadings,
    MeterReadingsReceived,
    ReadingMethod,
    ReadingType,
    RegisterReading,
    SiteVisit,
    ValidationResult,
)
from processors.vocabulary.events.registrations import (
    AppointedAgent,
    OldSupplierRegistrationNotified,
    RegistrationConfirmed,
    RelatedMpan,
)
from processors.vocabulary.events.smart import SmartMeterReadingTaken, SmartRegisterValue

__all__ = [
    "ELIGIBLE_TECHNOLOGIES",
    "UK",
    "AccountPaymentCleared",
    "AccountPaymentOverdue",
    "AppointedAgent",
    "BscValidationStatus",
    "CertificateScheme",
    "CosReadingDisputed",
    "CosReadingRejectionCode",
    "CosReadingsNotified",
    "CustomerMovedOut",
    "CustomerReadingReceived",
    "DayClosed",
    "DisputedMeter",
    "DisputedRegister",
    "DnoNotification",
    "DomainEvent",
    "DtcEvent",
    "DtcFile",
    "ExportApplicationCancelled",
    "ExportApplicationSubmitted",
    "ExportCreditAccount",
    "ExportEvent",
    "ExportMpanAllocated",
    "ExportMpanLinked",
    "ExportMpanRefused",
    "ExportMpanRegistered",
    "ExportTariff",
    "ExportTariffEnded",
    "GenerationCertificate",
    "MeterKind",
    "MeterReadings",
    "MeterReadingsReceived",
    "OldSupplierRegistrationNotified",
    "ProposedReadingStatus",
    "ReadingAttempt",
    "ReadingMethod",
    "ReadingNotObtained",
    "ReadingType",
    "RefundPaid",
    "RegisterReading",
    "RegistrationConfirmed",
    "RelatedMpan",
    "RelatedSwitchSecured",
    "RelatedSwitchWithdrawn",
    "SiteVisit",
    "SmartMeterReadingTaken",
    "SmartMeterStatus",
    "SmartRegisterValue",
    "Source",
    "SupplyPointRegistered",
    "SwitchSecured",
    "SwitchWithdrawn",
    "ValidationResult",
    "uk_day",
]
