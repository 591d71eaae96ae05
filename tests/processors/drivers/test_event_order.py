"""The event-time log: files merged in event-time order with the day ticks of SPEC 2.3."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import processors.drivers.event_order as log_module
from flows import FileReport, FileStatus, Outcome, RejectedRecord
from processors.drivers.event_order import event_time_log
from processors.vocabulary.events import UK, DayClosed, DomainEvent

MPAN = "1200023305967"
OTHER = "1400123456786"


def d0010(path: Path, file_id: str, created: str, mpans: list[str], sender: str = "UDMS") -> Path:
    lines = [f"ZHV|{file_id}|D0010002|D|{sender}|X|OCTO|{created}||||OPER|"]
    for mpan in mpans:
        lines += [f"026|{mpan}|V|", "028|F75A 00802|R|", "030|01|20240229000000|56311.0|||T|N|"]
    lines.append(f"ZPT|{file_id}|{3 * len(mpans)}||{len(mpans)}|{created}|")
    path.write_text("\r\n".join(lines) + "\r\n")
    return path


def switch(event_id: str, at: str, mpan: str = MPAN) -> dict[str, Any]:
    return {
        "type": "switch.secured",
        "event_id": event_id,
        "occurred_at": at,
        "mpan": mpan,
        "ssd": "2024-04-20",
        "gaining_supplier": "BGAS",
    }


def jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def labels(items: list[Outcome]) -> list[str]:
    out = []
    for item in items:
        if isinstance(item, DayClosed):
            out.append(f"tick {item.closed_day}")
        elif isinstance(item, DomainEvent):
            out.append(item.event_id)
        elif isinstance(item, FileReport):
            out.append(f"report {Path(item.path).name} {item.status.value}")
        else:
            out.append(f"rejected {Path(item.path).name}:{item.line}")
    return out


def test_dtc_files_follow_their_header_timestamps_not_their_names(tmp_path: Path) -> None:
    d0010(tmp_path / "a_late.txt", "F2", "20240303090000", [MPAN])
    d0010(tmp_path / "b_early.txt", "F1", "20240301090000", [OTHER])
    items = list(event_time_log([tmp_path], until=None))
    assert labels(items) == [
        "UDMS/F1/2",
        "report b_early.txt read",
        "UDMS/F2/2",
        "report a_late.txt read",
    ]


def test_events_of_all_files_merge_in_time_order_with_unsorted_json_sorted(tmp_path: Path) -> None:
    d0010(tmp_path / "readings.D0010", "F1", "20240302090000", [MPAN])
    jsonl(
        tmp_path / "css.jsonl",
        [switch("late", "2024-03-03T08:00:00Z"), switch("early", "2024-03-01T08:00:00Z")],
    )
    jsonl(
        tmp_path / "more.jsonl", [switch("m1", "2024-03-02T08:00:00Z"), switch("m2", "2024-03-02T10:00:00Z")]
    )
    events = [e.event_id for e in event_time_log([tmp_path], until=None) if isinstance(e, DomainEvent)]
    assert events == ["early", "m1", "UDMS/F1/2", "m2", "late"]


def test_a_tick_closes_each_day_after_its_last_event_through_until(tmp_path: Path) -> None:
    jsonl(
        tmp_path / "css.jsonl",
        [
            switch("d1", "2024-03-01T08:00:00Z"),
            switch("d1b", "2024-03-01T20:00:00Z"),
            switch("d4", "2024-03-04T08:00:00Z"),
        ],
    )
    items = labels(list(event_time_log([tmp_path], until=date(2024, 3, 6))))
    assert items == [
        "d1",
        "d1b",
        "tick 2024-03-01",
        "tick 2024-03-02",
        "tick 2024-03-03",
        "d4",
        "report css.jsonl read",
        "tick 2024-03-04",
        "tick 2024-03-05",
        "tick 2024-03-06",
    ]


def test_ticks_are_uk_days_across_the_clock_change(tmp_path: Path) -> None:
    # 23:30 UTC on 31 March 2024 is 00:30 BST on 1 April: it belongs to 1 April.
    jsonl(
        tmp_path / "css.jsonl",
        [switch("march", "2024-03-31T12:00:00Z"), switch("april", "2024-03-31T23:30:00Z")],
    )
    items = labels(list(event_time_log([tmp_path], until=date(2024, 4, 1))))
    assert items == ["march", "tick 2024-03-31", "april", "report css.jsonl read", "tick 2024-04-01"]
    tick = next(i for i in event_time_log([tmp_path], until=date(2024, 4, 1)) if isinstance(i, DayClosed))
    assert tick.event_id == "tick/2024-03-31"
    assert tick.day == date(2024, 3, 31)


def test_no_ticks_without_until_and_none_past_it(tmp_path: Path) -> None:
    jsonl(tmp_path / "css.jsonl", [switch("a", "2024-03-01T08:00:00Z"), switch("b", "2024-03-05T08:00:00Z")])
    assert not any(isinstance(i, DayClosed) for i in event_time_log([tmp_path], until=None))
    items = labels(list(event_time_log([tmp_path], until=date(2024, 3, 2))))
    assert items == ["a", "tick 2024-03-01", "tick 2024-03-02", "b", "report css.jsonl read"]


def test_until_before_the_first_event_gives_no_ticks(tmp_path: Path) -> None:
    jsonl(tmp_path / "css.jsonl", [switch("a", "2024-03-01T08:00:00Z")])
    assert labels(list(event_time_log([tmp_path], until=date(2024, 2, 1)))) == ["a", "report css.jsonl read"]


def test_same_instant_keeps_the_input_order(tmp_path: Path) -> None:
    first = jsonl(tmp_path / "z.jsonl", [switch("from-z", "2024-03-01T09:00:00Z")])
    second = d0010(tmp_path / "a.D0010", "F1", "20240301090000", [MPAN])
    events = [e.event_id for e in event_time_log([first, second], until=None) if isinstance(e, DomainEvent)]
    assert events == ["from-z", "UDMS/F1/2"]
    events = [e.event_id for e in event_time_log([second, first], until=None) if isinstance(e, DomainEvent)]
    assert events == ["UDMS/F1/2", "from-z"]


def test_rejections_and_duplicates_pass_through(tmp_path: Path) -> None:
    d0010(tmp_path / "first.D0010", "F1", "20240301090000", [MPAN, "1234567890123"])
    # a resend: the same bytes (other content under the same key is a conflict, test_conflicts.py)
    d0010(tmp_path / "copy.D0010", "F1", "20240301090000", [MPAN, "1234567890123"])
    items = list(event_time_log([tmp_path / "first.D0010", tmp_path / "copy.D0010"], until=None))
    rejected = [i for i in items if isinstance(i, RejectedRecord)]
    assert [(Path(r.path).name, r.line) for r in rejected] == [("first.D0010", 5)]
    reports = {Path(i.path).name: i.status for i in items if isinstance(i, FileReport)}
    assert reports == {"first.D0010": FileStatus.READ, "copy.D0010": FileStatus.DUPLICATE}
    assert [i.event_id for i in items if isinstance(i, DomainEvent)] == ["UDMS/F1/2"]


def test_a_broken_json_line_is_rejected_and_the_rest_still_ordered(tmp_path: Path) -> None:
    path = tmp_path / "css.jsonl"
    path.write_text(
        json.dumps(switch("b", "2024-03-02T08:00:00Z"))
        + "\n{not json\n"
        + json.dumps(switch("a", "2024-03-01T08:00:00Z"))
        + "\n"
    )
    items = list(event_time_log([path], until=None))
    assert [i.event_id for i in items if isinstance(i, DomainEvent)] == ["a", "b"]
    assert [i.line for i in items if isinstance(i, RejectedRecord)] == [2]


def test_dtc_files_are_read_one_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Constant memory: a DTC file is opened only when the log reaches it."""
    for day in range(1, 4):
        d0010(tmp_path / f"r{day}.D0010", f"F{day}", f"2024030{day}090000", [MPAN])
    opened: list[str] = []
    real = log_module.read_file  # type: ignore[attr-defined]

    def spying(path: Path, seen: Any = None) -> Iterator[Outcome]:
        opened.append(path.name)
        return real(path, seen)

    monkeypatch.setattr(log_module, "read_file", spying)
    log = event_time_log([tmp_path], until=None)
    first = next(log)
    assert isinstance(first, DomainEvent) and first.event_id == "UDMS/F1/2"
    assert opened == ["r1.D0010"]
    list(log)
    assert opened == ["r1.D0010", "r2.D0010", "r3.D0010"]


