"""Mutated real files never make the reader raise, and every line is accounted for.

Each example takes a fixture file, applies random line and byte mutations, optionally
recomputes the trailer's counts (so mutations reach the record-level checks instead of
always failing the structure check), and reads it. Whatever the input, the reader ends
with one FileReport; when it reads the file, every body line is either inside an event
or in a rejection (the rejected record itself plus its `children`). D0217 and D0260,
whose file sequence records feed events without being one, are checked not to raise.
"""

from __future__ import annotations

from pathlib import Path

from flow_helpers import FIXTURES
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from flows import FileReport, FileStatus, RejectedRecord, RejectionScope, read_file
from processors.vocabulary.events import (
    CosReadingDisputed,
    CosReadingsNotified,
    DomainEvent,
    MeterReadingsReceived,
    ReadingNotObtained,
)

SOURCES = [
    "d0010_valid.txt",
    "d0010_crlf.txt",
    "d0086_valid.txt",
    "d0300_valid.txt",
    "d0004_valid.txt",
    "d0217_valid.txt",
    "d0260_valid.txt",
]
TOPS = {"D0010": b"026", "D0086": b"196", "D0300": b"58C", "D0004": b"014", "D0217": b"754", "D0260": b"757"}
# Their level-1 file sequence records feed every event without being one: not counted here.
CONTEXT_FLOWS = {"D0217", "D0260"}


def records_in(event: DomainEvent) -> int:
    """How many body records an event was read from."""
    if isinstance(event, (MeterReadingsReceived, CosReadingsNotified)):
        return (
            1
            + len(event.site_visits)
            + sum(
                1
                + len(meter.site_visits)
                + sum(1 + (r.validation is not None) + len(r.site_visits) for r in meter.registers)
                for meter in event.meters
            )
        )
    if isinstance(event, CosReadingDisputed):
        return 1 + sum(1 + len(meter.registers) for meter in event.meters)
    if isinstance(event, ReadingNotObtained):
        return 1 + sum(1 + len(attempt.site_visits) for attempt in event.attempts)
    raise AssertionError(f"unexpected event {event!r}")


mutation = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, 40)),
    st.tuples(st.just("duplicate"), st.integers(0, 40)),
    st.tuples(st.just("swap"), st.integers(0, 40), st.integers(0, 40)),
    st.tuples(st.just("byte"), st.integers(0, 40), st.integers(0, 80), st.binary(min_size=1, max_size=3)),
    st.tuples(st.just("field"), st.integers(0, 40), st.integers(0, 12), st.binary(max_size=16)),
    st.tuples(st.just("insert"), st.integers(0, 40), st.binary(max_size=30)),
    st.tuples(st.just("truncate"), st.integers(0, 2000)),
)


def mutate(lines: list[bytes], change: tuple[object, ...]) -> list[bytes]:
    if not lines:
        return lines
    kind, at = change[0], int(change[1]) % len(lines)  # type: ignore[call-overload]
    if kind == "delete":
        return lines[:at] + lines[at + 1 :]
    if kind == "duplicate":
        return lines[: at + 1] + lines[at:]
    if kind == "swap":
        other = int(change[2]) % len(lines)  # type: ignore[call-overload]
        lines = list(lines)
        lines[at], lines[other] = lines[other], lines[at]
        return lines
    if kind == "byte":
        line, pos, payload = lines[at], int(change[2]), change[3]  # type: ignore[call-overload]
        pos = pos % (len(line) + 1)
        assert isinstance(payload, bytes)
        return [*lines[:at], line[:pos] + payload + line[pos + 1 :], *lines[at + 1 :]]
    if kind == "field":
        fields = lines[at].split(b"|")
        fields[int(change[2]) % len(fields)] = change[3]  # type: ignore[call-overload]
        return [*lines[:at], b"|".join(fields), *lines[at + 1 :]]
    if kind == "insert":
        return [*lines[:at], change[2], *lines[at:]]  # type: ignore[list-item]
    joined = b"\n".join(lines)[: int(change[1])]  # type: ignore[call-overload]
    return joined.split(b"\n")


