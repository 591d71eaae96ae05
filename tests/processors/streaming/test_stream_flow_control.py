"""The worker's read-ahead is bounded by bytes (no broker needed): a partition that waits
at a day tick with more than `FoldLoop.PAUSE_ABOVE` bytes read but not folded stops
being fetched until the others catch up, and is fetched again once it holds less than
`RESUME_BELOW`; what one fetch brings beyond `PAUSE_ABOVE` is decoded only as the fold
makes room for it."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace
from typing import cast

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from processors.codecs import serde
from processors.streaming import clock
from processors.streaming.lockstep import LockStep
from processors.streaming.loop import Fetched, FoldLoop
from processors.streaming.processor import Outgoing, PartitionProcessor
from processors.streaming.stats import WorkerStats
from processors.streaming.topics import Topics

TOPICS = Topics()
DAY = date(2024, 1, 1)


class Consumer:
    """What the loop's flow control asks of a consumer: pause and resume partitions."""

    def __init__(self) -> None:
        self.paused: set[int] = set()

    def pause(self, *tps: TopicPartition) -> None:
        self.paused.update(tp.partition for tp in tps)

    def resume(self, *tps: TopicPartition) -> None:
        self.paused.difference_update(tp.partition for tp in tps)

    def highwater(self, _tp: TopicPartition) -> int | None:
        return None

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.committed = {tp.partition: offset for tp, offset in offsets.items()}


def ticks(first: int, days: int) -> list[SimpleNamespace]:
    """Day tick records from offset `first`, one per day from DAY."""
    return [
        SimpleNamespace(
            offset=first + n,
            value=serde.encode_event(clock.tick_for(DAY + timedelta(days=n))),
            timestamp=None,
        )
        for n in range(days)
    ]


def setup() -> tuple[FoldLoop, LockStep, Consumer]:
    consumer = Consumer()
    loop = FoldLoop(cast(AIOKafkaConsumer, consumer), cast(AIOKafkaProducer, None), TOPICS, WorkerStats())
    folding = LockStep(TOPICS, 2)
    for p in (0, 1):
        folding.add(p, PartitionProcessor(p, topics=TOPICS), 0)
    return loop, folding, consumer


def fill(folding: LockStep, partition: int, size: int) -> int:
    """Feed `partition` day ticks until it holds at least `size` bytes; returns how many."""
    count = 1 + size // len(ticks(0, 1)[0].value)
    folding.feed(partition, ticks(0, count))
    return count


def test_a_partition_far_ahead_of_a_tick_is_paused_and_resumed_when_the_others_catch_up() -> None:
    loop, folding, consumer = setup()
    ahead = fill(folding, 0, FoldLoop.PAUSE_ABOVE)
    assert folding.buffered_bytes(0) > FoldLoop.PAUSE_ABOVE
    # partition 1 has not read its first tick: partition 0 waits at its tick with all it read
    folding.step(lambda p: False, Outgoing(mute=True))
    loop._flow_control(folding)
    assert consumer.paused == {0}

    # partition 1 reads the same ticks: both fold in step, the read-ahead drains, 0 resumes
    folding.feed(1, ticks(0, ahead))
    folding.step(lambda p: True, Outgoing(mute=True))
    assert folding.buffered_bytes(0) < FoldLoop.RESUME_BELOW
    loop._flow_control(folding)
    assert consumer.paused == set()


async def test_a_fetch_far_beyond_the_bound_is_decoded_as_the_fold_makes_room() -> None:
    loop, folding, consumer = setup()
    one = len(ticks(0, 1)[0].value)
    count = 8 * (1 + FoldLoop.PAUSE_ABOVE // one)
    # one fetch of eight times the bound (the broker is not held to the fetch sizes asked)
    await loop.fold(folding, {TopicPartition(TOPICS.input, 0): ticks(0, count)})
    assert FoldLoop.PAUSE_ABOVE <= folding.buffered_bytes(0) < FoldLoop.PAUSE_ABOVE + one
    assert folding.fed[0] < count // 4  # the rest waits undecoded, and is not asked for again
    assert consumer.paused == {0}
    assert not loop._caught_up(folding, 0)  # what waits undecoded is still to be read

    # partition 1 brings the same days: the two fold in lock-step to the end, and 0 resumes
    await loop.fold(folding, {TopicPartition(TOPICS.input, 1): ticks(0, count)})
    assert folding.done == {0: count, 1: count}
    assert consumer.committed == {0: count, 1: count}
    assert consumer.paused == set()


async def test_what_waits_of_a_fetch_is_held_as_offset_value_and_timestamp_only() -> None:
    """aiokafka's records (300 B each without their value) are not kept while they wait
    (D73): the fetch is emptied, what waits keeps the very value bytes, and folds as before."""
    loop, folding, _consumer = setup()
    one = len(ticks(0, 1)[0].value)
    count = 4 * (1 + FoldLoop.PAUSE_ABOVE // one)
    fetched = ticks(0, count)
    for n, record in enumerate(fetched):
        record.key = b"key"
        record.timestamp = 1_700_000_000_000 + n
    batch = {TopicPartition(TOPICS.input, 0): fetched}
    await loop.fold(folding, batch)
    assert batch == {}
    waiting = loop._unfed[0]
    assert len(waiting) == count - folding.fed[0] > 0
    assert all(type(record) is Fetched for record in waiting)
    first = waiting[0]
    original = fetched[first.offset]
    assert first.value is original.value
    assert (first.offset, first.timestamp) == (original.offset, original.timestamp)
    assert not hasattr(first, "key")

    await loop.fold(folding, {TopicPartition(TOPICS.input, 1): ticks(0, count)})
    assert folding.done == {0: count, 1: count}
