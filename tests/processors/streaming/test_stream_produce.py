"""The worker's sends, one record batch per partition: every record lands where one `send`
per record put it (the key's partition), in the order it was decided."""

from __future__ import annotations

import pytest
from aiokafka import TopicPartition

from processors.streaming.kafka import make_producer, make_reader, read_partitions, start_client
from processors.streaming.loop import produce_all
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
