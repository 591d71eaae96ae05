"""The consume-fold-produce-commit loop of a worker, one fetched batch at a time.

For a batch the loop feeds the lock-step (`LockStep`) with the records of the partitions
it owns, folds what the lock-step allows, sends every command, anomaly, rejection and
follow-up at once, waits for the broker's acknowledgements and only then commits the
offsets: at-least-once, and command ids make a re-sent command a harmless duplicate.
With local states it then flushes them, to committed offsets only. Between batches it
pauses partitions that read far ahead of a tick, samples the lag and, with the wall
clock on, writes the day ticks that are due.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from functools import partial
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from processors.codecs import serde
from processors.ops.recorder import OpsRecorder
from processors.ops.tap import batch_observer
from processors.settings import DEFAULT_COMMIT_RECORDS
from processors.streaming import clock
from processors.streaming.local_state import LocalStates
from processors.streaming.lockstep import HANDOFF_WINDOW, LockStep
from processors.streaming.outage import BrokerStatus
from processors.streaming.partitioning import choose
from processors.streaming.processor import Outgoing
from processors.streaming.stats import WorkerStats
from processors.streaming.topics import Topics
from processors.vocabulary.events import DomainEvent

EventsSink = Callable[[Iterable[DomainEvent]], None]
"""Takes the events of each folded batch (after the fold, before the dashboard sees it)."""
BatchObserver = Callable[[Any, Any], None]

log = structlog.get_logger("meterflow.worker")


class Stopping(Exception):
    """The worker is stopping and what a batch caused could not be sent: nothing of it is
    committed, so the partition's next owner folds those records again."""


class Fetched:
    """A fetched record held until the lock-step can take it: only what `LockStep.feed`
    reads. aiokafka's `ConsumerRecord` (a dataclass with its dict, the key's bytes, eleven
    fields) costs about 300 B without its value, this 65: up to a fetch's 20,000 records
    wait in `_unfed` (D73)."""

    __slots__ = ("offset", "timestamp", "value")

    def __init__(self, offset: int, value: bytes | None, timestamp: int | None) -> None:
        self.offset = offset
        self.value = value
        self.timestamp = timestamp


