"""`replay --jobs N`: keys folded in partitions by N worker processes (D31's design).

Every worker walks the whole event-time log and folds only the events of its partition
of keys (`owner`: crc32 of the partition key, cheap enough per event). Its DTC reader
skips the other partitions' D0010 / D0086 event groups unread, on their raw MPAN
(`flows.dtc.only_keys`), and its JSON-lines reader the other partitions' lines unparsed,
on their raw key (`partitioned_json`): a group's or line's outcomes, its rejections
included, come from its key's worker; what every worker reads (a group whose MPAN cannot
be read raw, the rest of a file read record by record, a JSON line whose key or time
cannot be read raw) is folded by the event's key's worker and its rejections emitted by
worker 0, as are the file-level outcomes. A file's report is worker 0's with every
worker's counts added at the merge. The workers' event ids are compared at the end: an
id read with other content by two workers folds the log in one process.

A place in the log does not count outcomes (a damaged group yields more than one, and only
its key's worker reads it): it is (unit, line, index, tick), a unit being a JSON-lines
item or a whole DTC file, line the first line of the outcome's region of the file
(`flows.dtc.only_keys`; 0 for the file's own outcomes, `_END` for its report), index
its place among its region's outcomes. A tick comes right before the event that moved
the day on (its place with the tick's day, below 0, last); for a DTC file no worker
alone knows which of its events is the first, so every worker says where its own first
is (`_Worker.first_event`, a barrier per file when there are ticks) and the least wins.

Follow-ups are folded by their key's worker: at each day tick the workers exchange them,
in rounds until none is left, fold them, handle the tick, and exchange the tick's own
follow-ups the same way before the next day's events. An event of an open day is only
held on arrival (its follow-ups come from the tick that closes its day), and a tick's
follow-ups (late inputs, applied at once) are folded in the order one engine folds them,
so the states are those of one process. A log event that has follow-ups on arrival (a
late one, after its day was closed) has them folded at once, as one process does, when
they and theirs are all of this worker's keys; when one is another worker's, the run
stops with `PartitionsCrossed` before any output and the caller folds the log in one
process (D51): the outputs never depend on N.

Every output is tagged with where one process would have emitted it:
(place, depth of the follow-up, path of follow-up indexes from the log event,
0 for a command or 1 for an anomaly, index in its list). A tick's outputs carry, in
place of the index, the subject that emitted them (closed day, held inputs before
deadlines, subject id, index), as one engine closes a day. Sorting by tag is the D21
order: an input's commands, its anomalies, then its follow-ups' breadth first. Each
worker writes its outputs of a day sorted to its own file; when all have finished, this
process merges the files (streaming) into one sorted stream.
"""

from __future__ import annotations

import bisect
import heapq
import multiprocessing
import pickle
import tempfile
import time
import traceback
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime
from multiprocessing.connection import Connection, wait
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO

from flows import SeenFiles, peek_dtc_header, read_file
from flows.dtc import Region, only_keys
from flows.messages import json_report
from flows.rejections import FileReport, FileStatus
from flows.transfer import dumps, loads
from processors.core.engine import Engine, Outcome
from processors.core.policy import Policy
from processors.drivers.event_order import DayBoundary, EventIds, event_time_log
from processors.drivers.partitioned_json import SKIPPED, Counted, JsonPart, PartitionsCrossed

__all__ = ["Counts", "Partitioned", "PartitionsCrossed", "owner"]
from processors.vocabulary.events import DayClosed, DomainEvent

Tag = tuple[Any, ...]
"""(place, depth, path, kind, index or mark): see the module doc."""
Place = tuple[int, int, int, int]
"""(unit, line, index, tick) in the log: see the module doc."""
Mark = tuple[date, int, str]
"""A tick's subject: (closed day, 0 held inputs / 1 deadlines, subject id)."""
Counts = tuple[int, int, int, int, float]
"""What a worker counted: events, test-data events, ticks, follow-ups; its CPU seconds."""

_COUNTED, _COMMAND, _ANOMALY = -1, 0, 1
_TAG = itemgetter(0)
_END = 1 << 62  # the line of a DTC file's report: after its regions
_TICK = 1 << 40  # a tick's day less this: before the event it comes before
_BODY = frozenset((FileStatus.READ, FileStatus.TEST_DATA))  # a report that counts a body


_PROBE = DomainEvent
"""The type of what stands for a DTC file's events in the log's day ticks once the workers
have agreed it has one (only its time is read; every real event is of a subclass)."""


