"""A day's close larger than one window (D79): the lock-step stops handing follow-ups on
once a step's records reach the window, the next step hands the rest on first, and the
records are those of one unwindowed step, in the same order; the loop produces each
window and commits the close's offsets only after the last one."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any, cast

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from gwt_core import at, registered

from bench.synthetic_log import mpan_for
from processors.codecs import serde
from processors.streaming.loop import FoldLoop
from processors.streaming.partitioning import partition_for
from processors.streaming.processor import Outgoing
from processors.streaming.stats import WorkerStats
from processors.vocabulary.events import DayClosed
from tests.processors.streaming.test_stream_lockstep import TOPICS, fold_steps, lockstep, partitioned_log

DAY = date(2024, 3, 1)
POINTS = 300
WINDOW = 32


def registrations() -> dict[int, list[SimpleNamespace]]:
    """POINTS registrations on DAY over two partitions, then DAY's tick in each: its close
    hands on one `AccountMpanLinked` per registration."""
    logs: dict[int, list[SimpleNamespace]] = {0: [], 1: []}
    for n in range(POINTS):
        event = registered(mpan_for(n), "traditional", date(2023, 1, 1), on=DAY, account_id=f"A-{n}")
        log = logs[partition_for(event.partition_key, 2)]
        log.append(SimpleNamespace(offset=len(log), value=serde.encode_event(event), timestamp=None))
    tick = serde.encode_event(DayClosed.for_day(DAY, at(DAY, 23)))
    for log in logs.values():
        log.append(SimpleNamespace(offset=len(log), value=tick, timestamp=None))
    return logs


def fold_windowed(logs: dict[int, list[SimpleNamespace]], window: int | None) -> list[Outgoing]:
    """Every step's Outgoing until nothing is due, each step with `window`."""
    steps, folding = fold_steps(logs, window=window)
    assert not folding.handing
    return steps


def records(steps: list[Outgoing]) -> list[tuple[str, bytes | None, bytes]]:
    return [record for out in steps for record in out.records]


def test_a_close_larger_than_a_window_gives_one_steps_records_a_window_at_a_time() -> None:
    logs = registrations()
    (whole,) = fold_windowed(logs, None)
    links = [r for r in whole.records if r[0] == TOPICS.input]
    assert len(links) == POINTS
    windows = fold_windowed(logs, WINDOW)
    assert len(windows) >= POINTS // WINDOW
    assert records(windows) == whole.records
    assert max(len(out.records) for out in windows) <= WINDOW
    # the local copies' indexes still point at the follow-ups, window by window
    marked = [out.records[i] for out in windows for i in out.local_copies]
    assert marked == [whole.records[i] for i in whole.local_copies]
    assert sum(out.follow_ups for out in windows) == whole.follow_ups == POINTS


def test_the_examples_give_the_same_records_in_windows_of_one() -> None:
    """Windows of one record: every hand-off and what it causes is a step of its own, and
    nothing else is folded in between (the order is that of one step)."""
    logs = partitioned_log(4)
    (whole,) = fold_windowed(logs, None)
    windows = fold_windowed(logs, 1)
    assert records(windows) == whole.records
    assert len(windows) > whole.follow_ups


def test_a_muted_fold_is_never_cut() -> None:
    """Recovery produces nothing: its steps hand everything on at once."""
    folding = lockstep(2)
    for p, records_ in registrations().items():
        folding.feed(p, records_)
    out = Outgoing(mute=True)
    folding.step(lambda p: True, out, window=1)
    assert not folding.handing
    assert out.follow_ups == POINTS


class Consumer:
    """Records each commit, with how many records were produced before it."""

    def __init__(self, produced: list[Any]) -> None:
        self.produced = produced
        self.commits: list[tuple[int, dict[int, int]]] = []

    def highwater(self, _tp: TopicPartition) -> int | None:
        return None

    def pause(self, *tps: TopicPartition) -> None:
        pass

    def resume(self, *tps: TopicPartition) -> None:
        pass

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.commits.append((len(self.produced), {tp.partition: o for tp, o in offsets.items()}))


async def test_the_loop_produces_each_window_and_commits_the_close_after_the_last(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(FoldLoop, "HANDOFF_WINDOW", WINDOW)
    produced: list[tuple[str, bytes | None, bytes]] = []
    sizes: list[int] = []
    consumer = Consumer(produced)
    loop = FoldLoop(cast(AIOKafkaConsumer, consumer), cast(AIOKafkaProducer, None), TOPICS, WorkerStats())
    loop.CAUGHT_UP_ROUNDS = 0  # no broker: every partition counts as read to its end

    async def produce(records_: list[tuple[str, bytes | None, bytes]]) -> list[Any]:
        sizes.append(len(records_))
        produced.extend(records_)
        return []

    monkeypatch.setattr(loop, "_produce", produce)
    logs = registrations()
    folding = lockstep(2)
    await loop.fold(folding, {TopicPartition(TOPICS.input, p): list(r) for p, r in logs.items()})
    (whole,) = fold_windowed(logs, None)
    assert produced == whole.records
    assert len(sizes) >= POINTS // WINDOW and max(sizes) <= WINDOW
    # one commit, of the tick's offsets, once every window is produced
    assert consumer.commits == [(len(whole.records), {p: len(r) for p, r in logs.items()})]
    assert loop.stats.follow_ups == POINTS
