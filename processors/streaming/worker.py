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

With a state dir (`--state-dir`, METERFLOW_STATE_DIR) each partition's states live in
RocksDB on local disk (`processors.streaming.state_store`), flushed after every commit
with the committed offset and a fingerprint of the log; on assignment a local state
that matches the log is reused and only the input after its offset is folded again,
and the snapshots are read only for partitions without one.
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
from pathlib import Path
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from processors.codecs import serde
from processors.codecs.state_codec import StateDecodeError
from processors.core.policy import DEFAULT_POLICY, Policy, load_policy
from processors.drivers.policy_warning import warn_regulated_changes
from processors.ops.recorder import OpsRecorder
from processors.ops.tap import batch_observer, observe_store, sync_labels
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
from processors.streaming.snapshots import (
    Snapshot,
    encoded_snapshot_records,
    latest_snapshots,
    load_states,
    snapshot_records,
    write_snapshot,
)
from processors.streaming.state_store import (
    CACHE_KEYS_ENV,
    DEFAULT_CACHE_KEYS,
    Marker,
    RocksStateStore,
    fingerprint,
    record_fingerprints,
    source_of,
    store_path,
)
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
    recovered_from_local: int = 0  # partitions whose state came from the local state dir
    recovered_from_snapshot: int = 0  # partitions whose state came from a snapshot
    local_discarded: int = 0  # local states found untrusted (another log, corrupt) and cleared
    state_flushes: int = 0
    flushed_states: int = 0
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
            self.worker.release_local(partitions)

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
        state_dir: Path | str | None = None,
        state_cache_keys: int | None = None,
    ) -> None:
        """`state_dir`: keep each partition's states in RocksDB under it (default: memory);
        `state_cache_keys`: states kept decoded per partition between batches
        (METERFLOW_STATE_CACHE_KEYS, default 20000)."""
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
        self.state_dir = Path(state_dir) if state_dir else None
        self.state_cache_keys = (
            int(os.environ.get(CACHE_KEYS_ENV, str(DEFAULT_CACHE_KEYS)))
            if state_cache_keys is None
            else state_cache_keys
        )
        self._snapshotted: dict[int, int] = {}
        self._last_snapshot = time.monotonic()
        self.observer: BatchObserver | None = batch_observer(ops) if ops is not None else None
        self.lock = asyncio.Lock()
        self.lockstep: LockStep | None = None
        self.stats = WorkerStats()
        self.ready = asyncio.Event()
        self._stopping = asyncio.Event()
        self._suspended = False  # local stores closed at revocation, until the next assignment
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
        log.info(
            "worker started",
            broker=self.bootstrap,
            group=self.group_id,
            clock=self.use_clock,
            state_dir=str(self.state_dir) if self.state_dir else None,
        )

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
        if self.lockstep is not None:
            self.release_local(list(self.lockstep.processors))
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
                if self.lockstep is None or self._suspended:
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
            if self.lockstep is not None:
                for partition in list(self.lockstep.processors):
                    self._close_local(partition)
            self.lockstep = LockStep(self.topics, count, self.policy)
        self._suspended = False
        lockstep = self.lockstep
        for partition in list(lockstep.processors):
            if partition not in wanted:
                self._close_local(partition)
                lockstep.remove(partition)
        self._paused.clear()
        self._empty_rounds.clear()
        stale: dict[TopicPartition, int] = {}
        for partition, tp in wanted.items():
            committed = await self._consumer.committed(tp) or 0
            self._committed[partition] = committed
            kept = lockstep.processors.get(partition)
            if (
                kept is not None
                and lockstep.done.get(partition) == committed
                and self._reopen_local(kept, committed)
            ):
                lockstep.reset(partition, committed)  # the consumer reads on from `committed`
            else:
                self._close_local(partition)
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
        """The state each partition had at its committed offset, folded again with the live
        lock-step rules and nothing produced from the latest of: the local state (with a
        state dir, when it matches the log), else the latest snapshot not past the
        committed offset, else the beginning. With a state dir the result is flushed to it."""
        started = time.perf_counter()
        rebuild = LockStep(self.topics, count, self.policy)
        limits = {tp.partition: offset for tp, offset in upto.items()}
        reader = make_reader(self.bootstrap)
        await start_client(reader, self.bootstrap, 15.0)
        muted = Outgoing(mute=True)
        loaded: dict[int, int] = {}
        local: dict[int, int] = {}
        try:
            stores = {p: self._open_local(p) for p in limits} if self.state_dir is not None else {}
            for partition, processor in (await self._trusted_local(reader, stores, limits, count)).items():
                local[partition] = self._marked(processor)
                rebuild.add(partition, processor, local[partition])
            wanted = {p: offset for p, offset in limits.items() if p not in local}
            found = (
                await latest_snapshots(reader, self.topics.snapshots, wanted)
                if self.snapshots and wanted
                else {}
            )
            for partition in wanted:
                processor, start = self._from_snapshot(partition, found.get(partition), stores.get(partition))
                if start:
                    loaded[partition] = start
                rebuild.add(partition, processor, start)
            starts = {tp: rebuild.done[tp.partition] for tp in upto}
            async for records in read_partitions(reader, list(upto), stop_at=upto, start_at=starts):
                rebuild.feed(records[0].partition, records)
                rebuild.step(lambda p: rebuild.fed[p] >= limits[p], muted)
                if stores:  # keep memory flat: write what the re-fold changed now and then
                    self._flush_local(rebuild, count, minimum=max(1, self.state_cache_keys))
            rebuild.step(lambda p: True, muted)
            if stores:
                await self._flush_recovered(reader, rebuild, count)
        finally:
            await reader.stop()
        for processor in rebuild.processors.values():
            if processor.local is None:  # a local store's Engine indexed it when it was opened
                processor.engine.rebuild_deadlines()
        self._snapshotted.update(loaded)
        keys = sum(processor.keys() for processor in rebuild.processors.values())
        elapsed = time.perf_counter() - started
        self.stats.recovered_events += muted.events
        self.stats.recovered_keys += keys
        self.stats.recovery_seconds += elapsed
        self.stats.recovered_from_local += len(local)
        self.stats.recovered_from_snapshot += len(loaded)
        log.info(
            "state recovered",
            partitions=sorted(limits),
            from_local=local,
            from_snapshot=loaded,
            events=muted.events,
            keys=keys,
            seconds=round(elapsed, 3),
        )
        return {tp: rebuild.processors[tp.partition] for tp in upto}

    # -- local state (--state-dir) --------------------------------------------------------
    def _open_local(self, partition: int) -> RocksStateStore:
        assert self.state_dir is not None
        path = store_path(self.state_dir, self.group_id, self.topics.input, partition)
        return RocksStateStore(path, cache_keys=self.state_cache_keys)

    @staticmethod
    def _marked(processor: PartitionProcessor) -> int:
        store = processor.local
        assert store is not None and store.marker is not None
        return store.marker.offset

    def _discard_local(self, store: RocksStateStore, partition: int, reason: str) -> None:
        log.warning("local state discarded", partition=partition, path=str(store.path), reason=reason)
        self.stats.local_discarded += 1
        store.clear()

    async def _trusted_local(
        self, reader: AIOKafkaConsumer, stores: dict[int, RocksStateStore], limits: dict[int, int], count: int
    ) -> dict[int, PartitionProcessor]:
        """The partitions whose local state can be reused, as processors over it: its marker
        names this topic, partition and partition count, is not past the committed offset,
        and its fingerprint matches the record the log holds just before its offset; and
        every state in it can be read. The others are cleared."""
        candidates: dict[int, Marker] = {}
        for partition, store in stores.items():
            marker = store.marker
            if marker is None:
                if len(store):
                    self._discard_local(store, partition, "no marker: an interrupted load or flush")
                continue
            if marker.source != source_of(self.topics.input, partition, count):
                self._discard_local(store, partition, f"written for {marker.source}")
            elif marker.offset > limits[partition]:
                self._discard_local(
                    store,
                    partition,
                    f"its offset {marker.offset} is past the committed offset {limits[partition]} "
                    "(another log, or the topic was recreated)",
                )
            elif marker.offset == 0:
                if len(store):
                    store.clear()  # nothing folded yet: nothing to reuse
            else:
                candidates[partition] = marker
        found = await record_fingerprints(
            reader, {TopicPartition(self.topics.input, p): m.offset for p, m in candidates.items()}
        )
        trusted: dict[int, PartitionProcessor] = {}
        for partition, marker in candidates.items():
            store = stores[partition]
            if found.get(partition) != marker.fingerprint:
                self._discard_local(
                    store,
                    partition,
                    f"the log's record at offset {marker.offset - 1} is not the one this state followed "
                    "(another log, or the topic was recreated)",
                )
                continue
            try:  # the Engine reads every state once to index its deadlines
                trusted[partition] = PartitionProcessor(
                    partition, self.policy, topics=self.topics, store=store
                )
            except Exception as exc:
                self._discard_local(store, partition, f"unreadable: {exc}")
        return trusted

    def _from_snapshot(
        self, partition: int, snapshot: Snapshot | None, store: RocksStateStore | None
    ) -> tuple[PartitionProcessor, int]:
        """A processor over `snapshot`'s states (in `store` when given) and the offset to fold
        from; over no state and 0 without a usable snapshot."""
        if snapshot is not None:
            try:
                if store is None:
                    processor = PartitionProcessor(partition, self.policy, topics=self.topics)
                    for key, state in load_states(snapshot):
                        processor.store.put(key, state)
                    processor.engine.rebuild_deadlines()
                else:
                    store.clear()
                    store.load_encoded(snapshot.states)
                    processor = PartitionProcessor(partition, self.policy, topics=self.topics, store=store)
                return processor, snapshot.offset
            except StateDecodeError as exc:
                log.warning("snapshot unreadable; folding from the beginning", error=str(exc))
        if store is not None and (len(store) or store.marker is not None):
            store.clear()
        return PartitionProcessor(partition, self.policy, topics=self.topics, store=store), 0

    def _marker_at(self, lockstep: LockStep, partition: int, count: int) -> Marker | None:
        """The marker of `partition`'s state now (folded up to lockstep.done), when its
        fingerprint is known: the record folded last, or the store's marker if nothing was
        folded since."""
        processor = lockstep.processors.get(partition)
        done = lockstep.done.get(partition)
        store = processor.local if processor is not None else None
        if store is None or done is None:
            return None
        source = source_of(self.topics.input, partition, count)
        tail = lockstep.tail.get(partition)
        if tail is not None and tail[0] == done - 1:
            return Marker(source, done, fingerprint(tail[1], tail[2]))
        if store.marker is not None and store.marker.offset == done and store.marker.source == source:
            return store.marker
        if done == 0:
            return Marker(source, 0, "")
        return None

    def _flush_local(
        self, lockstep: LockStep, count: int, *, only: Iterable[int] | None = None, minimum: int | None = None
    ) -> None:
        """Flush the local stores, each with the marker of the offset its partition is folded
        to: when anything changed (`minimum` None) or once `minimum` states are dirty. The
        caller guarantees that offset is committed (a live batch after its commit, or a
        re-fold, which stops at it). Stores not flushed are trimmed to their cache bound."""
        for partition in list(lockstep.processors if only is None else only):
            processor = lockstep.processors.get(partition)
            store = processor.local if processor is not None else None
            if store is None or store.closed:
                continue
            marker = self._marker_at(lockstep, partition, count)
            if (
                marker is None
                or (minimum is None and not store.dirty and store.marker == marker)
                or (minimum is not None and store.dirty < minimum)
            ):
                store.trim()
                continue
            self.stats.flushed_states += store.flush(marker)
            self.stats.state_flushes += 1

    async def _flush_recovered(self, reader: AIOKafkaConsumer, rebuild: LockStep, count: int) -> None:
        """Flush every re-folded local store at its committed offset; where the re-fold read
        nothing (a snapshot exactly at it), the fingerprint is read from the log."""
        markers = {p: self._marker_at(rebuild, p, count) for p in rebuild.processors}
        missing = {
            TopicPartition(self.topics.input, p): rebuild.done[p] for p, m in markers.items() if m is None
        }
        found = await record_fingerprints(reader, missing) if missing else {}
        for partition, processor in rebuild.processors.items():
            store = processor.local
            marker = markers[partition]
            if marker is None and partition in found:
                source = source_of(self.topics.input, partition, count)
                marker = Marker(source, rebuild.done[partition], found[partition])
            if store is None:
                continue
            if marker is None:
                log.warning("local state not flushed: the log's record is unreadable", partition=partition)
                continue
            self.stats.flushed_states += store.flush(marker)
            self.stats.state_flushes += 1

    def release_local(self, partitions: Iterable[int]) -> None:
        """At revocation and stop: flush the local stores of `partitions` whose folded offset
        is committed, and close them (a partition given back by the next assignment is
        reopened as it is; `adopt`)."""
        if self.lockstep is None or self.state_dir is None:
            return
        lockstep = self.lockstep
        owned = [p for p in partitions if p in lockstep.processors]
        try:
            committed = [p for p in owned if lockstep.done.get(p) == self._committed.get(p)]
            self._flush_local(lockstep, lockstep.partitions, only=committed)
        except Exception as exc:
            log.warning("local state not flushed", error=repr(exc))
        for partition in owned:
            self._close_local(partition)
        self._suspended = bool(owned)  # fold nothing until the next assignment reopens them

    def _close_local(self, partition: int) -> None:
        processor = self.lockstep.processors.get(partition) if self.lockstep is not None else None
        store = processor.local if processor is not None else None
        if store is not None:
            store.close()

    def _reopen_local(self, processor: PartitionProcessor, committed: int) -> bool:
        """Reopen a kept partition's local store; True when it holds the state at `committed`
        (what the Engine in memory was folded to)."""
        store = processor.local
        if store is None:
            return True
        try:
            store.open()
        except Exception as exc:
            log.warning("local state cannot be reopened", path=str(store.path), error=repr(exc))
            return False
        return store.marker is not None and store.marker.offset == committed

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
            local = processor.local
            records = (
                snapshot_records(done, processor.store.items())
                if local is None
                else encoded_snapshot_records(done, local.encoded_items())
            )
            keys = await write_snapshot(self._producer, self.topics.snapshots, partition, records)
            self._snapshotted[partition] = done
            written += 1
            log.info("snapshot written", partition=partition, offset=done, keys=keys)
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
        if self.state_dir is not None:  # only what is committed: the local state never runs ahead
            self._flush_local(
                lockstep,
                lockstep.partitions,
                only=[p for p in lockstep.processors if lockstep.done.get(p) == self._committed.get(p)],
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
    """Entry point of `meterflow worker [--no-clock] [--state-dir DIR]`; serves the
    dashboard too when METERFLOW_DASHBOARD_PORT is set."""
    policy = DEFAULT_POLICY
    policy_path = getattr(args, "policy", None)
    if policy_path:
        policy = load_policy(policy_path)
    warn_regulated_changes(policy, "worker")
    try:
        bootstrap = find_broker(getattr(args, "broker", None))
        from processors.streaming.stack import (  # noqa: PLC0415 - imports Worker
            dashboard_port,
            run_stack,
            state_dir_of,
        )

        use_clock = not getattr(args, "no_clock", False)
        return asyncio.run(
            run_stack(
                bootstrap,
                use_clock=use_clock,
                policy=policy,
                port=dashboard_port(None),
                state_dir=state_dir_of(args),
            )
        )
    except Exception as exc:
        return report_startup_error(exc)