class FoldLoop:
    """Folds fetched batches into the lock-step, produces what they caused and commits."""

    # bytes read but not folded (waiting at a tick) per partition: a decoded event costs
    # about 7 times its bytes in memory, so 256 KiB of routine readings (about 1,600 events,
    # a day of a 100,000-point back-fill's partition) hold under 2 MiB (D40)
    PAUSE_ABOVE = 256 * 1024
    RESUME_BELOW = 64 * 1024
    # what a fetch brings beyond PAUSE_ABOVE stays undecoded (`_unfed`) until the partition's
    # decoded records fall below it: the broker's fetches are not held to the byte limits
    # asked for (Tansu sent 1-2 MiB a partition), and decoded they cost 7 times as much (D58)
    CAUGHT_UP_ROUNDS = 2  # empty fetches in a row before a partition counts as caught up
    HANDOFF_WINDOW = HANDOFF_WINDOW  # records handed on per produce inside a step (D79)

    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        producer: AIOKafkaProducer,
        topics: Topics,
        stats: WorkerStats,
        *,
        local: LocalStates | None = None,
        ops: OpsRecorder | None = None,
        clock_interval: float = 30.0,
        on_events: EventsSink | None = None,
        commit_records: int = DEFAULT_COMMIT_RECORDS,
        stopping: asyncio.Event | None = None,
        status: BrokerStatus | None = None,
    ) -> None:
        """`local`: flush these local states after each commit; `ops`: record every batch and
        the lag for the dashboard; `clock_interval`: seconds between day-tick checks;
        `on_events`: given each folded batch's events (the half-hourly history);
        `commit_records`: records produced per commit, about (checked between day ticks);
        `stopping`: once set, a send that fails gives up (Stopping) instead of retrying."""
        self.commit_records = commit_records
        self.stopping = stopping
        self.status = status or BrokerStatus("?")
        self.consumer = consumer
        self.producer = producer
        self.topics = topics
        self.stats = stats
        self.local = local
        self.ops = ops
        recorder = batch_observer(ops) if ops is not None else None
        self.observer = recorder if on_events is None else with_events(on_events, recorder)
        self.clock_interval = clock_interval
        self.committed: dict[int, int] = {}  # per owned partition, the offset committed last
        self._empty_rounds: dict[int, int] = {}
        self._paused: set[int] = set()
        self._unfed: dict[int, deque[Fetched]] = {}
        """Per partition, fetched records not yet fed to the lock-step (decoded), in order."""
        self._ticks_sent: dict[int, date] = {}
        self._last_clock = 0.0

    def reassigned(self) -> None:
        """Forget the fetch history: the partitions were just assigned again."""
        self._paused.clear()
        self._empty_rounds.clear()
        self._unfed.clear()

    def forget_unfed(self, partitions: Iterable[int]) -> None:
        """Drop what was fetched for `partitions` and not fed (their log is read again)."""
        for partition in partitions:
            self._unfed.pop(partition, None)

    # -- one batch ----------------------------------------------------------------------
    async def fold(self, lockstep: LockStep, batch: dict[TopicPartition, list[Any]]) -> None:
        """Fold one fetched batch, produce what it caused, commit, flush the local states;
        in commits of about `commit_records` records each (a crash re-sends at most one).
        `batch` is emptied: what waits of it is held as `Fetched`, not as aiokafka's records."""
        for partition in lockstep.processors:
            self._empty_rounds[partition] = self._empty_rounds.get(partition, 0) + 1
        for tp, records in batch.items():
            if records and tp.partition in lockstep.processors:
                unfed = self._unfed.get(tp.partition)
                if unfed is None:
                    unfed = self._unfed[tp.partition] = deque()
                unfed.extend([Fetched(r.offset, r.value, r.timestamp) for r in records])
                self._empty_rounds[tp.partition] = 0
        batch.clear()  # its ConsumerRecords are held as `Fetched` from here (D73)
        self._feed(lockstep)
        caught_up = partial(self._caught_up, lockstep)
        while True:
            out = Outgoing(keep=self.observer is not None)
            lockstep.step(caught_up, out, budget=self.commit_records, window=self.HANDOFF_WINDOW)
            if lockstep.handing:  # inside a close: produce this window, commit nothing yet
                await self._commit(lockstep, out, offsets=False)
                continue
            await self._commit(lockstep, out)
            fed = self._feed(lockstep)
            if not fed and (len(out.records) < self.commit_records or not lockstep.due(caught_up)):
                break
        self._flow_control(lockstep)

    def _feed(self, lockstep: LockStep) -> bool:
        """Feed each partition's fetched records to the lock-step while less than
        PAUSE_ABOVE bytes of it are read and not folded; True if any was fed."""
        fed = False
        for partition, unfed in list(self._unfed.items()):
            if partition not in lockstep.processors:
                del self._unfed[partition]  # revoked: its next owner reads them
                continue
            room = self.PAUSE_ABOVE - lockstep.buffered_bytes(partition)
            chunk: list[Fetched] = []
            while unfed and room > 0:
                record = unfed.popleft()
                chunk.append(record)
                room -= len(record.value or b"")
            if chunk:
                lockstep.feed(partition, chunk)
                fed = True
            if not unfed:
                del self._unfed[partition]
        return fed

    async def _commit(self, lockstep: LockStep, out: Outgoing, *, offsets: bool = True) -> None:
        """Produce what one step caused, wait for the acknowledgements, commit the offsets
        it folded and flush the local states to them. `offsets=False`: produce only (a
        window of a close whose other follow-ups are not produced yet: its offsets are
        committed with the last window, so a crash folds the close again)."""
        if self.observer is not None:
            self.observer(lockstep.processors, out)
        placed = await self._produce(out.records)
        if out.local_copies:
            copied(lockstep, out.local_copies, placed)
        if offsets:
            await self._commit_offsets(lockstep)
        self.stats.batches += 1
        self.stats.events += out.events
        self.stats.ticks += out.ticks
        self.stats.derived += out.derived
        self.stats.copies += out.copies
        self.stats.commands += out.commands
        self.stats.anomalies += out.anomalies
        self.stats.rejected += out.rejected
        self.stats.follow_ups += out.follow_ups

    async def _commit_offsets(self, lockstep: LockStep) -> None:
        """Commit the offsets folded and flush the local states to the committed ones."""
        offsets = {
            TopicPartition(self.topics.input, p): done
            for p, done in lockstep.done.items()
            if done != self.committed.get(p)
        }
        if offsets:
            try:
                await self.consumer.commit(offsets)
                for tp, done in offsets.items():
                    self.committed[tp.partition] = done
            except (CommitFailedError, KafkaError) as exc:
                self.status.failed(exc)
                log.warning(
                    "commit failed; the partition's owner will fold those records again", error=repr(exc)
                )
        if self.local is not None:  # only what is committed: the local state never runs ahead
            self.local.flush(
                lockstep,
                only=[p for p in lockstep.processors if lockstep.done.get(p) == self.committed.get(p)],
            )

    def _caught_up(self, lockstep: LockStep, partition: int) -> bool:
        """Nothing more to read in `partition` for now: the last fetches returned nothing
        and we have read up to the broker's high watermark (which Tansu may report one
        record batch short, hence the empty fetches too). Never while fetched records wait
        unfed (`_unfed`), whatever the watermark says."""
        if partition in self._unfed or self._empty_rounds.get(partition, 0) < self.CAUGHT_UP_ROUNDS:
            return False
        highwater = self.consumer.highwater(TopicPartition(self.topics.input, partition))
        return highwater is None or lockstep.fed.get(partition, 0) >= highwater

    def _flow_control(self, lockstep: LockStep) -> None:
        """Pause partitions that wait at a tick with a lot read ahead; resume them later."""
        for partition in list(lockstep.processors):
            size = lockstep.buffered_bytes(partition)
            tp = TopicPartition(self.topics.input, partition)
            unfed = partition in self._unfed
            if (unfed or size > self.PAUSE_ABOVE) and partition not in self._paused:
                self.consumer.pause(tp)
                self._paused.add(partition)
            elif not unfed and size < self.RESUME_BELOW and partition in self._paused:
                self.consumer.resume(tp)
                self._paused.discard(partition)

    async def _produce(self, records: list[tuple[str, bytes | None, bytes]]) -> list[Placed]:
        return await produce_all(self.producer, records, status=self.status, stopping=self.stopping)

    def sample_lag(self, lockstep: LockStep) -> None:
        """Lag per partition: records not yet folded, measured against the broker's high
        watermark, and never below what we read but have not folded. Tansu's watermark can
        trail the real end by one record batch, so the lag it gives is a lower bound that
        reaches 0 only once a fetch comes back empty."""
        for partition in lockstep.processors:
            highwater = self.consumer.highwater(TopicPartition(self.topics.input, partition))
            done = lockstep.done.get(partition, 0)
            lag = max((highwater or 0) - done, lockstep.fed.get(partition, 0) - done, 0)
            if lag == 0 and self._empty_rounds.get(partition, 0) == 0:
                lag = 1
            self.stats.lag[partition] = lag
            if self.ops is not None:
                self.ops.record_lag(partition, lag)

    # -- the wall clock -----------------------------------------------------------------
    async def tick_if_due(self, lockstep: LockStep, now: float | None = None) -> None:
        """Every `clock_interval` seconds: write the tick of the last closed day into each
        owned partition whose Engine has not closed it and was not sent it yet."""
        moment = time.monotonic() if now is None else now
        if moment - self._last_clock < self.clock_interval:
            return
        self._last_clock = moment
        closed = clock.last_closed_day()
        payload = serde.encode_event(clock.tick_for(closed))
        owed = [
            partition
            for partition, processor in lockstep.processors.items()
            if clock.tick_due(processor.engine.last_closed_day, self._ticks_sent.get(partition), closed)
        ]
        if owed:
            futures = [await self.producer.send(self.topics.input, payload, partition=p) for p in owed]
            await asyncio.gather(*futures)
            for partition in owed:
                self._ticks_sent[partition] = closed
            log.info("day ticked", day=closed.isoformat(), partitions=owed)


