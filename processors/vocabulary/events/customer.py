"""Events about a supply point that arrive as JSON lines: registration, switching, tenancy.

They come from the switching service (CSS) and from our own customer systems (SPEC 2.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from processors.vocabulary.events.base import DomainEvent


class MeterKind(StrEnum):
    """The meter kinds that change the change-of-supplier rules (DOMAIN: CoS)."""

    TRADITIONAL = "traditional"
    SMART_NHH = "smart_nhh"
    SMART_HH = "smart_hh"


@dataclass(frozen=True, slots=True, kw_only=True)
class SupplyPointRegistered(DomainEvent):
    """We supply `mpan` from `ssd`; `meter_kind` decides the CoS rules."""

    mpan: str
    account_id: str
    meter_kind: MeterKind
    ssd: date


@dataclass(frozen=True, slots=True, kw_only=True)
class SwitchSecured(DomainEvent):
    """CSS tells us, the losing supplier, that `gaining_supplier` takes `mpan` on `ssd`."""

    mpan: str
    ssd: date
    gaining_supplier: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SwitchWithdrawn(DomainEvent):
    """The switch of `mpan` on `ssd` will not happen."""

    mpan: str
    ssd: date


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerMovedOut(DomainEvent):
    """The customer of `account_id` leaves the property on `move_out_date`; the point stays ours."""

    mpan: str
    account_id: str
    move_out_date: date


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerReadingReceived(DomainEvent):
    """A reading the customer gave us (app, phone, photo), taken on `read_on`."""

    mpan: str
    read_on: date
    value: Decimal
    meter_id: str | None = None
    register_id: str | None = None
    photo: bool = False
