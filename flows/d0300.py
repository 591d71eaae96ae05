"""D0300 (disputed or missing readings on change of supplier) records to events."""

from __future__ import annotations

from collections.abc import Sequence

from flows.catalogue import RecordError
from flows.dtc import VALUES, Context, Node
from processors.vocabulary.events import CosReadingDisputed, DisputedMeter, DisputedRegister


def _register(node: Node) -> DisputedRegister:
    register_id, reading, reading_type, rejection_code, proposed, status = node[VALUES]
    return DisputedRegister(
        register_id=register_id or "",  # optional in the catalogue: "" when left out
        reading=reading,
        reading_type=reading_type,
        rejection_code=rejection_code,
        proposed_reading=proposed,
        proposed_status=status,
    )


def _meter(node: Node) -> DisputedMeter:
    _, _, (meter_id, initiating_flow), registers = node
    return DisputedMeter(
        meter_id=meter_id,
        initiating_flow=initiating_flow,
        registers=tuple(_register(register) for register in registers),
    )


def map_d0300(node: Node, ancestors: Sequence[Node], context: Context) -> CosReadingDisputed:
    """A 58C MPAN group with its meters (59C) and registers (60C)."""
    group, line, values, meters = node
    v = dict(zip(group.names, values, strict=True))
    address = tuple(v[f"address line {n}"] or "" for n in range(1, 10))
    postcode = v["postcode"]
    if not any(address) and not postcode:
        raise RecordError(
            "address", "58C (MPAN details): an address is required (all lines and postcode empty)"
        )
    return CosReadingDisputed(
        event_id=context.event_id(line),
        occurred_at=context.file.created_at,
        source=context.source(line),
        test_data=context.test_data,
        file=context.file,
        mpan=v["MPAN core"],
        process_code=v["MPAN core process"],
        ssd=v["new supplier SSD"],
        address_lines=address,
        postcode=postcode,
        additional_information=v["additional information"],
        rejection_reason=v["record rejection reason"],
        meters=tuple(_meter(meter) for meter in meters),
    )
