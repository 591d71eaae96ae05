"""A repeated header record is decoded once and shared (avro_codegen._shared_when_repeated):
the events of one flow file share one DtcFile, and what is decoded stays what fastavro reads
whatever order headers come in."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from processors.codecs import serde
from processors.vocabulary.events import MeterReadingsReceived, Source
from processors.vocabulary.events.dtc import DtcFile
from processors.vocabulary.events.readings import BscValidationStatus

CREATED = datetime(2024, 3, 1, 6, tzinfo=UTC)


def _header(file_id: str, **changes: object) -> DtcFile:
    fields: dict[str, object] = {
        "file_id": file_id,
        "flow": "D0010",
        "version": "002",
        "from_role": "D",
        "from_mpid": "UDMS",
        "to_role": "X",
        "to_mpid": "OCTO",
        "created_at": CREATED,
    }
    fields.update(changes)
    return DtcFile(**fields)  # type: ignore[arg-type]


def _event(header: DtcFile, line: int, mpan: str = "1200023305967") -> MeterReadingsReceived:
    return MeterReadingsReceived(
        event_id=f"UDMS/{header.file_id}/{line}",
        occurred_at=CREATED,
        source=Source(path="in/d0010.txt", line=line),
        file=header,
        mpan=mpan,
        validation_status=BscValidationStatus.VALIDATED,
        meters=(),
    )


def _reference(data: bytes) -> object:
    """What fastavro reads from `data` (the reference path, no generated code)."""
    writer = serde.registry().current["MeterReadingsReceived"]
    return serde._decode_with_fastavro(data, writer, writer, MeterReadingsReceived)


def test_the_events_of_one_file_share_its_header() -> None:
    header = _header("F1")
    first, second = (serde.decode_event(serde.encode_event(_event(header, n))) for n in (2, 3))
    assert isinstance(first, MeterReadingsReceived) and isinstance(second, MeterReadingsReceived)
    assert first.file is second.file
    assert first.file == header
    assert first.source != second.source  # the records around it are read as they are


def test_another_header_is_not_taken_for_the_last_one() -> None:
    one, other = _header("F1"), _header("F12")  # a file id whose bytes begin with the other's text
    for header in (one, other, one, one, other):
        decoded = serde.decode_event(serde.encode_event(_event(header, 2)))
        assert isinstance(decoded, MeterReadingsReceived)
        assert decoded.file == header


def test_a_record_cut_after_a_repeated_header_is_still_refused() -> None:
    header = _header("F1")
    whole = serde.encode_event(_event(header, 2))
    serde.decode_event(whole)  # the header is now the last one read
    with pytest.raises(serde.DecodeError, match="truncated"):
        serde.decode_event(whole[: len(whole) - 3])


_TEXT = st.text(alphabet="AB1é", min_size=0, max_size=4)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["F1", "F12", "F"]), _TEXT, st.one_of(st.none(), _TEXT)),
        min_size=1,
        max_size=8,
    )
)
def test_any_order_of_headers_reads_what_fastavro_reads(
    headers: list[tuple[str, str, str | None]],
) -> None:
    for file_id, to_mpid, broadcast in headers:
        event = _event(_header(file_id, to_mpid=to_mpid, broadcast=broadcast), 2)
        data = serde.encode_event(event)
        decoded = serde.decode_event(data)
        assert decoded == _reference(data) == event
        assert isinstance(decoded, MeterReadingsReceived)
        assert dataclasses.astuple(decoded.file) == dataclasses.astuple(event.file)
