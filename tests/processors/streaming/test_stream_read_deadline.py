"""Every read of a topic has a deadline (issue 17 item 1): a worker hung in
`latest_snapshots` and `ingest` in `seen.py` when a partition's end could not be reached.
`read_partitions` (behind snapshots, `ingested-files`, recovery's re-fold and `tail`) now
raises within its idle timeout, naming where it stood, instead of waiting for ever."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest
from aiokafka import TopicPartition

from processors.streaming.kafka import (
    LogWentBackwards,
    ReadStalled,
    make_producer,
    make_reader,
    read_partitions,
    start_client,
)
from processors.streaming.topics import TopicSpec, ensure_topics

IDLE = 1.5


async def drain(reader: Any, tps: list[TopicPartition], **options: Any) -> list[int]:
    return [
        r.offset async for batch in read_partitions(reader, tps, idle_timeout=IDLE, **options) for r in batch
    ]


@pytest.mark.broker
async def test_an_offset_past_the_logs_end_is_named_a_log_that_went_backwards(broker: str) -> None:
    """Recovery reading up to a committed offset the (new) log never reaches."""
    topic = f"deadline-{uuid.uuid4().hex[:8]}"
    await ensure_topics(broker, [TopicSpec(topic, 1, {})])
    producer = make_producer(broker)
    await start_client(producer, broker, 10)
    try:
        await asyncio.gather(*[await producer.send(topic, b"x", partition=0) for _ in range(5)])
    finally:
        await producer.stop()
    reader = make_reader(broker)
    await start_client(reader, broker, 10)
    tp = TopicPartition(topic, 0)
    started = time.monotonic()
    try:
        with pytest.raises(LogWentBackwards) as raised:
            await asyncio.wait_for(drain(reader, [tp], stop_at={tp: 9}), 30)
    finally:
        await reader.stop()
    assert time.monotonic() - started < 30  # the wait_for above would have said so; no hang
    # the end named is the broker's high watermark, which on the embedded broker trails (D14)
    assert "went backwards" in str(raised.value) and f"{topic}[0] ends at" in str(raised.value)
    assert "before offset 9" in str(raised.value)
    assert raised.value.positions == {tp: 5}


class EndOutOfReach:
    """A consumer whose partition reports an end offset its fetches never reach (what
    `ingested-files` did on the embedded broker): every call answers, nothing moves."""

    def __init__(self, end: int, at: int) -> None:
        self.end = end
        self.at = at

    def assign(self, tps: list[TopicPartition]) -> None:
        self.tps = tps

    async def seek_to_beginning(self, *tps: TopicPartition) -> None:
        return None

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.at = offset

    async def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        return dict.fromkeys(tps, self.end)

    async def getmany(self, *tps: TopicPartition, timeout_ms: int, max_records: int) -> dict[Any, Any]:
        await asyncio.sleep(timeout_ms / 1000)
        return {}

    async def position(self, tp: TopicPartition) -> int:
        return self.at


class Silent(EndOutOfReach):
    """A broker that stopped answering mid-read."""

    async def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        await asyncio.sleep(3600)
        return {}


async def test_an_end_offset_that_cannot_be_fetched_stops_the_read_naming_where_it_stood() -> None:
    tp = TopicPartition("ingested-files", 0)
    with pytest.raises(ReadStalled) as raised:
        await asyncio.wait_for(drain(EndOutOfReach(end=8, at=3), [tp]), 30)
    assert "ingested-files[0] at 3 of 8" in str(raised.value)
    assert not isinstance(raised.value, LogWentBackwards)


async def test_a_broker_that_stops_answering_stops_the_read() -> None:
    tp = TopicPartition("meterflow-snapshots", 2)
    with pytest.raises(ReadStalled) as raised:
        await asyncio.wait_for(drain(Silent(end=8, at=3), [tp]), 30)
    assert "did not answer" in str(raised.value) and "meterflow-snapshots" in str(raised.value)
