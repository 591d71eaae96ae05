"""Avro codecs (fastavro) for everything meterflow puts on Kafka.

Records use the Avro single-object encoding: `C3 01`, the 8-byte little-endian
CRC-64-AVRO (Rabin) fingerprint of the writer schema's parsing canonical form, then the
binary record. A consumer finds the writer schema by that fingerprint among the files of
`schemas/` (current versions in `schemas/<Name>.avsc`, older ones in
`schemas/history/<Name>.v<N>.avsc`) and resolves it to the current reader schema, so a
new reader reads every old writer version.

Mapping from the dataclasses (one generic converter driven by fields and type hints, no
per-type code): `str` string, `bool` boolean, `int` long, `Decimal` string (exact, any
scale: readings NUM(9,1) and capacities alike), `date` int/date, aware datetimes
(`occurred_at`, `created_at`) long/timestamp-micros, the naive UK clock times inside
flows long/local-timestamp-micros, StrEnums Avro enums whose symbols are the member
*names* (values such as `01` are not valid Avro symbols), tuples arrays, `X | None`
a union with null, nested dataclasses named records. Everything is in namespace
`meterflow`; each `.avsc` file is self-contained.

Records of a current schema are written and read by codecs generated once per class from
its type hints and schema (`processors.codecs.avro_codegen`: several times faster, the same
bytes and values). fastavro, through the generic converters below, remains the reference
the tests compare them with, the reader of records written with an older schema (schema
resolution), and the writer of values that are not of their declared type.
"""

from __future__ import annotations

import dataclasses
import enum
import io
import json
import sys
import typing
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import fastavro
from fastavro.schema import fingerprint, to_parsing_canonical_form

import processors.vocabulary.events.internal  # noqa: F401 - defines the internal events found by subclass
from flows.rejections import FileReport, RejectedRecord
from processors.codecs import avro_codegen
from processors.codecs.type_hints import (
    MISSING,
    Scalar,
    field_defaults,
    field_hints,
    is_dataclass_type,
    is_enum_type,
    item_type,
    optional_inner,
    scalar_of,
)
from processors.settings import REPO_SCHEMAS_DIR
from processors.vocabulary.anomalies import Anomaly
from processors.vocabulary.commands import COMMAND_TYPES, Command
from processors.vocabulary.construction import constructor
from processors.vocabulary.events import DomainEvent
from processors.vocabulary.json_values import json_value

NAMESPACE = "meterflow"
MAGIC = b"\xc3\x01"
HEADER_SIZE = len(MAGIC) + 8
SCHEMAS_DIR = REPO_SCHEMAS_DIR
"""The schemas of this checkout; `use_schemas` reads and writes with another folder."""

# Aware instants (`start`, `end`: a device dispatch), by field name or, where a name means
# a UK clock time elsewhere (`read_at` of a D0010 register), by `Class.field`; every other
# datetime field is a naive UK clock time as written in a flow.
AWARE_DATETIME_FIELDS = frozenset(
    {"occurred_at", "created_at", "start", "end", "SmartMeterReadingTaken.read_at"}
)

Json = dict[str, Any]
Encoder = Callable[[Any], Any]


class DecodeError(ValueError):
    """Bytes that are not a record this reader can decode, with a reason a person can act on."""


# --- which classes have schemas ----------------------------------------------------------


def _live(cls: type) -> bool:
    """False for the stale classes that `@dataclass(slots=True)` replaces but that linger in
    `__subclasses__()` until collected."""
    module = sys.modules.get(cls.__module__)
    return module is not None and getattr(module, cls.__qualname__, None) is cls


def _leaf_subclasses(base: type) -> list[type]:
    out: list[type] = []
    subclasses: list[type] = base.__subclasses__()
    for sub in subclasses:
        if not _live(sub):
            continue
        children: list[type] = sub.__subclasses__()
        if any(_live(c) for c in children):
            out.extend(_leaf_subclasses(sub))
        else:
            out.append(sub)
    return out


def event_classes() -> list[type[DomainEvent]]:
    """Every concrete domain event (a DomainEvent subclass with no subclasses), internal
    events of the core included, sorted by name."""
    found = {c for c in _leaf_subclasses(DomainEvent) if c.__module__.startswith("processors.")}
    return sorted(found, key=lambda c: c.__name__)