def _breadth_first(item: tuple[Tag, DomainEvent]) -> tuple[int, Tag]:
    """Follow-ups in the order one process folds them: by depth, then by tag."""
    return item[0][1], item[0]


def owner(key: str, jobs: int) -> int:
    """The worker that folds `key`'s events."""
    return zlib.crc32(key.encode()) % jobs


class Owned(dict[str, bool]):
    """Whether worker `me` of `jobs` folds a key, worked out once per key: a lookup per
    event (a key's hash is kept by its string)."""

    def __init__(self, me: int, jobs: int) -> None:
        super().__init__()
        self.me, self.jobs = me, jobs

    def __missing__(self, key: str) -> bool:
        mine = self[key] = owner(key, self.jobs) == self.me
        return mine


class TickMarks(list[tuple[Mark, tuple[int, int, int]]]):
    """(mark, (first command, first anomaly, first follow-up)) of each subject of a tick, from
    `Engine.closing`: a day closes its subjects in sorted order, held inputs before
    deadlines, so (day, phase, subject, index) sorts a tick's outputs across partitions as
    one engine emits them."""

    def __call__(self, day: date, phase: int, subject_id: str, out: Outcome) -> None:
        self.append(((day, phase, subject_id), (len(out.commands), len(out.anomalies), len(out.follow_ups))))


def _marked(count: int, marks: list[tuple[Mark, tuple[int, int, int]]], which: int) -> list[tuple[Any, ...]]:
    """For each of `count` items of one list of a tick's outcome (`which`: 0 commands, 1
    anomalies, 2 follow-ups), the (day, phase, subject, index) of the subject that emitted it."""
    starts = [firsts[which] for _, firsts in marks]
    if count and (not starts or starts[0] > 0):
        # The engine emitted it before naming any subject: its order across partitions
        # is unknown, so rather fail than merge out of order (see `TickMarks`).
        raise RuntimeError("a day tick's output came from no subject the engine named")
    return [(*marks[bisect.bisect_right(starts, index) - 1][0], index) for index in range(count)]


