"""`meterflow worker`: the streaming processor on Kafka.

One consumer group reads the ordered input topic in batches; each assigned partition has
its own Engine (`PartitionProcessor`), folded in lock-step by day tick (`LockStep`). For
a batch the worker folds what the lock-step allows, sends every command, anomaly,
rejection and follow-up at once, waits for the broker's acknowledgements and only then
commits the offsets: at-least-once, and command ids make a re-sent command a harmless
duplicate.

On assignment a partition's state is recovered from its latest snapshot not past the
committed offset, then by folding the input again up to that offset (the Engine is pure
and deterministic, so the rebuilt state is the state that was lost). The committed
offset is exact, so recovery never depends on the high watermark, which the embedded
broker reports wrongly.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from processors import serde
from processors.ops.recorder import OpsRecorder
from processors.ops.tap import batch_observer, observe_store, sync_labels
from processors.policy import DEFAULT_POLICY, Policy, load_policy
from processors.state_codec import StateDecodeError
from processors.streaming import clock
from processors.streaming.broker import find_broker
from processors.streaming.errors import report_startup_error
from processors.streaming.kafka import (
    make_producer,
    make_reader,
    partitions_of,
    read_partitions,
    session_timeout_ms,
    start_client,
)
from processors.streaming.lockstep import LockStep
from processors.streaming.processor import Outgoing, PartitionProcessor
from processors.streaming.rejection_feed import follow_rejections
from processors.streaming.snapshots import latest_snapshots, load_states, snapshot_records, write_snapshot
from processors.streaming.topics import Topics, ensure_topics
from processors.streaming.view import PartitionedEngineView

log = structlog.get_logger("meterflow.worker")

DEFAULT_GROUP = "meterflow-worker"

BatchObserver = Callable[[dict[int, PartitionProcessor], Outgoing], None]


@dataclass(slots=True)
class WorkerStats:
    """What the worker has done since it started (for logs, the dashboard and benchmarks)."""

    events: int = 0
    commands: int = 0
    anomalies: int = 0
    rejected: int = 0
    follow_ups: int = 0
    batches: int = 0
    recovered_events: int = 0
    recovered_keys: int = 0
    recovery_seconds: float = 0.0
    lag: dict[int, int] = field(default_factory=dict)


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, worker: Worker) -> None:
        self.worker = worker

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        async with self.worker.lock:
            partitions = sorted(tp.partition for tp in revoked if tp.topic == self.worker.topics.input)
            log.info("partitions revoked", partitions=partitions)
            try:  # the next owner starts from it
                await asyncio.wait_for(self.worker.snapshot(partitions), 60)
            except Exception as exc:
                log.warning("no snapshot at revocation", error=repr(exc))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        async with self.worker.lock:
            await self.worker.adopt(assigned)


class Worker:
    """The consume-fold-produce-commit loop of one worker process."""

    PAUSE_ABOVE = 50_000  # records read but not folded (waiting at a tick) per partition
    RESUME_BELOW = 10_000
    CAUGHT_UP_ROUNDS = 2  # empty fetches in a row before a partition counts as caught up

    def __init__(
        self,
        bootstrap: str,
        *,
        policy: Policy = DEFAULT_POLICY,
        topics: Topics | None = None,
        group_id: str | None = None,
        use_clock: bool = True,
        clock_interval: float = 30.0,
        max_batch: int = 20000,
        ops: OpsRecorder | None = None,
        snapshots: bool = True,
        snapshot_interval: float | None = None,
    ) -> None:
        self.bootstrap = bootstrap
        self.policy = policy
        self.topics = topics or Topics.from_env()
        self.group_id = group_id or os.environ.get("METERFLOW_GROUP", DEFAULT_GROUP)
        self.use_clock = use_clock
        self.clock_interval = clock_interval
        self.max_batch = max_batch
        self.ops = ops
        self.snapshots = snapshots
        self.snapshot_interval = (
            float(os.environ.get("METERFLOW_SNAPSHOT_SECONDS", "600"))
            if snapshot_interval is None
            else snapshot_interval
        )
        self._snapshotted: dict[int, int] = {}
        self._last_snapshot = time.monotonic()
        self.observer: BatchObserver | None = batch_observer(ops) if ops is not None else None
        self.lock = asyncio.Lock()
        self.lockstep: LockStep | None = None
        self.stats = WorkerStats()
        self.ready = asyncio.Event()
        self._stopping = asyncio.Event()
        self._ticks_sent: dict[int, date] = {}
        self._empty_rounds: dict[int, int] = {}
        self._committed: dict[int, int] = {}
        self._paused: set[int] = set()
        self._last_clock = 0.0
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self._rejection_feed: asyncio.Task[None] | None = None

    @property
    def processors(self) -> dict[int, PartitionProcessor]:
        """The Engines of the partitions this worker owns now."""
        return self.lockstep.processors if self.lockstep is not None else {}

    @property
    def folded(self) -> dict[int, int]:
        """Per owned partition, the next offset not yet folded."""
        return dict(self.lockstep.done) if self.lockstep is not None else {}

    def engine_view(self) -> PartitionedEngineView:
        """The dashboard's read-only view of this worker's Engines."""
        return PartitionedEngineView(lambda: self.processors)

    # -- life cycle -------------------------------------------------------------------
    async def start(self, timeout: float = 15.0) -> None:
        """Create missing topics, connect, and join the group (fails fast, never hangs)."""
        created = await ensure_topics(self.bootstrap, self.topics.specs(), timeout)
        if created:
            log.info("topics created", topics=created)
        self._producer = make_producer(self.bootstrap)
        await start_client(self._producer, self.bootstrap, timeout)
        session = session_timeout_ms()
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=session,
            heartbeat_interval_ms=max(100, session // 6),
            rebalance_timeout_ms=max(session * 5, 30000),
            max_poll_interval_ms=300000,
            fetch_max_wait_ms=200,
            max_partition_fetch_bytes=8 * 1024 * 1024,
            client_id="meterflow-worker",
        )
        await start_client(self._consumer, self.bootstrap, timeout)
        self._consumer.subscribe([self.topics.input], listener=_Rebalance(self))
        if self.ops is not None:
            self._rejection_feed = asyncio.create_task(
                follow_rejections(self.bootstrap, self.topics.rejected, self.ops, self._stopping, timeout)
            )
        log.info("worker started", broker=self.bootstrap, group=self.group_id, clock=self.use_clock)

    def stop_soon(self) -> None:
        """Ask the loop to finish its batch, commit and stop."""
        self._stopping.set()

    async def close(self) -> None:
        """Snapshot the owned partitions (a clean stop makes the next start fast), then
        leave the group and disconnect."""
        if self._producer is not None and self.lockstep is not None:
            try:
                async with self.lock:
                    await asyncio.wait_for(self.snapshot(), 60)
            except Exception as exc:  # the broker may be gone: the next start folds the log
                log.warning("no snapshot at stop", error=repr(exc))
        if self._rejection_feed is not None:
            self._stopping.set()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._rejection_feed, 5)
        if self._consumer is not None:
            with contextlib.suppress(Exception):
                await self._consumer.stop()
        if self._producer is not None:
            with contextlib.suppress(Exception):
                await self._producer.stop()
        log.info("worker stopped", events=self.stats.events, commands=self.stats.commands)

    async def run(self) -> None:
        """Consume until stop_soon() is called."""
        assert self._consumer is not None and self._producer is not None, "start() first"
        consumer = self._consumer
        while not self._stopping.is_set():
            try:
                batch = await consumer.getmany(timeout_ms=200, max_records=self.max_batch)
            except KafkaError as exc:
                log.warning("fetch failed; retrying", error=repr(exc))
                await asyncio.sleep(0.5)
                continue
            async with self.lock:
                if self.lockstep is None:
                    continue
                await self._handle(batch)
                self._sample_lag(consumer)
                if self.use_clock:
                    await self._tick_if_due()
                await self._snapshot_if_due()

    # -- partitions -------------------------------------------------------------------
    async def adopt(self, assigned: set[TopicPartition]) -> None:
        """Keep the Engines whose state matches the committed offset; rebuild the others
        by folding their partitions again up to it."""
        assert self._consumer is not None
        wanted = {tp.partition: tp for tp in assigned if tp.topic == self.topics.input}
        count = len(await partitions_of(self._consumer, self.topics.input))
        if self.lockstep is None or self.lockstep.partitions != count:
            self.lockstep = LockStep(self.topics, count, self.policy)
        lockstep = self.lockstep
        for partition in list(lockstep.processors):
            if partition not in wanted:
                lockstep.remove(partition)
        self._paused.clear()
        self._empty_rounds.clear()
        stale: dict[TopicPartition, int] = {}
        for partition, tp in wanted.items():
            committed = await self._consumer.committed(tp) or 0
            self._committed[partition] = committed
            if partition in lockstep.processors and lockstep.done.get(partition) == committed:
                lockstep.reset(partition, committed)  # the consumer reads on from `committed`
            else:
                stale[tp] = committed
        if stale:
            for tp, processor in (await self._recover(stale, count)).items():
                lockstep.add(tp.partition, processor, stale[tp])
        if self.ops is not None:
            self.ops.record_rebalance(sorted(wanted))
            for tp in stale:
                processor = lockstep.processors[tp.partition]
                sync_labels(processor.engine, self.ops, processor.store.items())
                observe_store(processor.engine)  # from now on, relabel every key a batch writes
        log.info(
            "partitions assigned", partitions=sorted(wanted), rebuilt=sorted(tp.partition for tp in stale)
        )
        self.ready.set()

    async def _recover(
        self, upto: dict[TopicPartition, int], count: int
    ) -> dict[TopicPartition, PartitionProcessor]:
        """The state each partition had at its committed offset: the latest snapshot not
        past it, then the input from the snapshot's offset (from 0 without one) folded
        again with the live lock-step rules and nothing produced."""
        started = time.perf_counter()
        rebuild = LockStep(self.topics, count, self.policy)
        limits = {tp.partition: offset for tp, offset in upto.items()}
        reader = make_reader(self.bootstrap)
        await start_client(reader, self.bootstrap, 15.0)
        muted = Outgoing(mute=True)
        loaded: dict[int, int] = {}
        try:
            found = await latest_snapshots(reader, self.topics.snapshots, limits) if self.snapshots else {}
            for tp in upto:
                processor = PartitionProcessor(tp.partition, self.policy, topics=self.topics)
                start = 0
                snapshot = found.get(tp.partition)
                if snapshot is not None:
                    try:
                        states = load_states(snapshot)
                    except StateDecodeError as exc:
                        log.warning("snapshot unreadable; folding from the beginning", error=str(exc))
                    else:
                        for key, state in states:
                            processor.store.put(key, state)
                        processor.engine.rebuild_deadlines()
                        start = loaded[tp.partition] = snapshot.offset
                rebuild.add(tp.partition, processor, start)
            starts = {tp: rebuild.done[tp.partition] for tp in upto}
            async for records in read_partitions(reader, list(upto), stop_at=upto, start_at=starts):
                rebuild.feed(records[0].partition, records)
                rebuild.step(lambda p: rebuild.fed[p] >= limits[p], muted)
        finally:
            await reader.stop()
        rebuild.step(lambda p: True, muted)
        for processor in rebuild.processors.values():
            processor.engine.rebuild_deadlines()
        self._snapshotted.update(loaded)
        keys = sum(processor.keys() for processor in rebuild.processors.values())
        elapsed = time.perf_counter() - started
        self.stats.recovered_events += muted.events
        self.stats.recovered_keys += keys
        self.stats.recovery_seconds += elapsed
        log.info(
            "state recovered",
            partitions=sorted(limits),
            from_snapshot=loaded,
            events=muted.events,
            keys=keys,
            seconds=round(elapsed, 3),
        )
        return {tp: rebuild.processors[tp.partition] for tp in upto}

    async def snapshot(self, partitions: Iterable[int] | None = None) -> int:
        """Write a snapshot of each of `partitions` (default: all owned) whose folded
        offset moved since its last one and is committed; returns how many were written."""
        if self.lockstep is None or self._producer is None or not self.snapshots:
            return 0
        lockstep = self.lockstep
        written = 0
        for partition in sorted(lockstep.processors if partitions is None else partitions):
            processor = lockstep.processors.get(partition)
            done = lockstep.done.get(partition)
            if processor is None or done is None or done == self._snapshotted.get(partition):
                continue
            if done != self._committed.get(partition):
                continue  # a snapshot must not run ahead of the committed offset
            records = snapshot_records(done, processor.store.items())
            await write_snapshot(self._producer, self.topics.snapshots, partition, records)
            self._snapshotted[partition] = done
            written += 1
            log.info("snapshot written", partition=partition, offset=done, keys=len(records) - 2)
        return written

    async def _snapshot_if_due(self) -> None:
        moment = time.monotonic()
        if moment - self._last_snapshot >= self.snapshot_interval:
            self._last_snapshot = moment
            await self.snapshot()

    def _caught_up(self, partition: int) -> bool:
        """Nothing more to read in `partition` for now: the last fetches returned nothing
        and we have read up to the broker's high watermark (which Tansu may report one
        record batch short, hence the empty fetches too)."""
        assert self._consumer is not None and self.lockstep is not None
        if self._empty_rounds.get(partition, 0) < self.CAUGHT_UP_ROUNDS:
            return False
        highwater = self._consumer.highwater(TopicPartition(self.topics.input, partition))
        return highwater is None or self.lockstep.fed.get(partition, 0) >= highwater

    # -- one batch ----------------------------------------------------------------------
    async def _handle(self, batch: dict[TopicPartition, list[Any]]) -> None:
        assert self._consumer is not None and self.lockstep is not None
        lockstep = self.lockstep
        for partition in lockstep.processors:
            self._empty_rounds[partition] = self._empty_rounds.get(partition, 0) + 1
        for tp, records in batch.items():
            if records and tp.partition in lockstep.processors:
                lockstep.feed(tp.partition, records)
                self._empty_rounds[tp.partition] = 0
        out = Outgoing(keep=self.observer is not None)
        lockstep.step(self._caught_up, out)
        if self.observer is not None:
            self.observer(lockstep.processors, out)
        await self._produce(out.records)
        offsets = {
            TopicPartition(self.topics.input, p): done
            for p, done in lockstep.done.items()
            if done != self._committed.get(p)
        }
        if offsets:
            try:
                await self._consumer.commit(offsets)
                for tp, done in offsets.items():
                    self._committed[tp.partition] = done
            except (CommitFailedError, KafkaError) as exc:
                log.warning(
                    "commit failed; the partition's owner will fold those records again", error=repr(exc)
                )
        self._flow_control()
        self.stats.batches += 1
        self.stats.events += out.events
        self.stats.commands += out.commands
        self.stats.anomalies += out.anomalies
        self.stats.rejected += out.rejected
        self.stats.follow_ups += out.follow_ups

    def _flow_control(self) -> None:
        """Pause partitions that wait at a tick with a lot read ahead; resume them later."""
        assert self._consumer is not None and self.lockstep is not None
        for partition in list(self.lockstep.processors):
            size = self.lockstep.buffered(partition)
            tp = TopicPartition(self.topics.input, partition)
            if size > self.PAUSE_ABOVE and partition not in self._paused:
                self._consumer.pause(tp)
                self._paused.add(partition)
            elif size < self.RESUME_BELOW and partition in self._paused:
                self._consumer.resume(tp)
                self._paused.discard(partition)

    async def _produce(self, records: list[tuple[str, bytes | None, bytes]]) -> None:
        """Send every record and wait until the broker acknowledged all of them.

        While the broker is away the whole batch is sent again until it is acknowledged
        (records already acknowledged become duplicates, which command ids make harmless):
        the offsets that caused them are not committed before that.
        """
        if not records:
            return
        assert self._producer is not None
        send = self._producer.send
        attempt = 0
        while True:
            try:
                futures = [await send(topic, value, key=key) for topic, key, value in records]
                await asyncio.gather(*futures)
                return
            except KafkaError as exc:
                attempt += 1
                log.warning("produce failed; retrying the batch", error=repr(exc), attempt=attempt)
                await asyncio.sleep(min(0.5 * attempt, 5.0))

    def _sample_lag(self, consumer: AIOKafkaConsumer) -> None:
        """Lag per partition: records not yet folded, measured against the broker's high
        watermark, and never below what we read but have not folded. Tansu's watermark can
        trail the real end by one record batch, so the lag it gives is a lower bound that
        reaches 0 only once a fetch comes back empty."""
        assert self.lockstep is not None
        lockstep = self.lockstep
        for partition in lockstep.processors:
            highwater = consumer.highwater(TopicPartition(self.topics.input, partition))
            done = lockstep.done.get(partition, 0)
            lag = max((highwater or 0) - done, lockstep.fed.get(partition, 0) - done, 0)
            if lag == 0 and self._empty_rounds.get(partition, 0) == 0:
                lag = 1
            self.stats.lag[partition] = lag
            if self.ops is not None:
                self.ops.record_lag(partition, lag)

    # -- the wall clock -----------------------------------------------------------------
    async def _tick_if_due(self, now: float | None = None) -> None:
        moment = time.monotonic() if now is None else now
        if moment - self._last_clock < self.clock_interval:
            return
        self._last_clock = moment
        closed = clock.last_closed_day()
        payload = serde.encode_event(clock.tick_for(closed))
        owed = [
            partition
            for partition, processor in self.processors.items()
            if clock.tick_due(processor.engine.last_closed_day, self._ticks_sent.get(partition), closed)
        ]
        if owed:
            assert self._producer is not None
            futures = [await self._producer.send(self.topics.input, payload, partition=p) for p in owed]
            await asyncio.gather(*futures)
            for partition in owed:
                self._ticks_sent[partition] = closed
            log.info("day ticked", day=closed.isoformat(), partitions=owed)


def run(args: argparse.Namespace) -> int:
    """Entry point of `meterflow worker [--no-clock]`; serves the dashboard too when
    METERFLOW_DASHBOARD_PORT is set."""
    policy = DEFAULT_POLICY
    policy_path = getattr(args, "policy", None)
    if policy_path:
        policy = load_policy(policy_path)
    try:
        bootstrap = find_broker(getattr(args, "broker", None))
        from processors.streaming.stack import dashboard_port, run_stack  # noqa: PLC0415 - imports Worker

        use_clock = not getattr(args, "no_clock", False)
        return asyncio.run(
            run_stack(bootstrap, use_clock=use_clock, policy=policy, port=dashboard_port(None))
        )
    except Exception as exc:
        return report_startup_error(exc)
