"""The event-time log: every input file as one stream of events in event-time order,
with the day ticks that close each day (SPEC 2.3).

Order: the UK instant of each event (`occurred_at`; UK days follow instants, so this is
UK day then time), then the input order of the files (as `iter_input_files` lists them),
then the order within a file. Rejected records and file reports pass through where their
file is being read.

- DTC files: every event of a file has the file's creation timestamp, so files are
  ordered by their header alone (`peek_dtc_header`) and read one after another, one
  open file at a time: memory stays constant however large the files.
- JSON-lines files: a cheap first pass over the `occurred_at` texts finds the earliest
  and whether they are in time order. A file is opened by the reader only when the log
  reaches its earliest event (a folder of daily files is read one at a time); it is
  streamed when in time order (the usual export of a log), else read whole and sorted
  in memory, which costs memory in proportion to that file's events. Overlapping
  JSON-lines files are merged as streams.
- Ticks: `DayClosed` for each UK day from the first event's day through `until`, each
  right after the last event of its day (days with no events included). None when
  `until` is None. Events after `until` still pass through, with no ticks for their
  days: the same log as `meterflow ingest --until` publishes.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import fields
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import Any

from flows import (
    InMemorySeenFiles,
    Outcome,
    SeenFiles,
    iter_input_files,
    not_a_file,
    peek_dtc_header,
    read_file,
)
from flows.limits import MAX_RECORD_BYTES, skip_rest_of_line, too_long
from flows.rejections import FileReport, RejectedRecord, RejectionScope
from processors.vocabulary.events import UK, DayClosed, DomainEvent, Source, end_of_day

Key = tuple[datetime, int]
Run = tuple[Key, Iterable[Any]]
"""Items that share one key: a whole DTC file, or one JSON-lines event (outcomes; a
worker of `replay --jobs N` reads placeholders of others' too)."""
Head = list[Key | None]
"""A JSON-lines stream's bound while it is the merge's head: the least key of the other
streams (None when it is the only one left), its one item set by `_merge`."""
JsonRuns = Callable[[Path, Key, SeenFiles, "EventIds", Head, bool], Iterator[Run]]
"""The runs of a JSON-lines file (path, bookmark key, seen files, ids, head, in time order)."""

_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
_OCCURRED_AT = re.compile(rb'"occurred_at"\s*:\s*"([^"]*)"')


def day_ticks(first: date, last: date) -> Iterator[DayClosed]:
    """`DayClosed` for every day from `first` through `last`."""
    day = first
    while day <= last:
        yield DayClosed.for_day(day, end_of_day(day))
        day += timedelta(days=1)


class DayBoundary:
    """Where the log's days stand: `at`, the start of the day after the one the next tick
    closes (an event before it cannot move the day on), None before the first event."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def moves(self, instant: datetime) -> bool:
        """Whether an event at `instant` would move the day on (bring ticks)."""
        return self.at is None or instant >= self.at


def event_time_log(  # noqa: PLR0917 - the workers' hooks, each optional
    paths: Sequence[Path | str],
    until: date | None,
    seen: SeenFiles | None = None,
    read_dtc_file: Callable[[Path, SeenFiles], Iterable[Any]] | None = None,
    json_runs: JsonRuns | None = None,
    ids: EventIds | None = None,
    days: DayBoundary | None = None,
) -> Iterator[Outcome]:
    """Every input in event-time order, with day ticks through `until` (see the module doc).

    `replay --jobs N`'s workers read their partition's part: `read_dtc_file` gives a DTC
    file's items where the log reaches it (default `read_file`; the ticks follow the
    DomainEvents it gives), `json_runs` a JSON-lines file's runs (default: every line
    read), `ids` checks the event ids, `days` is kept where the log's days stand."""
    seen = InMemorySeenFiles() if seen is None else seen
    dtc: list[tuple[datetime, int, Path]] = []
    others: list[Iterator[Run]] = []
    heads: list[Head | None] = [None]
    ids = EventIds() if ids is None else ids
    for index, path in enumerate(iter_input_files(paths)):
        # Not opened unless a regular file: a FIFO would block (the reader rejects it).
        header = peek_dtc_header(path) if not_a_file(path) is None else None
        if header is not None:
            dtc.append((header.created_at, index, path))
        else:
            head: Head = [None]
            heads.append(head)
            others.append(_json_lines(path, index, seen, ids, head, json_runs))
    dtc.sort(key=lambda t: (t[0], t[1]))
    return _with_ticks(
        _merge([_dtc_files(dtc, seen, read_dtc_file or read_file), *others], heads), until, days
    )


