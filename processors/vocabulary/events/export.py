"""Export tariff enrolment events (SPEC 2.2), keyed by the import MPAN.

The application is the unit of the export enrolment machine; the distributor's answers
refer back to it by `application_id`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from processors.vocabulary.events.base import DomainEvent


class ExportTariff(StrEnum):
    SEG = "SEG"
    OUTGOING_FIXED = "OUTGOING_FIXED"
    OUTGOING_AGILE = "OUTGOING_AGILE"
    FLUX = "FLUX"


class CertificateScheme(StrEnum):
    MCS = "MCS"
    FLEXI_ORB = "FLEXI_ORB"


class DnoNotification(StrEnum):
    """The distributor commissioning letter for the generator."""

    G59 = "G59"
    G83 = "G83"
    G98 = "G98"
    G99 = "G99"


ELIGIBLE_TECHNOLOGIES = frozenset({"solar_pv", "wind", "hydro", "micro_chp", "anaerobic_digestion"})


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerationCertificate:
    """An MCS or Flexi-Orb certificate; it must match the application's address and MPAN."""

    number: str
    scheme: CertificateScheme
    address: str
    mpan: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SmartMeterStatus:
    working: bool
    connected: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportEvent(DomainEvent):
    """Base of export events: folded by application, partitioned by import MPAN."""

    application_id: str
    import_mpan: str

    @property
    def partition_key(self) -> str:
        return self.import_mpan


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportApplicationSubmitted(ExportEvent):
    """A customer applies for an export tariff. `technology` is free text when not one of
    ELIGIBLE_TECHNOLOGIES (an ineligible technology is a rejection, not bad input)."""

    account_id: str
    tariff: ExportTariff
    technology: str
    capacity_kw: Decimal
    domestic: bool
    in_gb: bool
    brand_eligible: bool
    mcs_certificate: GenerationCertificate | None
    dno_notification: DnoNotification | None
    fit_export_payments: bool
    other_export_support: bool
    smart_meter: SmartMeterStatus
    address: str
    manual_export_reads: bool
    tariff_end_date: date | None = None
    """The last day of a fixed-term export tariff (`OUTGOING_FIXED`): notice is due at
    least 42 days before it (D23). None for open-ended tariffs."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportApplicationCancelled(ExportEvent):
    """The customer cancels the application (cooling-off, or later)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportMpanAllocated(ExportEvent):
    """The distributor created the export MPAN for the application."""

    export_mpan: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportMpanRefused(ExportEvent):
    """The distributor refused to create an export MPAN."""

    reason: str
