"""JSON-lines events (SPEC 2.2): every type read, every problem named by line and field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from flow_helpers import Read, read_all

from flows import FileStatus, RejectionScope
from flows.messages import instant
from processors.vocabulary.events import (
    CertificateScheme,
    CustomerMovedOut,
    CustomerReadingReceived,
    DnoNotification,
    ExportApplicationCancelled,
    ExportApplicationSubmitted,
    ExportMpanAllocated,
    ExportMpanRefused,
    ExportTariff,
    GenerationCertificate,
    MeterKind,
    SmartMeterStatus,
    SupplyPointRegistered,
    SwitchSecured,
    SwitchWithdrawn,
)

Reader = Callable[[str], Read]


def test_every_event_type_is_read(read: Reader) -> None:
    result = read("events_valid.jsonl")
    assert not result.rejections
    assert [type(e) for e in result.events] == [
        SupplyPointRegistered,
        SwitchSecured,
        SwitchWithdrawn,
        CustomerMovedOut,
        CustomerReadingReceived,
        ExportApplicationSubmitted,
        ExportApplicationCancelled,
        ExportMpanAllocated,
        ExportMpanRefused,
        ExportApplicationSubmitted,
    ]
    assert result.report.status is FileStatus.READ and result.report.events == 10
    registered, secured, withdrawn = result.events[:3]
    assert isinstance(registered, SupplyPointRegistered)
    assert registered.meter_kind is MeterKind.TRADITIONAL and registered.ssd == date(2023, 1, 1)
    assert registered.occurred_at == datetime(2024, 3, 1, 9, tzinfo=UTC)
    assert registered.source is not None and registered.source.line == 1
    assert isinstance(secured, SwitchSecured)
    assert secured.occurred_at.utcoffset() == timedelta(hours=1) and secured.gaining_supplier == "BGAS"
    assert withdrawn.source is not None and withdrawn.source.line == 4  # the blank line 3 is skipped


def test_readings_and_applications_keep_exact_values(read: Reader) -> None:
    events = read("events_valid.jsonl").events
    reading = events[4]
    assert isinstance(reading, CustomerReadingReceived)
    assert reading.value == Decimal("56311.5") and reading.photo is True
    assert (reading.register_id, reading.meter_id) == ("01", None)
    application = events[5]
    assert isinstance(application, ExportApplicationSubmitted)
    assert application.partition_key == "1200023305967"
    assert application.tariff is ExportTariff.SEG and application.capacity_kw == Decimal("4.2")
    assert application.mcs_certificate == GenerationCertificate(
        number="MCS-1", scheme=CertificateScheme.MCS, address="10 High Street", mpan="1200023305967"
    )
    assert application.dno_notification is DnoNotification.G98
    assert application.smart_meter == SmartMeterStatus(working=True, connected=True)
    other = events[9]
    assert isinstance(other, ExportApplicationSubmitted)
    assert other.technology == "heat pump" and other.capacity_kw == Decimal("12")
    assert other.mcs_certificate is None and other.dno_notification is None
    allocated = events[7]
    assert isinstance(allocated, ExportMpanAllocated) and allocated.export_mpan == "1200023305976"


def test_each_bad_line_is_rejected_with_its_field(read: Reader) -> None:
    result = read("events_bad.jsonl")
    assert [e.event_id for e in result.events] == ["b14"]
    by_line = {r.line or 0: r for r in result.rejections}
    assert sorted(by_line) == list(range(1, 14))
    assert all(r.scope is RejectionScope.MESSAGE for r in result.rejections)
    expected = {
        1: ("mpan", "check digit"),
        2: ("ssd", "not a calendar date"),
        3: ("occurred_at", "no UTC offset"),
        4: ("meter_kind", "expected one of traditional, smart_nhh, smart_hh"),
        5: ("value", "expected a number"),
        6: ("note", "unknown field"),
        7: ("ssd", "required field is missing"),
        8: ("type", "unknown event type 'meter.exploded'"),
        9: ("mpan", "string of 13 digits"),
        10: (None, "not valid JSON"),
        11: (None, "one JSON object per line"),
        12: ("capacity_kw", "non-negative"),
        13: (None, "not valid JSON"),
    }
    for line, (field, words) in expected.items():
        rejection = by_line[line]
        assert rejection.field == field, (line, rejection)
        assert words in rejection.reason, (line, rejection.reason)
        assert rejection.raw and rejection.path.endswith("events_bad.jsonl")
    assert "ssd: expected an ISO date" in by_line[3].reason  # every problem of the line, each named
    assert "photo: expected true or false" in by_line[5].reason
    twelve = by_line[12].reason
    assert "mcs_certificate.scheme" in twelve and "mcs_certificate.mpan" in twelve
    assert "smart_meter.connected: required" in twelve
    assert by_line[1].flow == "switch.secured"
    assert result.report.rejected == 13 and result.report.events == 1
    assert result.report.status is FileStatus.READ  # one usable line: the file was read


def test_a_file_whose_every_line_is_rejected_is_a_rejected_file(tmp_path: Path) -> None:
    path = tmp_path / "all_bad.jsonl"
    path.write_text('{"type": "switch.secured", "mpan": "1"}\nnot json\n\n', encoding="utf-8")
    result = read_all(path)
    assert [r.line for r in result.rejections] == [1, 2]
    assert result.report.status is FileStatus.REJECTED
    assert result.report.rejected == 2 and result.report.events == 0
    assert result.report.detail == "every line was rejected (2): no event could be read"


def test_a_line_that_is_not_utf8(read: Reader) -> None:
    result = read("events_not_utf8.jsonl")
    (rejection,) = result.rejections
    assert rejection.line == 2 and "not UTF-8" in rejection.reason
    assert len(result.events) == 1


def test_offsets_other_than_utc_are_kept() -> None:
    assert instant("2024-03-01T09:00:00+05:30").utcoffset() == timezone(
        timedelta(hours=5, minutes=30)
    ).utcoffset(None)
