"""Values as JSON values: the one conversion behind every JSON that meterflow writes.

The replay's command lines (`Command.to_json`), its rejection and anomaly files and the
tail's lines (`serde.to_json`), and the dashboard's states and event details
(`ops.jsonable`) all print the same dataclasses of dates, Decimals, enums and tuples. They
convert them here so that a value reads the same everywhere: dates and datetimes ISO 8601,
Decimals as strings (exact, no float rounding), enums by value, tuples and lists as lists,
sets as lists sorted by repr, mappings as objects with string keys, dataclasses as objects
of their fields in order. Standard library only: the vocabulary may import it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import sys
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from processors.codecs.type_hints import field_names

# Deeper than this, a lenient conversion shows the value's repr (a guard against cycles).
LENIENT_DEPTH = 8

_PLAIN = frozenset({str, int, float, bool, type(None)})


def _refuse(value: Any) -> Any:
    raise TypeError(f"no JSON value for a {type(value).__name__}: {value!r}")


def json_value(value: Any, *, lenient: bool = False) -> Any:
    """`value` as data `json.dumps` writes as it is. A value of no type above raises
    TypeError; with `lenient` (for display) it becomes its repr, as does anything nested
    deeper than LENIENT_DEPTH levels."""
    if lenient:
        return _convert(value, 0, LENIENT_DEPTH, repr)
    return _convert(value, 0, sys.maxsize, _refuse)


def _convert(value: Any, depth: int, limit: int, unknown: Callable[[Any], Any]) -> Any:
    if depth > limit:
        return repr(value)
    kind: type = type(value)
    if kind in _PLAIN:
        return value
    deeper = depth + 1
    if isinstance(value, enum.Enum):
        return _convert(value.value, deeper, limit, unknown)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):  # datetimes included
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_convert(v, deeper, limit, unknown) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: _convert(getattr(value, name), deeper, limit, unknown) for name in field_names(kind)}
    if isinstance(value, Mapping):
        return {str(k): _convert(v, deeper, limit, unknown) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return [_convert(v, deeper, limit, unknown) for v in sorted(value, key=repr)]
    if isinstance(value, str | int | float):  # subclasses of the plain types
        return value
    return unknown(value)
