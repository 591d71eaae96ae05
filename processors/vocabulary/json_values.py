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
from functools import cache
from typing import Any


@cache
def field_names(cls: type) -> tuple[str, ...]:
    """The names of a dataclass's fields, in order."""
    return tuple(f.name for f in dataclasses.fields(cls))


# Deeper than this, a lenient conversion shows the value's repr (a guard against cycles).
LENIENT_DEPTH = 8

# How a value of each type is converted, worked out once per type (by `_shape_of`).
_PLAIN, _ENUM, _DECIMAL, _DATE, _SEQUENCE, _RECORD, _MAPPING, _SET, _UNKNOWN = range(9)
_SHAPES: dict[type, int] = {str: _PLAIN, int: _PLAIN, float: _PLAIN, bool: _PLAIN, type(None): _PLAIN}


def _shape_of(kind: type) -> int:
    shape = _SHAPES.get(kind)
    if shape is None:
        if issubclass(kind, enum.Enum):  # before str and int: StrEnum, IntEnum
            shape = _ENUM
        elif issubclass(kind, Decimal):
            shape = _DECIMAL
        elif issubclass(kind, dt.date):  # datetimes included
            shape = _DATE
        elif issubclass(kind, tuple | list):
            shape = _SEQUENCE
        elif dataclasses.is_dataclass(kind):  # an instance's type; a dataclass itself is a `type`
            shape = _RECORD
        elif issubclass(kind, Mapping):
            shape = _MAPPING
        elif issubclass(kind, set | frozenset):
            shape = _SET
        elif issubclass(kind, str | int | float):
            shape = _PLAIN
        else:
            shape = _UNKNOWN
        _SHAPES[kind] = shape
    return shape


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
    shape = _SHAPES.get(kind)
    if shape is None:
        shape = _shape_of(kind)
    if shape == _PLAIN:
        return value
    depth += 1
    if shape == _RECORD:
        return {name: _convert(getattr(value, name), depth, limit, unknown) for name in field_names(kind)}
    if shape == _ENUM:
        return _convert(value.value, depth, limit, unknown)
    if shape == _DATE:
        return value.isoformat()
    if shape == _DECIMAL:
        return str(value)
    if shape == _SEQUENCE:
        return [_convert(v, depth, limit, unknown) for v in value]
    if shape == _MAPPING:
        return {str(k): _convert(v, depth, limit, unknown) for k, v in value.items()}
    if shape == _SET:
        return [_convert(v, depth, limit, unknown) for v in sorted(value, key=repr)]
    return unknown(value)
