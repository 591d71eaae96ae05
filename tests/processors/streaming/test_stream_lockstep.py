"""Lock-step folding of several partitions gives replay's commands (no broker needed).

The examples include export enrolments, whose import and export MPANs hash to different
partitions and talk through follow-ups: the case a naive per-partition fold gets wrong.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from processors.codecs import serde
from processors.drivers.event_order import event_time_log
from processors.drivers.replay import replay
from processors.streaming.lockstep import LockStep
from processors.streaming.partitioning import partition_for
from processors.streaming.processor import Outgoing, PartitionProcessor
from processors.streaming.topics import Topics
from processors.vocabulary.commands import Command
from processors.vocabulary.events import DayClosed, DomainEvent

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
UNTIL = date(2025, 3, 31)
TOPICS = Topics()


def partitioned_log(partitions: int) -> dict[int, list[SimpleNamespace]]:
    """The examples' log as `meterflow ingest` lays it out on `partitions` partitions."""
    logs: dict[int, list[SimpleNamespace]] = {p: [] for p in range(partitions)}
    for item in event_time_log([EXAMPLES / "flows", EXAMPLES / "events"], UNTIL):
        if not isinstance(item, DomainEvent):
            continue
        value = serde.encode_event(item)
        targets = (
            range(partitions)
            if isinstance(item, DayClosed)
            else [partition_for(item.partition_key, partitions)]
        )
        for p in targets:
            logs[p].append(SimpleNamespace(offset=len(logs[p]), value=value))
    return logs


def lockstep(partitions: int) -> LockStep:
    folding = LockStep(TOPICS, partitions)
    for p in range(partitions):
        folding.add(p, PartitionProcessor(p, topics=TOPICS), 0)
    return folding


def commands_in(out: Outgoing) -> set[str]:
    return {
        json.dumps(serde.to_json(serde.decode_command(value)), sort_keys=True)
        for topic, _, value in out.records
        if topic == TOPICS.commands
    }


def replayed() -> set[str]:
    commands = [c for c in replay([EXAMPLES / "flows", EXAMPLES / "events"], UNTIL) if isinstance(c, Command)]
    return {json.dumps(serde.to_json(c), sort_keys=True) for c in commands}


@pytest.mark.parametrize("partitions", [1, 2, 4, 8])
def test_lockstep_gives_replays_commands_however_the_log_is_fed(partitions: int) -> None:
    logs = partitioned_log(partitions)
    folding = lockstep(partitions)
    out = Outgoing()
    # feed unevenly: partition p gets chunks of 3 + p records at a time
    cursors = dict.fromkeys(logs, 0)
    while any(cursors[p] < len(logs[p]) for p in logs):
        for p, records in logs.items():
            chunk = records[cursors[p] : cursors[p] + 3 + p]
            cursors[p] += len(chunk)
            folding.feed(p, chunk)
        folding.step(lambda p: cursors[p] >= len(logs[p]), out)
    folding.step(lambda p: True, out)
    assert commands_in(out) == replayed()
    assert all(not folding.buffers[p] for p in logs)
    assert folding.done == {p: len(logs[p]) for p in logs}


def test_a_tick_waits_for_the_partitions_that_have_not_reached_it() -> None:
    logs = partitioned_log(2)
    folding = lockstep(2)
    first_tick = next(i for i, r in enumerate(logs[0]) if isinstance(serde.decode_event(r.value), DayClosed))
    folding.feed(0, logs[0][: first_tick + 1])
    out = Outgoing()
    folding.step(lambda p: False, out)
    assert folding.done[0] == first_tick  # events folded, the tick held back
    folding.step(lambda p: True, out)  # partition 1 has nothing more: the tick goes
    assert folding.done[0] == first_tick + 1


def test_the_examples_hand_off_across_partitions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the at-once local hand-off of follow-ups, the commands would differ: the
    examples do exercise the case the lock-step exists for."""
    monkeypatch.setattr(LockStep, "_deliver", lambda self, follow_ups, out, window: None)
    logs = partitioned_log(4)
    folding = lockstep(4)
    out = Outgoing()
    for p, records in logs.items():
        folding.feed(p, records)
    folding.step(lambda p: True, out)
    assert commands_in(out) != replayed()


def test_the_read_ahead_is_counted_in_bytes_until_folded() -> None:
    logs = partitioned_log(2)
    folding = lockstep(2)
    first_tick = next(i for i, r in enumerate(logs[0]) if type(serde.decode_event(r.value)) is DayClosed)
    folding.feed(0, logs[0])  # partition 1 has read nothing: partition 0 waits at its first tick
    folding.step(lambda p: False, Outgoing())
    waiting = logs[0][first_tick:]
    assert folding.done[0] == first_tick
    assert folding.buffered_bytes(0) == sum(len(r.value) for r in waiting)
    assert folding.buffered_bytes(1) == 0
    folding.feed(1, logs[1])
    folding.step(lambda p: True, Outgoing())
    assert folding.buffered_bytes(0) == folding.buffered_bytes(1) == 0


def fold_in_commits(partitions: int, budget: int) -> tuple[list[Outgoing], LockStep]:
    """The whole examples' log, already read, folded as FoldLoop commits it."""
    return fold_steps(partitioned_log(partitions), budget=budget)


def fold_steps(
    logs: dict[int, list[SimpleNamespace]], *, budget: int | None = None, window: int | None = None
) -> tuple[list[Outgoing], LockStep]:
    """`logs`, already read, folded step by step (each with `budget` and `window`) until
    nothing is due: every step's Outgoing."""
    folding = lockstep(len(logs))
    for p, records in logs.items():
        folding.feed(p, records)
    commits: list[Outgoing] = []
    while True:
        out = Outgoing()
        folding.step(lambda p: True, out, budget=budget, window=window)
        commits.append(out)
        if not folding.due(lambda p: True):
            return commits, folding


def test_a_budget_bounds_what_one_commit_covers_and_loses_nothing() -> None:
    """A back-fill read whole would fold in one step: one commit of every command. With a
    budget each commit stops at the first tick past it, and together they give replay's
    commands."""
    whole, _ = fold_in_commits(2, budget=10**9)
    assert len(whole) == 1
    per_day, _ = fold_in_commits(2, budget=1)  # one tick (a day's records) per commit
    largest_day = max(len(out.records) for out in per_day)
    budget = 6
    commits, folding = fold_in_commits(2, budget=budget)
    assert len(commits) > 3
    assert max(len(out.records) for out in commits) <= budget - 1 + largest_day
    assert max(len(out.records) for out in commits) < len(whole[0].records) / 3
    got: set[str] = set().union(*(commands_in(out) for out in commits))
    assert got == commands_in(whole[0]) == replayed()
    assert all(not folding.buffers[p] for p in folding.processors)
