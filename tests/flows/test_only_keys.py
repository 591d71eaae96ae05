"""`flows.dtc.only_keys`: the fast path skips the event groups of refused keys, and says
where every outcome it does give stands in the whole file (`replay --jobs N` relies on it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_fast_readings import generated

from flows.dtc import Outcome, only_keys, read_dtc, skipped_groups
from flows.fast_readings import FAST_PATHS
from flows.reader import MAPPERS
from flows.rejections import FileReport
from processors.vocabulary.events import DtcEvent


def keep(mpan: str) -> bool:
    return int(mpan[-2]) % 2 == 0


@pytest.fixture(autouse=True)
def no_key_test_after() -> Iterator[None]:
    yield
    only_keys(None)


def refused(outcome: Outcome) -> bool:
    return isinstance(outcome, DtcEvent) and not keep(outcome.mpan)  # type: ignore[attr-defined]


def placed(path: Path) -> list[tuple[int, Outcome]]:
    """Each outcome with its place in the whole file: those before it plus the groups skipped."""
    start = skipped_groups()
    read = read_dtc(path, MAPPERS, None, FAST_PATHS)
    return [(index + skipped_groups() - start, outcome) for index, outcome in enumerate(read)]


def spoilt(path: Path) -> Path:
    """Groups the fast path cannot read amid runs: a check digit, a time that does not exist."""
    lines = path.read_text().split("\n")
    for at in range(40, len(lines) - 2, 997):
        record = lines[at]
        if record.startswith("026|"):
            lines[at] = record[:16] + str((int(record[16]) + 1) % 10) + record[17:]
        elif record.startswith("030|"):
            lines[at] = record.replace("20240229000000", "20240331013000")
    path.write_text("\n".join(lines))
    return path


@pytest.mark.parametrize("damaged", [False, True])
def test_the_groups_of_refused_keys_are_skipped_and_every_other_outcome_stays_in_place(
    tmp_path: Path, damaged: bool
) -> None:
    path = generated(tmp_path / "long.d0010", 6_000)
    if damaged:
        spoilt(path)
    whole = list(read_dtc(path, MAPPERS, None, FAST_PATHS))
    only_keys(keep)
    before = skipped_groups()
    kept = placed(path)
    skipped = skipped_groups() - before
    assert 2_000 < skipped < 4_000  # about half the MPANs refused
    assert len(kept) + skipped == len(whole)
    assert all(whole[place] == outcome for place, outcome in kept)  # each where one reader has it
    assert [o for _, o in kept if not refused(o)] == [o for o in whole if not refused(o)]
    report = kept[-1][1]
    assert isinstance(report, FileReport) and report == whole[-1]  # every event counted
    assert report.events == sum(isinstance(o, DtcEvent) for o in whole)


def test_without_a_key_test_nothing_is_skipped(tmp_path: Path) -> None:
    path = generated(tmp_path / "short.d0010", 500)
    before = skipped_groups()
    assert [outcome for _, outcome in placed(path)] == list(read_dtc(path, MAPPERS, None, None))
    assert skipped_groups() == before
