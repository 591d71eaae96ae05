"""What the rules need from each event the supply point machine takes (one small Input each)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from processors.core.input_order import InputOrder
from processors.core.machine import Input
from processors.core.readings import (
    ReadingValue,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterReadingsIn(Input):
    """A D0010 group: readings in flow order."""

    PRIORITY: ClassVar[int] = InputOrder.METER_READINGS
    readings: tuple[ReadingValue, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisteredIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.REGISTERED
    account_id: str
    meter_kind: str
    ssd: date


@dataclass(frozen=True, slots=True, kw_only=True)
class SecuredIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.SWITCH_SECURED
    ssd: date
    gaining_supplier: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WithdrawnIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.SWITCH_WITHDRAWN
    ssd: date


@dataclass(frozen=True, slots=True, kw_only=True)
class MovedOutIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.MOVED_OUT
    account_id: str
    move_out_date: date


@dataclass(frozen=True, slots=True, kw_only=True)
class CosReadingIn(Input):
    """A D0086 group (each reading with its fitness: BSC status, flag, 07A)."""

    PRIORITY: ClassVar[int] = InputOrder.COS_READING
    readings: tuple[ReadingValue, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SmartReadingIn(Input):
    """A read we took from the smart meter ourselves (`smart_meter.reading`)."""

    PRIORITY: ClassVar[int] = InputOrder.SMART_READING
    readings: tuple[ReadingValue, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class DisputeIn(Input):
    """An inbound D0300: its status and the proposed readings (as of the SSD)."""

    PRIORITY: ClassVar[int] = InputOrder.COS_DISPUTE
    ssd: date
    status: str | None
    proposed: tuple[ReadingValue, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class NotReadIn(Input):
    """A D0004: the DC failed to read the meter on `failed_on`."""

    PRIORITY: ClassVar[int] = InputOrder.READING_NOT_OBTAINED
    failed_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class RefundPaidIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.REFUND_PAID
    final_bill: str
    paid_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistrationDetailsIn(Input):
    """A D0217 or D0260 for this MPAN: its SSD and related MPANs (58M / 60M)."""

    PRIORITY: ClassVar[int] = InputOrder.REGISTRATION_CONFIRMED
    ssd: date
    related: tuple[str, ...]
    old_supplier: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class RelatedSecuredIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.RELATED_SWITCH_SECURED
    related_mpan: str
    ssd: date
    gaining_supplier: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RelatedWithdrawnIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.RELATED_SWITCH_WITHDRAWN
    related_mpan: str
    ssd: date


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerReadingIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.CUSTOMER_READING
    reading: ReadingValue
    photo: bool
