"""The JSON-lines event types of accounts (SPEC 8): each type's event class and fields."""

from __future__ import annotations

from flows.json_fields import Spec, amount, code, iso_date, list_of, mpan, obj, signed_amount, text
from processors.vocabulary.events import (
    AccountMigrated,
    AccountOpened,
    AccountSegment,
    BillBasis,
    BillCharge,
    BillIssued,
    BillKind,
    ChargeItem,
    ChargesCreated,
    DocumentKind,
    DomainEvent,
    InvoiceIssued,
    MeterAccessPrevented,
    MigrationSource,
    PaymentAdequacyReviewed,
    TransferReading,
)

_CHARGE = obj(
    BillCharge,
    {"period_from": Spec(iso_date), "period_to": Spec(iso_date), "amount": Spec(signed_amount)},
)
_ITEM = obj(
    ChargeItem,
    {
        "item_id": Spec(text),
        "period_from": Spec(iso_date),
        "period_to": Spec(iso_date),
        "amount": Spec(signed_amount),
    },
)
_TRANSFER_READING = obj(
    TransferReading,
    {
        "value": Spec(amount),
        "read_on": Spec(iso_date),
        "meter_id": Spec(text, required=False),
        "register_id": Spec(text, required=False),
    },
)

TYPES: dict[str, tuple[type[DomainEvent], dict[str, Spec]]] = {
    "account.opened": (
        AccountOpened,
        {"account_id": Spec(text), "segment": Spec(code(AccountSegment)), "opened_on": Spec(iso_date)},
    ),
    "bill.issued": (
        BillIssued,
        {
            "bill_id": Spec(text),
            "account_id": Spec(text),
            "issued_on": Spec(iso_date),
            "kind": Spec(code(BillKind)),
            "replaces": Spec(text, required=False),
            "basis": Spec(code(BillBasis)),
            "charges": Spec(list_of(_CHARGE)),
            "balance_after": Spec(signed_amount),
        },
    ),
    "payment_adequacy.reviewed": (
        PaymentAdequacyReviewed,
        {"account_id": Spec(text), "reviewed_on": Spec(iso_date)},
    ),
    "meter.access_prevented": (
        MeterAccessPrevented,
        {"account_id": Spec(text), "mpan": Spec(mpan), "on": Spec(iso_date)},
    ),
    "account.migrated": (
        AccountMigrated,
        {
            "account_id": Spec(text),
            "mpan": Spec(mpan),
            "migrated_on": Spec(iso_date),
            "source": Spec(code(MigrationSource), attr="migration_source"),
            "transfer_reading": Spec(_TRANSFER_READING, required=False),
        },
    ),
    "charges.created": (ChargesCreated, {"account_id": Spec(text), "items": Spec(list_of(_ITEM))}),
    "invoice.issued": (
        InvoiceIssued,
        {
            "document_id": Spec(text),
            "account_id": Spec(text),
            "kind": Spec(code(DocumentKind)),
            "issued_on": Spec(iso_date),
            "total": Spec(amount),
        },
    ),
}
