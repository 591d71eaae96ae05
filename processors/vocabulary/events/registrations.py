"""D0217 and D0260: the registration service tells us about registrations (FLOWS.md 6).

A D0217 for an export MPAN confirms our registration of it, which the export enrolment
machine waits for before configuring export.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from processors.vocabulary.events.dtc import DtcEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class AppointedAgent:
    """An agent appointment: participant id and agent type."""

    mpid: str
    agent_type: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RelatedMpan:
    """Groups 58M / 60M."""

    primary_mpan: str
    secondary_mpan: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistrationConfirmed(DtcEvent):
    """A D0217 registration (492), under its file sequence group (754).

    Fields follow DTC 15.4 D0217 v002. `address_lines` holds the nine Standard Address
    Format lines in order ("" for an empty line). `registration_transaction_number` and
    `uprn` are not items of D0217 v002: a DTC file never sets them.
    """

    file_sequence_number: str
    instruction_number: str
    instruction_type: str
    mpan: str
    deemed_received_on: date | None
    ssd: date
    registration_transaction_number: str | None = None
    address_lines: tuple[str, ...] = ()
    postcode: str | None = None
    uprn: str | None = None
    llfc_id: str | None = None
    gsp_group: str | None = None
    energisation_status: str | None = None
    measurement_class: str | None = None
    meter_timeswitch_class: str | None = None
    profile_class: str | None = None
    standard_settlement_configuration: str | None = None
    data_aggregator: AppointedAgent | None = None
    data_collector: AppointedAgent | None = None
    meter_operator: AppointedAgent | None = None
    smets_version: str | None = None
    smso_id: str | None = None
    smso_effective_from: date | None = None
    ihd_status: str | None = None
    ihd_status_date: date | None = None
    dcc_service_flag: str | None = None
    dcc_service_date: date | None = None
    related_mpan_indicator: str | None = None
    related_mpans: tuple[RelatedMpan, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class OldSupplierRegistrationNotified(DtcEvent):
    """A D0260 registration (758): the old supplier's details, under file sequence 757.

    Fields follow DTC 15.4 D0260 v002 (which, unlike D0217, carries no address, GSP
    group or DCC service flag).
    """

    file_sequence_number: str
    instruction_number: str
    instruction_type: str
    mpan: str
    ssd: date
    old_supplier: str
    energisation_status: str | None = None
    measurement_class: str | None = None
    meter_timeswitch_class: str | None = None
    profile_class: str | None = None
    standard_settlement_configuration: str | None = None
    data_aggregator: AppointedAgent | None = None
    data_collector: AppointedAgent | None = None
    meter_operator: AppointedAgent | None = None
    smets_version: str | None = None
    smso_id: str | None = None
    smso_effective_from: date | None = None
    ihd_status: str | None = None
    ihd_status_date: date | None = None
    related_mpan_indicator: str | None = None
    related_mpans: tuple[RelatedMpan, ...] = ()
