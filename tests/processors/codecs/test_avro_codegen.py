"""The generated Avro codecs write fastavro's bytes and read fastavro's values, for every
record type; hostile bytes give DecodeError and nothing else."""

from __future__ import annotations

import dataclasses
import io
import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import fastavro
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from record_strategies import values_of

from processors.codecs import avro_codegen, serde
from processors.vocabulary.events import UK, MeterReadingsReceived, Source, SwitchSecured
from processors.vocabulary.events.dtc import DtcFile
from processors.vocabulary.events.readings import (
    BscValidationStatus,
    MeterReadings,
    ReadingMethod,
    ReadingType,
    RegisterReading,
    SiteVisit,
)

ALL_CLASSES = serde.schema_classes()


def _codec(cls: type) -> avro_codegen.Codec:
    codec = serde.registry().codec(cls)
    assert codec is not None, f"no generated codec for {cls.__name__}"
    return codec


def _writer(cls: type) -> Any:
    return serde.registry().current[cls.__name__]


def _fastavro_bytes(obj: Any) -> bytes:
    return serde._encode_with_fastavro(obj, _writer(type(obj)))


def _fastavro_value(data: bytes) -> Any:
    writer = _writer(serde.registry().classes[serde.registry().writers[data[2:10]].name])
    return serde._decode_with_fastavro(data, writer, writer, serde.registry().classes[writer.name])


def _deep(value: Any) -> Any:
    """A value with every datetime's tzinfo made visible (equality ignores it) and every
    Decimal's digits (equality ignores trailing zeros)."""
    if isinstance(value, datetime):
        return (value.isoformat(), repr(value.tzinfo), value.fold)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return tuple(_deep(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value), tuple(_deep(getattr(value, f.name)) for f in dataclasses.fields(value)))
    return (type(value), value)


def assert_same_as_fastavro(codec: avro_codegen.Codec, obj: Any) -> None:
    """The generated encoder writes fastavro's bytes (or refuses what fastavro refuses), and
    the generated decoder reads back exactly fastavro's value."""
    try:
        expected = _fastavro_bytes(obj)
    except Exception:
        with pytest.raises(Exception):  # noqa: B017 - whatever fastavro raised
            codec.encode(obj)
        return
    try:
        encoded = codec.encode(obj)
        decoded, end = codec.decode(expected, serde.HEADER_SIZE)
    except Exception as exc:
        raise AssertionError(f"the generated codec refused what fastavro takes: {exc!r}") from exc
    assert encoded == expected
    assert end == len(expected)
    assert _deep(decoded) == _deep(_fastavro_value(expected))


# --- every record type, against fastavro ------------------------------------------------------


def test_every_schema_class_has_a_generated_codec() -> None:
    for cls in ALL_CLASSES:
        assert _codec(cls).cls is cls


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_codecs_match_fastavro(cls: type, data: st.DataObject) -> None:
    assert_same_as_fastavro(_codec(cls), data.draw(values_of(cls, edges=True)))


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_serde_round_trips_through_the_generated_codec(cls: type, data: st.DataObject) -> None:
    obj = data.draw(values_of(cls, edges=True))
    try:
        encoded = serde.encode_any(obj)
    except Exception:
        return  # fastavro refuses it too (checked above)
    assert serde.decode_any(encoded) == serde._decode_with_fastavro(encoded, _writer(cls), _writer(cls), cls)


def _reading(register: str, at: datetime, value: str, visits: int = 0) -> RegisterReading:
    return RegisterReading(
        register_id=register,
        read_at=at,
        value=Decimal(value),
        reading_method=ReadingMethod.NOT_VIEWED,
        reading_flag=True,
        site_visits=tuple(SiteVisit(check_code=f"{i:02d}") for i in range(visits)),
    )


def _d0010(registers: int, visits: int = 0) -> MeterReadingsReceived:
    created = datetime(2024, 10, 27, 1, 30, fold=1, tzinfo=UK)
    header = DtcFile(
        file_id="F1",
        flow="D0010",
        version="002",
        from_role="D",
        from_mpid="UDMS",
        to_role="X",
        to_mpid="OCTO",
        created_at=created,
    )
    return MeterReadingsReceived(
        event_id="UDMS/F1/2",
        occurred_at=created,
        source=Source(path="in/D0010 ☃.txt" * 10, line=2**40),
        file=header,
        mpan="1200023305967",
        validation_status=BscValidationStatus.FAILED,
        meters=(
            MeterReadings(
                meter_id="M1",
                reading_type=ReadingType.MIGRATION_Y,
                registers=tuple(
                    _reading(f"{i:02d}", datetime(2024, 2, 1) + timedelta(days=i), f"{i}.5", visits)
                    for i in range(registers)
                ),
            ),
        ),
    )