def test_every_day_is_closed_exactly_once(tmp_path: Path) -> None:
    rows = [switch(f"e{n}", f"2024-01-{n:02d}T12:00:00Z") for n in (3, 3, 9, 20, 20, 28)]
    jsonl(tmp_path / "css.jsonl", rows)
    until = date(2024, 2, 10)
    ticks = [i.closed_day for i in event_time_log([tmp_path], until) if isinstance(i, DayClosed)]
    first = date(2024, 1, 3)
    assert ticks == [first + timedelta(days=n) for n in range((until - first).days + 1)]


def test_a_file_that_cannot_be_opened_is_reported_not_raised(tmp_path: Path) -> None:
    items = list(event_time_log([tmp_path / "gone.jsonl"], until=date(2024, 3, 1)))
    assert [type(i).__name__ for i in items] == ["RejectedRecord", "FileReport"]
    assert isinstance(items[-1], FileReport) and items[-1].status is FileStatus.REJECTED


def test_daily_json_files_are_opened_only_when_the_log_reaches_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for day in range(1, 4):
        jsonl(tmp_path / f"day{day}.jsonl", [switch(f"e{day}", f"2024-03-0{day}T09:00:00Z")])
    opened: list[str] = []
    real = log_module.read_file  # type: ignore[attr-defined]

    def spying(path: Path, seen: Any = None) -> Iterator[Outcome]:
        opened.append(path.name)
        yield from real(path, seen)

    monkeypatch.setattr(log_module, "read_file", spying)
    log = event_time_log([tmp_path], until=None)
    assert next(log).event_id == "e1"  # type: ignore[union-attr]
    assert opened == ["day1.jsonl"]
    assert [i.event_id for i in log if isinstance(i, DomainEvent)] == ["e2", "e3"]
    assert opened == ["day1.jsonl", "day2.jsonl", "day3.jsonl"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    files=st.lists(
        st.lists(st.integers(min_value=0, max_value=24 * 20 - 1), min_size=0, max_size=6),
        min_size=1,
        max_size=4,
    ),
    dtc_hours=st.lists(st.integers(min_value=0, max_value=24 * 20 - 1), max_size=4),
    until_day=st.integers(min_value=0, max_value=25),
)
def test_any_mix_of_files_comes_out_in_time_order_with_every_day_closed_once(
    tmp_path_factory: pytest.TempPathFactory, files: list[list[int]], dtc_hours: list[int], until_day: int
) -> None:
    """Hours after 2024-03-01T00:00Z, shuffled within each JSON file; DTC files at whole hours."""
    folder = tmp_path_factory.mktemp("mix")
    start = datetime(2024, 3, 1, tzinfo=UTC)
    expected_ids = set()
    for n, hours in enumerate(files):
        rows = [switch(f"j{n}-{k}", (start + timedelta(hours=h)).isoformat()) for k, h in enumerate(hours)]
        jsonl(folder / f"events{n}.jsonl", rows)
        expected_ids |= {row["event_id"] for row in rows}
    for n, hour in enumerate(dtc_hours):
        created = (start + timedelta(hours=hour)).astimezone(UK)
        d0010(folder / f"flow{n}.D0010", f"F{n}", f"{created:%Y%m%d%H%M%S}", [MPAN])
        expected_ids.add(f"UDMS/F{n}/2")
    until = date(2024, 3, 1) + timedelta(days=until_day)
    items = list(event_time_log([folder], until))
    events = [i for i in items if isinstance(i, DomainEvent) and not isinstance(i, DayClosed)]
    assert sorted(e.event_id for e in events) == sorted(expected_ids)
    instants = [e.occurred_at for e in events]
    assert instants == sorted(instants)
    ticks = [i.closed_day for i in items if isinstance(i, DayClosed)]
    if events:
        first = events[0].day
        assert ticks == [first + timedelta(days=n) for n in range((until - first).days + 1)]
    else:
        assert ticks == []
    closed: set[date] = set()
    for item in items:  # no event comes after the tick of its own day
        if isinstance(item, DayClosed):
            closed.add(item.closed_day)
        elif isinstance(item, DomainEvent):
            assert item.day not in closed
