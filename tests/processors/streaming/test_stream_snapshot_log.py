"""A snapshot names the log it was taken from (issue 17, D28's known limit).

A worker that has not yet noticed its broker was replaced writes a snapshot of the old
log into the new broker, at the old log's offset. Once the new log's committed offset
passes that offset, recovery used to load it: states of events the new log never had.
Each snapshot now carries the fingerprint of the input record before its offset
(`state_store.fingerprint`, as local states do), and recovery refuses one that does not
match the log, folding the partition from the beginning instead.

Against the real broker: the "old log" is one set of topics, the "new broker" another,
whose snapshots topic receives the old log's snapshot."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import streamkit
from aiokafka import AIOKafkaProducer

from bench.synthetic_log import LogShape, write_log
from processors.codecs.state_codec import encode_state
from processors.core.policy import DEFAULT_POLICY
from processors.streaming.ingest import ingest
from processors.streaming.kafka import make_producer, start_client
from processors.streaming.lockstep import LockStep
from processors.streaming.recovery import Recovered, Recovery, SnapshotWriter
from processors.streaming.stats import WorkerStats
from processors.streaming.topics import Topics

pytestmark = pytest.mark.broker

OLD = LogShape(supply_points=200, events=1500, days=8, loss_share=0.1, seed=11)
NEW = LogShape(supply_points=250, events=3000, days=12, loss_share=0.1, seed=12)


async def fill(broker: str, topics: Topics, folder: Path, shape: LogShape) -> dict[int, int]:
    """Ingest a synthetic log into `topics`; the end of each input partition."""
    _, last = write_log(folder, shape)
    await ingest(broker, [folder], last + timedelta(days=40), topics=topics)
    return await streamkit.real_ends(broker, topics.input)


async def recover(broker: str, topics: Topics, ends: dict[int, int], *, snapshots: bool = True) -> Recovered:
    return await Recovery(broker, topics, DEFAULT_POLICY, WorkerStats(), snapshots=snapshots).recover(
        ends, len(ends)
    )


async def snapshot_into(broker: str, recovered: Recovered, snapshots_of: Topics) -> int:
    """Write `recovered`'s states as snapshots into `snapshots_of`'s snapshots topic, as a
    worker folded to those offsets does (at revocation, periodically)."""
    lockstep = LockStep(snapshots_of, len(recovered.processors), DEFAULT_POLICY)
    for partition, processor in recovered.processors.items():
        lockstep.add(partition, processor, recovered.offsets[partition], recovered.tails.get(partition))
    producer: AIOKafkaProducer = make_producer(broker)
    await start_client(producer, broker, 10)
    try:
        writer = SnapshotWriter(snapshots_of, interval=600)
        return await writer.write(producer, lockstep, dict(recovered.offsets))
    finally:
        await producer.stop()


def states(recovered: Recovered) -> dict[int, dict[str, bytes]]:
    return {
        p: {key: encode_state(state) for key, state in processor.store.items()}
        for p, processor in recovered.processors.items()
    }


async def test_a_snapshot_of_another_log_is_refused_and_the_log_folded_instead(
    broker: str, topics: Topics, tmp_path: Path
) -> None:
    old_topics = Topics(f"t{uuid.uuid4().hex[:10]}-")
    old_ends = await fill(broker, old_topics, tmp_path / "old", OLD)
    old_state = await recover(broker, old_topics, old_ends)
    # the old log's snapshot lands in the new broker's snapshots topic
    assert await snapshot_into(broker, old_state, topics) == len(old_ends)

    new_ends = await fill(broker, topics, tmp_path / "new", NEW)
    assert all(new_ends[p] >= old_ends[p] for p in old_ends)  # the new log passes its offsets

    stats = WorkerStats()
    got = await Recovery(broker, topics, DEFAULT_POLICY, stats).recover(new_ends, len(new_ends))
    assert stats.recovered_from_snapshot == 0
    assert stats.snapshots_refused == len(new_ends)
    assert got.from_snapshot == {}
    # the state is the new log's alone, as folded from its beginning
    assert states(got) == states(await recover(broker, topics, new_ends, snapshots=False))


async def test_a_snapshot_of_this_log_is_still_used(broker: str, topics: Topics, tmp_path: Path) -> None:
    ends = await fill(broker, topics, tmp_path / "log", NEW)
    folded = await recover(broker, topics, ends, snapshots=False)
    assert await snapshot_into(broker, folded, topics) == len(ends)

    stats = WorkerStats()
    got = await Recovery(broker, topics, DEFAULT_POLICY, stats).recover(ends, len(ends))
    assert stats.snapshots_refused == 0
    assert got.from_snapshot == ends
    assert states(got) == states(folded)