@pytest.mark.parametrize(("registers", "visits"), [(0, 0), (1, 0), (63, 1), (64, 0), (200, 2)])
def test_long_arrays_strings_and_ambiguous_times(registers: int, visits: int) -> None:
    assert_same_as_fastavro(_codec(MeterReadingsReceived), _d0010(registers, visits))


@settings(max_examples=200, deadline=None)
@given(n=st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_longs_are_fastavro_varints(n: int) -> None:
    schema = fastavro.parse_schema("long")
    out = io.BytesIO()
    fastavro.schemaless_writer(out, schema, n)
    assert avro_codegen.write_long(n) == out.getvalue()
    assert avro_codegen.read_long(out.getvalue() + b"\x00", 0) == (n, len(out.getvalue()))


@pytest.mark.parametrize("n", [2**63, -(2**63) - 1, 2**70])
def test_longs_outside_64_bits_are_refused(n: int) -> None:
    with pytest.raises(OverflowError):
        avro_codegen.write_long(n)


def test_varints_longer_than_a_long_are_refused() -> None:
    with pytest.raises(avro_codegen.InvalidAvro, match="longer than 10 bytes"):
        avro_codegen.read_long(b"\x80" * 10 + b"\x00", 0)
    with pytest.raises(avro_codegen.InvalidAvro, match="beyond 64 bits"):
        avro_codegen.read_long(b"\xff" * 9 + b"\x03", 0)
    assert avro_codegen.read_long(b"\x80\x00", 0) == (0, 2)  # not minimal, but a varint
    with pytest.raises(IndexError):
        avro_codegen.read_long(b"\x80\x80", 0)


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "UTC"])
def test_naive_instants_are_read_in_local_time_as_fastavro_does(zone: str) -> None:
    before = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        for at in (datetime(2024, 7, 1, 12, 0, 0, 5), datetime(2024, 10, 27, 1, 30), datetime(1969, 12, 31)):
            event = SwitchSecured(
                event_id="e",
                occurred_at=at,
                mpan="1200023305967",
                ssd=date(2024, 4, 20),
                gaining_supplier="X",
            )
            assert_same_as_fastavro(_codec(SwitchSecured), event)
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_decoded_instants_are_utc_and_clock_times_naive() -> None:
    decoded = serde.decode_event(serde.encode_event(_d0010(1)))
    assert isinstance(decoded, MeterReadingsReceived)
    assert decoded.occurred_at.tzinfo is UTC
    assert decoded.occurred_at == datetime(2024, 10, 27, 1, 30, tzinfo=UTC)  # the GMT 01:30
    assert decoded.meters[0].registers[0].read_at.tzinfo is None


# --- the tests above catch a wrong codec ---------------------------------------------------


def _broken(cls: type, name: str, value: Any) -> avro_codegen.Codec:
    codec = avro_codegen.generate(cls, _writer(cls).schema, serde.MAGIC + _writer(cls).fingerprint)
    codec.encode.__globals__[name] = value  # each generated codec has its own namespace
    return codec


def test_a_wrong_zig_zag_is_caught() -> None:
    plain = [bytes([n if n < 64 else n - 64]) for n in range(128)]  # no zig-zag
    with pytest.raises(AssertionError):
        assert_same_as_fastavro(_broken(MeterReadingsReceived, "_SMALL", plain), _d0010(3))
    unzigzag = list(range(128))
    with pytest.raises(AssertionError):
        assert_same_as_fastavro(_broken(MeterReadingsReceived, "_ZZ", unzigzag), _d0010(3))


def test_a_wrong_epoch_is_caught() -> None:
    codec = _broken(MeterReadingsReceived, "_EPOCH_NAIVE", datetime(1970, 1, 2))
    with pytest.raises(AssertionError):
        assert_same_as_fastavro(codec, _d0010(3))


# --- values not of their declared type go to fastavro, as before ------------------------------


def _switch(**changes: Any) -> SwitchSecured:
    base = SwitchSecured(
        event_id="e",
        occurred_at=datetime(2024, 1, 1, tzinfo=UTC),
        mpan="1",
        ssd=date(2024, 1, 2),
        gaining_supplier="G",
    )
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize(
    "changes",
    [
        {"ssd": "2024-04-20"},  # fastavro reads an ISO date string
        {"occurred_at": 1_700_000_000_000_000},  # and takes a long as it is
        {"source": Source(path="p", line=1.0)},  # type: ignore[arg-type]  # not a long: refused
        {"source": Source(path="p", line=True)},  # a bool is not a long in a union: refused
        {"mpan": 1200023305967},  # not a string: refused
        {"test_data": 2},  # any truthy value is true
        {"ssd": datetime(2024, 4, 20, 23, 59)},
    ],
)
def test_ill_typed_values_are_written_or_refused_as_fastavro_does(changes: dict[str, Any]) -> None:
    event = _switch(**changes)
    writer = _writer(SwitchSecured)
    try:
        expected: bytes | type[Exception] = serde._encode_with_fastavro(event, writer)
    except Exception as exc:
        expected = type(exc)
    if isinstance(expected, bytes):
        assert serde.encode_event(event) == expected
    else:
        with pytest.raises(expected):
            serde.encode_event(event)


