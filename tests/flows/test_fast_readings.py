"""The D0010 / D0086 fast path reads exactly what the generic reader reads.

Every outcome (events, rejections with their line, field and reason, the file report)
must be the same, in the same order, with the fast path as without it: on every DTC
fixture, on long generated files (past the fast path's buffer and its switch to the
generic reader), and on randomly mutated files.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flow_helpers import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reader_fuzz import TOPS, mutate, mutation, recount

from flows.catalogue import CATALOGUE
from flows.dtc import Context, Outcome, parse_header, read_dtc
from flows.fast_readings import FAST_PATHS
from flows.reader import MAPPERS
from processors.vocabulary.events import MeterReadingsReceived
from processors.vocabulary.mpan import check_digit

DTC_FIXTURES = sorted(path.name for path in FIXTURES.iterdir() if path.read_bytes()[:30].startswith(b"ZHV|"))
HEADER = "ZHV|F000000001|D0010002|D|UDMS|X|MRCY|20240301120000||||OPER|\n"


def both(path: Path) -> tuple[list[Outcome], list[Outcome]]:
    return list(read_dtc(path, MAPPERS, None, FAST_PATHS)), list(read_dtc(path, MAPPERS, None, None))


def generated(path: Path, groups: int, line_end: str = "\n", extra: str = "") -> Path:
    """A D0010 of `groups` MPAN groups of the common shape (each with `extra` records)."""
    body = []
    for group in range(groups):
        first12 = f"12{group:010d}"
        body.append(f"026|{first12}{check_digit(first12)}|V|")
        body.append(f"028|M{group:09d}|R|")
        for register in ("01", "02"):
            body.append(f"030|{register}|20240229000000|{group}.5||||N|")
            body.append("032|00|T|")
        body.extend(extra.splitlines())
    tops = sum(1 for record in body if record.startswith("026|"))
    text = HEADER + "".join(record + line_end for record in body)
    path.write_text(text + f"ZPT|F000000001|{len(body)}||{tops}|20240301120500|{line_end}", newline="")
    return path


@pytest.mark.parametrize("name", DTC_FIXTURES)
def test_every_fixture_reads_the_same_with_and_without_the_fast_path(name: str) -> None:
    fast, generic = both(FIXTURES / name)
    assert fast == generic


@pytest.mark.parametrize(
    ("line_end", "extra"),
    [
        ("\n", ""),
        ("\r\n", ""),  # every group misses the fast path: the rest goes record by record
        ("\n", "033|01|\n"),  # a site visit in every group
        ("\n", "030|03|20240331010000|1.0||||N|\n"),  # a clock time that does not exist (BST)
        ("\n", "028|M1|Z|\n"),  # a reading type outside its code list
    ],
)
def test_long_files_read_the_same_with_and_without_the_fast_path(
    tmp_path: Path, line_end: str, extra: str
) -> None:
    path = generated(tmp_path / "long.d0010", 30_000, line_end, extra)  # past the fast path's buffer
    fast, generic = both(path)
    assert fast == generic
    assert len(fast) > 30_000


def test_a_group_longer_than_the_buffer_limit_reads_the_same(tmp_path: Path) -> None:
    many = "030|01|20240229000000|1.5||||N|\n" * 40_000  # one group of 1.3 MB: record by record
    fast, generic = both(generated(tmp_path / "big.d0010", 3, "\n", many))
    assert fast == generic
    assert len(fast) == 4


def test_a_common_group_takes_the_fast_path_and_an_unusual_one_does_not() -> None:
    read = FAST_PATHS["D0010002"].read
    context = Context(file=parse_header(HEADER.rstrip("\n")), path="f", test_data=False)
    common = "026|1200000000002|V|\n028|M1|R|\n030|01|20240229000000|12.5||||N|\n032|00|T|\n"
    event = read(common, 0, len(common), 2, context)
    assert isinstance(event, MeterReadingsReceived)
    assert event.meters[0].registers[0].validation is not None
    visited = common + "033|01|\n"
    assert read(visited, 0, len(visited), 2, context) is None
    assert CATALOGUE["D0010002"].by_code["033"].role == "site_visit"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    source=st.sampled_from(["d0010_valid.txt", "d0086_valid.txt", "d0010_crlf.txt"]),
    changes=st.lists(mutation, min_size=1, max_size=4),
    fix_counts=st.booleans(),
)
def test_mutated_files_read_the_same_with_and_without_the_fast_path(
    tmp_path_factory: pytest.TempPathFactory, source: str, changes: list[tuple[object, ...]], fix_counts: bool
) -> None:
    lines = (FIXTURES / source).read_bytes().rstrip(b"\n").split(b"\n")
    flow = lines[0].split(b"|")[2][:5].decode()
    for change in changes:
        lines = mutate(lines, change)
    if fix_counts:
        lines = recount(lines, TOPS[flow])
    path = tmp_path_factory.mktemp("fast") / "mutated.txt"
    path.write_bytes(b"\n".join(lines) + b"\n")
    fast, generic = both(path)
    assert fast == generic
