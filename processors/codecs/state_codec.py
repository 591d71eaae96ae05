"""States as bytes, so a Kafka table (or any byte store) can hold them.

Compact, versioned JSON, no pickle: a version byte, then JSON in which dates, decimals,
tuples and the core's own state classes are tagged objects (`{"$d": ...}`, `{"$n": ...}`,
`{"$t": [...]}`, `{"$c": "LossEpisode", "f": {...}}`). Fields equal to their default are
left out, so an added field with a default reads old records, and only the classes in
the registry below can be built from bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import is_dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from orjson import loads as _orjson_loads

from processors.codecs.type_hints import field_defaults
from processors.core.engine import EngineMeta
from processors.core.machines import MACHINES

VERSION = 1


class StateDecodeError(ValueError):
    """The bytes are not a state this codec wrote; the message says why."""


_STATE_CLASSES: tuple[type[Any], ...] = (EngineMeta, *(c for m in MACHINES for c in m.state_classes))
_CLASSES: dict[str, type[Any]] = {cls.__name__: cls for cls in _STATE_CLASSES}
"""The classes a state may hold: each machine names its own (docs/decisions.md D18)."""


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return {"$n": str(value)}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, tuple):
        return {"$t": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if _CLASSES.get(name) is not type(value):
            raise TypeError(f"cannot encode {name}: not a registered state class")
        out: dict[str, Any] = {}
        for field_name, default in field_defaults(type(value)):
            v = getattr(value, field_name)
            if v != default:
                out[field_name] = _encode(v)
        return {"$c": name, "f": out}
    raise TypeError(f"cannot encode a {type(value).__name__} in a state")


class _FloatSeen(Exception):
    """orjson gave a float: a real one, or an integer beyond 64 bits that it reads as a float."""


_DATES: dict[str, date] = {}
"""One date object a day text: a snapshot's states hold a few thousand distinct days over
hundreds of thousands of fields (D71)."""
_DATES_HELD = 1 << 16
"""At most this many day texts are remembered; any beyond are parsed each time."""


def _date(text: Any) -> date:
    """`date.fromisoformat(text)`, the object shared by every field of that text (dates are
    immutable); anything not a `str` goes to `fromisoformat` itself, for its own error."""
    if type(text) is not str:
        return date.fromisoformat(text)
    found = _DATES.get(text)
    if found is None:
        found = date.fromisoformat(text)
        if len(_DATES) < _DATES_HELD:
            _DATES[text] = found
    return found


def _walker(looked_at: frozenset[type]) -> Callable[[Any], Any]:
    """The walk from parsed JSON to a state, looking into the values whose type is in
    `looked_at` and returning any other where it stands, without a call.

    A tag is looked for in the order `$n`, `$d`, `$t`, `$c`; a class object that holds no
    other tag (`$c` alone or with `f`, as `encode_state` writes it) and a field that is a
    date alone (`{"$d": ...}`) are taken first, without the misses and the call, which is
    the same order's answer for them (D71)."""

    def walk(value: Any) -> Any:
        # json and orjson build exact dicts and lists, so `type(...) is` is isinstance here
        kind = type(value)
        if kind is list:
            return [v if type(v) not in looked_at else walk(v) for v in value]
        if kind is not dict:
            if kind is float and float in looked_at:
                raise _FloatSeen
            return value
        if "$c" in value and (len(value) == 1 or (len(value) == 2 and "f" in value)):
            return build(value)
        if "$n" in value:
            return Decimal(value["$n"])
        if "$d" in value:
            return _date(value["$d"])
        if "$t" in value:
            return tuple([v if type(v) not in looked_at else walk(v) for v in value["$t"]])
        if "$c" in value:
            return build(value)
        raise StateDecodeError(f"untagged object in state: {sorted(value)}")

    def build(value: dict[str, Any]) -> Any:
        cls = _CLASSES.get(value["$c"])
        if cls is None:
            raise StateDecodeError(f"unknown state class {value['$c']!r}")
        fields = value.get("f", {})
        for k, v in fields.items():  # in place: the parser's own dict, built for this walk
            kind = type(v)
            if kind in looked_at:
                fields[k] = _date(v["$d"]) if kind is dict and len(v) == 1 and "$d" in v else walk(v)
        return cls(**fields)

    return walk


_decode = _walker(frozenset({dict, list}))
"""The walk of `json`'s values: dicts and lists may hold tagged objects, the rest decodes as itself."""
_decode_exact = _walker(frozenset({dict, list, float}))
"""The walk of orjson's values, which stops at a float (`_FloatSeen`): orjson reads an
integer beyond 64 bits as a float where `json` keeps it exact, so such a state is decoded
by `json` again."""


def encode_state(state: Any) -> bytes:
    """The state as bytes: a version byte, then compact JSON."""
    return bytes([VERSION]) + json.dumps(_encode(state), separators=(",", ":")).encode("utf-8")


# typeshed leaves the decoder's scanner out; it is the (C) scanner `json.loads` ends in
_scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
"""`JSONDecoder.raw_decode` without its Python layer, with `json.loads`' defaults."""


def _parse(text: str) -> Any:
    """`json.loads(text)`, without its three Python layers when the document is one value
    from its first character to its last (as `encode_state` writes it); any other text
    (leading or trailing white space, a BOM, no JSON at all) goes to `json.loads` itself,
    so what is accepted, and the error of what is not, are exactly `json.loads`'."""
    try:
        value, end = _scan(text, 0)
    except Exception:  # StopIteration, JSONDecodeError, ...: let json.loads say why
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


def decode_state(data: bytes) -> Any:
    """The state `encode_state` wrote.

    orjson parses it first (half the time of `json`'s scanner); whatever orjson refuses,
    any float it gives and any refusal of the walk are decided again by the `json` path
    below, so what is accepted, every value, and every refusal and its message are
    `json.loads`': orjson accepts no document `json` refuses and, floats aside, builds the
    same values (tests/processors/codecs/test_state_codec_orjson.py)."""
    if not data:
        raise StateDecodeError("empty state record")
    if data[0] != VERSION:
        raise StateDecodeError(
            f"state record version {data[0]} is not supported (this reader knows {VERSION})"
        )
    try:
        return _decode_exact(_orjson_loads(data[1:]))
    except Exception:  # refused, a float, or a state that does not fit: json decides
        return _decode_json(data)


def _decode_json(data: bytes) -> Any:
    """`decode_state` by `json`'s parser: the reference for what is accepted and why not."""
    try:
        raw = _parse(data[1:].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StateDecodeError(f"state record is not valid JSON: {exc}") from exc
    try:
        return _decode(raw)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, StateDecodeError):
            raise
        raise StateDecodeError(f"state record does not fit its class: {exc}") from exc