def schema_classes() -> list[type]:
    """Every class with a schema in `schemas/`: events, commands, rejections, file reports,
    anomalies."""
    classes: list[type] = [*event_classes(), *COMMAND_TYPES.values(), RejectedRecord, FileReport]
    return [*classes, Anomaly]


# --- deriving a schema from a dataclass --------------------------------------------------


# The Avro primitive of each scalar written as one (a Decimal as its exact text).
_AVRO_PRIMITIVES: dict[Scalar, str] = {
    Scalar.STR: "string",
    Scalar.BOOL: "boolean",
    Scalar.INT: "long",
    Scalar.DECIMAL: "string",
}


def _avro_type(hint: Any, field_name: str, defined: set[str]) -> Any:
    inner = optional_inner(hint)
    if inner is not None:
        return ["null", _avro_type(inner, field_name, defined)]
    item = item_type(hint)
    if item is not None:
        return {"type": "array", "items": _avro_type(item, field_name, defined)}
    scalar = scalar_of(hint)
    if scalar is Scalar.DATETIME:
        logical = "timestamp-micros" if field_name in AWARE_DATETIME_FIELDS else "local-timestamp-micros"
        return {"type": "long", "logicalType": logical}
    if scalar is Scalar.DATE:
        return {"type": "int", "logicalType": "date"}
    if scalar is not None:
        return _AVRO_PRIMITIVES[scalar]
    if is_enum_type(hint):
        full = f"{NAMESPACE}.{hint.__name__}"
        if full in defined:
            return full
        defined.add(full)
        return {"type": "enum", "name": hint.__name__, "symbols": [m.name for m in hint]}
    if is_dataclass_type(hint):
        full = f"{NAMESPACE}.{hint.__name__}"
        if full in defined:
            return full
        defined.add(full)
        return _record(hint, defined, namespace=None)
    raise TypeError(f"no Avro mapping for {hint!r} (field {field_name})")


