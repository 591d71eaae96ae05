"""Files read in worker processes give, file by file, what `read_file` gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flow_helpers import FIXTURES

from flows import InMemorySeenFiles, read_file
from flows.parallel import ParallelFiles
from flows.transfer import dumps, loads

NAMES = [
    "d0010_valid.txt",
    "d0010_crlf.txt",  # the same sender and file id: a duplicate of the first
    "d0010_field_counts.txt",
    "d0010_truncated.txt",  # rejected whole before the seen check
    "d0217_catalogue_width.txt",
    "d0300_valid.txt",
    "d0004_valid.txt",
    "events_valid.jsonl",
    "binary_junk.bin",
]


def serial(paths: list[Path]) -> list[object]:
    seen = InMemorySeenFiles()
    return [outcome for path in paths for outcome in read_file(path, seen)]


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_the_outcomes_are_those_of_read_file_in_file_order(jobs: int) -> None:
    paths = [FIXTURES / name for name in NAMES]
    seen = InMemorySeenFiles()
    with ParallelFiles(paths, jobs) as parallel:
        outcomes = [o for i in range(len(paths)) for o in parallel.outcomes(i, seen)]
    assert outcomes == serial(paths)
    statuses = [o.status.value for o in outcomes if type(o).__name__ == "FileReport"]  # type: ignore[attr-defined]
    assert statuses[:2] == ["read", "duplicate"]


def test_a_file_of_many_batches_comes_back_whole_and_in_order(tmp_path: Path) -> None:
    """More outcomes than one message holds, and more messages than a queue holds."""
    body = ["026|1200023305967|V|", "028|F75A 00802|R|", "030|01|20240229000000|56311.0||||N|"]
    groups = 6000
    lines = ["ZHV|F000000009|D0010002|D|UDMS|X|MRCY|20240301120000||||OPER|", *body * groups]
    lines.append(f"ZPT|F000000009|{3 * groups}||{groups}|20240301120500|")
    big = tmp_path / "big.txt"
    big.write_text("\n".join(lines) + "\n")
    small = tmp_path / "small.txt"
    shutil.copy(FIXTURES / "d0300_valid.txt", small)
    paths = [big, small, big]
    seen = InMemorySeenFiles()
    with ParallelFiles(paths, 2) as parallel:
        outcomes = [o for i in range(3) for o in parallel.outcomes(i, seen)]
    assert outcomes == serial(paths)
    assert len(outcomes) == groups + 1 + 2 + 1 + 1  # events, report; D0300's two and report; duplicate


def test_files_are_taken_in_order() -> None:
    paths = [FIXTURES / "d0010_valid.txt", FIXTURES / "d0300_valid.txt"]
    with ParallelFiles(paths, 2) as parallel, pytest.raises(ValueError, match="in order"):
        list(parallel.outcomes(1, InMemorySeenFiles()))


def test_outcomes_cross_processes_unchanged() -> None:
    for name in NAMES:
        items = list(read_file(FIXTURES / name))
        back = loads(dumps(items))
        assert back == items
        assert [type(item) for item in back] == [type(item) for item in items]


def test_a_worker_that_fails_is_reported_with_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(path: Path, seen: object = None) -> list[object]:
        raise OSError(f"disk on fire under {path.name}")

    monkeypatch.setattr("flows.parallel.read_file", broken)  # forked workers inherit it
    paths = [FIXTURES / "d0010_valid.txt", FIXTURES / "d0300_valid.txt"]
    with (
        ParallelFiles(paths, 2) as parallel,
        pytest.raises(RuntimeError, match=r"disk on fire under d0010_valid\.txt"),
    ):
        list(parallel.outcomes(0, InMemorySeenFiles()))
