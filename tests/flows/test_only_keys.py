"""`flows.dtc.only_keys`: the reader leaves unread the event groups of refused keys, reads
the rest, and says which region each outcome is from (`replay --jobs N` relies on it)."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from test_fast_readings import HEADER, generated

from flows.dtc import Outcome, only_keys, read_dtc
from flows.fast_readings import FAST_PATHS
from flows.reader import MAPPERS
from flows.rejections import FileReport, RejectedRecord
from processors.vocabulary.events import DtcEvent
from processors.vocabulary.mpan import check_digit

Placed = tuple[int, int, bool, Outcome]
"""(region's first line, index in the region, the region's key kept, outcome)."""


def keep(mpan: str) -> bool:
    return int(mpan[-2]) % 2 == 0


def refuse(mpan: str) -> bool:
    return not keep(mpan)


@pytest.fixture(autouse=True)
def no_key_test_after() -> Iterator[None]:
    yield
    only_keys(None)


def placed(path: Path, test: Callable[[str], bool]) -> list[Placed]:
    """Every outcome but the file's report, with its region as the reader gives it."""
    region = only_keys(test)
    out: list[Placed] = []
    at, index = -1, 0
    for outcome in read_dtc(path, MAPPERS, None, FAST_PATHS):
        line, own = region
        if isinstance(outcome, FileReport):
            continue
        if line < 0:  # an event of a run of kept groups: its own line is its region's
            assert isinstance(outcome, DtcEvent) and own and outcome.source is not None
            line = outcome.source.line or 0
        index = index + 1 if line == at else 0
        at = line
        out.append((line, index, own, outcome))
    return out


def spoilt(path: Path) -> Path:
    """Damaged groups amid good ones: a check digit, a time that does not exist, and an
    MPAN too short to be read as a key on the raw text."""
    lines = path.read_text().split("\n")
    for at in range(40, len(lines) - 2, 997):
        record = lines[at]
        if record.startswith("026|"):
            lines[at] = record[:16] + str((int(record[16]) + 1) % 10) + record[17:]
        elif record.startswith("030|"):
            lines[at] = record.replace("20240229000000", "20240331013000")
    for at in range(500, len(lines) - 2, 1499):
        if lines[at].startswith("026|"):
            lines[at] = "026|" + lines[at][5:]
    path.write_text("\n".join(lines))
    return path


def mpan(outcome: Outcome) -> str:
    return outcome.mpan if isinstance(outcome, DtcEvent) else ""  # type: ignore[attr-defined]


@pytest.mark.parametrize("damaged", [False, True])
def test_two_complementary_key_tests_read_every_outcome_once_in_its_place(
    tmp_path: Path, damaged: bool
) -> None:
    path = generated(tmp_path / "long.d0010", 6_000)
    if damaged:
        spoilt(path)
    whole = list(read_dtc(path, MAPPERS, None, FAST_PATHS))[:-1]
    evens, odds = placed(path, keep), placed(path, refuse)
    # A region every process reads (its key unreadable) is the same in both.
    shared = [p for p in evens if not p[2]]
    assert shared == [p for p in odds if not p[2]]
    assert bool(shared) is damaged
    # Each kept region is read by one of the two; together, in region order, they are the whole file's.
    together = sorted([p for p in evens + odds if p[2]] + shared, key=lambda p: (p[0], p[1]))
    assert [p[3] for p in together] == whole
    assert 2_000 < sum(isinstance(p[3], DtcEvent) for p in evens) < 4_000  # about half the MPANs read
    for line, _, own, outcome in evens:
        if own and isinstance(outcome, DtcEvent):
            assert keep(mpan(outcome)) and outcome.source is not None and outcome.source.line == line
    if damaged:  # a damaged group's rejection is read by its key's process alone
        for side in (evens, odds):
            assert any(own and isinstance(outcome, RejectedRecord) for _, _, own, outcome in side)


def test_without_a_key_test_nothing_is_skipped(tmp_path: Path) -> None:
    path = generated(tmp_path / "short.d0010", 500)
    assert list(read_dtc(path, MAPPERS, None, FAST_PATHS)) == list(read_dtc(path, MAPPERS, None, None))


