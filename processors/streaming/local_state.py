"""A worker's partition states on local disk (`--state-dir`): which store each partition
has, the marker each flush writes, and whether a store found on assignment can be trusted.

`state_store.RocksStateStore` is one partition's RocksDB; `LocalStates` is the worker's set
of them, one per owned partition under `<state-dir>/<group>/<topic>-<partition>/`:
- **flush only what is committed**: the loop flushes a store after each commit, with the
  marker of the offset its partition is folded to (`marker_at`), so a local state is
  never ahead of the committed offset;
- **trust only a matching log**: on assignment a store is reused (`trusted`) only when its
  marker names this topic, partition and partition count, is not past the committed
  offset, and its fingerprint matches the record the log holds just before its offset;
  any other store is cleared (`stats.local_discarded`) and rebuilt from a snapshot or the
  beginning (`recovery`);
- **close at revocation**: a partition given back keeps its store on disk, closed, and a
  partition given back again by the next assignment reopens it (`reopen`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition

from processors.core.policy import Policy
from processors.streaming.lockstep import LockStep
from processors.streaming.processor import PartitionProcessor
from processors.streaming.state_store import (
    Marker,
    RocksStateStore,
    fingerprint,
    record_fingerprints,
    source_of,
    store_path,
)
from processors.streaming.stats import WorkerStats
from processors.streaming.topics import Topics

log = structlog.get_logger("meterflow.worker")


def folded_fingerprint(lockstep: LockStep, partition: int, kept: Marker | None = None) -> str | None:
    """The fingerprint of the input record just before the offset `partition` is folded to,
    which names the log a state (local, or a snapshot) was folded from: the record folded
    last, else `kept`'s when that marker stands at the same offset, "" at offset 0; None
    when it is not known (the log must be read for it)."""
    done = lockstep.done.get(partition)
    if done is None:
        return None
    tail = lockstep.tail.get(partition)
    if tail is not None and tail[0] == done - 1:
        return fingerprint(tail[1], tail[2])
    if kept is not None and kept.offset == done:
        return kept.fingerprint
    return "" if done == 0 else None


class LocalStates:
    """The RocksDB stores of one worker's partitions, and their markers."""

    def __init__(
        self, state_dir: Path, group: str, topics: Topics, *, cache_keys: int, stats: WorkerStats
    ) -> None:
        self.state_dir = Path(state_dir)
        self.group = group
        self.topics = topics
        self.cache_keys = cache_keys
        self.stats = stats
        self._stores: dict[int, RocksStateStore] = {}

    def store(self, partition: int) -> RocksStateStore | None:
        """The store `partition` has now (open or closed), if any."""
        return self._stores.get(partition)

    def open(self, partitions: Iterable[int]) -> dict[int, RocksStateStore]:
        """Open (or create) the store of each of `partitions`; they become theirs."""
        opened: dict[int, RocksStateStore] = {}
        for partition in partitions:
            path = store_path(self.state_dir, self.group, self.topics.input, partition)
            opened[partition] = self._stores[partition] = RocksStateStore(path, cache_keys=self.cache_keys)
        return opened

    def close(self, partition: int) -> None:
        """Close `partition`'s store (what was not flushed is dropped; the disk keeps the
        state its marker describes)."""
        store = self._stores.get(partition)
        if store is not None:
            store.close()

    def reopen(self, partition: int, committed: int) -> bool:
        """Reopen a kept partition's store; True when it holds the state at `committed`
        (what the Engine in memory was folded to)."""
        store = self._stores.get(partition)
        if store is None:
            return True
        try:
            store.open()
        except Exception as exc:
            log.warning("local state cannot be reopened", path=str(store.path), error=repr(exc))
            return False
        return store.marker is not None and store.marker.offset == committed

    # -- markers and flushes --------------------------------------------------------------
    def marker_at(self, lockstep: LockStep, partition: int) -> Marker | None:
        """The marker of `partition`'s state now (folded up to lockstep.done), when its
        fingerprint is known: the record folded last, or the store's marker if nothing was
        folded since."""
        done = lockstep.done.get(partition)
        store = self._stores.get(partition) if partition in lockstep.processors else None
        if store is None or done is None:
            return None
        source = source_of(self.topics.input, partition, lockstep.partitions)
        kept = store.marker if store.marker is not None and store.marker.source == source else None
        found = folded_fingerprint(lockstep, partition, kept)
        return None if found is None else Marker(source, done, found)

    def flush(
        self, lockstep: LockStep, *, only: Iterable[int] | None = None, minimum: int | None = None
    ) -> None:
        """Flush the stores, each with the marker of the offset its partition is folded to:
        when anything changed (`minimum` None) or once `minimum` states are dirty. The
        caller guarantees that offset is committed (a live batch after its commit, or a
        re-fold, which stops at it). Stores not flushed are trimmed to their cache bound."""
        for partition in list(lockstep.processors if only is None else only):
            store = self._stores.get(partition) if partition in lockstep.processors else None
            if store is None or store.closed:
                continue
            marker = self.marker_at(lockstep, partition)
            if (
                marker is None
                or (minimum is None and not store.dirty and store.marker == marker)
                or (minimum is not None and store.dirty < minimum)
            ):
                store.trim()
                continue
            self._write(store, marker)

    async def flush_recovered(self, reader: AIOKafkaConsumer, rebuild: LockStep) -> None:
        """Flush every re-folded store at its committed offset; where the re-fold read
        nothing (a snapshot exactly at it), the fingerprint is read from the log."""
        markers = {p: self.marker_at(rebuild, p) for p in rebuild.processors}
        missing = {
            TopicPartition(self.topics.input, p): rebuild.done[p] for p, m in markers.items() if m is None
        }
        found = await record_fingerprints(reader, missing) if missing else {}
        for partition in rebuild.processors:
            store = self._stores.get(partition)
            marker = markers[partition]
            if marker is None and partition in found:
                source = source_of(self.topics.input, partition, rebuild.partitions)
                marker = Marker(source, rebuild.done[partition], found[partition])
            if store is None:
                continue
            if marker is None:
                log.warning("local state not flushed: the log's record is unreadable", partition=partition)
                continue
            self._write(store, marker)

    def release(self, lockstep: LockStep, partitions: Iterable[int], committed: dict[int, int]) -> list[int]:
        """At revocation and stop: flush the stores of `partitions` whose folded offset is
        `committed`, and close the stores of all of them; returns the owned ones."""
        owned = [p for p in partitions if p in lockstep.processors]
        try:
            self.flush(lockstep, only=[p for p in owned if lockstep.done.get(p) == committed.get(p)])
        except Exception as exc:
            log.warning("local state not flushed", error=repr(exc))
        for partition in owned:
            self.close(partition)
        return owned

    def _write(self, store: RocksStateStore, marker: Marker) -> None:
        self.stats.flushed_states += store.flush(marker)
        self.stats.state_flushes += 1

    # -- trust on assignment ----------------------------------------------------------------
    async def trusted(
        self,
        reader: AIOKafkaConsumer,
        stores: dict[int, RocksStateStore],
        limits: dict[int, int],
        count: int,
        policy: Policy,
    ) -> dict[int, PartitionProcessor]:
        """The partitions whose store can be reused, as processors over it: its marker names
        this topic, partition and partition count, is not past the committed offset
        (`limits`), and its fingerprint matches the record the log holds just before its
        offset; and every state in it can be read. The others are cleared."""
        candidates: dict[int, Marker] = {}
        for partition, store in stores.items():
            marker = store.marker
            if marker is None:
                if len(store):
                    self.discard(partition, "no marker: an interrupted load or flush")
                continue
            if marker.source != source_of(self.topics.input, partition, count):
                self.discard(partition, f"written for {marker.source}")
            elif marker.offset > limits[partition]:
                self.discard(
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
            if found.get(partition) != marker.fingerprint:
                self.discard(
                    partition,
                    f"the log's record at offset {marker.offset - 1} is not the one this state followed "
                    "(another log, or the topic was recreated)",
                )
                continue
            try:  # the Engine reads every state once to index its deadlines
                trusted[partition] = PartitionProcessor(
                    partition, policy, topics=self.topics, store=stores[partition]
                )
            except Exception as exc:
                self.discard(partition, f"unreadable: {exc}")
        return trusted

    def discard(self, partition: int, reason: str) -> None:
        """Clear `partition`'s store, which cannot be trusted, saying why."""
        store = self._stores[partition]
        log.warning("local state discarded", partition=partition, path=str(store.path), reason=reason)
        self.stats.local_discarded += 1
        store.clear()
