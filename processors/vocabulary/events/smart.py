"""A reading we took from a smart meter ourselves (SPEC 7: `smart_meter.reading`).

Unlike a D0010, which is the DC's own reading, this is ours: it is what a smart NHH loss
sends to the DC (DOMAIN.md "Reading quality": never send the DC its own reading back).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from processors.vocabulary.events.base import DomainEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class SmartRegisterValue:
    """One register of a smart meter read."""

    register_id: str
    value: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class SmartMeterReadingTaken(DomainEvent):
    """We read `meter_id` of `mpan` remotely at `read_at` (an aware UTC instant)."""

    mpan: str
    read_at: datetime
    meter_id: str
    registers: tuple[SmartRegisterValue, ...] = ()
