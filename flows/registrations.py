"""D0217 (registration confirmed) and D0260 (old supplier's registration) to events.

Level 1 of both flows is the file sequence number (754 / 757); each registration
record under it (492 / 758) is one event, identified by its own line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flows.dtc import Context, Node
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
    return tuple(RelatedMpan(primary_mpan=child[2][0], secondary_mpan=child[2][1]) for child in node[3])


def _envelope(node: Node, ancestors: Sequence[Node], context: Context) -> dict[str, Any]:
    line = node[1]
    return {
        "event_id": context.event_id(line),
        "occurred_at": context.file.created_at,
        "source": context.source(line),
        "test_data": context.test_data,
        "file": context.file,
        "file_sequence_number": ancestors[0][2][0],
    }


def map_d0217(node: Node, ancestors: Sequence[Node], context: Context) -> RegistrationConfirmed:
    v = node[2]
    return RegistrationConfirmed(
        **_envelope(node, ancestors, context),
        instruction_number=v[0],
        instruction_type=v[1],
        mpan=v[2],
        deemed_received_on=v[3],
        ssd=v[4],
        address_lines=tuple(line or "" for line in v[5:14]),
        postcode=v[14],
        llfc_id=v[15],
        gsp_group=v[16],
        energisation_status=v[17],
        measurement_class=v[18],
        meter_timeswitch_class=v[19],
        profile_class=v[20],
        standard_settlement_configuration=v[21],
        data_aggregator=_agent(v[22], v[23]),
        data_collector=_agent(v[24], v[25]),
        meter_operator=_agent(v[26], v[27]),
        smets_version=v[28],
        smso_id=v[29],
        smso_effective_from=v[30],
        ihd_status=v[31],
        ihd_status_date=v[32],
        dcc_service_flag=v[33],
        dcc_service_date=v[34],
        related_mpan_indicator=v[35],
        related_mpans=_related(node),
    )


def map_d0260(node: Node, ancestors: Sequence[Node], context: Context) -> OldSupplierRegistrationNotified:
    v = node[2]
    return OldSupplierRegistrationNotified(
        **_envelope(node, ancestors, context),
        instruction_number=v[0],
        instruction_type=v[1],
        mpan=v[2],
        ssd=v[3],
        old_supplier=v[4],
        energisation_status=v[5],
        measurement_class=v[6],
        meter_timeswitch_class=v[7],
        profile_class=v[8],
        standard_settlement_configuration=v[9],
        data_aggregator=_agent(v[10], v[11]),
        data_collector=_agent(v[12], v[13]),
        meter_operator=_agent(v[14], v[15]),
        smets_version=v[16],
        smso_id=v[17],
        smso_effective_from=v[18],
        ihd_status=v[19],
        ihd_status_date=v[20],
        related_mpan_indicator=v[21],
        related_mpans=_related(node),
    )
