"""D0300 (disputed or missing readings on change of supplier) records to events."""

from __future__ import annotations

from collections.abc import Sequence

from flows.catalogue import RecordError
from flows.dtc import Context, Node
from processors.vocabulary.events import CosReadingDisputed, DisputedMeter, DisputedRegister


def _register(node: Node) -> DisputedRegister:
    register_id, reading, reading_type, rejection_code, proposed, status = node[2]
    return DisputedRegister(
        register_id=register_id or "",  # optional in the catalogue: "" when left out
        reading=reading,
        reading_type=reading_type,
        rejection_code=rejection_code,
        proposed_reading=proposed,
        proposed_status=status,
    )


def map_d0300(node: Node, ancestors: Sequence[Node], context: Context) -> CosReadingDisputed:
    """A 58C MPAN group with its meters (59C) and registers (60C)."""
    values = node[2]
    mpan, process_code, ssd = values[:3]
    address = tuple(line or "" for line in values[3:12])
    postcode, additional, rejection_reason = values[12:15]
    if not any(address) and not postcode:
        raise RecordError(
            "address", "58C (MPAN details): an address is required (all lines and postcode empty)"
        )
    meters = tuple(
        DisputedMeter(
            meter_id=meter[2][0],
            initiating_flow=meter[2][1],
            registers=tuple(_register(register) for register in meter[3]),
        )
        for meter in node[3]
    )
    line = node[1]
    return CosReadingDisputed(
        event_id=context.event_id(line),
        occurred_at=context.file.created_at,
        source=context.source(line),
        test_data=context.test_data,
        file=context.file,
        mpan=mpan,
        process_code=process_code,
        ssd=ssd,
        address_lines=address,
        postcode=postcode,
        additional_information=additional,
        rejection_reason=rejection_reason,
        meters=meters,
    )