def test_from_a_buffer_that_is_not_ascii_every_process_reads_the_rest(tmp_path: Path) -> None:
    path = generated(tmp_path / "accented.d0010", 6_000)
    lines = path.read_text().split("\n")
    at = next(n for n in range(len(lines) // 2, len(lines)) if lines[n].startswith("028|"))
    lines[at] = lines[at].replace("|", "é|", 1)  # a meter id the fast path does not take
    path.write_text("\n".join(lines))
    whole = list(read_dtc(path, MAPPERS, None, FAST_PATHS))[:-1]
    evens, odds = placed(path, keep), placed(path, refuse)
    shared = [p for p in evens if not p[2]]
    assert shared == [p for p in odds if not p[2]]
    assert len(shared) > 1_000  # the file's rest, from the buffer holding the accent
    together = sorted([p for p in evens + odds if p[2]] + shared, key=lambda p: (p[0], p[1]))
    assert [p[3] for p in together] == whole


def written(path: Path, body: list[str], final_newline: bool = True) -> Path:
    """A D0010 of `body`'s records with a header and a matching trailer."""
    tops = sum(1 for record in body if record.startswith("026|"))
    trailer = f"ZPT|F000000001|{len(body)}||{tops}|20240301120500|" + ("\n" if final_newline else "")
    path.write_text(HEADER + "".join(record + "\n" for record in body) + trailer, newline="")
    return path


def records_of(groups: int, extra: int = 0) -> list[str]:
    """The records of `generated`'s groups, each group with `extra` more readings."""
    body = []
    for group in range(groups):
        first12 = f"12{group:010d}"
        body += [f"026|{first12}{check_digit(first12)}|V|", f"028|M{group:09d}|R|"]
        for register in ("01", "02", *(f"{3 + n:02d}" for n in range(extra))):
            body += [f"030|{register}|20240229000000|{group}.5||||N|", "032|00|T|"]
    return body


def keyless_everywhere(body: list[str]) -> list[str]:
    """Every 37th group's MPAN too short to read raw (some fall at a buffer's last or
    first region), the first group's too, and every 53rd group's check digit wrong."""
    tops = [at for at, record in enumerate(body) if record.startswith("026|")]
    out = list(body)
    for n, at in enumerate(tops):
        if n % 37 == 0:
            out[at] = "026|" + out[at][5:]
        elif n % 53 == 0:
            out[at] = out[at][:16] + str((int(out[at][16]) + 1) % 10) + out[at][17:]
    return out


def without_bars(body: list[str]) -> list[str]:
    """The first 100 groups' MPAN records cut after the MPAN: its `|` missing."""
    return [record[:-3] if record.startswith("026|1200000000") else record for record in body]


def partition(jobs: int, me: int) -> Callable[[str], bool]:
    return lambda mpan: zlib.crc32(mpan.encode()) % jobs == me


SHAPES: dict[str, Callable[[], tuple[list[str], bool]]] = {
    "many buffers": lambda: (records_of(9_000), True),
    "keyless at the cuts": lambda: (keyless_everywhere(records_of(9_000)), True),
    "long regions": lambda: (keyless_everywhere(records_of(2_000, extra=12)), True),
    "one region": lambda: (records_of(1), True),
    "one region, no last newline": lambda: (records_of(1), False),
    "a record before the first group": lambda: (["028|M000000001|R|", *records_of(3_000)], True),
    "the last group keyless, no last newline": lambda: (keyless_everywhere(records_of(37 * 40 + 1)), False),
    "an MPAN without its bar": lambda: (
        [r[:-3] if r.startswith("026|1200000000") else r for r in records_of(900)],
        True,
    ),
}


@pytest.mark.parametrize("jobs", [1, 2, 3])
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_partitions_together_read_the_whole_file_in_its_places(tmp_path: Path, shape: str, jobs: int) -> None:
    body, final_newline = SHAPES[shape]()
    path = written(tmp_path / "shaped.d0010", body, final_newline)
    whole = list(read_dtc(path, MAPPERS, None, FAST_PATHS))[:-1]
    sides = [placed(path, partition(jobs, me)) for me in range(jobs)]
    shared = [p for p in sides[0] if not p[2]]
    for side in sides[1:]:
        assert [p for p in side if not p[2]] == shared  # every process reads a region without a key
    together = sorted([p for side in sides for p in side if p[2]] + shared, key=lambda p: (p[0], p[1]))
    assert [p[3] for p in together] == whole
    for me, side in enumerate(sides):
        for line, _, own, outcome in side:
            if own and isinstance(outcome, DtcEvent):
                assert partition(jobs, me)(mpan(outcome)) and outcome.source is not None
                assert outcome.source.line == line
