"""Generated Avro binary codecs for the frozen dataclasses that `processors.codecs.serde` writes.

Why: fastavro interprets the schema for every datum, and serde had to turn each dataclass
into a dict for it and each decoded dict back into a dataclass: about 40 us to encode or
decode one D0010 event, most of the streaming worker's CPU. Here each class gets, once, two
straight-line Python functions generated from its type hints and its parsed current
schema (as `flows.catalogue` compiles record parsers from data): an encoder that writes
the Avro body directly from the object's attributes, and a decoder that reads the body
and builds the object with `processors.vocabulary.construction.constructor`'s positional
builder (plain slot stores into a twin class), without an intermediate dict.

The bytes and the decoded values are those of fastavro 1.x (`schemaless_writer` /
`schemaless_reader` on the same schema), checked against it in
`tests/processors/codecs/test_avro_codegen.py`:
- long: zig-zag varint; an int field outside the signed 64-bit range is refused.
- string: varint byte length then UTF-8 (strict: lone surrogates are refused on both sides);
  a `Decimal` is written as `str(value)` and read back with `Decimal(text)`.
- boolean: one byte, 1 for a truthy value; read: any byte but 0 is True (as fastavro).
- date (int): `toordinal() - 719163`; timestamp-micros (long): an aware datetime as
  microseconds since the Unix epoch, a naive one through `time.mktime` (local time of the
  machine, as fastavro), read back as an aware datetime in `timezone.utc`;
  local-timestamp-micros (long): the wall clock as if UTC, read back naive.
- enum: the varint index of the member's *name* among the symbols.
- array: one block (count, items) then 0, only 0 when empty; reading accepts any blocks,
  negative counts with their byte size included.
- `X | None`: the varint branch index then X; as fastavro picks the branch by validation,
  an optional str, long or boolean must be exactly of that type.
- nested records: their fields in order, inline.

Encoders are exact for values of the declared types; on other values they raise rather
than guess (no `encode` method, no list index...), and serde then falls back to fastavro,
which writes or refuses them as it always did. Decoders raise `EOFError` or `IndexError`
when the data ends before the record, `InvalidAvro` for an impossible index, length or
varint, and the decoding errors of the standard library (UnicodeDecodeError, ValueError,
OverflowError) for a value with no Python meaning; serde turns them all into its
DecodeError. They are stricter than fastavro only on bytes no Avro writer produces:
negative enum and union indexes (fastavro wraps them round to the last symbols or
branches) and varints over 10 bytes or 64 bits. Records written with an older schema are
resolved by fastavro, not here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import time
import typing
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from processors.codecs.type_hints import (
    Scalar,
    UnsupportedHint,
    field_hints,
    is_dataclass_type,
    is_enum_type,
    item_type,
    optional_inner,
    scalar_of,
)
from processors.vocabulary.construction import constructor
from processors.vocabulary.json_values import field_names

Encode = Callable[[Any], bytes]
Decode = Callable[[bytes, int], tuple[Any, int]]

DAYS_SHIFT = dt.date(1970, 1, 1).toordinal()  # 719163, as fastavro.const.DAYS_SHIFT
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
EPOCH_NAIVE = dt.datetime(1970, 1, 1)
MICROSECOND = dt.timedelta(microseconds=1)
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
NAMED = frozenset({"record", "error", "enum", "fixed"})


class UnsupportedSchema(TypeError):
    """A class and schema pair this generator does not handle (or that disagree)."""


class InvalidAvro(ValueError):
    """Bytes that no Avro writer of the schema produces: a varint longer than 64 bits, a
    negative length, an enum or union index out of range, text that is not a decimal."""


# --- helpers the generated code calls -------------------------------------------------------


def _zigzag_varint(n: int) -> bytes:
    zz = (n << 1) ^ (n >> 63)
    out = bytearray()
    while zz >= 0x80:
        out.append((zz & 0x7F) | 0x80)
        zz >>= 7
    out.append(zz)
    return bytes(out)


# _SMALL[n] is the encoding of n for -64 <= n < 64 (negative n index from the end).
_SMALL: list[bytes] = [_zigzag_varint(i if i < 64 else i - 128) for i in range(128)]
# _ZZ[b] is the long a one-byte varint b (< 0x80) encodes.
_ZZ: list[int] = [(b >> 1) ^ -(b & 1) for b in range(128)]


def write_long(n: int) -> bytes:
    """The zig-zag varint of a long, refusing what does not fit 64 bits (as fastavro)."""
    if not LONG_MIN <= n <= LONG_MAX:
        raise OverflowError(f"{n} does not fit an Avro long")
    return _zigzag_varint(n)


def read_long(data: bytes, pos: int) -> tuple[int, int]:
    """The long whose zig-zag varint starts at `data[pos]`, and the position after it."""
    n = shift = 0
    while True:
        byte = data[pos]  # IndexError: the data ends inside the varint
        pos += 1
        n |= (byte & 0x7F) << shift
        if byte < 0x80:
            break
        shift += 7
        if shift >= 70:
            raise InvalidAvro("a varint longer than 10 bytes")
    if n >> 64:
        raise InvalidAvro("a varint beyond 64 bits")
    return (n >> 1) ^ -(n & 1), pos


MEMO_SIZE = 4096  # entries per memo below, cleared when full


class _Memo:
    """Values of a logical type decoded from a varint, by the varint's bytes. Instants and
    days recur (every event of a file has its header's time, readings are at midnight of a
    few days), and a varint's conversion costs more than looking its bytes up. Only
    varints of exactly `width` bytes (the usual size: 8 for instants from 1979 to 3000, 3 for
    days of this era) are kept, so a lookup of the next `width` bytes that hits has read
    that very varint."""

    def __init__(self, convert: Callable[[int], Any], width: int) -> None:
        self.values: dict[bytes, Any] = {}
        self.convert = convert
        self.width = width

    def read(self, data: bytes, pos: int) -> tuple[Any, int]:
        n, end = read_long(data, pos)
        value = self.convert(n)
        if end - pos == self.width:
            if len(self.values) >= MEMO_SIZE:
                self.values.clear()
            self.values[data[pos:end]] = value
        return value, end


_TIMESTAMPS = _Memo(lambda n: EPOCH + dt.timedelta(0, 0, n), 8)
_LOCAL_TIMESTAMPS = _Memo(lambda n: EPOCH_NAIVE + dt.timedelta(0, 0, n), 8)
_DATES = _Memo(lambda n: dt.date.fromordinal(n + DAYS_SHIFT), 3)

# The varints of longs the codecs compute themselves (microseconds, day numbers): always
# exact ints, so a dict keyed by them is safe (unlike the user's values, where 100.0 == 100).
_LONG_BYTES: dict[int, bytes] = {}


# The last aware instant encoded and its varint, by identity: holding it keeps its id
# from being reused; one tuple so that threads see a consistent pair.
_LAST_INSTANT: list[tuple[object, bytes]] = [(object(), b"")]


def _computed_long(n: int) -> bytes:
    encoded = write_long(n)
    if len(_LONG_BYTES) >= MEMO_SIZE:
        _LONG_BYTES.clear()
    _LONG_BYTES[n] = encoded
    return encoded


def _naive_instant_micros(value: dt.datetime) -> int:
    """fastavro's timestamp-micros of a naive datetime: read in the machine's local time."""
    return int(time.mktime(value.timetuple())) * 1_000_000 + value.microsecond


_SHORT: list[int] = [b >> 1 if b < 0x80 and not b & 1 else 1 << 62 for b in range(256)]


def _read_string(data: bytes, pos: int, what: str) -> tuple[str, int]:
    """The string at `data[pos]` whose length is not a one-byte varint, or is wrong."""
    length, start = read_long(data, pos)
    if length < 0:
        raise InvalidAvro(f"negative length {length} of {what}")
    end = start + length
    if end > len(data):
        raise EOFError(f"{what} of {length} bytes with only {len(data) - start} left")
    return data[start:end].decode(), end


def _bad_index(index: int, count: int, what: str) -> typing.NoReturn:
    raise InvalidAvro(f"{what} index {index} out of range (0 to {count - 1})")


def _read_enum(data: bytes, pos: int, members: tuple[Any, ...], name: str) -> tuple[Any, int]:
    """An enum symbol whose index is not a one-byte varint below 64."""
    index, pos = read_long(data, pos)
    if not 0 <= index < len(members):
        _bad_index(index, len(members), f"{name} enum")
    return members[index], pos


def _not_decimal(text: str) -> typing.NoReturn:
    raise InvalidAvro(f"{text!r} is not a decimal number")


def _not_a(kind: str, value: object) -> typing.NoReturn:
    raise TypeError(f"{value!r} (type {type(value).__name__}) is not {kind}")


_HELPERS: dict[str, Any] = {
    "_SMALL": _SMALL,
    "_ZZ": _ZZ,
    "_long": write_long,
    "_read_long": read_long,
    "_naive_micros": _naive_instant_micros,
    "_SHORT": _SHORT,
    "_read_string": _read_string,
    "_bad_index": _bad_index,
    "_read_enum": _read_enum,
    "_not_decimal": _not_decimal,
    "_not_a": _not_a,
    "_Decimal": Decimal,
    "_InvalidOperation": InvalidOperation,
    "_EPOCH": EPOCH,
    "_EPOCH_NAIVE": EPOCH_NAIVE,
    "_US": MICROSECOND,
    "_td": dt.timedelta,
    "_LONG_BYTES": _LONG_BYTES,
    "_computed_long": _computed_long,
    "_LAST_INSTANT": _LAST_INSTANT,
}


# --- reading the type hints and the schema ----------------------------------------------------


def _collect_named(schema: Any, named: dict[str, Any]) -> None:
    if isinstance(schema, list):
        for branch in schema:
            _collect_named(branch, named)
    elif isinstance(schema, dict):
        kind = schema.get("type")
        if isinstance(kind, dict | list):
            _collect_named(kind, named)
        if kind in NAMED:
            named[str(schema["name"])] = schema
        if kind in ("record", "error"):
            for field in schema["fields"]:
                _collect_named(field["type"], named)
        elif kind == "array":
            _collect_named(schema["items"], named)
        elif kind == "map":
            _collect_named(schema["values"], named)


def _kind(schema: Any) -> str:
    """`string`, `long`, `long/timestamp-micros`, `record`, `union`... of a resolved schema."""
    if isinstance(schema, list):
        return "union"
    if isinstance(schema, str):
        return schema
    kind = str(schema["type"])
    logical = schema.get("logicalType")
    return f"{kind}/{logical}" if logical and kind in PRIMITIVES else kind


def _takes_bytes(schema: Any, named: dict[str, Any]) -> bool:
    """True when every value of the schema is written with at least one byte (so an array of
    them cannot make a reader loop without consuming input)."""
    kind = _kind(schema)
    if kind == "null":
        return False
    if kind == "record":
        return any(_takes_bytes(_resolve(f["type"], named), named) for f in schema["fields"])
    return not (kind == "fixed" and schema.get("size") == 0)


def _resolve(schema: Any, named: dict[str, Any]) -> Any:
    if isinstance(schema, str):
        if schema in PRIMITIVES:
            return schema
        if schema in named:
            return named[schema]
        raise UnsupportedSchema(f"unknown named type {schema}")
    if isinstance(schema, dict) and isinstance(schema.get("type"), dict | list):
        return _resolve(schema["type"], named)
    if isinstance(schema, dict) and schema.get("type") in PRIMITIVES and not schema.get("logicalType"):
        return schema["type"]
    return schema


def _record_fields(cls: type, schema: Any) -> list[tuple[str, Any, Any]]:
    """(name, hint, field schema) of every field, in the schema's order, which must be the
    dataclass's."""
    if _kind(schema) != "record":
        raise UnsupportedSchema(f"{cls.__name__} is a dataclass but its schema is a {_kind(schema)}")
    names = list(field_names(cls))
    schema_names = [str(f["name"]) for f in schema["fields"]]
    if names != schema_names:
        raise UnsupportedSchema(f"{cls.__name__} fields {names} differ from its schema's {schema_names}")
    hints = dict(field_hints(cls))
    return [(str(f["name"]), hints[str(f["name"])], f["type"]) for f in schema["fields"]]


