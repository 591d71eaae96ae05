"""`replay --jobs N`'s JSON lines: each worker parses only the lines of its own keys.

A line's key and `occurred_at` are read raw (`flows.raw_keys`, `event_order.raw_instant`);
another worker's line is passed over unparsed, as a placeholder (`SKIPPED`, one unit of
the log all the same), unless its verdict could change what every worker must agree on:
a line whose instant could move the log's day on (the ticks) or pass the bound of the
merge (the order of the files) is parsed by every worker ("peeked"), and so is a line
whose key or instant cannot be read raw ("shared"). An event of a peeked or shared line
is folded by its key's worker, a rejection of a shared line emitted by worker 0, of a
peeked line by its owner only.

The raw reading is a guess, checked by the line's owner: when its event's key is another
worker's or its instant is not the one read raw, the run stops (`PartitionsCrossed`) and
is folded in one process. Event ids are checked by each worker over the lines it parses;
the caller compares the workers' ids at the end (`EventIds.clashes`), an id with other
content in two workers being, too, a run to fold in one process.

Only the lines of a file in time order are passed over (`_part`); a file read whole and
sorted is read whole by every worker, as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from orjson import JSONDecodeError, loads

from flows import SeenFiles, read_file
from flows.limits import MAX_RECORD_BYTES
from flows.raw_keys import KEY_FIELDS
from flows.rejections import FileReport
from processors.drivers.event_order import (
    DayBoundary,
    EventIds,
    Head,
    Key,
    Run,
    aware_instant,
    sorted_runs,
)
from processors.vocabulary.events import DomainEvent


class PartitionsCrossed(Exception):
    """The partitions cannot give one process's outputs (a log event's follow-up for
    another worker's key, a line's raw key or instant misread, an event id with other
    content in two workers): the replay must run in one process."""


class Skipped:
    """What a worker reads in place of another worker's JSON line (one unit of the log)."""

    __slots__ = ()


SKIPPED = Skipped()


class Counted(NamedTuple):
    """A file's events and rejections from a worker other than 0, added to worker 0's
    report of the file at the merge (it is tagged just before it)."""

    events: int
    rejected: int


_OWN, _SHARED, _PEEK = 0, 1, 2


class JsonPart:
    """One worker's reading of the JSON-lines files (`event_order.JsonRuns`)."""

    def __init__(self, me: int, mine: Callable[[str], bool], days: DayBoundary) -> None:
        self.first = me == 0
        self.mine = mine
        self.days = days

    def __call__(  # noqa: PLR0917 - the `JsonRuns` hook
        self, path: Path, start: Key, seen: SeenFiles, ids: EventIds, head: Head, in_order: bool
    ) -> Iterator[Run]:
        if in_order:
            return self._part(path, start, seen, ids, head)
        if self.first:
            return sorted_runs(path, start, seen, ids)
        return self._whole(sorted_runs(path, start, seen, ids))

    def _whole(self, runs: Iterator[Run]) -> Iterator[Run]:
        """A file every worker reads whole: its rejections and report are worker 0's."""
        for key, items in runs:
            yield key, [item if isinstance(item, DomainEvent) else SKIPPED for item in items]

    def _part(self, path: Path, start: Key, seen: SeenFiles, ids: EventIds, head: Head) -> Iterator[Run]:
        """The runs of a file in time order, its other workers' lines passed over (see the
        module doc). The key of a run is not always the one `event_order._streamed` gives
        (the lines passed over are not known here) but always on the same side of the
        merge's bound: a line that could pass the bound is parsed, so the lines passed over
        are below it, and a line that passes it is an event whose key is its own time."""
        first, mine, days = self.first, self.mine, self.days
        index = start[1]
        high = start
        line: list[Any] = [_SHARED, ""]  # the last line's kind and raw `occurred_at`
        limits = _Limits()

        def triage(raw: bytes) -> Any:
            if len(raw) > MAX_RECORD_BYTES:
                line[0] = _SHARED
                return first
            try:
                data = loads(raw)
            except JSONDecodeError:
                data = None
            if type(data) is dict:
                kind = data.get("type")
                name = KEY_FIELDS.get(kind) if type(kind) is str else None
                key = data.get(name) if name is not None else None
                stamp = data.get("occurred_at")
                if type(key) is str and type(stamp) is str:
                    line[1] = stamp
                    if mine(key):
                        line[0] = _OWN
                        return True
                    passed = limits.passes(stamp, days, head[0], index)
                    if passed is None:
                        pass  # its time cannot be read raw
                    elif passed:
                        line[0] = _PEEK
                        return False
                    else:
                        return SKIPPED
            line[0] = _SHARED
            return first

        item: Any
        for item in ids.check(read_file(path, seen, triage)):
            if item is SKIPPED:
                yield high, (item,)  # below the bound, whatever the line is (`_Limits`)
                continue
            kind = line[0]
            if isinstance(item, DomainEvent):
                if kind != _SHARED and (
                    mine(item.partition_key) != (kind == _OWN)
                    or (kind == _OWN and item.occurred_at != aware_instant(line[1]))
                ):
                    raise PartitionsCrossed(
                        f"{path} line {item.source.line if item.source else '?'}: its key or time read raw "
                        "is not its event's"
                    )
                high = max(high, (item.occurred_at, index))
                yield high, (item,)
            elif type(item) is FileReport:
                if first:
                    yield high, (item,)
                else:
                    yield high, (Counted(item.events, item.rejected) if item.flow == "json" else SKIPPED,)
            else:  # a rejection: its line's owner's, or worker 0's when every worker read it
                yield high, (item if kind == _OWN or (kind == _SHARED and first) else SKIPPED,)


_ZULU = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", re.ASCII)
"""A UTC time in whole seconds: such texts sort as their instants."""


def _zulu(instant: datetime) -> str:
    """`instant` in whole seconds (rounded down) as a `_ZULU` text."""
    return instant.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat() + "Z"


class _Limits:
    """Whether another worker's line must be parsed: its time could move the log's day on
    or pass the merge's bound. Compared as texts when the time is a `_ZULU` text (the
    limits turned into texts once each), else as instants."""

    def __init__(self) -> None:
        self.day: datetime | None = None
        self.day_text = ""
        self.bound: Key | None = None
        self.bound_text = ""
        self.bound_ties = False
        """Whether a line at the bound's very time passes it (its index is the higher)."""

    def passes(self, stamp: str, days: DayBoundary, bound: Key | None, index: int) -> bool | None:
        """None when `stamp` is not an instant read raw."""
        if days.at is None:
            return True
        if _ZULU.fullmatch(stamp) is None:
            at = aware_instant(stamp)
            if at is None:
                return None
            return days.moves(at) or (bound is not None and (at, index) > bound)
        if days.at is not self.day:
            self.day, self.day_text = days.at, _zulu(days.at)
        if stamp >= self.day_text:
            return True
        if bound is None:
            return False
        if bound is not self.bound:
            self.bound, self.bound_text = bound, _zulu(bound[0])
            self.bound_ties = bound[0].microsecond == 0 and index > bound[1]
        return stamp > self.bound_text or (stamp == self.bound_text and self.bound_ties)
