"""Turning events, states and commands into plain JSON values for the dashboard.

States and events are dataclasses holding dates, Decimals, enums and tuples; the JSON
endpoints and the per-MPAN timeline need them as plain values, whatever their class.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

# Fields every event carries that the timeline shows elsewhere (or not at all).
_ENVELOPE = frozenset({"event_id", "occurred_at", "source", "test_data", "file"})


def to_jsonable(value: Any, depth: int = 0) -> Any:
    """`value` as JSON-ready data: dataclasses become objects, dates ISO strings,
    Decimals strings (no float rounding), enums their value; deep nesting is cut at 8."""
    if depth > 8:
        return repr(value)
    if isinstance(value, Enum):
        return to_jsonable(value.value, depth + 1)
    if value is None or isinstance(value, bool | int | str | float):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name), depth + 1) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [to_jsonable(v, depth + 1) for v in items]
    return repr(value)


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