class _Worker:
    """One partition's fold (see the module doc)."""

    def __init__(  # noqa: PLR0917 - built once per process
        self,
        me: int,
        jobs: int,
        policy: Policy,
        links: list[Connection | None],
        runs: BinaryIO,
        until: date | None = None,
    ) -> None:
        self.me, self.jobs = me, jobs
        self.engine = Engine(policy)
        self.marks = self.engine.closing = TickMarks()
        self.links = links
        self.runs = runs
        self.until = until
        self.day: list[tuple[Tag, Any]] = []
        self.pending: list[tuple[Tag, DomainEvent]] = []
        self.follow_ups = 0
        self.events = self.test_data = 0
        """The log events of this partition, and of them those of test data."""
        self.mine: Callable[[str], bool] = Owned(me, jobs).__getitem__
        self.region: Region = [0, False]
        """The DTC reader's region (`flows.dtc.only_keys`), once `skip_others` has set it."""
        self.unit = 0
        """The log's units so far (see the module doc)."""
        self.anchor: tuple[int, int, int] | None = None
        """The place of a DTC file's first event while the ticks it brings pass."""
        self.days = DayBoundary()
        """Where the log's days stand (a DTC file before it needs no barrier)."""
        self.ids = EventIds()
        """The ids of the JSON lines this worker parses."""

    def skip_others(self) -> None:
        """From now on this process's DTC reader leaves the other partitions' groups unread."""
        self.region = only_keys(self.mine)

    def dtc_file(self, path: Path, seen: SeenFiles) -> Iterator[Any]:
        """A DTC file's items for this worker as (place, item) pairs (see the module doc):
        its events of this partition, the rejections it emits, the file's report (worker
        0) or this worker's counts of it; and, when the workers agree the file has an
        event and there are ticks, a probe (the ticks it brings) before its first."""
        self.unit += 1
        unit, region, mine, first = self.unit, self.region, self.mine, self.me == 0
        region[:] = 0, False
        held: list[tuple[Place, Any]] | None = None
        header = peek_dtc_header(path) if self.until is not None else None
        assert header is not None or self.until is None  # the log put it with the DTC files by its header
        if header is not None and self.days.moves(header.created_at):
            held = []  # its events could bring ticks: where they go takes every worker's word
        at, index = -1, 0
        events = rejected = 0
        for item in read_file(path, seen):
            line, own = region
            if type(item) is FileReport:
                if held is not None and header is not None:
                    yield from self.first_event(header.created_at, None, held)
                    held = None
                if item.status in _BODY:
                    counted = replace(item, events=events, rejected=rejected)
                    yield (unit, _END, 0, 0), counted if first else Counted(events, rejected)
                elif first:
                    yield (unit, _END, 0, 0), item
                continue
            if line < 0:  # an event of a run of groups (`flows.dtc.only_keys`): its own line
                line = item.source.line  # type: ignore[union-attr]
            if line == at:
                index += 1
            else:
                at, index = line, 0
            if isinstance(item, DomainEvent):
                if not mine(item.partition_key):
                    continue
                events += 1
                place = (unit, line, index, 0)
                if held is not None and header is not None:
                    yield from self.first_event(header.created_at, place, held)
                    held = None
                yield place, item
            elif own or first:  # a rejection
                rejected += 1
                if held is None:
                    yield (unit, line, index, 0), item
                else:
                    held.append(((unit, line, index, 0), item))

    def first_event(self, at: datetime, mine: Place | None, held: list[tuple[Place, Any]]) -> Iterator[Any]:
        """Where a DTC file's first event is, from every worker's first (`mine`: this one's,
        None when it has none), the items held till then, and a probe when there is one:
        the place of the ticks it brings (see the module doc); `at`: the file's time."""
        theirs = [loads(data)[0] for data in self.swap([dumps([mine])] * self.jobs, self.unit)]
        firsts = [place for place in (mine, *theirs) if place]
        yield from held
        if firsts:
            unit, line, index, _ = min(firsts)
            self.anchor = unit, line, index
            yield _PROBE(event_id="", occurred_at=at)

    def take(self, place: Place, event: DomainEvent) -> None:
        """A log event of this partition: counted, folded, its follow-ups on arrival at once."""
        self.events += 1
        if event.test_data:
            self.test_data += 1
        self.fold((place, 0, ()), event)
        if self.pending:
            self.fold_at_once()

    def fold(self, tag: Tag, event: DomainEvent) -> None:
        """Handle one event; its outputs to the day's list, its follow-ups to `pending`."""
        marks = self.marks
        tick = type(event) is DayClosed
        if tick:
            marks.clear()
        outcome = self.engine.handle(event)
        commands, anomalies, follow_ups = outcome.commands, outcome.anomalies, outcome.follow_ups
        if not (commands or anomalies or follow_ups):
            return  # the usual event
        position, depth, path = tag
        day, pending = self.day, self.pending
        self.follow_ups += len(follow_ups)
        subs: tuple[Sequence[Any], Sequence[Any], Sequence[Any]]
        if tick:
            subs = (
                _marked(len(commands), marks, 0),
                _marked(len(anomalies), marks, 1),
                _marked(len(follow_ups), marks, 2),
            )
        else:
            subs = (range(len(commands)), range(len(anomalies)), range(len(follow_ups)))
        for sub, command in zip(subs[0], commands, strict=True):
            day.append(((position, depth, path, _COMMAND, sub), command))
        for sub, anomaly in zip(subs[1], anomalies, strict=True):
            day.append(((position, depth, path, _ANOMALY, sub), anomaly))
        for sub, follow_up in zip(subs[2], follow_ups, strict=True):
            pending.append(((position, depth + 1, (*path, sub)), follow_up))

    def swap(self, payload: list[bytes], phase: int) -> list[bytes]:
        """Send payload[w] to every other worker w and gather theirs, pair by pair in one
        order on every worker (the lower sends first): pipes with full buffers cannot wait
        on each other in a cycle. Each message says its `phase` (a DTC file's unit, a
        tick's day, the end): workers whose logs went apart (an event id another worker's
        lines would have refused) stop with `PartitionsCrossed` rather than misread."""
        me, got = self.me, []
        mark = phase.to_bytes(8, "big", signed=True)
        for a in range(self.jobs):
            for b in range(a + 1, self.jobs):
                if me not in {a, b}:
                    continue
                other = b if me == a else a
                link = self.links[other]
                assert link is not None
                if me == a:
                    link.send_bytes(mark + payload[other])
                    data = link.recv_bytes()
                else:
                    data = link.recv_bytes()
                    link.send_bytes(mark + payload[other])
                if data[:8] != mark:
                    raise PartitionsCrossed(
                        f"workers {me} and {other} of replay --jobs {self.jobs} saw the log's days apart "
                        "(an event id read with other content by another worker)"
                    )
                got.append(data[8:])
        return got

    def settle(self, phase: int) -> None:
        """Rounds of exchange until no worker holds a follow-up; each round's follow-ups
        folded in tag order by depth (breadth first, as one process folds them). Each
        message says whether its sender kept follow-ups of its own: with two workers that
        and what each sent tell both whether either has any left; with more, a worker
        cannot see what two others sent each other, so a round of flags follows."""
        jobs, me = self.jobs, self.me
        while True:
            theirs: list[list[tuple[Tag, DomainEvent]]] = [[] for _ in range(jobs)]
            for item in self.pending:
                theirs[owner(item[1].partition_key, jobs)].append(item)
            self.pending = []
            mine = theirs[me]
            flag = b"1" if mine else b"0"
            busy = bool(mine) or any(map(bool, theirs))
            payload = [flag + dumps(batch) if batch and w != me else flag for w, batch in enumerate(theirs)]
            for data in self.swap(payload, phase):
                busy = busy or data[:1] == b"1" or len(data) > 1
                if len(data) > 1:
                    mine.extend(loads(data[1:]))
            if jobs > 2:
                flags = self.swap([b"1" if mine else b"0"] * jobs, phase)  # every worker swaps, busy or not
                busy = bool(mine) or b"1" in flags
            if not busy:
                return
            mine.sort(key=_breadth_first)
            for tag, event in mine:
                self.fold(tag, event)

    def fold_at_once(self) -> None:
        """The follow-ups a log event had on arrival, and theirs, folded now, breadth first
        as `replay._results` folds them; `PartitionsCrossed` when one is another worker's."""
        while self.pending:
            batch, self.pending = self.pending, []
            batch.sort(key=_breadth_first)
            for tag, event in batch:
                key = event.partition_key
                if owner(key, self.jobs) != self.me:
                    raise PartitionsCrossed(
                        f"the follow-up {type(event).__name__} of the log event at position "
                        f"{tag[0]} is for {key!r}, another worker's key"
                    )
                self.fold(tag, event)

    def flush(self) -> None:
        """The day's outputs, sorted by tag, to this worker's file."""
        if self.day:
            self.day.sort(key=_TAG)
            self.runs.write(dumps(self.day))
            self.day.clear()


