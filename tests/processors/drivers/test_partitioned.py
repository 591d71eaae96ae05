"""Keys folded in partitions (`replay(jobs=N)`): every output of one process, in its order."""

from __future__ import annotations

import shutil
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from flows.rejections import RejectedRecord
from processors.drivers.partitioned import Owned, _marked, _Worker, owner
from processors.drivers.replay import ReplayOutput, ReplaySummary, replay

ROOT = Path(__file__).resolve().parents[2].parent
sys.path.insert(0, str(ROOT / "bench"))

from halfhourly import write_log  # type: ignore[import-not-found]  # noqa: E402
from replay import Shape, generate  # type: ignore[import-not-found]  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "flows"


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Accounts, half-hourly data, malformed files and lines: every kind of output."""
    log = tmp_path_factory.mktemp("log")
    generate(log, Shape(readings=4000, points=400, days=30, accounts=True))
    write_log(log / "halfhourly.jsonl", sites=20, days=3)
    for name in ("d0010_truncated.txt", "d0010_field_counts.txt", "events_valid.jsonl", "binary_junk.bin"):
        shutil.copy(FIXTURES / name, log / name)
    shutil.copy(sorted(log.glob("*.D0010"))[0], log / "a_resent.D0010")  # a duplicate
    _damage(sorted(log.glob("*.D0010"))[3])
    with (log / "events.jsonl").open("a") as events:
        events.write('{"type": "nonsense", "occurred_at": "2024-01-05T10:00:00+00:00"}\n{broken\n')
    return log


def _damage(path: Path) -> None:
    """Damaged groups amid good ones, each read by its key's worker alone (a check digit, a
    field of the wrong width), and MPANs too short to be a key on the raw text (every
    worker reads those groups; worker 0 emits their rejections)."""
    lines = path.read_text().split("\n")
    for at in range(10, len(lines) - 2, 23):
        if lines[at].startswith("026|"):
            lines[at] = lines[at][:16] + str((int(lines[at][16]) + 1) % 10) + lines[at][17:]
        elif lines[at].startswith("030|"):
            lines[at] = lines[at][:20] + "99" + lines[at][22:]
    for at in range(50, len(lines) - 2, 61):
        if lines[at].startswith("026|"):
            lines[at] = "026|" + lines[at][5:]
    path.write_text("\n".join(lines))


def run(log: Path, until: date | None, jobs: int) -> tuple[list[ReplayOutput], ReplaySummary]:
    summary = ReplaySummary()
    outputs = list(replay([log], until, summary=summary, jobs=jobs))
    return outputs, replace(summary, worker_cpu_seconds=[])


@pytest.mark.parametrize("jobs", [2, 3])
def test_every_output_and_the_summary_are_those_of_one_process(log: Path, jobs: int) -> None:
    serial = run(log, date(2024, 4, 30), 1)
    kinds = {type(output).__name__ for output in serial[0]}
    assert {"RejectedRecord", "FileReport", "Anomaly"} <= kinds
    damaged = [o for o in serial[0] if isinstance(o, RejectedRecord) and o.path.endswith("000003.D0010")]
    assert len(damaged) > 10 and any("MPAN" in o.reason for o in damaged)
    assert run(log, date(2024, 4, 30), jobs) == serial  # file reports' counts of events included


def test_a_log_with_no_day_ticks_gives_the_outputs_of_one_process(log: Path) -> None:
    assert run(log, None, 2) == run(log, None, 1)


def test_the_workers_cpu_times_are_counted(log: Path) -> None:
    summary = ReplaySummary()
    list(replay([log], date(2024, 2, 1), summary=summary, jobs=2))
    assert len(summary.worker_cpu_seconds) == 2
    assert all(seconds > 0 for seconds in summary.worker_cpu_seconds)


def test_every_key_has_one_owner() -> None:
    keys = [f"{n:013d}" for n in range(1000)]
    owners = [owner(key, 3) for key in keys]
    assert {owners.count(w) for w in range(3)} <= set(range(250, 420))  # spread, not one worker
    for me in range(3):
        mine = Owned(me, 3)
        assert [mine[key] for key in keys] == [o == me for o in owners]


def test_a_worker_that_fails_is_reported_with_its_traceback(
    log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settle = _Worker.settle

    def broken(self: _Worker, phase: int) -> None:
        if self.me == 1:
            raise OSError("partition on fire")
        settle(self, phase)

    monkeypatch.setattr(_Worker, "settle", broken)  # forked workers inherit it
    with pytest.raises(RuntimeError, match="partition on fire"):
        list(replay([log], date(2024, 2, 1), jobs=2))


def test_a_ticks_outputs_go_with_the_subject_that_emitted_them() -> None:
    day = date(2024, 3, 1)
    marks = [((day, 0, "mpan:a"), (0, 0, 0)), ((day, 1, "account:b"), (2, 0, 1))]
    assert _marked(3, marks, 0) == [(day, 0, "mpan:a", 0), (day, 0, "mpan:a", 1), (day, 1, "account:b", 2)]
    assert _marked(1, marks, 2) == [(day, 0, "mpan:a", 0)]
    with pytest.raises(RuntimeError, match="no subject"):
        _marked(1, [], 0)  # emitted before any subject was named: its order is unknown


LATE_MPAN = "1200023305967"


def _late_log(tmp_path: Path, account: str) -> Path:
    """The billing example plus a registration its file's first pass cannot date (its key
    is written with an escape): it comes after its day has closed, so the engine folds it
    as a late input and its link to `account` is a follow-up on arrival."""
    log = tmp_path / "late"
    log.mkdir()
    shutil.copy(ROOT / "examples" / "events" / "billing.jsonl", log / "billing.jsonl")
    registration = (
        '{"type": "supply_point.registered", "event_id": "reg-late-%d", "%s": "%s", '
        f'"mpan": "{LATE_MPAN}", "account_id": "%s", "meter_kind": "traditional", "ssd": "2021-06-14"}}\n'
    )
    (log / "late.jsonl").write_text(
        registration % (1, "occurred_at", "2024-12-01T08:00:00Z", "D-200114")
        + registration % (2, "occurred\\u005fat", "2024-09-03T08:00:00Z", account)
    )
    return log


def _account_owned(jobs: int, *, same: bool) -> str:
    """An account id whose worker is (or is not) the late MPAN's."""
    return next(
        account
        for account in (f"Z-{n:06d}" for n in range(1000))
        if (owner(account, jobs) == owner(LATE_MPAN, jobs)) is same
    )


def test_a_late_events_follow_ups_of_its_own_partition_are_folded_at_once(tmp_path: Path) -> None:
    log = _late_log(tmp_path, _account_owned(2, same=True))
    serial, summary = run(log, date(2025, 3, 31), 1)
    assert summary.follow_ups > 0
    partitioned, partitioned_summary = run(log, date(2025, 3, 31), 2)
    assert (partitioned, partitioned_summary) == (serial, summary)
    assert partitioned_summary.in_one_process == ""


@pytest.mark.parametrize("jobs", [2, 3])
def test_a_late_events_follow_up_for_another_partition_folds_the_log_in_one_process(
    tmp_path: Path, jobs: int
) -> None:
    account = _account_owned(jobs, same=False)
    log = _late_log(tmp_path, account)
    serial, summary = run(log, date(2025, 3, 31), 1)
    partitioned, partitioned_summary = run(log, date(2025, 3, 31), jobs)
    assert partitioned == serial
    assert account in partitioned_summary.in_one_process
    assert replace(partitioned_summary, in_one_process="") == summary
