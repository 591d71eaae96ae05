"""The JSON-lines event types of part one (SPEC 2.2): each type's event class and fields."""

from __future__ import annotations

from flows.json_fields import Spec, amount, code, flag, iso_date, mpan, obj, text
from processors.vocabulary.events import (
    CertificateScheme,
    CustomerMovedOut,
    CustomerReadingReceived,
    DnoNotification,
    DomainEvent,
    ExportApplicationCancelled,
    ExportApplicationSubmitted,
    ExportMpanAllocated,
    ExportMpanRefused,
    ExportTariff,
    GenerationCertificate,
    MeterKind,
    SmartMeterStatus,
    SupplyPointRegistered,
    SwitchSecured,
    SwitchWithdrawn,
)

_CERTIFICATE = obj(
    GenerationCertificate,
    {
        "number": Spec(text),
        "scheme": Spec(code(CertificateScheme)),
        "address": Spec(text),
        "mpan": Spec(mpan),
    },
)
_SMART_METER = obj(SmartMeterStatus, {"working": Spec(flag), "connected": Spec(flag)})

TYPES: dict[str, tuple[type[DomainEvent], dict[str, Spec]]] = {
    "supply_point.registered": (
        SupplyPointRegistered,
        {
            "mpan": Spec(mpan),
            "account_id": Spec(text),
            "meter_kind": Spec(code(MeterKind)),
            "ssd": Spec(iso_date),
        },
    ),
    "switch.secured": (
        SwitchSecured,
        {"mpan": Spec(mpan), "ssd": Spec(iso_date), "gaining_supplier": Spec(text)},
    ),
    "switch.withdrawn": (SwitchWithdrawn, {"mpan": Spec(mpan), "ssd": Spec(iso_date)}),
    "customer.moved_out": (
        CustomerMovedOut,
        {"mpan": Spec(mpan), "account_id": Spec(text), "move_out_date": Spec(iso_date)},
    ),
    "customer.reading": (
        CustomerReadingReceived,
        {
            "mpan": Spec(mpan),
            "read_on": Spec(iso_date),
            "value": Spec(amount),
            "meter_id": Spec(text, required=False),
            "register_id": Spec(text, required=False),
            "photo": Spec(flag, required=False),
        },
    ),
    "export.application_submitted": (
        ExportApplicationSubmitted,
        {
            "application_id": Spec(text),
            "account_id": Spec(text),
            "import_mpan": Spec(mpan),
            "tariff": Spec(code(ExportTariff)),
            "technology": Spec(text),
            "capacity_kw": Spec(amount),
            "domestic": Spec(flag),
            "in_gb": Spec(flag),
            "brand_eligible": Spec(flag),
            "mcs_certificate": Spec(_CERTIFICATE, required=False),
            "dno_notification": Spec(code(DnoNotification), required=False),
            "fit_export_payments": Spec(flag),
            "other_export_support": Spec(flag),
            "smart_meter": Spec(_SMART_METER),
            "address": Spec(text),
            "manual_export_reads": Spec(flag),
            "tariff_end_date": Spec(iso_date, required=False),
        },
    ),
    "export.application_cancelled": (
        ExportApplicationCancelled,
        {"application_id": Spec(text), "import_mpan": Spec(mpan)},
    ),
    "dno.export_mpan_allocated": (
        ExportMpanAllocated,
        {"application_id": Spec(text), "import_mpan": Spec(mpan), "export_mpan": Spec(mpan)},
    ),
    "dno.export_mpan_refused": (
        ExportMpanRefused,
        {"application_id": Spec(text), "import_mpan": Spec(mpan), "reason": Spec(text)},
    ),
}
# Fields that default when absent: present them to the event only when given.
