"""Benchmark of the flow reader against a bare split loop over the same file.

Generates a realistic D0010 (MPAN groups of 026, 028, then 030 register readings each
with its 032 validation result, a few registers per meter) into a temporary folder, then
measures in the same run:
- bare: a loop that reads the lines and splits them on `|`, nothing else;
- reader: `flows.read_file`, the full reader (structure pass, parse, validate, events);
- generic reader: the same without the D0010 fast path (`flows.fast_readings`), every
  record through the generic record-by-record reader (what the reader was before it).
Reports records per second for both and their ratio (target: reader >= 25% of bare),
and the tracemalloc peak of the reader for the file and for one a tenth its size
(constant memory: the two peaks should be close). Times are CPU seconds of this
process (`time.process_time`), the runs interleaved, best of `--repeat` each.

    .venv/bin/python bench/parse.py [--readings 1000000] [--profile]

`--baseline TREE` also times `flows.read_file` over the same file with another checkout's
code (e.g. /work/main) and with this one's, each in a fresh interpreter, alternately,
best of `--repeat` each, and reports their ratio: a change's speed-up in the same run.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from flows import peek_dtc_header, read_file
from flows.catalogue import CATALOGUE
from flows.dtc import check_structure, read_dtc
from flows.reader import MAPPERS
from flows.rejections import FileReport, RejectedRecord
from processors.vocabulary.construction import constructor
from processors.vocabulary.events import ReadingMethod, RegisterReading
from processors.vocabulary.mpan import check_digit

REGISTERS = ("01", "02", "03")
# CPU seconds of this process: up to 8 engineers share 2 cores, and wall time measures
# their load as much as the code. Every phase is single-threaded, so CPU time is its cost.
clock = time.process_time


def generate(path: Path, readings: int) -> int:
    """Write a D0010 with `readings` register readings; return its body record count."""
    groups = (readings + len(REGISTERS) - 1) // len(REGISTERS)
    records = 0
    with path.open("w", encoding="ascii", newline="\n") as out:
        out.write("ZHV|B000000001|D0010002|D|UDMS|X|MRCY|20240301120000||||OPER|\n")
        written = 0
        for group in range(groups):
            first12 = f"12{group:010d}"
            out.write(f"026|{first12}{check_digit(first12)}|V|\n028|M{group % 99999:09d}|R|\n")
            records += 2
            for register in REGISTERS:
                if written == readings:
                    break
                day = 1 + group % 28
                out.write(
                    f"030|{register}|202402{day:02d}000000|{group % 99999}.{written % 10}||||N|\n032|00|T|\n"
                )
                records += 2
                written += 1
        out.write(f"ZPT|B000000001|{records}||{groups}|20240301120500|\n")
    return records


def bare(path: Path) -> float:
    start = clock()
    with path.open(encoding="utf-8", errors="surrogateescape", newline="\n") as handle:
        for line in handle:
            line.split("|")
    return clock() - start


def reader(path: Path, fast: bool = True) -> tuple[float, int, int]:
    """The full reader; `fast=False`: without the D0010 fast path (the generic reader)."""
    start = clock()
    events = rejected = 0
    outcomes = read_file(path) if fast else read_dtc(path, MAPPERS, None, None)
    for outcome in outcomes:
        if isinstance(outcome, RejectedRecord):
            rejected += 1
        elif not isinstance(outcome, FileReport):
            events += 1
    return clock() - start, events, rejected


def construction_floor(readings: int) -> float:
    """Seconds to build only the RegisterReading objects of the file (the events' floor)."""
    build = constructor(RegisterReading)
    read_at = datetime(2024, 2, 1)
    value = Decimal("56311.0")
    start = clock()
    for _ in range(readings):
        build(
            register_id="01",
            read_at=read_at,
            value=value,
            reading_method=ReadingMethod.NOT_VIEWED,
            md_reset_at=None,
            md_resets=None,
            reading_flag=None,
            validation=None,
            site_visits=(),
        )
    return clock() - start


# Run in a fresh interpreter whose `flows` is the given checkout's: CPU seconds of the read.
_TIMED_READ = """
import sys, time
from pathlib import Path
import flows
assert flows.__file__.startswith(sys.argv[1]), flows.__file__
from flows import read_file
start = time.process_time()
for _ in read_file(Path(sys.argv[2])):
    pass
print(time.process_time() - start)
"""
HERE = Path(__file__).resolve().parents[1]


def timed_read(tree: Path, path: Path) -> float:
    """CPU seconds of `read_file(path)` with the code of checkout `tree`."""
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", _TIMED_READ, str(tree), str(path)],
        cwd=path.parent,  # not a checkout: the first `flows` on the path is tree's
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout)


