"""Avro single-object codecs: every event and command round-trips; junk is refused clearly."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import fastavro
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from record_strategies import values_of

from flows.rejections import FileReport, FileStatus, RejectedRecord, RejectionScope
from processors.codecs import serde
from processors.vocabulary.commands import COMMAND_TYPES, BillingReading, FinalBillReason, IssueFinalBill
from processors.vocabulary.events import UK, CustomerReadingReceived, Source, SwitchSecured

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "serde"


ALL_CLASSES = serde.schema_classes()
MPAN = "1200023305967"


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_record_type_round_trips(cls: type, data: st.DataObject) -> None:
    obj = data.draw(values_of(cls))
    encoded = serde.encode_any(obj)
    assert encoded[:2] == b"\xc3\x01"
    assert encoded[2:10] == serde.schema_fingerprint(cls.__name__)
    assert serde.decode_any(encoded) == obj


def test_every_event_and_command_type_has_a_codec() -> None:
    names = {c.__name__ for c in ALL_CLASSES}
    assert set(COMMAND_TYPES) <= names
    assert {"SwitchSecured", "MeterReadingsReceived", "DayClosed", "RejectedRecord", "FileReport"} <= names


def _switch() -> SwitchSecured:
    return SwitchSecured(
        event_id="css-1",
        occurred_at=datetime(2024, 3, 31, 0, 30, tzinfo=UK),  # the night the clocks go forward
        source=Source(path="events.jsonl", line=4),
        mpan="1200023305967",
        ssd=date(2024, 4, 20),
        gaining_supplier="BGAS",
    )


def test_typed_decoders_refuse_another_kind_of_record() -> None:
    event_bytes = serde.encode_event(_switch())
    assert serde.decode_event(event_bytes) == _switch()
    with pytest.raises(serde.DecodeError, match="expected a billing command"):
        serde.decode_command(event_bytes)
    with pytest.raises(serde.DecodeError, match="expected a rejected record"):
        serde.decode_rejection(event_bytes)
    rejection = RejectedRecord(
        path="in[0]@7", line=None, field=None, raw="x", reason="why", scope=RejectionScope.MESSAGE
    )
    with pytest.raises(serde.DecodeError, match="expected a domain event, got a RejectedRecord"):
        serde.decode_event(serde.encode_rejection(rejection))


@settings(max_examples=50, deadline=None)
@given(
    at=st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2040, 1, 1),
        timezones=st.just(UK),
        allow_imaginary=False,
    )
)
def test_uk_clock_times_keep_their_instant_and_day(at: datetime) -> None:
    event = SwitchSecured(
        event_id="e", occurred_at=at, mpan=MPAN, ssd=date(2024, 4, 20), gaining_supplier="BGAS"
    )
    decoded = serde.decode_event(serde.encode_event(event))
    assert decoded.occurred_at.timestamp() == at.timestamp()
    assert decoded.day == event.day


def test_the_repeated_hour_of_october_keeps_its_instant() -> None:
    first = datetime(2024, 10, 27, 1, 30, tzinfo=UK)  # BST, 00:30 UTC
    second = datetime(2024, 10, 27, 1, 30, fold=1, tzinfo=UK)  # GMT, 01:30 UTC
    for at in (first, second):
        event = SwitchSecured(
            event_id="e", occurred_at=at, mpan=MPAN, ssd=date(2024, 11, 1), gaining_supplier="X"
        )
        assert serde.decode_event(serde.encode_event(event)).occurred_at == at.astimezone(UTC)


def test_decoded_instants_keep_the_uk_day() -> None:
    decoded = serde.decode_event(serde.encode_event(_switch()))
    assert decoded.occurred_at == _switch().occurred_at
    assert decoded.day == date(2024, 3, 31)


def test_commands_decode_to_the_same_json_as_replay_prints() -> None:
    command = IssueFinalBill(
        command_id="4a0f",
        issued_on=date(2024, 5, 2),
        cause="UDMS/F1/2",
        mpan="1200023305967",
        reason=FinalBillReason.COS,
        final_date=date(2024, 4, 20),
        reading=BillingReading(value=Decimal("56311.0"), read_on=date(2024, 4, 20), source="D0086"),
    )
    decoded = serde.decode_command(serde.encode_command(command))
    assert serde.to_json(decoded) == command.to_json()
    assert serde.to_json(decoded)["reading"]["value"] == "56311.0"


def test_rejections_and_file_reports_round_trip() -> None:
    rejected = RejectedRecord(
        path="in/D0010.txt",
        line=7,
        field="mpan",
        raw="026|1234567890123|V|",
        reason="bad check digit",
        scope=RejectionScope.RECORD,
        flow="D0010",
        file_key="UDMS/F1",
        group="026",
        children=3,
    )
    assert serde.decode_rejection(serde.encode_rejection(rejected)) == rejected
    report = FileReport(path="in/D0010.txt", status=FileStatus.DUPLICATE, flow="D0010", file_key="UDMS/F1")
    assert serde.decode_file_report(serde.encode_file_report(report)) == report


def test_events_as_json_name_their_type() -> None:
    as_json = serde.to_json(_switch())
    assert as_json["type"] == "SwitchSecured"
    assert as_json["ssd"] == "2024-04-20"
    assert as_json["source"] == {"path": "events.jsonl", "line": 4}


# --- errors a person can act on ---------------------------------------------------------


def test_junk_is_not_avro() -> None:
    with pytest.raises(serde.DecodeError, match="not Avro single-object encoding"):
        serde.decode_any(b'{"type": "IssueFinalBill", "mpan": "1200023305967"}')


def test_short_input_is_truncated() -> None:
    with pytest.raises(serde.DecodeError, match="truncated"):
        serde.decode_any(b"\xc3\x01\x00")


def test_unknown_fingerprint_is_named() -> None:
    with pytest.raises(serde.DecodeError, match="unknown schema fingerprint 0102030405060708"):
        serde.decode_any(b"\xc3\x01\x01\x02\x03\x04\x05\x06\x07\x08\x02")


def test_truncated_record_body() -> None:
    encoded = serde.encode_event(_switch())
    with pytest.raises(serde.DecodeError, match="truncated SwitchSecured"):
        serde.decode_event(encoded[:-5])


def test_trailing_bytes_are_refused() -> None:
    with pytest.raises(serde.DecodeError, match="trailing bytes"):
        serde.decode_event(serde.encode_event(_switch()) + b"\x00\x00")


def test_decode_error_is_a_value_error() -> None:
    assert issubclass(serde.DecodeError, ValueError)


# --- schema evolution ----------------------------------------------------------------------


def test_a_record_written_by_schema_v1_reads_with_the_current_schema() -> None:
    """The stored bytes were written by schemas/history/CustomerReadingReceived.v1.avsc,
    before `photo` existed: the current reader fills in its default."""
    decoded = serde.decode_event((FIXTURES / "CustomerReadingReceived.v1.bin").read_bytes())
    assert decoded == CustomerReadingReceived(
        event_id="cust-7781",
        occurred_at=datetime(2024, 1, 15, 18, 30, tzinfo=UTC),
        source=Source(path="events/customer.jsonl", line=3),
        mpan="1200023305967",
        read_on=date(2024, 1, 14),
        value=Decimal("12345.6"),
        meter_id="F75A 00802",
        register_id="01",
        photo=False,
    )


def test_old_writer_schemas_are_known_by_fingerprint() -> None:
    history = serde.SCHEMAS_DIR / "history" / "CustomerReadingReceived.v1.avsc"
    parsed = fastavro.parse_schema(__import__("json").loads(history.read_text()), named_schemas={})
    out = io.BytesIO()
    out.write(b"\xc3\x01")
    fp = fastavro.schema.fingerprint(fastavro.schema.to_parsing_canonical_form(parsed), "CRC-64-AVRO")
    out.write(bytes.fromhex(fp))
    fastavro.schemaless_writer(
        out,
        parsed,
        {
            "event_id": "e2",
            "occurred_at": datetime(2024, 2, 1, tzinfo=UTC),
            "source": None,
            "test_data": False,
            "mpan": "1200023305967",
            "read_on": date(2024, 2, 1),
            "value": "7.5",
            "meter_id": None,
            "register_id": None,
        },
    )
    decoded = serde.decode_event(out.getvalue())
    assert isinstance(decoded, CustomerReadingReceived)
    assert (decoded.value, decoded.photo) == (Decimal("7.5"), False)
    assert fp != serde.schema_fingerprint("CustomerReadingReceived").hex()
