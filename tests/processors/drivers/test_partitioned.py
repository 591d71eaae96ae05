"""Keys folded in partitions (`replay(jobs=N)`): every output of one process, in its order."""

from __future__ import annotations

import shutil
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from flows import messages
from flows.rejections import RejectedRecord
from processors.drivers.event_order import DayBoundary, _scan, event_time_log
from processors.drivers.partitioned import Owned, _marked, _Worker, owner
from processors.drivers.partitioned_json import JsonPart
from processors.drivers.replay import ReplayOutput, ReplaySummary, replay

ROOT = Path(__file__).resolve().parents[2].parent
sys.path.insert(0, str(ROOT / "bench"))

from halfhourly import write_log  # type: ignore[import-not-found]  # noqa: E402
from replay import Shape, generate, mpan_for  # type: ignore[import-not-found]  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "flows"


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Accounts, half-hourly data, malformed files and lines: every kind of output."""
    log = tmp_path_factory.mktemp("log")
    generate(log, Shape(readings=4000, points=400, days=30, accounts=True))
    write_log(log / "halfhourly.jsonl", sites=20, days=3)
    for name in ("d0010_truncated.txt", "d0010_field_counts.txt", "binary_junk.bin"):
        shutil.copy(FIXTURES / name, log / name)
    # Its ids are the generated log's (reg-0, ...) with other content: renamed, or the
    # partitioned run would rightly fold the log in one process (an id read twice).
    valid = (FIXTURES / "events_valid.jsonl").read_text()
    (log / "events_valid.jsonl").write_text(valid.replace('"event_id": "', '"event_id": "fixture-'))
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
    partitioned = run(log, date(2024, 4, 30), jobs)
    assert partitioned == serial  # file reports' counts of events included
    assert partitioned[1].in_one_process == ""


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


# --- JSON lines parsed by their key's worker only (`partitioned_json`) -------------------

_REGISTRATION = (
    '{"type": "supply_point.registered", "event_id": "%s", "occurred_at": "%s", "mpan": "%s", '
    '"account_id": "J-%s", "meter_kind": "traditional", "ssd": "2024-01-01"%s}\n'
)


def _mpans(count: int) -> list[str]:
    return [mpan_for(900000 + n) for n in range(count)]


def _json_log(tmp_path: Path, *, clash: str = "", jobs: int = 2) -> Path:
    """bench/replay's log plus a second JSON-lines file, in time order, of the lines the
    workers must agree on: events of many keys on days the other file and the D0010 files
    also move on, a day moved on by a rejected line, an id read twice with other content
    (by one key's worker, or at the time `clash` by two of `jobs`), lines whose key cannot be read
    raw (no key field, a number for it, not JSON), a time with an offset, an escaped key
    and a late line (its time escaped, so the first pass cannot date it)."""
    log = tmp_path / ("clash" if clash else "json")
    generate(log, Shape(readings=3000, points=300, days=20))
    mpans = _mpans(40)
    lines = []
    for n, mpan in enumerate(mpans):
        day = 1 + n // 2
        lines.append(_REGISTRATION % (f"j-{n}", f"2024-01-{day:02d}T12:00:0{n % 2}Z", mpan, n, ""))
        if n % 6 == 1:  # a rejection on a later day than any event before it: moves no day
            lines.append(
                _REGISTRATION % (f"bad-{n}", f"2024-01-{day + 1:02d}T01:00:00Z", mpan, n, ', "x": 1')
            )
    lines += [
        # Ids read again with other content, at the time of the line before (so no other
        # worker needs to parse them): j-3 at another time, j-5 with another account.
        _REGISTRATION % ("j-3", "2024-01-20T12:00:01Z", mpans[3], 3, ""),
        _REGISTRATION % ("j-5", "2024-01-20T12:00:01Z", mpans[5], 99, ""),
        '{"type": "supply_point.registered", "event_id": "n-1", "occurred_at": "2024-01-22T10:00:00Z", '
        '"mpan": 1234}\n',
        "{broken\n",
        "\n",
        '{"type": "nonsense", "occurred_at": "2024-01-22T11:00:00Z", "mpan": "1"}\n',
        _REGISTRATION % ("o-1", "2024-01-23T09:00:00+01:00", mpans[6], 6, ""),
        _REGISTRATION.replace('"mpan"', '"\\u006dpan"') % ("e-1", "2024-01-23T10:00:00Z", mpans[7], 7, ""),
        _REGISTRATION.replace('"occurred_at"', '"occurred\\u005fat"')
        % ("late-1", "2024-01-02T10:00:00Z", mpans[8], 8, ""),
    ]
    if clash:  # reg-1 (events.jsonl) again, other content, another worker's key
        first = owner("1100000000017", jobs)
        other = next(m for m in mpans if owner(m, jobs) != first)
        if not clash.startswith("2024-01-24"):  # after a line at its time: reg-1's worker passes it over
            lines.append(
                _REGISTRATION % ("k-1", clash, next(m for m in mpans if owner(m, jobs) == first), 1, "")
            )
        lines.append(_REGISTRATION % ("reg-1", clash, other, 1, ""))
    (log / "extra.jsonl").write_text("".join(lines))
    assert _scan(log / "extra.jsonl")[0]  # in time order: read in part
    return log


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_json_lines_read_by_their_workers_give_the_outputs_of_one_process(tmp_path: Path, jobs: int) -> None:
    log = _json_log(tmp_path)
    serial = run(log, date(2024, 3, 1), 1)
    rejected = [o for o in serial[0] if isinstance(o, RejectedRecord) and o.path.endswith("extra.jsonl")]
    assert len(rejected) == 12 and any("was already read" in o.reason for o in rejected)
    partitioned, summary = run(log, date(2024, 3, 1), jobs)
    assert (partitioned, summary) == serial  # the report of extra.jsonl counts every worker's lines
    assert summary.in_one_process == ""


@pytest.mark.parametrize("jobs", [2, 3])
@pytest.mark.parametrize("at", ["2024-01-23T10:00:00Z", "2024-01-24T08:00:00Z"])  # passed over, moves a day
def test_an_id_read_by_two_workers_with_other_content_folds_the_log_in_one_process(
    tmp_path: Path, jobs: int, at: str
) -> None:
    log = _json_log(tmp_path, clash=at, jobs=jobs)
    serial, summary = run(log, date(2024, 3, 1), 1)
    assert any(isinstance(o, RejectedRecord) and o.raw == "reg-1" for o in serial)
    partitioned, partitioned_summary = run(log, date(2024, 3, 1), jobs)
    assert partitioned == serial
    assert "event id" in partitioned_summary.in_one_process
    assert replace(partitioned_summary, in_one_process="") == summary


def test_each_worker_parses_its_own_lines_and_few_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = _json_log(tmp_path)
    parse = messages.parse_event
    parsed: list[tuple[str, int | None]] = []

    def counted(text: str, source: messages.Source) -> messages.DomainEvent:
        parsed.append((source.path, source.line))
        return parse(text, source)

    monkeypatch.setattr(messages, "parse_event", counted)
    every = set()
    for item in event_time_log([log], date(2024, 3, 1)):
        if (
            isinstance(item, messages.DomainEvent)
            and item.source is not None
            and item.source.path.endswith("jsonl")
        ):
            every.add((item.source.path, item.source.line, owner(item.partition_key, 2)))
    lines = {(path, line) for path, line, _ in every}
    assert len(parsed) >= len(lines) > 300
    for me in range(2):
        parsed.clear()
        days = DayBoundary()
        part = JsonPart(me, Owned(me, 2).__getitem__, days)
        list(event_time_log([log], date(2024, 3, 1), json_runs=part, days=days))
        mine = {(path, line) for path, line, worker in every if worker == me}
        assert mine <= set(parsed)  # its own lines, all of them
        others = set(parsed) - mine
        assert 0 < len(others) < 80  # and no more than the lines every worker must judge
