"""What the codecs read off a dataclass and its type hints, worked out once per class.

The Avro schemas and converters (`serde`), the generated codecs (`avro_codegen`), the
state bytes (`state_codec`) and the JSON values (`json_values`) all walk the same
dataclasses. They read them here, so that `X | None`, `tuple[X, ...]`, enums, decimals and
dates mean the same thing to each of them, and so that `typing.get_type_hints` (slow: it
evaluates every annotation string) runs once per class. Standard library only: any
module may import it, the vocabulary included.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import types
import typing
from decimal import Decimal
from functools import cache
from typing import Any, Union

from processors.vocabulary.json_values import field_names

MISSING: Any = dataclasses.MISSING


class UnsupportedHint(TypeError):
    """A type hint the codecs have no mapping for (a union other than `X | None`, a tuple
    other than `tuple[X, ...]`)."""


class Scalar(enum.StrEnum):
    """The plain types a field can hold, each with one wire form per codec."""

    STR = "str"
    BOOL = "bool"
    INT = "int"
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"


# By identity: `datetime` is a subclass of `date` and `bool` of `int`.
_SCALARS: dict[Any, Scalar] = {
    str: Scalar.STR,
    bool: Scalar.BOOL,
    int: Scalar.INT,
    Decimal: Scalar.DECIMAL,
    dt.date: Scalar.DATE,
    dt.datetime: Scalar.DATETIME,
}


def scalar_of(hint: Any) -> Scalar | None:
    """The scalar a hint names exactly, or None (optional, tuple, enum, record...)."""
    try:
        return _SCALARS.get(hint)
    except TypeError:  # an unhashable hint is no scalar
        return None


def optional_inner(hint: Any) -> Any | None:
    """`X` when `hint` is `X | None` (or `Optional[X]`), else None; UnsupportedHint for any
    other union."""
    if typing.get_origin(hint) in (Union, types.UnionType):
        args = typing.get_args(hint)
        others = [a for a in args if a is not type(None)]
        if len(args) == 2 and len(others) == 1:
            return others[0]
        raise UnsupportedHint(f"only X | None unions are supported, not {hint}")
    return None


def item_type(hint: Any) -> Any | None:
    """`X` when `hint` is `tuple[X, ...]` or `list[X]`, else None; UnsupportedHint for a
    tuple of fixed length."""
    origin = typing.get_origin(hint)
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return args[0]
        raise UnsupportedHint(f"only tuple[X, ...] is supported, not {hint}")
    if origin is list:
        return typing.get_args(hint)[0]
    return None


def is_enum_type(hint: Any) -> bool:
    return isinstance(hint, type) and issubclass(hint, enum.Enum)


def is_dataclass_type(hint: Any) -> bool:
    return isinstance(hint, type) and dataclasses.is_dataclass(hint)


@cache
def field_hints(cls: type) -> tuple[tuple[str, Any], ...]:
    """(name, resolved type hint) of each field of a dataclass, in order."""
    hints = typing.get_type_hints(cls)
    return tuple((name, hints[name]) for name in field_names(cls))


def default_of(f: dataclasses.Field[Any]) -> Any:
    """A field's default, its factory's value if it has one, else MISSING."""
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return MISSING


@cache
def field_defaults(cls: type) -> tuple[tuple[str, Any], ...]:
    """(name, default or MISSING) of each field of a dataclass, in order. A factory is
    called once here: the defaults are for comparing with and describing, never to hand
    out as a new object's value."""
    return tuple((f.name, default_of(f)) for f in dataclasses.fields(cls))