def _work(  # noqa: PLR0917 - a process's arguments, passed once
    me: int,
    jobs: int,
    paths: Sequence[Path | str],
    until: date | None,
    policy: Policy,
    links: list[Connection | None],
    out: Path,
    result: Connection,
) -> None:
    """A worker process: walk the log, fold the partition, report what it counted."""
    try:
        ticks = 0
        with out.open("wb") as runs:
            worker = _Worker(me, jobs, policy, links, runs, until)
            worker.skip_others()
            fold, take, day, mine = worker.fold, worker.take, worker.day, worker.mine
            days, ids = worker.days, worker.ids
            json_runs = JsonPart(me, mine, days)
            log: Iterator[Any] = event_time_log(
                paths, until, read_dtc_file=worker.dtc_file, json_runs=json_runs, ids=ids, days=days
            )
            for entry in log:
                kind: type[Any] = type(entry)
                if kind is tuple:  # a DTC file's (place, item)
                    place, item = entry
                    if isinstance(item, DomainEvent):
                        take(place, item)
                    else:
                        order = _COUNTED if type(item) is Counted else _COMMAND
                        day.append(((place, 0, (), order, 0), item))
                    continue
                if isinstance(entry, DayClosed):
                    ticks += 1
                    anchor = worker.anchor
                    tick = entry.closed_day.toordinal() - _TICK
                    place = (worker.unit + 1, 0, 0, tick) if anchor is None else (*anchor, tick)
                    # Nothing is pending here: an event with follow-ups on arrival has
                    # them folded at once (`fold_at_once`), and a tick's are settled after it.
                    fold((place, 0, ()), entry)
                    worker.settle(-entry.closed_day.toordinal())
                    if anchor is None:
                        worker.flush()
                    continue
                if kind is _PROBE:  # its ticks have passed
                    worker.anchor = None
                    worker.flush()
                    continue
                worker.unit += 1  # a JSON-lines item: one line (`partitioned_json`) or a report
                if entry is SKIPPED:
                    continue
                place = (worker.unit, 0, 0, 0)
                if isinstance(entry, DomainEvent):
                    if mine(entry.partition_key):
                        take(place, entry)
                else:  # a rejected record or a file report this worker emits, or its counts
                    day.append(((place, 0, (), _COUNTED if kind is Counted else _COMMAND, 0), entry))
            worker.settle(0)
            worker.flush()
        counts: Counts = (worker.events, worker.test_data, ticks, worker.follow_ups, time.process_time())
        result.send(("done", (counts, ids.digests())))
    except PartitionsCrossed as crossed:
        result.send(("crossed", str(crossed)))
    except (EOFError, BrokenPipeError, ConnectionResetError):  # another worker ended first
        result.send(("lost", traceback.format_exc()))
    except BaseException:  # reported to the caller, who raises it
        result.send(("error", traceback.format_exc()))


