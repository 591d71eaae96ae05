"""Meter readings from D0010 (meter readings) and D0086 (notification of CoS readings).

Both flows share one structure (FLOWS.md 2 and 3): an MPAN, its meters with a reading
type, their register readings with an optional validation result, and site visits at
each level. One event per MPAN group keeps every field of the flow.
Read date-times are naive UK local clock times as written in the flow: NHH readings are
stamped at midnight, HH midnight readings at 23:59:59 of the previous day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from processors.vocabulary.events.dtc import DtcEvent


class BscValidationStatus(StrEnum):
    VALIDATED = "V"
    NOT_VALIDATED = "U"
    FAILED = "F"


class ReadingType(StrEnum):
    ACTUAL_COS = "A"
    CUSTOMER_OWN = "C"
    DEEMED = "D"
    FINAL = "F"
    INITIAL = "I"
    MAR = "M"
    OLD_SUPPLIER_ESTIMATED_COS = "O"
    PREPAYMENT = "P"
    MODIFIED_BY_DC = "Q"
    ROUTINE = "R"
    SPECIAL = "S"
    PROVING_TEST = "T"
    WITHDRAWN = "W"
    SUPPLIER_AGREED_SWITCH = "X"
    ACTUAL_CHANGE_OF_TENANCY = "Z"
    MIGRATION_U = "U"
    MIGRATION_V = "V"
    MIGRATION_Y = "Y"


class ReadingMethod(StrEnum):
    NOT_VIEWED = "N"
    VIEWED_ON_SITE = "P"


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteVisit:
    """Groups 027/029/033 (D0086: 765/766/199). Check code 42: site capable of exporting."""

    check_code: str
    additional_information: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidationResult:
    """Group 032 (D0086: 07A): often omitted by real senders."""

    reason_code: str
    valid: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterReading:
    """Group 030 (D0086: 198)."""

    register_id: str
    read_at: datetime  # naive UK local clock time, as in the flow
    value: Decimal
    reading_method: ReadingMethod
    md_reset_at: datetime | None = None
    md_resets: int | None = None
    reading_flag: bool | None = None
    validation: ValidationResult | None = None
    site_visits: tuple[SiteVisit, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterReadings:
    """Group 028 (D0086: 197): one meter's readings of one reading type."""

    meter_id: str
    reading_type: ReadingType
    registers: tuple[RegisterReading, ...] = ()
    site_visits: tuple[SiteVisit, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterReadingsReceived(DtcEvent):
    """A D0010 MPAN group (026): readings of one supply point."""

    mpan: str
    validation_status: BscValidationStatus
    meters: tuple[MeterReadings, ...] = ()
    site_visits: tuple[SiteVisit, ...] = ()

    @property
    def partition_key(self) -> str:
        # The log's most common event: its MPAN as it is, without the default's getattr
        # and str (always a str here: the readers build it from the file's text).
        return self.mpan


@dataclass(frozen=True, slots=True, kw_only=True)
class CosReadingsNotified(DtcEvent):
    """A D0086 MPAN group (196): the DC confirms (validated, failed or deemed) the CoS
    reading. It carries no SSD: the CoS reading is dated the SSD at midnight."""

    mpan: str
    validation_status: BscValidationStatus
    meters: tuple[MeterReadings, ...] = ()
    site_visits: tuple[SiteVisit, ...] = ()
