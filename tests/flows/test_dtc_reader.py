"""The generic DTC reader on real-shaped files, good and malformed (tests/fixtures/flows)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from flow_helpers import FIXTURES, Read, read_all

from flows import FileStatus, InMemorySeenFiles, RejectionScope
from processors.vocabulary.events import MeterReadingsReceived

Reader = Callable[[str], Read]


def readings(event: object) -> list[tuple[str, str, Decimal]]:
    assert isinstance(event, MeterReadingsReceived)
    return [(m.meter_id, r.register_id, r.value) for m in event.meters for r in m.registers]


def test_a_good_file_gives_one_event_per_mpan_group(read: Reader) -> None:
    result = read("d0010_valid.txt")
    assert [e.event_id for e in result.events] == ["UDMS/F000000001/2", "UDMS/F000000001/13"]
    assert not result.rejections
    assert result.report.status is FileStatus.READ
    assert (result.report.events, result.report.rejected) == (2, 0)
    assert result.report.file_key == "UDMS/F000000001"


def test_crlf_endings_read_the_same_as_lf(read: Reader) -> None:
    lf, crlf = read("d0010_valid.txt"), read("d0010_crlf.txt")
    assert [readings(e) for e in crlf.events] == [readings(e) for e in lf.events]
    assert crlf.events[0].meters[0].meter_id == "F75A 00802"  # type: ignore[attr-defined]


def test_missing_trailing_optional_fields_and_validation_records(read: Reader) -> None:
    result = read("d0010_short_records.txt")
    assert not result.rejections
    (event,) = result.events
    assert isinstance(event, MeterReadingsReceived)
    assert event.site_visits[0].check_code == "42"
    assert event.site_visits[0].additional_information is None
    registers = event.meters[0].registers
    assert [r.validation for r in registers] == [None, None]
    assert event.file.test_flag == "OPER"
    assert result.report.status is FileStatus.READ


def test_test_data_files_are_read_but_marked(read: Reader) -> None:
    result = read("d0010_test_data.txt")
    assert result.events and all(e.test_data for e in result.events)
    assert result.report.status is FileStatus.TEST_DATA
    assert "TR01" in (result.report.detail or "")
    assert not any(e.test_data for e in read("d0010_valid.txt").events)


def test_a_header_without_its_test_flag_is_test_data(read: Reader) -> None:
    result = read("d0010_no_test_flag.txt")
    assert result.report.status is FileStatus.TEST_DATA
    assert all(e.test_data for e in result.events)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("d0010_truncated.txt", "no ZPT trailer"),
        ("d0010_wrong_group_count.txt", "group count '14' but the body has 15 records"),
        ("d0010_wrong_flow_count.txt", "flow count '3' but the body has 2 level-1 groups"),
        ("d0010_trailer_id_differs.txt", "differs from the header's"),
        ("d0010_records_after_trailer.txt", "records after the ZPT trailer"),
        ("d0010_two_headers.txt", "second ZHV header"),
        ("d0086_header_on_d0010_body.txt", "the body is not D0086: line 2 is group 026 of D0010"),
        ("d0999_unsupported.txt", "unsupported flow D0999 version 001"),
        ("d0010_bad_header.txt", "file creation timestamp"),
        ("d0010_bst_gap_header.txt", "does not exist in UK local time"),
        ("empty.txt", "empty file"),
        ("binary_junk.bin", "not a DTC flow"),
        ("headerless_body.txt", "line 1 is not a ZHV header"),
    ],
)
def test_structurally_broken_files_are_rejected_whole_without_events(
    read: Reader, name: str, words: str
) -> None:
    result = read(name)
    assert result.events == []
    (rejection,) = result.rejections
    assert rejection.scope is RejectionScope.FILE
    assert words in rejection.reason
    assert rejection.path.endswith(name)
    assert result.report.status is FileStatus.REJECTED
    assert words in (result.report.detail or "")


def test_a_rejected_record_takes_its_children_and_the_rest_goes_on(read: Reader) -> None:
    result = read("d0010_bad_check_digit.txt")
    (rejection,) = result.rejections
    assert (rejection.line, rejection.group, rejection.field) == (2, "026", "MPAN core")
    assert rejection.children == 10  # every record up to the next 026
    assert rejection.raw == "026|1200023305968|V|"
    assert "check digit" in rejection.reason and "should be 7" in rejection.reason
    assert "MPAN core: MPAN core" not in rejection.reason  # the field is named once
    assert rejection.file_key == "UDMS/F000000001" and rejection.flow == "D0010"
    assert [e.mpan for e in result.events] == ["1900000000013"]  # type: ignore[attr-defined]
    assert result.report.status is FileStatus.READ
    assert (result.report.events, result.report.rejected) == (1, 1)


def test_bad_dates_reject_the_register_reading_only(read: Reader) -> None:
    result = read("d0010_bad_dates.txt")
    first, second = result.rejections
    assert (first.line, first.field, first.children) == (4, "reading date-time", 1)  # its 032 goes with it
    assert "20240230000000" in first.reason
    assert (second.line, second.field, second.children) == (6, "reading date-time", 0)
    assert "20240229250000" in second.reason
    assert readings(result.events[0]) == [("F75A 00802", "03", Decimal("77.0"))]


def test_a_time_in_the_spring_gap_is_rejected_and_an_autumn_one_is_kept(read: Reader) -> None:
    result = read("d0010_bst_gap.txt")
    (rejection,) = result.rejections
    assert rejection.line == 4 and "does not exist" in rejection.reason
    (register,) = result.events[0].meters[0].registers  # type: ignore[attr-defined]
    assert register.register_id == "02" and register.read_at.hour == 1


def test_letters_in_a_reading(read: Reader) -> None:
    result = read("d0010_letters_in_reading.txt")
    (rejection,) = result.rejections
    assert (rejection.line, rejection.field, rejection.children) == (4, "register reading", 1)
    assert "'563I1.0'" in rejection.reason
    assert readings(result.events[0]) == [("F75A 00802", "02", Decimal("1022.5"))]


def test_an_unknown_group_takes_what_follows_up_to_the_next_mpan(read: Reader) -> None:
    result = read("d0010_unknown_group.txt")
    (rejection,) = result.rejections
    assert (rejection.line, rejection.group, rejection.children) == (5, "031", 1)
    assert "unknown group code '031'" in rejection.reason
    first, second = result.events
    assert readings(first) == [("F75A 00802", "01", Decimal("56311.0"))]
    assert first.meters[0].registers[0].validation is None  # type: ignore[attr-defined]
    assert readings(second) == [("Z12345", "DY", Decimal("785.2"))]
    # the outcome order follows the file: event, rejection, event
    assert result.order.index(rejection) == 1


def test_an_orphan_record_is_rejected_with_its_children(read: Reader) -> None:
    result = read("d0010_orphan.txt")
    (rejection,) = result.rejections
    assert (rejection.line, rejection.group, rejection.children) == (3, "030", 1)
    assert "must follow its parent 028" in rejection.reason
    assert readings(result.events[0]) == [("F75A 00802", "02", Decimal("1022.5"))]


def test_a_second_validation_result_is_rejected(read: Reader) -> None:
    result = read("d0010_two_validations.txt")
    (rejection,) = result.rejections
    assert rejection.line == 6 and "at most 1 per 030" in rejection.reason
    validation = result.events[0].meters[0].registers[0].validation  # type: ignore[attr-defined]
    assert (validation.reason_code, validation.valid) == ("00", True)


def test_wrong_field_counts(read: Reader) -> None:
    result = read("d0010_field_counts.txt")
    too_many, missing = result.rejections
    assert too_many.line == 4 and "8 fields, at most 7" in too_many.reason
    assert (missing.line, missing.field) == (5, "register reading")
    assert "required but empty" in missing.reason
    assert readings(result.events[0]) == [("F75A 00802", "03", Decimal("5.0"))]


def test_a_blank_line_is_reported_and_not_counted(read: Reader) -> None:
    result = read("d0010_blank_line.txt")
    (rejection,) = result.rejections
    assert rejection.line == 5 and "empty line" in rejection.reason
    assert len(result.events) == 2


def test_a_line_that_is_not_utf8(read: Reader) -> None:
    result = read("d0010_not_utf8.txt")
    (rejection,) = result.rejections
    assert rejection.line == 3 and "not UTF-8" in rejection.reason
    assert "\ufffd" in rejection.raw  # shown with replacement characters
    assert rejection.children == 2  # the meter and reading after it cannot be placed safely
    assert [e.mpan for e in result.events] == ["1200023305967", "1900000000013"]  # type: ignore[attr-defined]
    assert result.events[0].site_visits == ()  # type: ignore[attr-defined]


def test_a_file_seen_before_is_reported_duplicate_and_skipped() -> None:
    seen = InMemorySeenFiles()
    first = read_all(FIXTURES / "d0010_valid.txt", seen)
    again = read_all(FIXTURES / "d0010_crlf.txt", seen)  # same sender and file id
    assert len(first.events) == 2
    assert again.events == [] and again.rejections == []
    assert again.report.status is FileStatus.DUPLICATE
    assert again.report.file_key == "UDMS/F000000001"


def test_a_broken_file_is_not_remembered_so_its_fixed_copy_is_read() -> None:
    seen = InMemorySeenFiles()
    assert read_all(FIXTURES / "d0010_truncated.txt", seen).report.status is FileStatus.REJECTED
    assert read_all(FIXTURES / "d0010_valid.txt", seen).report.status is FileStatus.READ


def test_trailer_counts_may_be_zero_padded(tmp_path: Path) -> None:
    text = (
        (FIXTURES / "d0010_valid.txt")
        .read_text()
        .replace("ZPT|F000000001|15||2|", "ZPT|F000000001|0000000015||02|")
    )
    path = tmp_path / "padded.txt"
    path.write_text(text)
    result = read_all(path)
    assert result.report.status is FileStatus.READ and len(result.events) == 2
