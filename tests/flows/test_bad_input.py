"""Bad input as real files (issue 17 items 2, 4, 6): each is that record's (or that
file's) rejection naming the real fault, in bounded memory, and never stops the rest."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from flow_helpers import FIXTURES

from flows import FileReport, FileStatus, RejectedRecord, read_file, read_paths
from flows.limits import MAX_RECORD_BYTES
from processors.vocabulary.events import DomainEvent
from tests.flows.json_line_builders import registered_line, with_peak_memory


def good_line(event_id: str = "reg-A-1") -> str:
    return registered_line(event_id=event_id)


def outcomes(path: Path) -> tuple[list[DomainEvent], list[RejectedRecord], FileReport]:
    items = list(read_file(path))
    report = items[-1]
    assert isinstance(report, FileReport)
    return (
        [i for i in items if isinstance(i, DomainEvent)],
        [i for i in items if isinstance(i, RejectedRecord)],
        report,
    )


@pytest.mark.parametrize("instant", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])
def test_an_instant_at_the_end_of_time_is_that_lines_rejection(tmp_path: Path, instant: str) -> None:
    path = tmp_path / "events.jsonl"
    bad = registered_line(event_id="bad", occurred_at=instant)
    path.write_text(f"{bad}\n{good_line()}\n")
    events, [rejected], _ = outcomes(path)
    assert [e.event_id for e in events] == ["reg-A-1"]
    assert (rejected.line, rejected.field) == (1, "occurred_at")
    assert instant in rejected.reason and "1900-2999" in rejected.reason


def test_a_value_nested_too_deep_is_that_lines_rejection(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    deep = good_line("deep")[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    path.write_text(f"{deep}\n{good_line()}\n")
    events, [rejected], _ = outcomes(path)
    assert [e.event_id for e in events] == ["reg-A-1"]
    assert rejected.line == 1 and "nested too deep" in rejected.reason


def test_a_key_said_twice_is_a_rejection_naming_both_values(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    twice = good_line("twice")[:-1] + ', "mpan" : "1400123456786"}'
    # a value that holds `":` is not taken for a key
    quoted = registered_line(event_id='he said "x": twice')
    path.write_text(f"{twice}\n{quoted}\n")
    events, [rejected], _ = outcomes(path)
    assert [e.event_id for e in events] == ['he said "x": twice']
    assert (rejected.line, rejected.field) == (1, "mpan")
    assert "'1200023305967'" in rejected.reason and "'1400123456786'" in rejected.reason


def test_a_key_said_twice_in_a_line_with_decimals_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(good_line()[:-1] + ', "x": {"a": 1.5, "a": 2.5}}\n')
    _, [rejected], _ = outcomes(path)
    assert rejected.field == "a" and "'a' appears twice" in rejected.reason


def test_a_line_longer_than_the_cap_is_rejected_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    with path.open("w") as out:
        out.write(good_line("first") + "\n")
        out.write('{"a": "' + "x" * (8 * MAX_RECORD_BYTES) + '"}\n')
        out.write(good_line("after") + "\n")
    (events, [rejected], _), peak = with_peak_memory(lambda: outcomes(path))
    assert [e.event_id for e in events] == ["first", "after"]
    assert rejected.line == 2 and f"at most {MAX_RECORD_BYTES:,}" in rejected.reason
    assert peak < 4 * MAX_RECORD_BYTES  # the line is 8 MiB


def test_a_dtc_file_with_no_line_breaks_is_rejected_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "flow.txt"
    header = "ZHV|M000000001|D0010002|D|UDMS|X|MRCY|20240301120000||||OPER|\n"
    path.write_text(header + "026|" + "1" * (8 * MAX_RECORD_BYTES))
    (_, [rejected], report), peak = with_peak_memory(lambda: outcomes(path))
    assert report.status is FileStatus.REJECTED
    assert rejected.line == 2 and "longer than" in rejected.reason
    assert peak < 5 * MAX_RECORD_BYTES


def _fail_if_it_blocks(target: Path) -> list[object]:
    """read_file(target) in a thread; the test fails rather than hanging."""
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.extend(read_file(target)), daemon=True)
    thread.start()
    thread.join(10)
    if thread.is_alive():
        with target.open("wb"):  # unblock a reader stuck opening the FIFO
            pass
        pytest.fail(f"reading {target} blocked")
    return result


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_by_name_not_waited_for(tmp_path: Path) -> None:
    fifo = tmp_path / "events.jsonl"
    os.mkfifo(fifo)
    *_, rejected, report = _fail_if_it_blocks(fifo)
    assert isinstance(rejected, RejectedRecord) and isinstance(report, FileReport)
    assert report.status is FileStatus.REJECTED and "named pipe (FIFO)" in rejected.reason


def test_a_device_is_refused_by_name() -> None:
    *_, rejected, report = list(read_file(Path("/dev/zero")))
    assert isinstance(rejected, RejectedRecord) and isinstance(report, FileReport)
    assert "character device, not a regular file" in rejected.reason


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_folders_fifos_and_dangling_links_are_reported_not_skipped(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "d0010_valid.txt", tmp_path / "a.txt")
    os.mkfifo(tmp_path / "b.pipe")
    (tmp_path / "c.txt").symlink_to(tmp_path / "gone.txt")
    reports = {Path(o.path).name: o for o in read_paths([tmp_path]) if isinstance(o, FileReport)}
    assert reports["a.txt"].status is FileStatus.READ
    assert "named pipe (FIFO)" in (reports["b.pipe"].detail or "")
    assert "dangling link" in (reports["c.txt"].detail or "")


def test_a_cut_trailer_is_rejected(tmp_path: Path) -> None:
    source = (FIXTURES / "d0010_valid.txt").read_text()
    trailer = source.rstrip("\n").rsplit("\n", 1)[1]
    assert trailer.startswith("ZPT|") and trailer.endswith("|")
    path = tmp_path / "cut.txt"
    path.write_text(source.replace(trailer, trailer[: trailer.rindex("|", 0, -1) + 5]).rstrip("\n"))
    _, [rejected], report = outcomes(path)
    assert report.status is FileStatus.REJECTED
    assert "completion timestamp" in rejected.reason and "cut" in rejected.reason


def test_a_lone_carriage_return_is_named_with_its_line(tmp_path: Path) -> None:
    source = (FIXTURES / "d0010_valid.txt").read_bytes()
    lines = source.split(b"\n")
    path = tmp_path / "cr.txt"
    path.write_bytes(b"\n".join([*lines[:3], lines[3] + b"\r" + lines[4], *lines[5:]]))
    _, [rejected], report = outcomes(path)
    assert report.status is FileStatus.REJECTED
    assert rejected.line == 4 and "carriage return (CR) with no line feed" in rejected.reason
    assert "group count" not in rejected.reason


def test_crlf_files_still_read(tmp_path: Path) -> None:
    events, rejected, report = outcomes(FIXTURES / "d0010_crlf.txt")
    assert report.status is FileStatus.READ and events and not rejected


@pytest.mark.parametrize(("encoding", "order"), [("utf-16", "little-endian"), ("utf-16-be", "big-endian")])
def test_a_utf16_file_is_named_as_such(tmp_path: Path, encoding: str, order: str) -> None:
    path = tmp_path / "flow.txt"
    path.write_bytes((FIXTURES / "d0010_valid.txt").read_text().encode(encoding))
    _, [rejected], report = outcomes(path)
    assert report.status is FileStatus.REJECTED
    assert f"UTF-16 ({order})" in rejected.reason and rejected.raw.startswith("ZHV|")