def against(baseline: Path, path: Path, repeat: int) -> None:
    """This checkout's reader against `baseline`'s, alternated, best of `repeat` each."""
    theirs, ours = [], []
    for _ in range(repeat):
        theirs.append(timed_read(baseline, path))
        ours.append(timed_read(HERE, path))
    print(
        f"read_file CPU: {baseline} {min(theirs):.3f} s, {HERE} {min(ours):.3f} s "
        f"(best of {repeat}): this checkout is {min(theirs) / min(ours):.2f}x the baseline"
    )


def peak(path: Path) -> int:
    gc.collect()
    tracemalloc.start()
    for _ in read_file(path):
        pass
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--readings", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N timings")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one reader run")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc peaks")
    parser.add_argument("--baseline", type=Path, help="another checkout to time the reader against")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        big = Path(folder) / "big.d0010"
        small = Path(folder) / "small.d0010"
        records = generate(big, args.readings)
        generate(small, max(args.readings // 10, 1))
        print(f"file: {records + 2:,} lines, {big.stat().st_size / 1e6:.1f} MB, {args.readings:,} readings")
        # Interleaved, best of N each: on a shared machine the load drifts between runs.
        bare_times, runs, generic_times = [], [], []
        for _ in range(args.repeat):
            bare_times.append(bare(big))
            runs.append(reader(big))
            generic_times.append(reader(big, fast=False)[0])
        bare_best = min(bare_times)
        reader_best = min(run[0] for run in runs)
        _, events, rejected = runs[0]
        print(f"bare split loop: {records / bare_best:12,.0f} records/s ({bare_best:.2f} s)")
        print(
            f"full reader:     {records / reader_best:12,.0f} records/s ({reader_best:.2f} s), "
            f"{events:,} events, {rejected} rejected"
        )
        print(f"reader / bare:   {bare_best / reader_best:.1%} (target >= 25%)")
        generic_best = min(generic_times)
        print(
            f"generic reader (no fast path): {records / generic_best:,.0f} records/s, "
            f"{bare_best / generic_best:.1%} of bare; the fast path is {generic_best / reader_best:.2f}x it"
        )
        header = peek_dtc_header(big)
        assert header is not None
        start = clock()
        check_structure(big, CATALOGUE["D0010002"], header)
        structure = clock() - start
        print(
            f"of which the structure pass (counts, trailer): {structure:.2f} s, {structure / reader_best:.0%}"
        )
        floor = construction_floor(args.readings)
        print(
            f"floor: building only the {args.readings:,} RegisterReading objects takes {floor:.2f} s, "
            f"so no reader that builds them can exceed {bare_best / floor:.0%} of bare"
        )
        if not args.no_memory:
            small_peak, big_peak = peak(small), peak(big)
            print(
                f"tracemalloc peak: {small_peak / 1e6:.2f} MB for {args.readings // 10:,} readings, "
                f"{big_peak / 1e6:.2f} MB for {args.readings:,}"
            )
        if args.baseline is not None:
            against(args.baseline.resolve(), big, args.repeat)
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            reader(big)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