def _dtc_files(
    files: list[tuple[datetime, int, Path]],
    seen: SeenFiles,
    read_dtc_file: Callable[[Path, SeenFiles], Iterable[Any]],
) -> Iterator[Run]:
    """Each file is one run: all its events have the header's timestamp. The file is opened
    only when the merge reaches it."""
    for created_at, index, path in files:
        yield (created_at, index), read_dtc_file(path, seen)  # a generator: reads when iterated


def _scan(path: Path) -> tuple[bool, datetime | None]:
    """A cheap first pass over a JSON-lines file's `occurred_at` texts: whether they never
    go back in time, and the earliest. Lines it cannot judge are left to the reader."""
    last: datetime | None = None
    earliest: datetime | None = None
    in_order = True
    if not_a_file(path) is not None:
        return True, None  # the reader rejects it by name
    try:
        lines = path.open("rb")
    except OSError:
        return True, None  # the reader reports the file it cannot open
    with lines:
        for line in iter(partial(lines.readline, MAX_RECORD_BYTES + 1), b""):
            if too_long(line):
                skip_rest_of_line(lines)  # the reader rejects it
                continue
            instant = raw_instant(line)
            if instant is None:
                continue
            if last is not None and instant < last:
                in_order = False
            if earliest is None or instant < earliest:
                earliest = instant
            last = instant
    return in_order, earliest


def raw_instant(line: bytes) -> datetime | None:
    """A JSON line's `occurred_at` read raw (its first, when an aware ISO instant), unparsed."""
    found = _OCCURRED_AT.search(line)
    if found is None:
        return None
    try:
        return aware_instant(found.group(1).decode("ascii"))
    except UnicodeDecodeError:
        return None


def aware_instant(text: str) -> datetime | None:
    """An ISO instant with its UTC offset; None for any other text."""
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        return None
    return None if instant.tzinfo is None else instant


class EventIds:
    """The JSON-lines event ids of one log, each with a digest of its content (a hash of
    its fields, where it was read left out) and where it was first read, so the same id
    with other content is a rejection naming both places, not a silent no-op. DTC events
    need none: their id is their file's key and line, and a file key is seen once.

    Kept in one int per id, under the id's hash (not the id: its text is the larger part):
    the content's 64-bit digest, the first file (an index into `_paths`) and line."""

    def __init__(self) -> None:
        self._first: dict[int, int] = {}
        self._paths: list[str] = []
        self._path_index: dict[str, int] = {}

    def check(self, items: Iterable[Outcome]) -> Iterator[Outcome]:
        first = self._first
        for item in items:
            if isinstance(item, DomainEvent):
                digest = _content(item) & _MASK
                key = hash(item.event_id)
                seen = first.get(key)
                if seen is None:
                    first[key] = digest << 64 | self._where(item.source)
                elif seen >> 64 != digest:
                    yield _conflict(item, self._place(seen & _MASK))
                    continue
            yield item

    def clashes(self, others: Iterable[dict[int, int]]) -> bool:
        """Whether an id of these has other content in one of `others` (their `digests`)."""
        mine = self.digests()
        for theirs in others:
            for key, digest in theirs.items():
                seen = mine.setdefault(key, digest)
                if seen != digest:
                    return True
        return False

    def digests(self) -> dict[int, int]:
        """Each id's hash with its first content's digest."""
        return {key: value >> 64 for key, value in self._first.items()}

    def _where(self, source: Source | None) -> int:
        if source is None:
            return 0
        index = self._path_index.get(source.path)
        if index is None:
            index = self._path_index[source.path] = len(self._paths)
            self._paths.append(source.path)
        return (index + 1) << 40 | (source.line or 0)

    def _place(self, where: int) -> str:
        index, line = (where >> 40) - 1, where & ((1 << 40) - 1)
        return "an earlier input" if index < 0 else f"{self._paths[index]} line {line}"


_MASK = (1 << 64) - 1


_FIELDS: dict[type[DomainEvent], Callable[[DomainEvent], tuple[Any, ...]]] = {}
"""Per event class, the getter of its fields but `source` in one call (an `attrgetter` of
two or more names gives their values as a tuple: every event has at least event_id,
occurred_at and test_data)."""


def _content(event: DomainEvent) -> int:
    cls = type(event)
    values_of = _FIELDS.get(cls)
    if values_of is None:
        values_of = _FIELDS[cls] = attrgetter(*(f.name for f in fields(cls) if f.name != "source"))
    values = values_of(event)
    try:
        return hash((cls, values))
    except TypeError:  # a list or dict inside
        return hash((cls, repr(values)))


