"""D0300: disputed or missing readings on change of supplier (FLOWS.md 4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from processors.vocabulary.events.dtc import DtcEvent
from processors.vocabulary.events.readings import ReadingType


class CosReadingRejectionCode(StrEnum):
    TOO_LOW = "01"
    TOO_HIGH = "02"
    CYCLIC_READING_INVALIDATES = "15"
    CUSTOMER_DISPUTES_OLD_SUPPLIER_FINAL = "16"
    CUSTOMER_DISPUTES_NEW_SUPPLIER_OPENING = "17"


class ProposedReadingStatus(StrEnum):
    PROPOSED = "P"
    ALTERNATIVE = "A"
    DISAGREED = "D"
    UNACCEPTABLE_OR_MISSING = "M"
    REQUESTED = "R"
    DC_CANNOT_ACCEPT = "U"
    AGREED = "Y"


@dataclass(frozen=True, slots=True, kw_only=True)
class DisputedRegister:
    """Group 60C. `register_id` is optional in the catalogue: "" when the sender left it out."""

    register_id: str
    reading: Decimal | None
    reading_type: ReadingType | None
    rejection_code: CosReadingRejectionCode | None
    proposed_reading: Decimal | None
    proposed_status: ProposedReadingStatus | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DisputedMeter:
    """Group 59C."""

    meter_id: str | None
    initiating_flow: int
    registers: tuple[DisputedRegister, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class CosReadingDisputed(DtcEvent):
    """A D0300 MPAN group (58C): a CoS reading disputed, or a missing one being agreed.

    `address_lines` holds the nine Standard Address Format lines in order ("" when empty).
    """

    mpan: str
    process_code: str
    ssd: date
    address_lines: tuple[str, ...]
    postcode: str | None
    additional_information: str | None = None
    rejection_reason: str | None = None
    meters: tuple[DisputedMeter, ...] = ()
