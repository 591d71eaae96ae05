"""Recovery: the state each assigned partition had at its committed offset (D12, D17).

On assignment a partition's state is rebuilt from the latest of: its local state (with a
state dir, when `LocalStates.trusted` finds it matches the log), else the latest snapshot
not past the committed offset, else the beginning; then the input from there up to the
committed offset is folded again with the live lock-step rules and nothing produced. The
Engine is pure and deterministic, so the rebuilt state is the state that was lost; the
committed offset is exact, so recovery never depends on the high watermark, which the
embedded broker reports wrongly.

`SnapshotWriter` writes the snapshots recovery starts from: periodically, at revocation
and at a clean stop, each only at a committed offset.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from processors.codecs.state_codec import StateDecodeError
from processors.collector import gc_paused
from processors.core.policy import Policy
from processors.core.store import DictStateStore
from processors.streaming.kafka import (
    LogWentBackwards,
    ReadStalled,
    make_reader,
    read_partitions,
    start_client,
)
from processors.streaming.local_state import LocalStates, folded_fingerprint
from processors.streaming.lockstep import LockStep
from processors.streaming.processor import Outgoing, PartitionProcessor
from processors.streaming.snapshots import (
    Snapshot,
    decoded_index,
    encoded_snapshot_records,
    latest_snapshots,
    load_states,
    snapshot_records,
    write_snapshot,
)
from processors.streaming.state_store import RocksStateStore, record_fingerprints
from processors.streaming.stats import WorkerStats
from processors.streaming.topics import Topics

log = structlog.get_logger("meterflow.worker")

FETCH_WAIT_MS = 10
"""How long the broker holds recovery's fetch at the end of a partition. The snapshots are
read to their real end, which takes one fetch that finds nothing, and the end offsets
asked for meanwhile wait behind it (100 ms each at the reader's default)."""


@dataclass(frozen=True, slots=True)
class Recovered:
    """Processors at their committed offsets, and the snapshot offset each one loaded."""

    processors: dict[int, PartitionProcessor]
    from_snapshot: dict[int, int]
    offsets: dict[int, int]
    """The offset each processor stands at: the committed one, or the end of a log that
    went backwards and now ends before it."""
    tails: dict[int, tuple[int, bytes | None, int | None]]
    """The record each re-fold folded last, where it read one (`LockStep.tail`), so the
    first snapshot written after recovery knows the fingerprint of its offset."""


class Recovery:
    """Rebuilds partitions' states at their committed offsets."""

    def __init__(
        self,
        bootstrap: str,
        topics: Topics,
        policy: Policy,
        stats: WorkerStats,
        *,
        local: LocalStates | None = None,
        snapshots: bool = True,
    ) -> None:
        """`local`: the worker's local states (None: memory); `snapshots`: start from the
        latest snapshot where there is no trusted local state."""
        self.bootstrap = bootstrap
        self.topics = topics
        self.policy = policy
        self.stats = stats
        self.local = local
        self.snapshots = snapshots

    async def recover(self, upto: dict[int, int], count: int) -> Recovered:
        """The state of each partition of `upto` at its committed offset `upto[p]` (`count`:
        the input topic's partitions). With local states the result is flushed to them.
        A partition whose log now ends before its committed offset (a new broker, a
        recreated topic) is named in an error line and recovered at the log's end."""
        try:
            return await self._recover(upto, count)
        except LogWentBackwards as exc:
            ends = {tp.partition: end for tp, end in exc.ends.items() if tp.topic == self.topics.input}
            log.error(
                "the log went backwards: the broker's log ends before the committed offset "
                "(a new broker, or the topic was recreated); recovering at the log's end",
                topic=self.topics.input,
                committed={p: upto[p] for p in ends},
                log_ends=ends,
            )
            return await self._recover(
                {p: min(offset, ends.get(p, offset)) for p, offset in upto.items()}, count
            )

    async def _recover(self, upto: dict[int, int], count: int) -> Recovered:
        started = time.perf_counter()
        rebuild = LockStep(self.topics, count, self.policy)
        tps = {TopicPartition(self.topics.input, p): offset for p, offset in upto.items()}
        reader = make_reader(self.bootstrap, fetch_max_wait_ms=FETCH_WAIT_MS)
        await start_client(reader, self.bootstrap, 15.0)
        muted = Outgoing(mute=True)
        loaded: dict[int, int] = {}
        reused: dict[int, int] = {}
        local = self.local
        try:
            stores = local.open(upto) if local is not None else {}
            if local is not None:
                for partition, processor in (
                    await local.trusted(reader, stores, upto, count, self.policy)
                ).items():
                    marker = stores[partition].marker
                    assert marker is not None
                    reused[partition] = marker.offset
                    rebuild.add(partition, processor, marker.offset)
            wanted = {p: offset for p, offset in upto.items() if p not in reused}
            found: dict[int, Snapshot] = {}
            # every state's bytes are held until its snapshot's END, then decoded: no collection
            # walks them meanwhile, and the states loaded are frozen out of later ones (D62)
            with gc_paused(freeze=self.snapshots and bool(wanted)):
                if self.snapshots and wanted:
                    try:
                        found = await latest_snapshots(reader, self.topics.snapshots, wanted)
                        found = await self._of_this_log(reader, found)
                    except ReadStalled as exc:  # the same state comes from the log, only slower
                        log.warning("snapshots unreadable; folding from the beginning", error=str(exc))
                for partition in wanted:
                    processor, start = self._from_snapshot(
                        partition, found.get(partition), stores.get(partition)
                    )
                    if start:
                        loaded[partition] = start
                    rebuild.add(partition, processor, start)
            starts = {tp: rebuild.done[tp.partition] for tp in tps}
            async for records in read_partitions(reader, list(tps), stop_at=tps, start_at=starts):
                rebuild.feed(records[0].partition, records)
                rebuild.step(lambda p: rebuild.fed[p] >= upto[p], muted)
                if local is not None:  # keep memory flat: write what the re-fold changed now and then
                    local.flush(rebuild, minimum=max(1, local.cache_keys))
            rebuild.step(lambda p: True, muted)
            if local is not None:
                await local.flush_recovered(reader, rebuild)
        finally:
            await reader.stop()
        # No deadline index is rebuilt here: a snapshot's states were indexed as they were
        # loaded, a local store's when it was opened, and the re-fold kept each index as the
        # live fold does (each index was built a second time here).
        keys = sum(processor.keys() for processor in rebuild.processors.values())
        elapsed = time.perf_counter() - started
        self.stats.recovered_events += muted.events
        self.stats.recovered_keys += keys
        self.stats.recovery_seconds += elapsed
        self.stats.recovered_from_local += len(reused)
        self.stats.recovered_from_snapshot += len(loaded)
        log.info(
            "state recovered",
            partitions=sorted(upto),
            from_local=reused,
            from_snapshot=loaded,
            events=muted.events,
            keys=keys,
            seconds=round(elapsed, 3),
        )
        tails = {p: tail for p, tail in rebuild.tail.items() if p in upto and tail[0] == upto[p] - 1}
        return Recovered({p: rebuild.processors[p] for p in upto}, loaded, dict(upto), tails)

    async def _of_this_log(self, reader: AIOKafkaConsumer, found: dict[int, Snapshot]) -> dict[int, Snapshot]:
        """The snapshots taken from the log the broker has: each one's fingerprint equals
        that of the log's record at its offset - 1 (read by exact offset). A snapshot of
        another log (written into a new broker by a worker that had not yet noticed the
        log was replaced) or whose record cannot be read is refused with a warning, and
        its partition folded from the beginning. A snapshot without a fingerprint (an
        older version's) is used as before."""
        checked = {p: s for p, s in found.items() if s.fingerprint is not None and s.offset > 0}
        if not checked:
            return found
        logs = await record_fingerprints(
            reader, {TopicPartition(self.topics.input, p): s.offset for p, s in checked.items()}
        )
        kept = dict(found)
        for partition, snapshot in checked.items():
            if logs.get(partition) == snapshot.fingerprint:
                continue
            del kept[partition]
            self.stats.snapshots_refused += 1
            log.warning(
                "snapshot refused: it was not taken from this log (a new broker, or the topic was "
                "recreated); folding the partition from the beginning",
                partition=partition,
                offset=snapshot.offset,
                reason=(
                    f"the log's record at offset {snapshot.offset - 1} cannot be read"
                    if partition not in logs
                    else f"the log's record at offset {snapshot.offset - 1} is not the one it followed"
                ),
            )
        return kept

    def _from_snapshot(
        self, partition: int, snapshot: Snapshot | None, store: RocksStateStore | None
    ) -> tuple[PartitionProcessor, int]:
        """A processor over `snapshot`'s states (in `store` when given) and the offset to fold
        from; over no state and 0 without a usable snapshot."""
        if snapshot is not None:
            try:
                if store is None:
                    states = DictStateStore()
                    processor = PartitionProcessor(partition, self.policy, topics=self.topics, store=states)
                    with gc_paused():
                        states.load(load_states(snapshot))
                        # the index the run carries, else the one its states give (D76)
                        index = None if snapshot.index is None else decoded_index(snapshot.index)
                        if index is None or not processor.engine.load_index(index):
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


class SnapshotWriter:
    """Writes each owned partition's state into the snapshots topic, only at a committed
    offset and only when it moved since the partition's last snapshot."""

    def __init__(
        self, topics: Topics, *, interval: float, enabled: bool = True, local: LocalStates | None = None
    ) -> None:
        """`interval`: seconds between periodic snapshots; `enabled` False writes none."""
        self.topics = topics
        self.interval = interval
        self.enabled = enabled
        self.local = local
        self._written: dict[int, int] = {}
        self._last = time.monotonic()

    def loaded(self, offsets: dict[int, int]) -> None:
        """Partitions recovered from a snapshot at these offsets: no need to write it again."""
        self._written.update(offsets)

    async def write(
        self,
        producer: AIOKafkaProducer,
        lockstep: LockStep,
        committed: dict[int, int],
        partitions: Iterable[int] | None = None,
    ) -> int:
        """Write a snapshot of each of `partitions` (default: all of `lockstep`) whose folded
        offset moved since its last one and is `committed`; returns how many were written."""
        if not self.enabled:
            return 0
        written = 0
        for partition in sorted(lockstep.processors if partitions is None else partitions):
            processor = lockstep.processors.get(partition)
            done = lockstep.done.get(partition)
            if processor is None or done is None or done == self._written.get(partition):
                continue
            if done != committed.get(partition):
                continue  # a snapshot must not run ahead of the committed offset
            store = self.local.store(partition) if self.local is not None else None
            fingerprint = folded_fingerprint(lockstep, partition, None if store is None else store.marker)
            if fingerprint is None:
                log.info("snapshot not written: its log record is not known yet", partition=partition)
                continue
            index = processor.engine.derived_index()
            records = (
                snapshot_records(done, fingerprint, processor.store.items(), index)
                if store is None
                else encoded_snapshot_records(done, fingerprint, store.encoded_items(), index)
            )
            keys = await write_snapshot(producer, self.topics.snapshots, partition, records)
            self._written[partition] = done
            written += 1
            log.info("snapshot written", partition=partition, offset=done, keys=keys)
        return written

    async def write_if_due(
        self, producer: AIOKafkaProducer, lockstep: LockStep, committed: dict[int, int]
    ) -> None:
        """Write the snapshots when `interval` seconds passed since the last time."""
        moment = time.monotonic()
        if moment - self._last >= self.interval:
            self._last = moment
            await self.write(producer, lockstep, committed)
