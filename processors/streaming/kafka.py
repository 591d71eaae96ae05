"""aiokafka clients configured for meterflow, and reading a topic to its real end.

Producers are not idempotent (the embedded broker has no InitProducerId) and wait for
every replica (`acks="all"`): the worker commits an offset only after the records it
caused are acknowledged, and command ids make a re-sent command a harmless duplicate.

`read_to_end` never trusts the reported end offset alone: Tansu reports the base offset
of the last record batch plus one as the high watermark, so a read is complete only when
the position is past that mark *and* a fetch comes back empty.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import Any, TypeAlias

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from processors.streaming.security import client_options
from processors.streaming.topics import BrokerUnavailable

Record: TypeAlias = Any  # aiokafka.structs.ConsumerRecord[bytes, bytes]; aiokafka is untyped


def make_producer(bootstrap: str, *, linger_ms: int = 5) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=False,
        acks="all",
        linger_ms=linger_ms,
        max_batch_size=256 * 1024,
        request_timeout_ms=15000,
        client_id="meterflow",
        **client_options(),
    )


async def start_client(client: AIOKafkaProducer | AIOKafkaConsumer, bootstrap: str, timeout: float) -> None:
    """Start an aiokafka client, failing with BrokerUnavailable instead of hanging."""
    try:
        await asyncio.wait_for(client.start(), timeout)
    except Exception as exc:
        await client.stop()
        raise BrokerUnavailable(
            f"cannot reach the Kafka broker at {bootstrap} ({type(exc).__name__}: {exc or 'timed out'})"
        ) from exc


def make_reader(bootstrap: str, *, fetch_max_wait_ms: int = 100) -> AIOKafkaConsumer:
    """A consumer outside any group, for reading partitions by assignment."""
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=fetch_max_wait_ms,
        max_partition_fetch_bytes=4 * 1024 * 1024,
        client_id="meterflow-reader",
        **client_options(),
    )


async def partitions_of(consumer: AIOKafkaConsumer, topic: str, timeout: float = 10.0) -> list[int]:
    """The partition numbers of `topic` (empty when the topic does not exist)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        parts = consumer.partitions_for_topic(topic)
        if parts:
            return sorted(parts)
        await consumer._client.force_metadata_update()
        parts = consumer.partitions_for_topic(topic)
        if parts or asyncio.get_running_loop().time() > deadline:
            return sorted(parts or ())
        await asyncio.sleep(0.1)


async def read_partitions(
    consumer: AIOKafkaConsumer,
    partitions: Iterable[TopicPartition],
    *,
    stop_at: dict[TopicPartition, int] | None = None,
    start_at: dict[TopicPartition, int] | None = None,
    batch: int = 10000,
) -> AsyncIterator[list[Record]]:
    """Batches of records of `partitions` from the beginning (or `start_at`) to their real end.

    With `stop_at`, reads each partition up to (not including) that offset, which is
    exact. Without it, the end is where the position has reached the reported high
    watermark and a fetch returns nothing, since the watermark may lag the last batch.
    """
    tps = list(partitions)
    if not tps:
        return
    consumer.assign(tps)
    await consumer.seek_to_beginning(*tps)
    starts = dict(start_at or {})
    for tp, offset in starts.items():
        consumer.seek(tp, offset)
    limits = dict(stop_at or {})
    pending = {tp for tp in tps if limits.get(tp, 1) > starts.get(tp, 0)}
    empty_rounds = 0
    while pending:
        if stop_at is None:
            ends = await consumer.end_offsets(list(pending))
        result = await consumer.getmany(*pending, timeout_ms=200, max_records=batch)
        got = False
        for tp, fetched in result.items():
            records = [r for r in fetched if r.offset < limits[tp]] if tp in limits else fetched
            if records:
                got = True
                yield records
        for tp in list(pending):
            position = await consumer.position(tp)
            if tp in limits:
                if position >= limits[tp]:
                    pending.discard(tp)
            elif not result.get(tp) and position >= ends.get(tp, 0):
                pending.discard(tp)
        empty_rounds = 0 if got else empty_rounds + 1
        if stop_at is not None and empty_rounds > 50:
            raise RuntimeError(f"could not read {sorted(pending)} up to their committed offsets")
