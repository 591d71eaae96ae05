"""D0217 (registration confirmed) and D0260 (old supplier's registration) to events.

Level 1 of both flows is the file sequence number (754 / 757); each registration
record under it (492 / 758) is one event, identified by its own line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flows.dtc import CHILDREN, LINE, VALUES, Context, Node
from processors.vocabulary.events import (
    AppointedAgent,
    OldSupplierRegistrationNotified,
    RegistrationConfirmed,
    RelatedMpan,
)


def _agent(mpid: str | None, agent_type: str | None) -> AppointedAgent | None:
    if mpid is None and agent_type is None:
        return None
    return AppointedAgent(mpid=mpid or "", agent_type=agent_type)


def _related(node: Node) -> tuple[RelatedMpan, ...]:
    related = []
    for _, _, values, _ in node[CHILDREN]:
        primary, secondary = values
        related.append(RelatedMpan(primary_mpan=primary, secondary_mpan=secondary))
    return tuple(related)


def _items(node: Node) -> dict[str, Any]:
    """The record's values by catalogue field name (`flows.catalogue`)."""
    group, _, values, _ = node
    return dict(zip(group.names, values, strict=True))


def _common(node: Node, ancestors: Sequence[Node], context: Context) -> dict[str, Any]:
    """The envelope and the items D0217 and D0260 share, as event fields."""
    line = node[LINE]
    (sequence_number,) = ancestors[0][VALUES]
    v = _items(node)
    return {
        "event_id": context.event_id(line),
        "occurred_at": context.file.created_at,
        "source": context.source(line),
        "test_data": context.test_data,
        "file": context.file,
        "file_sequence_number": sequence_number,
        "instruction_number": v["instruction number"],
        "instruction_type": v["instruction type"],
        "mpan": v["MPAN core"],
        "ssd": v["SSD"],
        "energisation_status": v["energisation status"],
        "measurement_class": v["measurement class id"],
        "meter_timeswitch_class": v["meter timeswitch code"],
        "profile_class": v["profile class id"],
        "standard_settlement_configuration": v["standard settlement configuration id"],
        "data_aggregator": _agent(v["data aggregator id"], v["data aggregation type"]),
        "data_collector": _agent(v["data collector id"], v["data collector type"]),
        "meter_operator": _agent(v["meter operator id"], v["meter operator type"]),
        "smets_version": v["SMETS version"],
        "smso_id": v["smart metering system operator id"],
        "smso_effective_from": v["SMSO effective from date"],
        "ihd_status": v["IHD install status"],
        "ihd_status_date": v["IHD effective from date"],
        "related_mpan_indicator": v["related MPAN indicator"],
        "related_mpans": _related(node),
    }


def map_d0217(node: Node, ancestors: Sequence[Node], context: Context) -> RegistrationConfirmed:
    """A 492 record of 38 items (DTC 15.4) or 36 (without the registration transaction
    number and UPRN, read as None): the reader fills the same slots for both."""
    v = _items(node)
    return RegistrationConfirmed(
        **_common(node, ancestors, context),
        deemed_received_on=v["deemed received date"],
        registration_transaction_number=v["registration transaction number"],
        address_lines=tuple(v[f"address line {n}"] or "" for n in range(1, 10)),
        postcode=v["postcode"],
        uprn=v["UPRN"],
        llfc_id=v["line loss factor class id"],
        gsp_group=v["GSP group id"],
        dcc_service_flag=v["DCC service flag"],
        dcc_service_date=v["DCC service flag effective from date"],
    )


def map_d0260(node: Node, ancestors: Sequence[Node], context: Context) -> OldSupplierRegistrationNotified:
    v = _items(node)
    return OldSupplierRegistrationNotified(
        **_common(node, ancestors, context), old_supplier=v["old supplier id"]
    )