def _runs(path: Path) -> Iterator[tuple[Tag, Any]]:
    """A worker's outputs in tag order: its days' sorted batches one after another."""
    with path.open("rb") as runs:
        while True:
            try:
                batch: list[tuple[Tag, Any]] = pickle.load(runs)
            except EOFError:
                return
            yield from batch


def _counted(items: Iterator[Any]) -> Iterator[Any]:
    """The merged outputs, the other workers' counts of a DTC file added to worker 0's report
    of it (they come just before it)."""
    events = rejected = 0
    for item in items:
        if type(item) is Counted:
            events += item.events
            rejected += item.rejected
        elif (events or rejected) and type(item) is FileReport:
            if item.flow == "json":  # its status is that of the whole file's counts
                yield json_report(item.path, item.events + events, item.rejected + rejected)
            else:
                yield replace(item, events=item.events + events, rejected=item.rejected + rejected)
            events = rejected = 0
        else:
            yield item


def _context() -> Any:
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")  # quick to start; the workers inherit the imports
    return multiprocessing.get_context("spawn")


class Partitioned:
    """The outputs of a replay folded by `jobs` worker processes, in the order of one
    (`outputs`), and what the workers counted (`counts`, once `outputs` has started)."""

    def __init__(self, paths: Sequence[Path | str], until: date | None, policy: Policy, jobs: int) -> None:
        self.paths, self.until, self.policy, self.jobs = list(paths), until, policy, jobs
        self.counts: list[Counts] = []

    def outputs(self) -> Iterator[Any]:
        """Run the workers, then merge their files (see the module doc)."""
        jobs = self.jobs
        context = _context()
        links: list[list[Connection | None]] = [[None] * jobs for _ in range(jobs)]
        for a in range(jobs):
            for b in range(a + 1, jobs):
                links[a][b], links[b][a] = context.Pipe()
        with tempfile.TemporaryDirectory(prefix="meterflow-jobs-") as scratch:
            files = [Path(scratch) / f"worker-{w}.pickles" for w in range(jobs)]
            results = [context.Pipe(duplex=False) for _ in range(jobs)]
            workers = [
                context.Process(
                    target=_work,
                    args=(w, jobs, self.paths, self.until, self.policy, links[w], files[w], results[w][1]),
                    daemon=True,
                )
                for w in range(jobs)
            ]
            try:
                for worker in workers:
                    worker.start()
                for _, send in results:
                    send.close()  # a worker that dies unheard is then an EOF, not a wait forever
                for pair in links:
                    for link in pair:
                        if link is not None:
                            link.close()
                done = self._wait([receive for receive, _ in results])
                for worker in workers:
                    worker.join()
                self.counts = [counts for counts, _ in done]
                if EventIds().clashes(digests for _, digests in done):
                    raise PartitionsCrossed("an event id was read with other content by two workers")
                yield from _counted(item for _, item in heapq.merge(*(_runs(f) for f in files), key=_TAG))
            finally:
                for worker in workers:
                    if worker.is_alive():
                        worker.terminate()
                    worker.join(timeout=5)

    def _wait(self, receivers: list[Connection]) -> list[tuple[Counts, dict[int, int]]]:
        """Every worker's counts; a worker's failure raised, with its traceback, at once (not
        the failures it causes in the workers exchanging with it, unless there is no other)."""
        counts: dict[int, tuple[Counts, dict[int, int]]] = {}
        lost: list[str] = []
        waiting = dict(enumerate(receivers))
        while waiting:
            for ready in wait(list(waiting.values())):
                index = next(i for i, r in waiting.items() if r is ready)
                del waiting[index]
                name = f"worker {index} of replay --jobs {self.jobs}"
                try:
                    kind, data = receivers[index].recv()
                except EOFError:
                    raise RuntimeError(f"{name} ended without a word") from None
                if kind == "error":
                    raise RuntimeError(f"{name} failed:\n{data}")
                if kind == "crossed":  # the others are stopped (`outputs`' finally)
                    raise PartitionsCrossed(data)
                if kind == "lost":
                    lost.append(f"{name} lost its partner:\n{data}")
                else:
                    counts[index] = data
        if lost:
            raise RuntimeError(lost[0])
        return [counts[w] for w in range(len(receivers))]
