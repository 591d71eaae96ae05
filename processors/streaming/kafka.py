"""aiokafka clients configured for meterflow, and reading a topic to its real end.

Producers are not idempotent (the embedded broker has no InitProducerId) and wait for
every replica (`acks="all"`): the worker commits an offset only after the records it
caused are acknowledged, and command ids make a re-sent command a harmless duplicate.

`read_partitions` never trusts the reported end offset alone: Tansu reports the base offset
of the last record batch plus one as the high watermark, so a read is complete only when
the position is past that mark *and* a fetch comes back empty. Nor does it wait for ever:
a read that makes no progress for `idle_timeout` seconds raises `ReadStalled` naming the
topic, the partitions and how far each got, and one that stops short of the offset it
was asked to reach while the broker says the log ends before it raises `LogWentBackwards`
(a new broker, or a recreated topic).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import Any, TypeAlias

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from processors.streaming.security import client_options
from processors.streaming.topics import BrokerUnavailable

Record: TypeAlias = Any  # aiokafka.structs.ConsumerRecord[bytes, bytes]; aiokafka is untyped

READ_IDLE_TIMEOUT = 20.0  # seconds a read of a topic may go without progress


class ReadStalled(BrokerUnavailable):
    """A read of a topic made no progress for too long; the message says where it stood."""

    def __init__(
        self, message: str, positions: dict[TopicPartition, int], ends: dict[TopicPartition, int]
    ) -> None:
        super().__init__(message)
        self.positions = positions
        self.ends = ends


class LogWentBackwards(ReadStalled):
    """A partition ends before an offset we know was in it: the log was replaced."""


def _where(positions: dict[TopicPartition, int], ends: dict[TopicPartition, int]) -> str:
    return ", ".join(
        f"{tp.topic}[{tp.partition}] at {positions.get(tp, '?')} of {ends.get(tp, '?')}"
        for tp in sorted(positions)
    )


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
    idle_timeout: float = READ_IDLE_TIMEOUT,
) -> AsyncIterator[list[Record]]:
    """Batches of records of `partitions` from the beginning (or `start_at`) to their real end.

    With `stop_at`, reads each partition up to (not including) that offset, which is
    exact. Without it, the end is where the position has reached the reported high
    watermark and a fetch returns nothing, since the watermark may lag the last batch.
    No record and no move of a position for `idle_timeout` seconds raises ReadStalled, or
    LogWentBackwards when a `stop_at` partition sits at the broker's end of its log.
    """
    tps = list(partitions)
    if not tps:
        return
    loop = asyncio.get_running_loop()

    async def within(call: Any) -> Any:
        try:
            return await asyncio.wait_for(call, idle_timeout)
        except TimeoutError:
            raise ReadStalled(
                f"the broker did not answer within {idle_timeout:.0f} s while reading "
                f"{', '.join(sorted({tp.topic for tp in tps}))}",
                {},
                {},
            ) from None

    consumer.assign(tps)
    await within(consumer.seek_to_beginning(*tps))
    starts = dict(start_at or {})
    for tp, offset in starts.items():
        consumer.seek(tp, offset)
    limits = dict(stop_at or {})
    pending = {tp for tp in tps if limits.get(tp, 1) > starts.get(tp, 0)}
    positions: dict[TopicPartition, int] = {}
    ends: dict[TopicPartition, int] = {}
    progress_at = loop.time()
    while pending:
        # the ends are asked for when a partition without a limit may have reached its own
        # (not before every fetch: a round trip each), and while stalled, to say where
        at_end = [tp for tp in pending if tp not in limits and int(positions.get(tp) or 0) >= ends.get(tp, 0)]
        asked = bool(at_end) or loop.time() - progress_at > idle_timeout / 2
        if asked:
            ends.update(await within(consumer.end_offsets(list(pending))))
        result = await within(consumer.getmany(*pending, timeout_ms=200, max_records=batch))
        for tp, fetched in result.items():
            records = [r for r in fetched if r.offset < limits[tp]] if tp in limits else fetched
            if records:
                progress_at = loop.time()
                yield records
        for tp in list(pending):
            position = await within(consumer.position(tp))
            if positions.get(tp) != position:
                positions[tp] = position
                progress_at = loop.time()
            if tp in limits:
                if position >= limits[tp]:
                    pending.discard(tp)
            elif asked and not result.get(tp) and position >= ends.get(tp, 0):
                pending.discard(tp)
        if pending and loop.time() - progress_at > idle_timeout:
            stuck = {tp: int(positions.get(tp) or starts.get(tp) or 0) for tp in pending}
            short = {tp: at for tp, at in stuck.items() if tp in limits and tp in ends and at >= ends[tp]}
            if short:
                raise LogWentBackwards(
                    "the log went backwards (a new broker, or the topic was recreated): "
                    + ", ".join(
                        f"{tp.topic}[{tp.partition}] ends at {ends[tp]}, before offset {limits[tp]}"
                        for tp in sorted(short)
                    ),
                    stuck,
                    {tp: ends[tp] for tp in short},
                )
            raise ReadStalled(
                f"no progress for {idle_timeout:.0f} s reading {_where(stuck, ends)}", stuck, dict(ends)
            )