def with_events(on_events: EventsSink, recorder: BatchObserver | None) -> BatchObserver:
    """A batch observer that hands the batch's events to `on_events`, then to `recorder`
    (which clears the batch)."""

    def observe(processors: Any, batch: Any) -> None:
        on_events(event for _, event, _ in batch.handled)
        if recorder is not None:
            recorder(processors, batch)

    return observe


def copied(lockstep: LockStep, local_copies: Sequence[int], placed: list[Placed]) -> None:
    """Tell `lockstep` the offsets the broker gave the copies of follow-ups it handed
    at once (`local_copies`: their indexes in the records `placed` says where went).

    The indexes are marked in a byte per record, not put in a set: a back-fill's day close
    hands on 100,000 at once, and their set (4 MiB) would stand beside the step's records
    at the worker's peak (D65)."""
    if not local_copies:
        return
    local = bytearray(max(local_copies) + 1)
    for index in local_copies:
        local[index] = 1
    last = len(local)
    for _, partition, base, indexes in placed:
        if base < 0:
            continue  # no offset acknowledged (acks=0)
        for i, index in enumerate(indexes):
            if index < last and local[index]:
                lockstep.copied(partition, base + i)


Placed = tuple[str, int, int, list[int]]
"""A record batch acknowledged: (topic, partition, the offset of its first record, the
indexes of its records in the list sent)."""