def _avro_default(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, tuple | list):
        return [_avro_default(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def _record(cls: type, defined: set[str], namespace: str | None) -> Json:
    defaults = dict(field_defaults(cls))
    out_fields: list[Json] = []
    for name, hint in field_hints(cls):
        qualified = f"{cls.__name__}.{name}"
        avro = _avro_type(hint, qualified if qualified in AWARE_DATETIME_FIELDS else name, defined)
        entry: Json = {"name": name, "type": avro}
        default = defaults[name]
        if default is not MISSING:
            if default is not None and isinstance(avro, list):
                entry["type"] = [avro[1], "null"]  # an Avro default matches the union's first branch
            entry["default"] = _avro_default(default)
        out_fields.append(entry)
    record: Json = {"type": "record", "name": cls.__name__}
    if namespace:
        record["namespace"] = namespace
    doc = (cls.__doc__ or "").strip()
    if doc and not doc.startswith(f"{cls.__name__}("):  # skip the dataclass-generated signature
        record["doc"] = " ".join(doc.split())
    record["fields"] = out_fields
    return record


def avro_schema_for(cls: type) -> Json:
    """The current Avro schema of a dataclass, self-contained (nested types inline)."""
    return _record(cls, set(), namespace=NAMESPACE)


def write_schemas(directory: Path = SCHEMAS_DIR) -> list[Path]:
    """(Re)write `schemas/<Name>.avsc` for every class with a schema. Copy the old file to
    `schemas/history/<Name>.v<N>.avsc` first when the change is not just documentation."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for cls in schema_classes():
        path = directory / f"{cls.__name__}.avsc"
        path.write_text(json.dumps(avro_schema_for(cls), indent=2) + "\n")
        written.append(path)
    return written


# --- converters: dataclass <-> the dict fastavro writes -----------------------------------


def _encoder(hint: Any) -> Encoder | None:
    """A function from a field value to its Avro datum; None when the value is its own datum."""
    inner = optional_inner(hint)
    if inner is not None:
        enc = _encoder(inner)
        if enc is None:
            return None
        inner_enc = enc
        if is_dataclass_type(inner):
            # fastavro's tuple notation names the union branch: no search by validation.
            branch = f"{NAMESPACE}.{inner.__name__}"
            return lambda v: None if v is None else (branch, inner_enc(v))
        return lambda v: None if v is None else inner_enc(v)
    item = item_type(hint)
    if item is not None:
        item_enc = _encoder(item)
        if item_enc is None:
            return list
        enc_item = item_enc
        return lambda v: [enc_item(x) for x in v]
    if scalar_of(hint) is Scalar.DECIMAL:
        return str
    if is_enum_type(hint):
        return lambda v: v.name
    if is_dataclass_type(hint):
        return _dataclass_encoder(hint)
    return None


def _decoder(hint: Any) -> Encoder | None:
    inner = optional_inner(hint)
    if inner is not None:
        dec = _decoder(inner)
        if dec is None:
            return None
        inner_dec = dec
        return lambda v: None if v is None else inner_dec(v)
    item = item_type(hint)
    if item is not None:
        item_dec = _decoder(item)
        if item_dec is None:
            return tuple
        dec_item = item_dec
        return lambda v: tuple([dec_item(x) for x in v])
    if scalar_of(hint) is Scalar.DECIMAL:
        return _decimal
    if is_enum_type(hint):
        return dict(hint.__members__).__getitem__
    if is_dataclass_type(hint):
        return _dataclass_decoder(hint)
    return None


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise DecodeError(f"{text!r} is not a decimal number") from exc


@cache
def _dataclass_encoder(cls: type) -> Callable[[Any], Json]:
    plan = [(name, _encoder(hint)) for name, hint in field_hints(cls)]

    def encode(obj: Any) -> Json:
        return {name: (getattr(obj, name) if enc is None else enc(getattr(obj, name))) for name, enc in plan}

    return encode


@cache
def _dataclass_decoder(cls: type) -> Callable[[Json], Any]:
    plan = [(name, _decoder(hint)) for name, hint in field_hints(cls)]
    try:
        build: Callable[..., Any] = constructor(cls)  # skips the frozen __init__'s per-field setattr
    except TypeError:
        build = cls

    def decode(data: Json) -> Any:
        return build(**{name: (data[name] if dec is None else dec(data[name])) for name, dec in plan})

    return decode


# --- the schema registry ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class _Writer:
    name: str  # the record's simple name, which is the class name
    schema: Any  # parsed
    fingerprint: bytes
    current: bool


class _Registry:
    """Schemas of `schemas/` by fingerprint and current schemas by class."""

    def __init__(self, directory: Path) -> None:
        self.classes = {cls.__name__: cls for cls in schema_classes()}
        self.writers: dict[bytes, _Writer] = {}
        self.current: dict[str, _Writer] = {}
        self.codecs: dict[type, avro_codegen.Codec | None] = {}
        # header (magic and fingerprint) of a current schema -> (record name, generated decoder)
        self.decoders: dict[bytes, tuple[str, avro_codegen.Decode]] = {}
        # class -> its generated encoder, once `_encode` has found one (every record the
        # worker produces is encoded: one look-up instead of the schema's and the codec's)
        self.encoders: dict[type, avro_codegen.Encode] = {}
        for path in sorted(directory.glob("*.avsc")):
            self._add(path, current=True)
        for path in sorted((directory / "history").glob("*.avsc")):
            self._add(path, current=False)
        missing = sorted(set(self.classes) - set(self.current))
        if missing:
            raise RuntimeError(
                f"no schema in {directory} for {', '.join(missing)}: run `python -m processors.codecs.serde`"
            )

    def _add(self, path: Path, current: bool) -> None:
        raw = json.loads(path.read_text())
        parsed = fastavro.parse_schema(raw, named_schemas={})
        fp = bytes.fromhex(fingerprint(to_parsing_canonical_form(parsed), "CRC-64-AVRO"))
        name = str(raw["name"]).rsplit(".", 1)[-1]
        writer = _Writer(name=name, schema=parsed, fingerprint=fp, current=current)
        self.writers.setdefault(fp, writer)
        if current:
            self.current[name] = writer

    def codec(self, cls: type) -> avro_codegen.Codec | None:
        """The generated codec of `cls` for its current schema, made at first use; None
        when the generator does not handle it (fastavro then does)."""
        try:
            return self.codecs[cls]
        except KeyError:
            pass
        writer = self.current[cls.__name__]
        try:
            codec: avro_codegen.Codec | None = avro_codegen.generate(
                cls, writer.schema, MAGIC + writer.fingerprint
            )
        except avro_codegen.UnsupportedSchema:
            codec = None
        self.codecs[cls] = codec
        return codec


_schemas_dir = SCHEMAS_DIR


def use_schemas(directory: Path) -> None:
    """Read and write records with the schemas in `directory` from now on (the CLI sets
    Settings.schemas_dir, METERFLOW_SCHEMAS, here once)."""
    global _schemas_dir  # noqa: PLW0603 - one registry per process
    if Path(directory) != _schemas_dir:
        _schemas_dir = Path(directory)
        registry.cache_clear()


@cache
def registry() -> _Registry:
    return _Registry(_schemas_dir)


def schema_fingerprint(name: str) -> bytes:
    """The 8-byte fingerprint of the current schema of `name` (a class name)."""
    return registry().current[name].fingerprint


# --- encoding and decoding ------------------------------------------------------------------


def _encode(obj: Any) -> bytes:
    cls = type(obj)
    reg = registry()
    encode = reg.encoders.get(cls)
    if encode is None:
        writer = reg.current.get(cls.__name__)
        if writer is None:
            raise TypeError(f"no Avro schema for {cls.__name__}")
        codec = reg.codec(cls)
        if codec is None:
            return _encode_with_fastavro(obj, writer)
        encode = reg.encoders[cls] = codec.encode
    try:
        return encode(obj)
    except Exception:  # a value not of its declared type: fastavro writes or refuses it as before
        return _encode_with_fastavro(obj, reg.current[cls.__name__])


def _encode_with_fastavro(obj: Any, writer: _Writer) -> bytes:
    """The reference path: the object as a dict, written by fastavro."""
    buf = io.BytesIO()
    buf.write(MAGIC)
    buf.write(writer.fingerprint)
    fastavro.schemaless_writer(buf, writer.schema, _dataclass_encoder(typing.cast(Any, type(obj)))(obj))
    return buf.getvalue()


def _decode(data: bytes) -> Any:
    if type(data) is not bytes:
        if not isinstance(data, bytes | bytearray | memoryview):
            raise DecodeError(f"expected bytes, got {type(data).__name__}")
        data = bytes(data)
    reg = registry()
    known = reg.decoders.get(data[:HEADER_SIZE])
    if known is None:
        writer, reader, cls = _writer_of(data, reg)
        codec = reg.codec(cls) if writer.current else None
        if codec is None:
            return _decode_with_fastavro(data, writer, reader, cls)
        known = reg.decoders[data[:HEADER_SIZE]] = (writer.name, codec.decode)
    name, decode = known
    try:
        obj, end = decode(data, HEADER_SIZE)
    except (EOFError, IndexError) as exc:
        raise DecodeError(f"truncated {name} record: the data ends before the record does") from exc
    except Exception as exc:  # the generated decoder's InvalidAvro, UnicodeDecodeError, OverflowError...
        raise DecodeError(f"corrupt {name} record: {exc}") from exc
    if end != len(data):
        raise DecodeError(f"{len(data) - end} trailing bytes after the {name} record")
    return obj


def _writer_of(data: bytes, reg: _Registry) -> tuple[_Writer, _Writer, type]:
    """The writer schema named by the header of `data`, the current schema of the same
    record and its class."""
    if len(data) < HEADER_SIZE:
        raise DecodeError(f"truncated: {len(data)} bytes is shorter than the {HEADER_SIZE}-byte Avro header")
    if data[:2] != MAGIC:
        raise DecodeError(
            f"not Avro single-object encoding: starts with {data[:2].hex()} instead of c301 "
            "(was it written by another producer?)"
        )
    fp = data[2:HEADER_SIZE]
    writer = reg.writers.get(fp)
    if writer is None:
        raise DecodeError(
            f"unknown schema fingerprint {fp.hex()}: written with a schema that is not in {_schemas_dir} "
            "(a newer producer? update meterflow)"
        )
    reader = reg.current.get(writer.name)
    cls = reg.classes.get(writer.name)
    if reader is None or cls is None:
        raise DecodeError(f"schema {writer.name} ({fp.hex()}) has no current version to read it as")
    return writer, reader, cls


def _decode_with_fastavro(data: bytes, writer: _Writer, reader: _Writer, cls: type) -> Any:
    """The reference path, and the one that resolves an older writer schema to the current
    one: fastavro reads a dict, converted to the dataclass."""
    buf = io.BytesIO(data)
    buf.seek(HEADER_SIZE)
    try:
        if writer.current:
            datum = fastavro.schemaless_reader(buf, writer.schema, None)
        else:
            datum = fastavro.schemaless_reader(buf, writer.schema, reader.schema)
    except (EOFError, StopIteration, IndexError) as exc:
        raise DecodeError(f"truncated {writer.name} record: the data ends before the record does") from exc
    except DecodeError:
        raise
    except Exception as exc:  # fastavro raises many types on corrupt input
        raise DecodeError(f"corrupt {writer.name} record: {exc}") from exc
    if buf.tell() != len(data):
        raise DecodeError(f"{len(data) - buf.tell()} trailing bytes after the {writer.name} record")
    try:
        return _dataclass_decoder(cls)(typing.cast(Json, datum))
    except DecodeError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise DecodeError(f"{writer.name} record does not fit the {cls.__name__} type: {exc}") from exc


def _decode_as(data: bytes, expected: type, what: str) -> Any:
    obj = _decode(data)
    if not isinstance(obj, expected):
        _not_expected(what, obj)
    return obj


def _not_expected(what: str, obj: object) -> typing.NoReturn:
    raise DecodeError(f"expected {what}, got a {type(obj).__name__}")


def encode_event(event: DomainEvent) -> bytes:
    return _encode(event)


def decode_event(data: bytes) -> DomainEvent:
    # The worker decodes every record it reads here: `_decode_as`'s test written out, and
    # no `typing.cast` (two Python calls fewer an event).
    event: DomainEvent = _decode(data)
    if not isinstance(event, DomainEvent):
        _not_expected("a domain event", event)
    return event


def encode_command(command: Command) -> bytes:
    return _encode(command)


def decode_command(data: bytes) -> Command:
    return typing.cast(Command, _decode_as(data, Command, "a billing command"))


def encode_rejection(rejection: RejectedRecord) -> bytes:
    return _encode(rejection)


def decode_rejection(data: bytes) -> RejectedRecord:
    return typing.cast(RejectedRecord, _decode_as(data, RejectedRecord, "a rejected record"))


def encode_file_report(report: FileReport) -> bytes:
    return _encode(report)


def decode_file_report(data: bytes) -> FileReport:
    return typing.cast(FileReport, _decode_as(data, FileReport, "a file report"))


def encode_anomaly(anomaly: Anomaly) -> bytes:
    return _encode(anomaly)


def decode_anomaly(data: bytes) -> Anomaly:
    return typing.cast(Anomaly, _decode_as(data, Anomaly, "an anomaly"))


def decode_any(data: bytes) -> Any:
    """Any meterflow record: a DomainEvent, Command, RejectedRecord, FileReport or Anomaly."""
    return _decode(data)


def encode_any(obj: Any) -> bytes:
    return _encode(obj)


# --- JSON ------------------------------------------------------------------------------------


def to_json(obj: Any) -> Json:
    """A record as one JSON object: commands exactly as `Command.to_json()`; events with
    their `type` (class name) first, other records with their `record`; the values as
    `json_values.json_value` writes them (enums by value, decimals as strings, dates ISO)."""
    if isinstance(obj, Command):
        return obj.to_json()
    body = json_value(obj)
    if not isinstance(body, dict):
        raise TypeError(f"cannot turn {type(obj).__name__} into a JSON object")
    if isinstance(obj, DomainEvent):
        return {"type": type(obj).__name__, **body}
    if dataclasses.is_dataclass(obj):
        return {"record": type(obj).__name__, **body}
    return body


def iter_fingerprints() -> Iterator[tuple[str, str, bool]]:
    """(name, fingerprint hex, current) of every known schema, for `meterflow` tooling."""
    for fp, writer in registry().writers.items():
        yield writer.name, fp.hex(), writer.current


def main() -> None:
    """Regenerate `schemas/*.avsc` from the dataclasses (`python -m processors.codecs.serde`)."""
    for path in write_schemas():
        print(path)


if __name__ == "__main__":
    main()
