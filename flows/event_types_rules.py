"""The JSON-lines event types of part one's corrected rules (SPEC 7): our own smart meter
readings, refunds paid, and import accounts falling overdue and paid up again."""

from __future__ import annotations

from flows.json_fields import Spec, amount, instant, iso_date, list_of, mpan, obj, text
from processors.vocabulary.events import (
    AccountPaymentCleared,
    AccountPaymentOverdue,
    DomainEvent,
    RefundPaid,
    SmartMeterReadingTaken,
    SmartRegisterValue,
)

_REGISTER = obj(SmartRegisterValue, {"register_id": Spec(text), "value": Spec(amount)})

TYPES: dict[str, tuple[type[DomainEvent], dict[str, Spec]]] = {
    "smart_meter.reading": (
        SmartMeterReadingTaken,
        {
            "mpan": Spec(mpan),
            "read_at": Spec(instant),
            "meter_id": Spec(text),
            "registers": Spec(list_of(_REGISTER, min_items=1)),
        },
    ),
    "refund.paid": (
        RefundPaid,
        {
            "mpan": Spec(mpan),
            "final_bill": Spec(text),
            "paid_on": Spec(iso_date),
            "amount": Spec(amount),
        },
    ),
    "account.payment_overdue": (
        AccountPaymentOverdue,
        {"account_id": Spec(text), "on": Spec(iso_date)},
    ),
    "account.payment_cleared": (
        AccountPaymentCleared,
        {"account_id": Spec(text), "on": Spec(iso_date)},
    ),
}