async def produce_all(
    producer: AIOKafkaProducer,
    records: list[tuple[str, bytes | None, bytes]],
    *,
    status: BrokerStatus | None = None,
    stopping: asyncio.Event | None = None,
) -> list[Placed]:
    """Send every (topic, key, value) record and wait until the broker acknowledged all of
    them; returns where each record batch went.

    While the broker is away the whole batch is sent again until it is acknowledged
    (records already acknowledged become duplicates, which command ids make harmless):
    the offsets that caused them are not committed before that. Once `stopping` is set, a
    failure raises Stopping instead (nothing is committed). `status` gets one rate-limited
    line per outage rather than one per attempt. Both runtimes produce through this.
    """
    if not records:
        return []
    attempt = 0
    while True:
        try:
            placed = await _produce_windows(producer, records)
            if status is not None:
                status.ok()
            return placed
        except KafkaError as exc:
            if stopping is not None and stopping.is_set():
                raise Stopping(f"stopping with {len(records)} records unsent ({exc!r})") from exc
            attempt += 1
            if status is not None:
                status.failed(exc)
            else:
                log.warning("produce failed; retrying the batch", error=repr(exc), attempt=attempt)
            await _pause(min(0.5 * attempt, 5.0), stopping)


PRODUCE_WINDOW_BYTES = 1024 * 1024
"""Record bytes queued in the producer at once: a day close that decides 100,000 hand-offs
(a back-fill's registrations) is sent window by window, each acknowledged before the next
is queued, so aiokafka's record batches and their grouping hold about 1 MiB, not all of
it (D58). A step within its commit budget fits one window, as before."""


async def _produce_windows(
    producer: AIOKafkaProducer, records: list[tuple[str, bytes | None, bytes]]
) -> list[Placed]:
    """Queue and acknowledge `records` in windows of PRODUCE_WINDOW_BYTES, in order (each
    partition's records stay in the order decided); where each record batch went, by the
    records' indexes in `records`."""
    placed: list[Placed] = []
    start = 0
    while start < len(records):
        end, size = start, 0
        while end < len(records) and (end == start or size < PRODUCE_WINDOW_BYTES):
            _, key, value = records[end]
            size += len(value) + (len(key) if key else 0)
            end += 1
        sent = await queue_batches(producer, records[start:end])
        acknowledged = await asyncio.gather(*(future for future, _ in sent))
        placed.extend(
            (meta.topic, meta.partition, meta.offset, [start + index for index in indexes])
            for meta, (_, indexes) in zip(acknowledged, sent, strict=True)
        )
        start = end
    return placed


async def send_batches(
    producer: AIOKafkaProducer,
    records: Iterable[tuple[str, bytes | None, bytes]],
    *,
    partition: int | None = None,
) -> list[asyncio.Future[Any]]:
    """Queue `records` as record batches (`queue_batches`) and return the futures of
    their acknowledgements."""
    return [future for future, _ in await queue_batches(producer, records, partition=partition)]


async def queue_batches(
    producer: AIOKafkaProducer,
    records: Iterable[tuple[str, bytes | None, bytes]],
    *,
    partition: int | None = None,
) -> list[tuple[asyncio.Future[Any], list[int]]]:
    """Queue `records` as one record batch per topic partition (more when one fills up) and
    return, per batch, the future of its acknowledgement and the indexes of its records.

    `producer.send` costs a coroutine, a metadata wait and a partitioner call per record,
    which was most of the worker's produce time (D29). Records go to the partition the
    producer's default partitioner would give their key (`partitioning.choose`: murmur2,
    a random one for no key), in the
    order they were decided within each partition, so what a consumer reads is what one
    `send` per record gave. `partition`: every record to that partition instead (snapshots).
    """
    partitions: dict[str, list[int]] = {}
    grouped: dict[tuple[str, int], list[tuple[int, bytes | None, bytes]]] = {}
    for index, (topic, key, value) in enumerate(records):
        if partition is None:
            every = partitions.get(topic)
            if every is None:
                every = partitions[topic] = sorted(await producer.partitions_for(topic))
            target = (topic, choose(key, every))
        else:
            target = (topic, partition)
        queued = grouped.get(target)
        if queued is None:
            queued = grouped[target] = []
        queued.append((index, key, value))
    sent: list[tuple[asyncio.Future[Any], list[int]]] = []
    for (topic, number), queued in grouped.items():
        batch = producer.create_batch()
        indexes: list[int] = []
        for index, key, value in queued:
            if batch.append(key=key, value=value, timestamp=None) is None:  # full: send, start another
                sent.append((await producer.send_batch(batch, topic, partition=number), indexes))
                batch = producer.create_batch()
                indexes = []
                if batch.append(key=key, value=value, timestamp=None) is None:
                    raise ValueError(f"a record of {len(value)} bytes does not fit a record batch")
            indexes.append(index)
        sent.append((await producer.send_batch(batch, topic, partition=number), indexes))
    return sent


async def _pause(seconds: float, stopping: asyncio.Event | None) -> None:
    """Sleep `seconds`, or less when the worker is asked to stop."""
    if stopping is None:
        await asyncio.sleep(seconds)
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)
