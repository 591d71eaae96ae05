"""Which files are read, in which order, and how each is recognised."""

from __future__ import annotations

import shutil
from pathlib import Path

from flow_helpers import FIXTURES

from flows import FileReport, FileStatus, InMemorySeenFiles, iter_input_files, read_file, read_paths


def test_folders_are_walked_recursively_in_sorted_order_skipping_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / ".git").mkdir()
    for name in ("b/2.txt", "a/1.txt", "a/.hidden", ".git/config", "0.txt"):
        (tmp_path / name).write_text("x")
    assert [p.relative_to(tmp_path).as_posix() for p in iter_input_files([tmp_path])] == [
        "0.txt",
        "a/1.txt",
        "b/2.txt",
    ]
    given = tmp_path / "a" / ".hidden"
    assert list(iter_input_files([str(given), tmp_path / "b"])) == [given, tmp_path / "b" / "2.txt"]


def test_files_are_recognised_by_content_not_name(tmp_path: Path) -> None:
    dtc = tmp_path / "events.jsonl"
    shutil.copy(FIXTURES / "d0010_valid.txt", dtc)
    json = tmp_path / "flow.d0010"
    json.write_text("\n\n" + (FIXTURES / "events_valid.jsonl").read_text())
    assert [o.flow for o in read_file(dtc) if isinstance(o, FileReport)] == ["D0010"]
    assert [o.flow for o in read_file(json) if isinstance(o, FileReport)] == ["json"]


def test_read_paths_remembers_files_across_the_run(tmp_path: Path) -> None:
    for name in ("d0010_valid.txt", "d0010_crlf.txt", "d0086_valid.txt"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    reports = [o for o in read_paths([tmp_path], InMemorySeenFiles()) if isinstance(o, FileReport)]
    assert [(Path(r.path).name, r.status) for r in reports] == [
        ("d0010_crlf.txt", FileStatus.READ),
        ("d0010_valid.txt", FileStatus.DUPLICATE),
        ("d0086_valid.txt", FileStatus.READ),
    ]


def test_a_missing_file_is_rejected_not_raised(tmp_path: Path) -> None:
    outcomes = list(read_file(tmp_path / "nope.txt"))
    assert isinstance(outcomes[-1], FileReport) and outcomes[-1].status is FileStatus.REJECTED
    assert "cannot read the file" in (outcomes[-1].detail or "")


def test_a_byte_order_mark_is_tolerated(tmp_path: Path) -> None:
    for name in ("d0010_valid.txt", "events_valid.jsonl"):
        path = tmp_path / name
        path.write_bytes(b"\xef\xbb\xbf" + (FIXTURES / name).read_bytes())
        outcomes = list(read_file(path))
        report = outcomes[-1]
        assert isinstance(report, FileReport) and report.status is FileStatus.READ
        assert report.rejected == 0 and report.events > 0