def test_an_ill_typed_value_after_its_class_encoder_is_remembered_still_goes_to_fastavro() -> None:
    """`serde._encode` remembers a class's generated encoder at its first use: a later value
    that encoder refuses is still written by fastavro, and a well-typed one by the encoder."""
    good = _switch()
    first = serde.encode_event(good)
    assert serde.registry().encoders[SwitchSecured] is serde.registry().codec(SwitchSecured).encode  # type: ignore[union-attr]
    odd = _switch(ssd="2024-04-20")  # type: ignore[arg-type]
    assert serde.encode_event(odd) == serde._encode_with_fastavro(odd, _writer(SwitchSecured))
    assert serde.encode_event(good) == first == serde._encode_with_fastavro(good, _writer(SwitchSecured))


# --- hostile bytes ------------------------------------------------------------------------------


def _mutations(data: bytes) -> st.SearchStrategy[bytes]:
    body = range(serde.HEADER_SIZE, max(len(data), serde.HEADER_SIZE + 1))
    position = st.sampled_from(body)
    byte = st.integers(0, 255)
    flip = st.tuples(position, byte).map(lambda pb: data[: pb[0]] + bytes([pb[1]]) + data[pb[0] + 1 :])
    cut = position.map(lambda p: data[:p])
    insert = st.tuples(position, byte).map(lambda pb: data[: pb[0]] + bytes([pb[1]]) + data[pb[0] :])
    delete = position.map(lambda p: data[:p] + data[p + 1 :])
    return st.one_of(flip, cut, insert, delete)


def _mutated(data: bytes, draw: st.DataObject, rounds: int) -> Iterator[bytes]:
    for _ in range(rounds):
        data = draw.draw(_mutations(data))
        yield data


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_bytes_give_decode_error_and_nothing_else(cls: type, data: st.DataObject) -> None:
    obj = data.draw(values_of(cls, edges=True))
    try:
        encoded = serde.encode_any(obj)
    except Exception:
        assume(False)
        return
    for mutated in _mutated(encoded, data, rounds=data.draw(st.integers(1, 3))):
        try:
            decoded = serde.decode_any(mutated)
        except serde.DecodeError:
            continue
        # What the generated decoder accepts, fastavro accepts with the same value.
        assert _deep(decoded) == _deep(_fastavro_value(mutated))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\x0e", "truncated"),  # a 7-byte string with no bytes
        (b"\x01", "negative length"),
        (b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", "longer than 10 bytes"),
        (b"\x02e\x00\x08", "union SwitchSecured.source index 4"),
        (b"\x02\xff", "can't decode"),
    ],
)
def test_corrupt_bodies_say_why(body: bytes, reason: str) -> None:
    header = serde.MAGIC + serde.schema_fingerprint("SwitchSecured")
    with pytest.raises(serde.DecodeError, match=reason):
        serde.decode_event(header + body)


def test_an_enum_index_out_of_range_is_named() -> None:
    good = serde.encode_event(_d0010(1))
    status = good.index(b"\x1a1200023305967") + 14  # the validation status follows the MPAN
    assert good[status] == 4  # FAILED, index 2
    for bad, shown in ((b"\x06", "3"), (b"\x01", "-1"), (b"\x80\x01", "64")):
        mutated = good[:status] + bad + good[status + 1 :]
        with pytest.raises(serde.DecodeError, match=f"BscValidationStatus enum index {shown} out of range"):
            serde.decode_event(mutated)


def test_old_writer_schemas_still_go_through_fastavro(monkeypatch: pytest.MonkeyPatch) -> None:
    stored = Path(__file__).resolve().parents[2] / "fixtures" / "serde" / "CustomerReadingReceived.v1.bin"
    calls: list[bytes] = []
    real = serde._decode_with_fastavro

    def spy(data: bytes, *args: Any) -> Any:
        calls.append(data)
        return real(data, *args)

    monkeypatch.setattr(serde, "_decode_with_fastavro", spy)
    decoded = serde.decode_event(stored.read_bytes())
    assert calls == [stored.read_bytes()]
    assert decoded.event_id == "cust-7781"
    assert stored.read_bytes()[:10] not in serde.registry().decoders
