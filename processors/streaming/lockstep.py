"""Folding several partitions in event-time step, so a back-fill gives replay's commands.

Each partition has its own Engine, but an export enrolment spans two keys that may live
in different partitions: the import MPAN's side sends follow-ups (`Outcome.follow_ups`)
to the export MPAN's side and back. Replay hands a follow-up to the engine right after
the event or tick that caused it, before anything of the next day. On Kafka the
follow-up would reach its partition only after everything already in that partition's
log: in a back-fill, days or months too late.

So the worker folds its partitions in lock-step, day tick by day tick:
1. events are folded freely up to each partition's next tick (the Engine holds a day's
   inputs until the day closes, so their order within the day does not matter);
2. the tick for day D is folded only when every partition is at its tick for D (or has
   nothing more to read), then in every partition at once;
3. the follow-ups this caused are handed at once to the Engine of their key's partition
   when this worker owns it, as replay does, and published to the input topic as well
   (durable, and the only way to a partition another worker owns); when the published
   copy comes round it is a duplicate event id, which the Engine ignores. So that copy is
   not decoded or folded at all when this worker handed it at once and has owned its
   partition since: the loop tells the lock-step where the broker put each such copy
   (`copied`), and `feed` queues a record at one of those offsets as already folded.
Recovery folds the log with the same rules, so it rebuilds the state the live run had.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from flows.event_checks import check_event
from flows.json_fields import Problems
from processors.codecs import serde
from processors.core.policy import DEFAULT_POLICY, Policy
from processors.drivers.log_setup import lines_held
from processors.streaming.partitioning import partition_of
from processors.streaming.processor import Outgoing, PartitionProcessor
from processors.streaming.topics import Topics
from processors.vocabulary.events import DayClosed, DomainEvent

# Why a record is not folded: (the field at fault or None, the reason)
Refusal = tuple[str | None, str]
# (offset, event or None, raw value, why it is refused or None, timestamp)
Item = tuple[int, DomainEvent | None, bytes | None, Refusal | None, int | None]
# the refusal slot of a record that is the copy of a follow-up already handed to its Engine
HANDED: Refusal = (None, "the copy of a follow-up already folded")
# follow-ups handed on (and published) per produce inside one step: a back-fill's day
# close hands on one per registration, 100,000 at 100k supply points, whose records
# (about 230 B each) were all held until the close's end; in windows at most this many
# (about 1 MiB) are alive, and the close's offsets are committed after the last (D79)
HANDOFF_WINDOW = 4096


class LockStep:
    """The Engines of the partitions one worker owns, folded day tick by day tick."""

    def __init__(self, topics: Topics, partitions: int, policy: Policy = DEFAULT_POLICY) -> None:
        self.topics = topics
        self.partitions = partitions
        self.policy = policy
        self.processors: dict[int, PartitionProcessor] = {}
        self.buffers: dict[int, deque[Item]] = {}
        self.ticks: dict[int, deque[date]] = {}
        self.fed: dict[int, int] = {}  # next offset expected from the consumer
        self.done: dict[int, int] = {}  # next offset not yet folded
        self.held: dict[int, int] = {}  # bytes of the records read but not yet folded
        # the last record folded: (offset, value, timestamp), for local state markers
        self.tail: dict[int, tuple[int, bytes | None, int | None]] = {}
        # per partition, the offsets [start, end) of copies of follow-ups already handed to
        # its Engine, in increasing order (one range per record batch, usually)
        self.copies: dict[int, deque[list[int]]] = {}
        # follow-ups decided and not yet handed on: a step with a `window` stops once its
        # Outgoing holds that many records, and the next step hands these on first (D79)
        self.handing: deque[DomainEvent] = deque()

    # -- partitions ---------------------------------------------------------------------
    def add(
        self,
        partition: int,
        processor: PartitionProcessor,
        offset: int,
        tail: tuple[int, bytes | None, int | None] | None = None,
    ) -> None:
        """Own `partition` from `offset` (its committed offset), with `processor`'s state;
        `tail`: the record folded last into it (a recovery's re-fold), if known."""
        self.processors[partition] = processor
        if tail is not None:
            self.tail[partition] = tail
        self.reset(partition, offset)

    def reset(self, partition: int, offset: int) -> None:
        """Forget what was read but not folded: the consumer reads again from `offset`."""
        self.buffers[partition] = deque()
        self.ticks[partition] = deque()
        self.fed[partition] = offset
        self.done[partition] = offset
        self.held[partition] = 0
        self.copies[partition] = deque()
        tail = self.tail.get(partition)
        if tail is not None and tail[0] != offset - 1:
            del self.tail[partition]

    def remove(self, partition: int) -> None:
        for table in (
            self.processors,
            self.buffers,
            self.ticks,
            self.fed,
            self.done,
            self.held,
            self.tail,
            self.copies,
        ):
            table.pop(partition, None)

    def buffered_bytes(self, partition: int) -> int:
        """The size of the records of `partition` read but not yet folded (the read-ahead,
        bounded by the loop's flow control: a decoded event costs a few times its bytes)."""
        return self.held.get(partition, 0)

    def due(self, caught_up: Callable[[int], bool]) -> bool:
        """Whether `step` could fold something now (a budget or a window stopped it short)."""
        if self.handing:
            return True
        if any(buffer and type(buffer[0][1]) is not DayClosed for buffer in self.buffers.values()):
            return True
        if not any(self.ticks.values()):
            return False
        return all(self.ticks[p] or caught_up(p) for p in self.processors)

    def copied(self, partition: int, offset: int) -> None:
        """The broker put the copy of a follow-up that `_deliver` handed to `partition`'s
        Engine at `offset`: when it comes round, it is queued as folded, not decoded.
        Offsets are given in increasing order per partition (those of one record batch
        are consecutive)."""
        copies = self.copies.get(partition)
        if copies is None or offset < self.fed[partition]:
            return
        if copies and copies[-1][1] == offset:
            copies[-1][1] = offset + 1
        else:
            copies.append([offset, offset + 1])

    # -- reading ------------------------------------------------------------------------
    def feed(self, partition: int, records: Iterable[Any]) -> int:
        """Decode and queue records (anything with `offset` and `value`); returns how many.
        A record that does not decode, or whose event the file reader would have refused
        (`flows.event_checks`: another producer wrote it), is queued as a refusal."""
        buffer = self.buffers.get(partition)
        if buffer is None:
            return 0
        ticks = self.ticks[partition]
        copies = self.copies[partition]
        expected = self.fed[partition]
        decode = serde.decode_event
        queued = 0
        size = 0
        copy = copies[0] if copies else None
        for record in records:
            offset = record.offset
            if offset < expected:
                continue  # already queued (a refetch after a seek)
            value = record.value
            if value is not None:
                size += len(value)
            timestamp = getattr(record, "timestamp", None)
            if copy is not None and offset >= copy[0]:
                while copy is not None and offset >= copy[1]:
                    copies.popleft()
                    copy = copies[0] if copies else None
                if copy is not None and offset >= copy[0]:
                    buffer.append((offset, None, value, HANDED, timestamp))
                    expected = offset + 1
                    queued += 1
                    if expected == copy[1]:
                        copies.popleft()
                        copy = copies[0] if copies else None
                    continue
            try:
                event = decode(value or b"")
                check_event(event)
            except serde.DecodeError as exc:
                buffer.append((offset, None, value, (None, str(exc)), timestamp))
            except Problems as exc:
                field = exc.problems[0].field or None
                buffer.append(
                    (offset, None, value, (field, f"the event's content is not valid: {exc}"), timestamp)
                )
            else:
                buffer.append((offset, event, value, None, timestamp))
                if type(event) is DayClosed:
                    ticks.append(event.closed_day)
            expected = offset + 1
            queued += 1
        self.fed[partition] = expected
        self.held[partition] += size
        return queued

    # -- folding ------------------------------------------------------------------------
    def step(
        self,
        caught_up: Callable[[int], bool],
        out: Outgoing,
        *,
        budget: int | None = None,
        window: int | None = None,
    ) -> bool:
        """Fold everything the lock-step rules allow now; True if anything was folded.

        `caught_up(p)` says that partition p has nothing more to read at the moment: a
        partition waits at its tick for the others unless they are at theirs or caught up.
        With `budget`, stop at the first day tick once `out` holds that many records, so
        what one commit covers stays bounded (the closing days of a back-fill would
        otherwise fold as one batch); `due` then says more can be folded at once.
        With `window`, stop handing follow-ups on once `out` holds that many records, even
        inside a day's close: the rest wait in `handing`, the next step hands them on
        before it folds anything else (so the order is a single step's), and `handing`
        stays non-empty until then, so that the caller can produce each window and commit
        the offsets only after the last (a back-fill's close hands on 100,000, D79).
        The step's log lines (one per command) are written together at its end.
        """
        with lines_held():
            return self._step(caught_up, out, budget, window)

    def _step(
        self, caught_up: Callable[[int], bool], out: Outgoing, budget: int | None, window: int | None
    ) -> bool:
        progressed = False
        if self.handing:
            self._hand_on(out, window)
            if self.handing:
                return True
            progressed = True
        while True:
            if budget is not None and len(out.records) >= budget:
                return progressed
            for partition in self.processors:
                progressed = self._drain_events(partition, out, window) or progressed
                if self.handing:
                    return True
            waiting = {p: t[0] for p, t in self.ticks.items() if t}
            if not waiting:
                return progressed
            if any(not self.ticks[p] and not caught_up(p) for p in self.processors):
                return progressed
            day = min(waiting.values())
            follow_ups: list[DomainEvent] = []
            for partition, tick_day in waiting.items():
                if tick_day == day:
                    follow_ups.extend(self._fold_tick(partition, out))
            self._deliver(follow_ups, out, window)
            progressed = True
            if self.handing:
                return True

    def _drain_events(self, partition: int, out: Outgoing, window: int | None) -> bool:
        buffer = self.buffers[partition]
        if not buffer:
            return False
        processor = self.processors[partition]
        follow_ups: list[DomainEvent] = []
        last: Item | None = None
        freed = 0
        while buffer:
            item = buffer[0]
            offset, event, value, reason, _ = item
            if type(event) is DayClosed:
                break
            buffer.popleft()
            last = item
            if value is not None:
                freed += len(value)
            if event is None:
                if reason is HANDED:
                    out.copies += 1
                    continue
                field, why = reason or (None, "undecodable")
                processor.reject(offset, value, why, out, field=field)
                continue
            found = processor.handle(event, offset, value, out)
            if found:
                follow_ups.extend(found)
        if last is None:
            return False
        self.held[partition] -= freed
        self.done[partition] = last[0] + 1
        self.tail[partition] = (last[0], last[2], last[4])
        self._deliver(follow_ups, out, window)
        return True

    def _fold_tick(self, partition: int, out: Outgoing) -> list[DomainEvent]:
        offset, event, value, _, timestamp = self.buffers[partition].popleft()
        self.ticks[partition].popleft()
        if value is not None:
            self.held[partition] -= len(value)
        assert event is not None
        self.done[partition] = offset + 1
        self.tail[partition] = (offset, value, timestamp)
        return self.processors[partition].handle(event, offset, value, out)

    def _deliver(self, follow_ups: list[DomainEvent], out: Outgoing, window: int | None) -> None:
        """Hand follow-ups to their key's Engine at once when we own it, as replay does,
        and publish them (the copy that comes round later is an ignored duplicate).

        `follow_ups` is emptied: each event is then freed once handed on and encoded, not
        held to the end of the step (a day's close of a back-fill hands on one per
        registration, 100,000 at 100k supply points: D65)."""
        self.handing.extend(follow_ups)
        follow_ups.clear()
        self._hand_on(out, window)

    def _hand_on(self, out: Outgoing, window: int | None) -> None:
        """Hand on what waits in `handing`, and what that causes, in order, until `out`
        holds `window` records (never stopped when muted: nothing is produced)."""
        queue = self.handing
        while queue:
            if window is not None and len(out.records) >= window:
                return
            event = queue.popleft()
            key = event.partition_key.encode() or None
            out.follow_ups += 1
            target = self.processors.get(partition_of(key, self.partitions)) if key else None
            if not out.mute:
                if target is not None:
                    out.local_copies.append(len(out.records))
                out.records.append((self.topics.input, key, serde.encode_event(event)))
            if target is not None:
                queue.extend(target.handle(event, -1, None, out))
