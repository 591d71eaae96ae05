"""The worker's sends, one record batch per partition: every record lands where one `send`
per record put it (the key's partition), in the order it was decided."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import pytest
from aiokafka import TopicPartition

from processors.streaming.kafka import make_producer, make_reader, read_partitions, start_client
from processors.streaming.loop import PRODUCE_WINDOW_BYTES, produce_all
from processors.streaming.partitioning import partition_for
from processors.streaming.topics import Topics, TopicSpec, ensure_topics

pytestmark = pytest.mark.broker

PARTITIONS = 4


async def test_batched_sends_keep_each_keys_partition_and_order(broker: str, topics: Topics) -> None:
    topic = f"{topics.prefix}produced"
    unkeyed = f"{topics.prefix}unkeyed"
    await ensure_topics(broker, [TopicSpec(topic, PARTITIONS), TopicSpec(unkeyed, PARTITIONS)])
    keys = [f"12000000000{n:02d}" for n in range(20)]
    # large enough that a partition's records fill more than one record batch (256 KB)
    records: list[tuple[str, bytes | None, bytes]] = [
        (topic, keys[n % len(keys)].encode(), f"{n:06d}".encode() + b"." * 2000) for n in range(600)
    ]
    records += [(unkeyed, None, f"loose {n}".encode()) for n in range(10)]
    producer = make_producer(broker)
    await start_client(producer, broker, 10)
    try:
        await produce_all(producer, records)
    finally:
        await producer.stop()

    reader = make_reader(broker)
    await start_client(reader, broker, 10)
    found: dict[tuple[str, int], list[tuple[bytes | None, bytes]]] = {}
    try:
        tps = [tp for name in (topic, unkeyed) for tp in _partitions(name)]
        async for batch in read_partitions(reader, tps):
            for record in batch:
                found.setdefault((record.topic, record.partition), []).append((record.key, record.value))
    finally:
        await reader.stop()

    for partition in range(PARTITIONS):
        expected = [
            (key, value)
            for name, key, value in records
            if name == topic and key is not None and partition_for(key.decode(), PARTITIONS) == partition
        ]
        assert found.get((topic, partition), []) == expected
    loose = sorted(value for (name, _), got in found.items() if name == unkeyed for _, value in got)
    assert loose == sorted(value for name, _, value in records if name == unkeyed)


def _partitions(topic: str) -> list[TopicPartition]:
    return [TopicPartition(topic, p) for p in range(PARTITIONS)]


class _CountingProducer:
    """Just what `queue_batches` calls of an AIOKafkaProducer: record batches acknowledged
    on the next turn of the loop, the bytes queued and not yet acknowledged counted."""

    def __init__(self) -> None:
        self.unacknowledged = 0
        self.most_unacknowledged = 0
        self.next_offset: dict[int, int] = {}

    async def partitions_for(self, topic: str) -> set[int]:
        return set(range(PARTITIONS))

    def create_batch(self) -> _Batch:
        return _Batch()

    async def send_batch(self, batch: _Batch, topic: str, *, partition: int) -> asyncio.Future[Any]:
        self.unacknowledged += batch.size
        self.most_unacknowledged = max(self.most_unacknowledged, self.unacknowledged)
        base = self.next_offset.get(partition, 0)
        self.next_offset[partition] = base + batch.count
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def acknowledge() -> None:
            self.unacknowledged -= batch.size
            future.set_result(SimpleNamespace(topic=topic, partition=partition, offset=base))

        asyncio.get_running_loop().call_soon(acknowledge)
        return future


class _Batch:
    def __init__(self) -> None:
        self.size = 0
        self.count = 0

    def append(self, *, key: bytes | None, value: bytes, timestamp: None) -> object | None:
        if self.size + len(value) > 256 * 1024:
            return None
        self.size += len(value) + (len(key) if key else 0)
        self.count += 1
        return object()


async def test_a_large_step_is_sent_a_window_at_a_time_and_placed_by_its_own_indexes() -> None:
    # a back-fill's day close: far more than one window of hand-offs decided at once
    records: list[tuple[str, bytes | None, bytes]] = [
        ("t", f"12000000000{n % 40:02d}".encode(), f"{n:06d}".encode() + b"." * 200) for n in range(20_000)
    ]
    producer = _CountingProducer()
    placed = await produce_all(cast(Any, producer), records)
    total = sum(len(value) + len(key or b"") for _, key, value in records)
    assert total > 4 * PRODUCE_WINDOW_BYTES
    assert producer.most_unacknowledged <= PRODUCE_WINDOW_BYTES + 256
    # every record placed once, at consecutive offsets of the partition its key goes to
    by_partition: dict[int, list[tuple[int, int]]] = {}
    for _, partition, base, indexes in placed:
        by_partition.setdefault(partition, []).extend((base + i, index) for i, index in enumerate(indexes))
    assert sorted(index for got in by_partition.values() for _, index in got) == list(range(len(records)))
    for partition, got in by_partition.items():
        assert [offset for offset, _ in got] == list(range(len(got)))
        assert [index for _, index in got] == sorted(index for _, index in got)  # the order decided
        assert {partition_for(records[index][1].decode(), PARTITIONS) for _, index in got} == {partition}
