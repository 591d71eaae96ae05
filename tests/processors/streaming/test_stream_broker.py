"""The embedded broker, broker lookup and topic administration, against a real Tansu."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from aiokafka import TopicPartition

from processors.drivers import cli
from processors.settings import settings_from_environment
from processors.streaming.broker import (
    BrokerNotFound,
    EmbeddedBroker,
    clear_broker_address,
    find_broker,
    free_port,
    write_broker_address,
)
from processors.streaming.kafka import make_producer, make_reader, read_partitions, start_client
from processors.streaming.topics import (
    BrokerUnavailable,
    TopicMissing,
    Topics,
    ensure_topics,
    existing_topics,
    require_topics,
)


def test_find_broker_prefers_flag_then_env_then_the_file_up_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METERFLOW_HOME", str(tmp_path))
    monkeypatch.delenv("METERFLOW_BROKER", raising=False)
    with pytest.raises(BrokerNotFound, match="meterflow up"):
        find_broker(settings_from_environment())
    write_broker_address("127.0.0.1:1111", settings_from_environment().home)
    assert find_broker(settings_from_environment()) == "127.0.0.1:1111"
    monkeypatch.setenv("METERFLOW_BROKER", "127.0.0.1:2222")
    assert find_broker(settings_from_environment()) == "127.0.0.1:2222"
    flag = cli.settings_of(
        cli.build_parser().parse_args(["--broker", "10.0.0.1:9092", "worker"]), settings_from_environment()
    )
    assert find_broker(flag) == "10.0.0.1:9092"
    clear_broker_address("127.0.0.1:9999", tmp_path)  # someone else's address: kept
    assert (tmp_path / "broker").exists()
    clear_broker_address("127.0.0.1:1111", tmp_path)
    assert not (tmp_path / "broker").exists()


async def test_an_unreachable_broker_fails_fast_with_a_clear_error() -> None:
    port = free_port()
    with pytest.raises(BrokerUnavailable, match=f"127.0.0.1:{port}"):
        await asyncio.wait_for(ensure_topics(f"127.0.0.1:{port}", timeout=3.0), 20)


@pytest.mark.broker
async def test_topics_are_created_once_with_their_partitions(broker: str) -> None:
    topics = Topics(f"t{uuid.uuid4().hex[:8]}-")
    created = await ensure_topics(broker, topics.specs(partitions=3))
    assert sorted(created) == sorted(s.name for s in topics.specs())
    assert await ensure_topics(broker, topics.specs(partitions=3)) == []
    names = await existing_topics(broker)
    assert {topics.input, topics.commands, topics.rejected, topics.anomalies, topics.ingested_files} <= names
    reader = make_reader(broker)
    await start_client(reader, broker, 10)
    try:
        await reader._client.force_metadata_update()
        assert reader.partitions_for_topic(topics.input) == {0, 1, 2}
    finally:
        await reader.stop()


@pytest.mark.broker
async def test_a_missing_topic_is_named(broker: str) -> None:
    with pytest.raises(TopicMissing, match="no-such-topic-here"):
        await require_topics(broker, ["no-such-topic-here"])


@pytest.mark.broker
async def test_read_partitions_reads_past_the_wrong_high_watermark(broker: str) -> None:
    """Tansu's high watermark is the last batch's base offset + 1: a reader that stopped
    there would miss most of the last batch. read_partitions must return every record."""
    topic = f"hwm-{uuid.uuid4().hex[:8]}"
    await ensure_topics(broker, [Topics().specs(1)[0].__class__(topic, 1, {})])
    producer = make_producer(broker, linger_ms=50)
    await start_client(producer, broker, 10)
    try:
        futures = [await producer.send(topic, b"%d" % i, partition=0) for i in range(500)]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    reader = make_reader(broker)
    await start_client(reader, broker, 10)
    try:
        tp = TopicPartition(topic, 0)
        values = [r.value async for batch in read_partitions(reader, [tp]) for r in batch]
        assert values == [b"%d" % i for i in range(500)]
        up_to = [r.offset async for batch in read_partitions(reader, [tp], stop_at={tp: 123}) for r in batch]
        assert up_to == list(range(123))
    finally:
        await reader.stop()


def test_embedded_broker_starts_on_a_free_port_and_stops() -> None:
    with EmbeddedBroker() as embedded:
        assert embedded.running
        port = embedded.port
    assert not embedded.running
    assert port > 0
