"""Streaming: a file is read in constant memory, whatever its size."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

from flows import FileReport, FileStatus, read_file
from processors.vocabulary.mpan import check_digit


def write_d0010(path: Path, records: int) -> None:
    """A D0010 of about `records` body records: 026, 028, then 030 + 032 pairs."""
    groups = records // 8
    with path.open("w", newline="\n") as out:
        out.write("ZHV|M000000001|D0010002|D|UDMS|X|MRCY|20240301120000||||OPER|\n")
        for group in range(groups):
            first12 = f"12{group:010d}"
            out.write(f"026|{first12}{check_digit(first12)}|V|\n028|M{group:09d}|R|\n")
            for register in ("01", "02", "03"):
                out.write(f"030|{register}|20240229000000|{group}.5||||N|\n032|00|T|\n")
        out.write(f"ZPT|M000000001|{groups * 8}||{groups}|20240301120500|\n")


def peak_while_reading(path: Path) -> tuple[int, FileReport]:
    gc.collect()
    tracemalloc.start()
    try:
        report = None
        for outcome in read_file(path):
            if isinstance(outcome, FileReport):
                report = outcome
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report is not None
    return peak, report


def test_peak_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    small, large = tmp_path / "small.d0010", tmp_path / "large.d0010"
    write_d0010(small, 20_000)
    write_d0010(large, 200_000)
    small_peak, small_report = peak_while_reading(small)
    large_peak, large_report = peak_while_reading(large)
    assert small_report.status is large_report.status is FileStatus.READ
    assert large_report.events == 25_000 and large_report.rejected == 0
    # ten times the records, well under twice the memory (a list of events would be ~100x)
    assert large_peak < 2 * small_peak + 512 * 1024, (small_peak, large_peak)
