"""The JSON-lines event types of accounts (SPEC 8): each type's event class and fields.

`TYPES` is the field table; `FAST` reads a clean line of each type straight into its event
without the tables (a log with bills is mostly these lines: docs/decisions.md D41), and
gives None for anything else, which the table then reads or refuses with its reasons.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from functools import partial
from typing import Any, TypeVar

from flows.json_fields import (
    Spec,
    amount,
    checked_date,
    checked_instant,
    checked_mpan,
    code,
    iso_date,
    list_of,
    mpan,
    obj,
    signed_amount,
    text,
)
from processors.vocabulary.construction import constructor
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
    Source,
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


_NOT_CLEAN = (KeyError, TypeError, ValueError, ArithmeticError)
"""What reading a line that is not clean raises here: a field missing or null, an unhashable
or wrong kind of value, a value its parser refuses."""

_E = TypeVar("_E", bound=StrEnum)


def _members(cls: type[_E]) -> Callable[[Any], _E]:
    """`code(cls)` for a clean value: its member, else KeyError (TypeError if unhashable)."""
    return {member.value: member for member in cls}.__getitem__


_ENVELOPE = ("type", "event_id", "occurred_at")


def _within(data: Any, allowed: frozenset[str]) -> dict[str, Any]:
    """`data` when it is an object with no field outside `allowed` (the table's unknown field)."""
    if type(data) is not dict or not data.keys() <= allowed:
        raise ValueError("not a clean object")
    return data


def _optional_text(value: Any) -> str | None:
    return None if value is None else text(value)


def _head(data: dict[str, Any]) -> tuple[str, datetime, str]:
    """The envelope and the account of a clean line: event_id, occurred_at, account_id."""
    return text(data["event_id"]), checked_instant(data["occurred_at"]), text(data["account_id"])


_SEGMENTS = _members(AccountSegment)
_BILL_KINDS = _members(BillKind)
_BASES = _members(BillBasis)
_SOURCES = _members(MigrationSource)
_DOCUMENT_KINDS = _members(DocumentKind)
_CHARGE_FIELDS = frozenset(("period_from", "period_to", "amount"))
_ITEM_FIELDS = frozenset(("item_id", "period_from", "period_to", "amount"))
_READING_FIELDS = frozenset(("value", "read_on", "meter_id", "register_id"))
_FIELDS = {kind: frozenset((*_ENVELOPE, *fields)) for kind, (_, fields) in TYPES.items()}

# The clean lines' objects, built without the frozen dataclasses' per-field
# `object.__setattr__` (`processors.vocabulary.construction`): the same objects, equal and hashing the same.
_new_charge = constructor(BillCharge)
_new_item = constructor(ChargeItem)
_new_transfer_reading = constructor(TransferReading)
_new_opened = constructor(AccountOpened, derived=True)
_new_bill = constructor(BillIssued, derived=True)
_new_reviewed = constructor(PaymentAdequacyReviewed, derived=True)
_new_prevented = constructor(MeterAccessPrevented, derived=True)
_new_migrated = constructor(AccountMigrated, derived=True)
_new_charges = constructor(ChargesCreated, derived=True)
_new_invoice = constructor(InvoiceIssued, derived=True)


def _charge(value: Any) -> BillCharge:
    charge = _within(value, _CHARGE_FIELDS)
    return _new_charge(
        period_from=checked_date(charge["period_from"]),
        period_to=checked_date(charge["period_to"]),
        amount=signed_amount(charge["amount"]),
    )


def _item(value: Any) -> ChargeItem:
    item = _within(value, _ITEM_FIELDS)
    return _new_item(
        item_id=text(item["item_id"]),
        period_from=checked_date(item["period_from"]),
        period_to=checked_date(item["period_to"]),
        amount=signed_amount(item["amount"]),
    )


def _list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise ValueError("not a list")
    return value


def _transfer_reading(value: Any) -> TransferReading | None:
    if value is None:
        return None
    reading = _within(value, _READING_FIELDS)
    return _new_transfer_reading(
        value=amount(reading["value"]),
        read_on=checked_date(reading["read_on"]),
        meter_id=_optional_text(reading.get("meter_id")),
        register_id=_optional_text(reading.get("register_id")),
    )


def _account_opened(data: dict[str, Any], source: Source) -> DomainEvent:
    event_id, occurred_at, account_id = _head(data)
    return _new_opened(
        event_id=event_id,
        occurred_at=occurred_at,
        account_id=account_id,
        segment=_SEGMENTS(data["segment"]),
        opened_on=checked_date(data["opened_on"]),
        source=source,
    )


def _bill_issued(data: dict[str, Any], source: Source) -> DomainEvent:
    event_id, occurred_at, account_id = _head(data)
    return _new_bill(
        event_id=event_id,
        occurred_at=occurred_at,
        account_id=account_id,
        bill_id=text(data["bill_id"]),
        issued_on=checked_date(data["issued_on"]),
        kind=_BILL_KINDS(data["kind"]),
        replaces=_optional_text(data.get("replaces")),
        basis=_BASES(data["basis"]),
        charges=tuple(map(_charge, _list(data["charges"]))),
        balance_after=signed_amount(data["balance_after"]),
        source=source,
    )


def _adequacy_reviewed(data: dict[str, Any], source: Source) -> DomainEvent:
    event_id, occurred_at, account_id = _head(data)
    return _new_reviewed(
        event_id=event_id,
        occurred_at=occurred_at,
        account_id=account_id,
        reviewed_on=checked_date(data["reviewed_on"]),
        source=source,
    )


def _access_prevented(data: dict[str, Any], source: Source) -> DomainEvent:
    event_id, occurred_at, account_id = _head(data)
    return _new_prevented(
        event_id=event_id,
        occurred_at=occurred_at,
        account_id=account_id,
        mpan=checked_mpan(data["mpan"]),
        on=checked_date(data["on"]),
        source=source,
    )


def _account_migrated(data: dict[str, Any], source: Source) -> DomainEvent:
    event_id, occurred_at, account_id = _head(data)
    return _new_migrated(
        event_id=event_id,
        occurred_at=occurred_at,
        account_id=account_id,
        mpan=checked_mpan(data["mpan"]),
        migrated_on=checked_date(data["migrated_on"]),
        migration_source=_SOURCES(data["source"]),
        transfer_reading=_transfer_reading(data.get("transfer_reading")),
        source=source,
    )


def _charges_created(data: dict[str, Any], source: Source) -> DomainEvent:
    event_id, occurred_at, account_id = _head(data)
    return _new_charges(
        event_id=event_id,
        occurred_at=occurred_at,
        account_id=account_id,
        items=tuple(map(_item, _list(data["items"]))),
        source=source,
    )


def _invoice_issued(data: dict[str, Any], source: Source) -> DomainEvent:
    event_id, occurred_at, account_id = _head(data)
    return _new_invoice(
        event_id=event_id,
        occurred_at=occurred_at,
        account_id=account_id,
        document_id=text(data["document_id"]),
        kind=_DOCUMENT_KINDS(data["kind"]),
        issued_on=checked_date(data["issued_on"]),
        total=amount(data["total"]),
        source=source,
    )


def _clean_only(
    kind: str, convert: Callable[[dict[str, Any], Source], DomainEvent]
) -> Callable[[dict[str, Any], Source], DomainEvent | None]:
    """`convert` for a line of `kind` with no field outside its table; None for any line
    that is not clean (the same parsers as the table's, so a clean line gives the same event)."""
    allowed = _FIELDS[kind]

    def fast(data: dict[str, Any], source: Source) -> DomainEvent | None:
        if not data.keys() <= allowed:
            return None
        try:
            return convert(data, source)
        except _NOT_CLEAN:
            return None

    return fast


FAST: dict[str, Callable[[dict[str, Any], Source], DomainEvent | None]] = {
    kind: _clean_only(kind, convert)
    for kind, convert in {
        "account.opened": _account_opened,
        "bill.issued": _bill_issued,
        "payment_adequacy.reviewed": _adequacy_reviewed,
        "meter.access_prevented": _access_prevented,
        "account.migrated": _account_migrated,
        "charges.created": _charges_created,
        "invoice.issued": _invoice_issued,
    }.items()
}
"""Types read first by a converter that returns None unless the line is clean."""


def _nested_keys(data: dict[str, Any], name: str) -> int:
    """How many keys a clean line holds when its objects inside are all in the list `name`."""
    return len(data) + sum(map(len, data[name]))


def _migrated_keys(data: dict[str, Any]) -> int:
    reading = data.get("transfer_reading")
    return len(data) + (0 if reading is None else len(reading))


KEYS: dict[str, Callable[[dict[str, Any]], int]] = {
    "bill.issued": partial(_nested_keys, name="charges"),
    "charges.created": partial(_nested_keys, name="items"),
    "account.migrated": _migrated_keys,
}
"""How many object keys a clean line of the `FAST` types with objects inside (charges, items,
a transfer reading) holds, those objects' own included: the count `flows.messages` checks
for a key said twice. The other types' clean lines hold no object inside."""