def _conflict(event: DomainEvent, where: str) -> RejectedRecord:
    source = event.source
    return RejectedRecord(
        path=source.path if source is not None else "",
        line=source.line if source is not None else None,
        field="event_id",
        raw=event.event_id,
        reason=(
            f"event_id {event.event_id!r} was already read, with other content, at {where}: "
            "this one is not used; an event id names one event (give a new event its own id)"
        ),
        scope=RejectionScope.MESSAGE,
    )


def _json_lines(  # noqa: PLR0917 - one call
    path: Path, index: int, seen: SeenFiles, ids: EventIds, head: Head, runs: JsonRuns | None
) -> Iterator[Run]:
    in_order, earliest = _scan(path)
    start: Key = (earliest or _EARLIEST, index)
    yield start, ()  # a bookmark: the reader opens the file only when the merge gets here
    if runs is not None:
        yield from runs(path, start, seen, ids, head, in_order)
    else:
        yield from (_streamed if in_order else sorted_runs)(path, start, seen, ids)


def _streamed(path: Path, start: Key, seen: SeenFiles, ids: EventIds) -> Iterator[Run]:
    key, index = start, start[1]
    for item in ids.check(read_file(path, seen)):
        if isinstance(item, DomainEvent):
            # Never step back: an event the first pass could not judge goes with the previous one.
            key = max(key, (item.occurred_at, index))
        yield key, (item,)


def sorted_runs(path: Path, start: Key, seen: SeenFiles, ids: EventIds) -> Iterator[Run]:
    """A JSON-lines file not in time order: read whole, its events sorted by time."""
    events: list[DomainEvent] = []
    others: list[Outcome] = []
    for item in ids.check(read_file(path, seen)):
        if isinstance(item, DomainEvent):
            events.append(item)
        else:
            others.append(item)
    events.sort(key=lambda e: e.occurred_at)  # stable: ties keep the file order
    key, index = start, start[1]
    for other in others:
        if not isinstance(other, FileReport):
            yield key, (other,)
    for event in events:
        key = max(key, (event.occurred_at, index))
        yield key, (event,)
    yield key, [other for other in others if isinstance(other, FileReport)]


def _merge(streams: list[Iterator[Run]], heads: Sequence[Head | None]) -> Iterator[Outcome]:
    """The items of streams of keyed runs (each stream in key order), in key order; each
    stream with a head is told its bound while it is at the head.

    Keys are unique across streams (they hold the file's input index), so there are no
    ties between streams. The stream at the head keeps going without touching the heap
    while its keys stay below every other stream's head, and a run (a whole DTC file)
    passes through with no comparison per item.
    """
    heap: list[tuple[Key, int, Iterable[Outcome], Iterator[Run]]] = []
    for order, stream in enumerate(streams):
        for key, run in stream:
            heap.append((key, order, run, stream))
            break
    heapq.heapify(heap)
    while len(heap) > 1:
        _, order, run, stream = heap[0]
        yield from run
        bound = heap[1][0] if len(heap) == 2 else min(heap[1][0], heap[2][0])
        if (head := heads[order]) is not None:
            head[0] = bound
        for key, run in stream:
            if key > bound:
                heapq.heapreplace(heap, (key, order, run, stream))
                break
            yield from run
        else:
            heapq.heappop(heap)
    if heap:
        _, order, run, stream = heap[0]
        yield from run
        if (head := heads[order]) is not None:
            head[0] = None
        for _, run in stream:
            yield from run


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UK)


def _with_ticks(items: Iterable[Outcome], until: date | None, days: DayBoundary | None) -> Iterator[Outcome]:
    next_to_close: date | None = None
    # Events before `boundary` (the start of the day after next_to_close) cannot move the
    # day on: one comparison instead of working out their UK day. The same instant in UTC
    # is what a UTC time (a JSON line's `Z`) is compared with: two instants of one fixed
    # zone compare without working out the UK's offset of each.
    boundary: datetime | None = None
    boundary_utc = _EARLIEST  # set with `boundary`
    one_day = timedelta(days=1)
    for item in items:
        if isinstance(item, DomainEvent):
            at = item.occurred_at
            if boundary is None or at >= (boundary_utc if at.tzinfo is UTC else boundary):
                day = item.day
                if next_to_close is None:
                    next_to_close = day
                elif day > next_to_close and until is not None and next_to_close <= until:
                    last = min(day - one_day, until)
                    yield from day_ticks(next_to_close, last)
                    next_to_close = last + one_day
                next_to_close = max(next_to_close, day)
                boundary = _day_start(next_to_close + one_day)
                boundary_utc = boundary.astimezone(UTC)
                if days is not None:
                    days.at = boundary
        yield item
    if next_to_close is not None and until is not None:
        yield from day_ticks(next_to_close, until)