def recount(lines: list[bytes], top: bytes) -> list[bytes]:
    """Make the trailer agree with the mutated body, if there is one trailer at the end."""
    body = [line for line in lines[1:-1] if line.rstrip(b"\r")]
    if len(lines) < 2 or not lines[-1].startswith(b"ZPT|"):
        return lines
    fields = lines[-1].rstrip(b"\r").split(b"|")
    if len(fields) < 5:
        return lines
    fields[2] = str(len(body)).encode()
    fields[4] = str(sum(1 for line in body if line.startswith(top + b"|"))).encode()
    return [*lines[:-1], b"|".join(fields)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    source=st.sampled_from(SOURCES),
    changes=st.lists(mutation, min_size=1, max_size=4),
    fix_counts=st.booleans(),
)
@example(
    source="d0010_valid.txt", changes=[("byte", 0, 0, b"{")], fix_counts=False
)  # JSON, every line rejected
@example(source="d0010_valid.txt", changes=[("insert", 0, b"{")], fix_counts=False)
def test_mutated_files_never_raise_and_every_line_is_accounted_for(
    tmp_path_factory: object, source: str, changes: list[tuple[object, ...]], fix_counts: bool
) -> None:
    original = (FIXTURES / source).read_bytes()
    lines = original.rstrip(b"\n").split(b"\n")
    flow = lines[0].split(b"|")[2][:5].decode()
    for change in changes:
        lines = mutate(lines, change)
    if fix_counts:
        lines = recount(lines, TOPS[flow])
    data = b"\n".join(lines) + b"\n"
    path = Path(tmp_path_factory.mktemp("fuzz")) / "mutated.txt"  # type: ignore[attr-defined]
    path.write_bytes(data)

    outcomes = list(read_file(path))

    reports = [o for o in outcomes if isinstance(o, FileReport)]
    assert len(reports) == 1 and outcomes[-1] is reports[0]
    report = reports[0]
    event(f"{report.status.value}: {(report.detail or '').split(':')[0][:40]}")
    events = [o for o in outcomes if not isinstance(o, (FileReport, RejectedRecord))]
    rejections = [o for o in outcomes if isinstance(o, RejectedRecord)]
    assert (report.events, report.rejected) == (len(events), len(rejections))
    if report.flow == "json":  # the mutation made line 1 look like JSON: read (and rejected) as such
        assert all(r.scope is RejectionScope.MESSAGE for r in rejections)
        # a file of which every line was rejected is a rejected file, and only that one
        assert (report.status is FileStatus.REJECTED) == (bool(rejections) and not events)
        return
    if report.status is FileStatus.REJECTED:
        assert events == []
        assert [r.scope for r in rejections] == [RejectionScope.FILE]
        return
    assert report.status in (FileStatus.READ, FileStatus.TEST_DATA)
    assert len({e.event_id for e in events}) == len(events)
    if flow in CONTEXT_FLOWS:
        return
    all_lines = data.split(b"\n")
    trailer = max(i for i, line in enumerate(all_lines) if line.startswith(b"ZPT|"))
    body_lines = trailer - 1
    read = sum(records_in(e) for e in events)
    rejected = sum(1 + r.children for r in rejections)
    assert all(r.scope is RejectionScope.RECORD and r.line and 1 < r.line <= trailer for r in rejections)
    assert read + rejected == body_lines, (read, rejected, body_lines, rejections)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    changes=st.lists(st.tuples(st.integers(0, 20), st.integers(0, 400), st.binary(max_size=4)), max_size=5)
)
def test_mutated_json_lines_never_raise_and_each_line_is_read_or_rejected(
    tmp_path_factory: object, changes: list[tuple[int, int, bytes]]
) -> None:
    lines = (FIXTURES / "events_valid.jsonl").read_bytes().split(b"\n")
    for at, pos, payload in changes:
        index = at % len(lines)
        line = lines[index]
        lines[index] = line[:pos] + payload + line[pos + len(payload) :]
    data = b"\n".join(lines)
    path = Path(tmp_path_factory.mktemp("fuzz")) / "events.jsonl"  # type: ignore[attr-defined]
    path.write_bytes(data)
    outcomes = list(read_file(path))
    assert isinstance(outcomes[-1], FileReport)
    if not data.lstrip().startswith(b"{"):
        assert [type(o) for o in outcomes] == [RejectedRecord, FileReport]  # not JSON lines: rejected whole
        return
    lines_out = []
    for outcome in outcomes[:-1]:
        source = outcome.source if isinstance(outcome, DomainEvent) else outcome
        assert source is not None and source.line is not None  # type: ignore[union-attr]
        lines_out.append(source.line)  # type: ignore[union-attr]
    non_blank = [n for n, line in enumerate(data.split(b"\n"), start=1) if line.strip()]
    assert sorted(lines_out) == non_blank