def _enum_symbols(hint: type[enum.Enum], schema: Any) -> list[str]:
    symbols = [str(s) for s in schema["symbols"]]
    unknown = [s for s in symbols if s not in hint.__members__]
    if unknown:
        raise UnsupportedSchema(f"{hint.__name__} has no members {unknown} of its schema")
    return symbols


# The Avro kinds each scalar is generated for.
_SCALAR_KINDS: dict[Scalar, tuple[str, ...]] = {
    Scalar.STR: ("string",),
    Scalar.DECIMAL: ("string",),
    Scalar.INT: ("long",),
    Scalar.BOOL: ("boolean",),
    Scalar.DATE: ("int/date",),
    Scalar.DATETIME: ("long/timestamp-micros", "long/local-timestamp-micros"),
}


def _check_scalar(hint: Any, kind: str) -> None:
    scalar = scalar_of(hint)
    if scalar is None or kind not in _SCALAR_KINDS[scalar]:
        raise UnsupportedSchema(f"no generated codec for {hint!r} as {kind}")


# --- generation -------------------------------------------------------------------------------------


class _Source:
    """The lines of one generated function and the names they use."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.lines: list[str] = []
        self.namespace = namespace
        self.count = 0

    def fresh(self, stem: str) -> str:
        self.count += 1
        return f"{stem}{self.count}"

    def const(self, stem: str, value: Any) -> str:
        for name, existing in self.namespace.items():
            if existing is value and name.startswith(f"_{stem}"):
                return name
        name = self.fresh(f"_{stem}")
        self.namespace[name] = value
        return name

    def add(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)


class _Generator:
    def __init__(self, named: dict[str, Any]) -> None:
        self.named = named
        self.namespace: dict[str, Any] = dict(_HELPERS)
        self.records: list[type] = []  # being generated: recursive types are not supported
        self.arrays = 0  # arrays around the value being generated

    def _enter(self, cls: type) -> None:
        if cls in self.records:
            raise UnsupportedSchema(f"{cls.__name__} is recursive")
        self.records.append(cls)

    # --- encoder ---

    def encoder(self, cls: type, schema: Any, prefix: bytes) -> tuple[str, Encode]:
        src = _Source(self.namespace)
        src.add(0, "def encode(obj):")
        src.add(1, f"out = [{prefix!r}]")
        src.add(1, "ap = out.append")
        self._encode(src, cls, _resolve(schema, self.named), "obj", 1)
        src.add(1, 'return b"".join(out)')
        return self._compile(src, f"encode_{cls.__name__}")

    def _write_long(self, src: _Source, value: str, indent: int, non_negative: bool = False) -> None:
        low = "" if non_negative else "-64 <= "
        src.add(indent, f"ap(_SMALL[{value}] if {low}{value} < 64 else _long({value}))")

    def _encode(self, src: _Source, hint: Any, schema: Any, var: str, indent: int) -> None:
        kind = _kind(schema)
        inner = optional_inner(hint)
        if inner is not None or kind == "union":
            self._encode_optional(src, hint, inner, schema, var=var, indent=indent)
            return
        item = item_type(hint)
        if item is not None or kind == "array":
            if item is None or kind != "array":
                raise UnsupportedSchema(f"{hint!r} as {kind}")
            items = _resolve(schema["items"], self.named)
            count, each = src.fresh("n"), src.fresh("x")
            src.add(indent, f"{count} = len({var})")
            src.add(indent, f"if {count}:")
            self._write_long(src, count, indent + 1, non_negative=True)
            src.add(indent + 1, f"for {each} in {var}:")
            self._encode(src, item, items, each, indent + 2)
            src.add(indent, 'ap(b"\\x00")')
            return
        if is_dataclass_type(hint):
            self._enter(hint)
            for name, field_hint, field_schema in _record_fields(hint, schema):
                value = src.fresh(name)
                src.add(indent, f"{value} = {var}.{name}")
                self._encode(src, field_hint, _resolve(field_schema, self.named), value, indent)
            self.records.pop()
            return
        if is_enum_type(hint):
            if kind != "enum":
                raise UnsupportedSchema(f"{hint.__name__} as {kind}")
            symbols = _enum_symbols(hint, schema)
            index = src.const(f"index_{hint.__name__}_", {s: write_long(i) for i, s in enumerate(symbols)})
            src.add(indent, f"ap({index}[{var}.name])")  # by name, as serde's dict path
            return
        _check_scalar(hint, kind)
        if kind == "string":
            text = f"str({var})" if scalar_of(hint) is Scalar.DECIMAL else var
            src.add(indent, f"b_ = {text}.encode()")
            src.add(indent, "n_ = len(b_)")
            self._write_long(src, "n_", indent, non_negative=True)
            src.add(indent, "ap(b_)")
        elif kind == "boolean":
            src.add(indent, f'ap(b"\\x01" if {var} else b"\\x00")')
        elif kind == "long":
            self._write_long(src, var, indent)
        else:
            if kind == "int/date":
                src.add(indent, f"n_ = {var}.toordinal() - {DAYS_SHIFT}")
            elif kind == "long/timestamp-micros":
                # The events of a file share its header's instant: remember the last one
                # by identity (an aware subtraction costs as much as the rest of a record).
                # (Naive ones, read in the machine's local time, are not remembered.)
                src.add(indent, "m_ = _LAST_INSTANT[0]")
                src.add(indent, f"if m_[0] is {var}:")
                src.add(indent + 1, "ap(m_[1])")
                src.add(indent, f"elif {var}.tzinfo is None:")
                src.add(indent + 1, f"ap(_long(_naive_micros({var})))")
                src.add(indent, "else:")
                src.add(indent + 1, f"n_ = ({var} - _EPOCH) // _US")
                src.add(indent + 1, "b_ = _LONG_BYTES.get(n_)")
                src.add(indent + 1, "if b_ is None:")
                src.add(indent + 2, "b_ = _computed_long(n_)")
                src.add(indent + 1, "ap(b_)")
                src.add(indent + 1, f"_LAST_INSTANT[0] = ({var}, b_)")
                return
            else:  # long/local-timestamp-micros: the wall clock, whatever the tzinfo
                wall = f"({var} if {var}.tzinfo is None else {var}.replace(tzinfo=None))"
                src.add(indent, f"n_ = ({wall} - _EPOCH_NAIVE) // _US")
            src.add(indent, "b_ = _LONG_BYTES.get(n_)")
            src.add(indent, "ap(_computed_long(n_) if b_ is None else b_)")

    def _encode_optional(
        self, src: _Source, hint: Any, inner: Any, schema: Any, *, var: str, indent: int
    ) -> None:
        branches = [_resolve(b, self.named) for b in schema] if isinstance(schema, list) else []
        if inner is None or len(branches) != 2 or "null" not in branches:
            raise UnsupportedSchema(f"{hint!r} as {_kind(schema)}")
        null_index = branches.index("null")
        other = branches[1 - null_index]
        src.add(indent, f"if {var} is None:")
        src.add(indent + 1, f"ap({write_long(null_index)!r})")
        src.add(indent, "else:")
        # fastavro picks a union branch by validating the value against it (records go by
        # name, as serde's dict path names them): refuse what its validation refuses.
        kind = _kind(other)
        if kind == "string" and inner is str:
            src.add(indent + 1, f"if not isinstance({var}, str):")
            src.add(indent + 2, f'_not_a("a string", {var})')
        elif kind == "long" and inner is int:
            src.add(indent + 1, f"if {var} is True or {var} is False:")
            src.add(indent + 2, f'_not_a("a long", {var})')
        elif kind == "boolean":
            src.add(indent + 1, f"if {var} is not True and {var} is not False:")
            src.add(indent + 2, f'_not_a("a boolean", {var})')
        elif kind == "array":
            raise UnsupportedSchema(f"{hint!r}: optional arrays are not generated")
        src.add(indent + 1, f"ap({write_long(1 - null_index)!r})")
        self._encode(src, inner, other, var, indent + 1)

    # --- decoder ---

    def decoder(self, cls: type, schema: Any) -> tuple[str, Decode]:
        src = _Source(self.namespace)
        src.add(0, "def decode(data, pos):")
        src.add(1, "size = len(data)")
        self._decode(src, cls, _resolve(schema, self.named), var="obj", indent=1, where=cls.__name__)
        src.add(1, "return obj, pos")
        return self._compile(src, f"decode_{cls.__name__}")

    def _read_long(self, src: _Source, var: str, indent: int) -> None:
        src.add(indent, f"{var} = data[pos]")
        src.add(indent, f"if {var} < 128:")
        src.add(indent + 1, f"{var} = _ZZ[{var}]")
        src.add(indent + 1, "pos += 1")
        # two bytes (64 to 8,191 either side of 0: a flow file's line numbers) read inline
        src.add(indent, "elif data[pos + 1] < 128:")
        src.add(indent + 1, f"{var} = ({var} & 127) | (data[pos + 1] << 7)")
        src.add(indent + 1, f"{var} = ({var} >> 1) ^ -({var} & 1)")
        src.add(indent + 1, "pos += 2")
        src.add(indent, "else:")
        src.add(indent + 1, f"{var}, pos = _read_long(data, pos)")

    def _decode(self, src: _Source, hint: Any, schema: Any, *, var: str, indent: int, where: str) -> None:
        kind = _kind(schema)
        inner = optional_inner(hint)
        if inner is not None or kind == "union":
            self._decode_optional(src, hint, inner, schema, var=var, indent=indent, where=where)
            return
        item = item_type(hint)
        if item is not None or kind == "array":
            if item is None or kind != "array":
                raise UnsupportedSchema(f"{hint!r} as {kind}")
            items = _resolve(schema["items"], self.named)
            if not _takes_bytes(items, self.named):
                raise UnsupportedSchema(f"{hint!r}: array items written as no bytes")
            self._decode_array(src, item, items, var=var, indent=indent, where=where)
            return
        if is_dataclass_type(hint):
            self._decode_record(src, hint, schema, var, indent)
            return
        if is_enum_type(hint):
            if kind != "enum":
                raise UnsupportedSchema(f"{hint.__name__} as {kind}")
            members = tuple(hint[s] for s in _enum_symbols(hint, schema))
            name = hint.__name__
            by_byte = src.const(
                f"byte_{name}_", {write_long(i)[0]: m for i, m in enumerate(members) if i < 64}
            )
            by_index = src.const(f"members_{name}_", members)
            src.add(indent, f"{var} = {by_byte}.get(data[pos])")
            src.add(indent, f"if {var} is None:")
            src.add(indent + 1, f"{var}, pos = _read_enum(data, pos, {by_index}, {name!r})")
            src.add(indent, "else:")
            src.add(indent + 1, "pos += 1")
            return
        _check_scalar(hint, kind)
        if kind == "string":
            # _SHORT[b]: the length of a string whose length is the one-byte varint b, or
            # beyond any data when b is not (a longer, negative or truncated string).
            decimal = scalar_of(hint) is Scalar.DECIMAL
            text = "s_" if decimal else var
            src.add(indent, "e_ = pos + 1")
            src.add(indent, "pos = e_ + _SHORT[data[pos]]")
            src.add(indent, "if pos > size:")
            src.add(indent + 1, f'{text}, pos = _read_string(data, e_ - 1, "the string {where}")')
            src.add(indent, "else:")
            src.add(indent + 1, f"{text} = data[e_:pos].decode()")
            if decimal:
                src.add(indent, "try:")
                src.add(indent + 1, f"{var} = _Decimal(s_)")
                src.add(indent, "except _InvalidOperation:")
                src.add(indent + 1, "_not_decimal(s_)")
        elif kind == "boolean":
            src.add(indent, f"{var} = data[pos] != 0")
            src.add(indent, "pos += 1")
        elif kind == "long":
            self._read_long(src, var, indent)
        else:
            memo = {
                "int/date": _DATES,
                "long/timestamp-micros": _TIMESTAMPS,
                "long/local-timestamp-micros": _LOCAL_TIMESTAMPS,
            }[kind]
            values = src.const("memo_values_", memo.values)
            read = src.const("memo_read_", memo.read)
            src.add(indent, f"{var} = {values}.get(data[pos:pos + {memo.width}])")
            src.add(indent, f"if {var} is None:")
            src.add(indent + 1, f"{var}, pos = {read}(data, pos)")
            src.add(indent, "else:")
            src.add(indent + 1, f"pos += {memo.width}")

    def _decode_optional(
        self, src: _Source, hint: Any, inner: Any, schema: Any, *, var: str, indent: int, where: str
    ) -> None:
        branches = [_resolve(b, self.named) for b in schema] if isinstance(schema, list) else []
        if inner is None or len(branches) != 2 or "null" not in branches:
            raise UnsupportedSchema(f"{hint!r} as {_kind(schema)}")
        null_index = branches.index("null")
        self._read_long(src, "i_", indent)
        src.add(indent, f"if i_ == {null_index}:")
        src.add(indent + 1, f"{var} = None")
        src.add(indent, f"elif i_ == {1 - null_index}:")
        self._decode(src, inner, branches[1 - null_index], var=var, indent=indent + 1, where=where)
        src.add(indent, "else:")
        src.add(indent + 1, f'_bad_index(i_, 2, "union {where}")')

    def _decode_array(
        self, src: _Source, item: Any, items: Any, *, var: str, indent: int, where: str
    ) -> None:
        """An array: empty (one 0 byte) or a single item (one block of one, then the 0 that
        ends the blocks: a D0010's meter and its register) read without the block loop, its
        list or its tuple's copy; anything else, or a single item followed by more blocks,
        by the loop over the blocks. The item's lines are generated once and written in
        each branch with the same local names: the branches exclude each other, and fresh
        names per copy would double the decoder's locals, which every call clears."""
        found, count, each = src.fresh("l"), src.fresh("c"), src.fresh("x")
        src.add(indent, "if data[pos] == 0:")  # the usual empty array
        src.add(indent + 1, "pos += 1")
        src.add(indent + 1, f"{var} = ()")
        src.add(indent, "elif data[pos] == 2:")  # one block of one item (count 1, zigzag 2)
        src.add(indent + 1, "pos += 1")
        mark = len(src.lines)
        self.arrays += 1
        self._decode(src, item, items, var=each, indent=0, where=f"{where}[]")
        self.arrays -= 1
        body = src.lines[mark:]
        del src.lines[mark:]
        for line in body:
            src.add(indent + 1, line)
        src.add(indent + 1, "if data[pos] == 0:")
        src.add(indent + 2, "pos += 1")
        src.add(indent + 2, f"{var} = ({each},)")
        src.add(indent + 1, "else:")
        src.add(indent + 2, f"{found} = [{each}]")
        self._decode_blocks(src, body, found, count, each, indent + 2)
        src.add(indent + 2, f"{var} = tuple({found})")
        src.add(indent, "else:")
        src.add(indent + 1, f"{found} = []")
        self._decode_blocks(src, body, found, count, each, indent + 1)
        src.add(indent + 1, f"{var} = tuple({found})")

    def _decode_blocks(  # noqa: PLR0917 - the array's parts, named once by its caller
        self, src: _Source, body: list[str], found: str, count: str, each: str, indent: int
    ) -> None:
        """The loop over an array's blocks, up to the 0 count that ends them, appending
        each item (read by `body`, the item's lines at indent 0) to the list `found`."""
        src.add(indent, "while True:")
        self._read_long(src, count, indent + 1)
        src.add(indent + 1, f"if not {count}:")
        src.add(indent + 2, "break")
        src.add(indent + 1, f"if {count} < 0:")  # a block with its size in bytes
        src.add(indent + 2, f"{count} = -{count}")
        self._read_long(src, "n_", indent + 2)
        src.add(indent + 1, f"for _ in range({count}):")
        for line in body:
            src.add(indent + 2, line)
        src.add(indent + 2, f"{found}.append({each})")

    def _decode_record(self, src: _Source, cls: type, schema: Any, var: str, indent: int) -> None:
        memo = var != "obj" and not self.arrays and _shared_when_repeated(cls, schema, self.named)
        if memo:
            # A header record repeated from one event to the next (a flow file's DtcFile in
            # every event of the file): when the bytes at `pos` begin with the bytes the
            # last one was read from, decoding would read exactly those bytes again and
            # build an equal object, so the frozen object is shared instead.
            last = src.const(f"last_{cls.__name__}_", [(b"", None)])
            src.add(indent, f"m_ = {last}[0]")
            src.add(indent, "if m_[1] is not None and data.startswith(m_[0], pos):")
            src.add(indent + 1, f"{var} = m_[1]")
            src.add(indent + 1, "pos += len(m_[0])")
            src.add(indent, "else:")
            indent += 1
            start = src.fresh("s")
            src.add(indent, f"{start} = pos")
        self._enter(cls)
        fields = [
            (name, hint, _resolve(field_schema, self.named))
            for name, hint, field_schema in _record_fields(cls, schema)
        ]
        values = [(name, src.fresh(name)) for name, _, _ in fields]
        tail = len(fields)
        while tail and _empty_byte_value(fields[tail - 1][2], self.named) is not None:
            tail -= 1
        while tail < len(fields) and _empty_byte_value(fields[tail][2], self.named) == "()":
            tail += 1  # the run starts at an optional field: a leading list (of readings) is rarely empty
        if len(fields) - tail < EMPTY_TAIL_MIN:
            tail = len(fields)
        for (name, field_hint, field_schema), (_, value) in zip(fields[:tail], values, strict=False):
            where = f"{cls.__name__}.{name}"
            self._decode(src, field_hint, field_schema, var=value, indent=indent, where=where)
        if tail < len(fields):
            # A run of trailing fields that are all null or empty (a reading's optional
            # extras) is one 0 byte each: tested at once rather than field by field.
            empty = fields[tail:]
            src.add(indent, f"if data.startswith({bytes(len(empty))!r}, pos):")
            for (_, _, field_schema), (_, value) in zip(empty, values[tail:], strict=True):
                src.add(indent + 1, f"{value} = {_empty_byte_value(field_schema, self.named)}")
            src.add(indent + 1, f"pos += {len(empty)}")
            src.add(indent, "else:")
            for (name, field_hint, field_schema), (_, value) in zip(empty, values[tail:], strict=True):
                where = f"{cls.__name__}.{name}"
                self._decode(src, field_hint, field_schema, var=value, indent=indent + 1, where=where)
        self.records.pop()
        built = src.const(f"class_{cls.__name__}_", cls)
        if _slotted_without_post_init(cls):
            # Built by vocabulary.construction.constructor, the values in field order: the
            # frozen __init__ costs an object.__setattr__ per field, and setting each slot
            # through its descriptor (as this did before) a call per field; the builder's
            # twin class stores them as plain slots (2-4x less for a 9-field record).
            build = src.const(f"build_{cls.__name__}_", _builder(cls))
            src.add(indent, f"{var} = {build}({', '.join(value for _, value in values)})")
        else:
            arguments = ", ".join(f"{name}={value}" for name, value in values)
            src.add(indent, f"{var} = {built}({arguments})")
        if memo:
            src.add(indent, f"{last}[0] = (data[{start}:pos], {var})")

    def _compile(self, src: _Source, name: str) -> tuple[str, Any]:
        text = "\n".join(src.lines) + "\n"
        code = compile(text, f"<avro_codegen {name}>", "exec")
        exec(code, self.namespace)  # generated from field names and schema constants only
        function = self.namespace.pop(src.lines[0].split()[1].split("(")[0])
        function.__name__ = function.__qualname__ = name
        return text, function


EMPTY_TAIL_MIN = 2
"""Trailing fields that are each null or empty when their byte is 0 are tested at once when
there are at least this many (one test instead of a branch each)."""


def _empty_byte_value(schema: Any, named: dict[str, Any]) -> str | None:
    """The value (as source) a field of `schema` decodes from the single byte 0, when that
    byte is the whole of it: None for a union whose branch 0 is null, () for an array."""
    if isinstance(schema, list):
        return "None" if schema and _resolve(schema[0], named) == "null" else None
    return "()" if _kind(schema) == "array" else None


SHARED_MIN_FIELDS = 4
"""A nested record of at least this many fields is shared when repeated (the check costs
about what reading two fields does)."""


def _shared_when_repeated(cls: type, schema: Any, named: dict[str, Any]) -> bool:
    """Whether a nested record of `cls` (a field's, not an array item's) is shared with the
    last one decoded when its bytes repeat: frozen (nobody can change the shared object),
    of scalar fields only (a header, not a collection: records and arrays rarely repeat
    whole), at least SHARED_MIN_FIELDS of them."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen:
        return False
    fields = _record_fields(cls, schema)
    if len(fields) < SHARED_MIN_FIELDS:
        return False
    for _, _, field_schema in fields:
        resolved = _resolve(field_schema, named)
        branches = resolved if isinstance(resolved, list) else [resolved]
        for branch in branches:
            if _kind(_resolve(branch, named)) in ("record", "error", "array", "map"):
                return False
    return True


@cache
def _builder(cls: type) -> Callable[..., Any]:
    """The positional builder of `cls` (one per class: each has a twin class of its own)."""
    return constructor(cls, positional=True, derived=True)


def _slotted_without_post_init(cls: type) -> bool:
    """The classes `construction.constructor` builds: slotted, no __post_init__ to skip, and
    every field in a slot of the class or a base."""
    if hasattr(cls, "__post_init__") or "__slots__" not in vars(cls):
        return False
    return all(any(f.name in vars(k) for k in cls.__mro__) for f in dataclasses.fields(cls))


@dataclasses.dataclass(frozen=True, slots=True)
class Codec:
    """The generated functions of one class: `encode(obj)` returns `prefix` and the Avro
    body; `decode(data, pos)` reads a body from `data[pos:]`, returning the object and the
    position after it."""

    cls: type
    encode: Encode
    decode: Decode
    source: str  # the generated code, for reading and debugging


def generate(cls: type, schema: Any, prefix: bytes = b"") -> Codec:
    """The codec of dataclass `cls` for its parsed Avro schema (`fastavro.parse_schema`).
    UnsupportedSchema when the class and schema use something this module does not
    generate, or disagree."""
    if not is_dataclass_type(cls):
        raise UnsupportedSchema(f"{cls!r} is not a dataclass")
    named: dict[str, Any] = {}
    _collect_named(schema, named)
    generator = _Generator(named)
    try:
        encode_source, encode = generator.encoder(cls, schema, prefix)
        decode_source, decode = generator.decoder(cls, schema)
    except UnsupportedHint as exc:  # a union or tuple hint with no Avro mapping
        raise UnsupportedSchema(str(exc)) from exc
    return Codec(cls=cls, encode=encode, decode=decode, source=encode_source + "\n" + decode_source)
