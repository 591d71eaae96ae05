"""Turning events, states and commands into plain JSON values for the dashboard.

States and events are dataclasses holding dates, Decimals, enums and tuples; the JSON
endpoints and the per-MPAN timeline need them as plain values, whatever their class
(converted by `processors.vocabulary.json_values`, as every JSON meterflow writes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from typing import Any

from processors.vocabulary.json_values import json_value

# Fields every event carries that the timeline shows elsewhere (or not at all).
_ENVELOPE = frozenset({"event_id", "occurred_at", "source", "test_data", "file"})


def to_jsonable(value: Any) -> Any:
    """`value` as JSON-ready data for display (`json_value`, lenient: what has no JSON
    form, or is nested too deep, shows as its repr)."""
    return json_value(value, lenient=True)


def event_details(event: Any) -> dict[str, Any]:
    """The fields of an event that say what happened (its envelope left out)."""
    if not is_dataclass(event) or isinstance(event, type):
        return {}
    return {f.name: to_jsonable(getattr(event, f.name)) for f in fields(event) if f.name not in _ENVELOPE}


def summarise(details: Mapping[str, Any], limit: int = 160) -> str:
    """A one-line `name=value` summary of scalar details; nested groups are counted."""
    parts: list[str] = []
    for name, value in details.items():
        if name in ("mpan", "import_mpan") or value is None or value in ([], ""):
            continue
        if name == "meters" and isinstance(value, list):
            parts.extend(_meter_readings(value))
        elif isinstance(value, list):
            parts.append(f"{name}: {len(value)}")
        elif isinstance(value, dict):
            parts.append(f"{name}: {{…}}")
        else:
            parts.append(f"{name}={value}")
    text = ", ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _meter_readings(meters: list[Any]) -> list[str]:
    """`meter/register=value (type) at time` for each register reading of a readings event."""
    out: list[str] = []
    for meter in meters:
        if not isinstance(meter, dict):
            continue
        kind = meter.get("reading_type", "")
        for register in meter.get("registers", []):
            if isinstance(register, dict) and "value" in register:
                read_at = str(register.get("read_at", ""))[:10]
                out.append(
                    f"{meter.get('meter_id', '?')}/{register.get('register_id', '?')}="
                    f"{register['value']} ({kind}) {read_at}".rstrip()
                )
    return out
