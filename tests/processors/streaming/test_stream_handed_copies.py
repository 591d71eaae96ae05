"""The copies of follow-ups this worker handed at once are not folded again when they come
round from the input topic: the worker's output and states are those of a fold that never
saw them, as replay never does.

The log is the examples' (export enrolments, every registration's hand-off to its
account, the gas points' price requests), laid out on 4 partitions; what the lock-step
publishes to the input topic is appended to its partition's log, as the broker would, so
the copies come round. (Folded again, the copies of the gas points' `SapWanted` were
answered a second time, with the prices known by then: 16 `event_id_conflict` anomalies
replay does not give, D55.)
"""

from __future__ import annotations

from types import SimpleNamespace

from processors.codecs import serde
from processors.codecs.state_codec import encode_state
from processors.streaming.lockstep import LockStep
from processors.streaming.partitioning import partition_for
from processors.streaming.processor import Outgoing
from tests.processors.streaming.test_stream_lockstep import TOPICS, lockstep, partitioned_log

PARTITIONS = 4


def fold_with_copies(*, come_round: bool) -> tuple[list[tuple[str, bytes | None, bytes]], LockStep, int]:
    """Fold the examples; `come_round`: the published follow-ups are appended to the log
    and the lock-step is told where each copy of one it handed went (as the loop does).
    Returns every record produced in order, the lock-step and the events folded."""
    logs = partitioned_log(PARTITIONS)
    folding = lockstep(PARTITIONS)
    produced: list[tuple[str, bytes | None, bytes]] = []
    cursors = dict.fromkeys(logs, 0)
    folded = 0
    while True:
        for p, records in logs.items():
            folding.feed(p, records[cursors[p] : cursors[p] + 5])
            cursors[p] = min(cursors[p] + 5, len(records))
        out = Outgoing()
        folding.step(lambda p: cursors[p] >= len(logs[p]), out)
        local = set(out.local_copies)
        for index, (topic, key, value) in enumerate(out.records):
            if come_round and topic == TOPICS.input and key:
                target = partition_for(key.decode(), PARTITIONS)
                if index in local:
                    folding.copied(target, len(logs[target]))
                logs[target].append(SimpleNamespace(offset=len(logs[target]), value=value))
        produced.extend(out.records)
        folded += out.events
        if all(cursors[p] >= len(logs[p]) for p in logs) and not folding.due(lambda p: True):
            return produced, folding, folded


def states(folding: LockStep) -> dict[int, dict[str, bytes]]:
    return {
        p: {key: encode_state(state) for key, state in processor.store.items()}
        for p, processor in folding.processors.items()
    }


def test_the_copies_coming_round_change_no_output_and_no_state() -> None:
    produced, folding, folded = fold_with_copies(come_round=True)
    alone, alone_folding, alone_folded = fold_with_copies(come_round=False)
    copies = sum(1 for topic, key, _ in produced if topic == TOPICS.input and key)
    assert copies > 0, "the examples must hand off between keys"
    assert produced == alone
    assert states(folding) == states(alone_folding)
    assert folded == alone_folded  # none of the copies was folded
    assert sum(folding.done.values()) - sum(alone_folding.done.values()) == copies  # each one done


def test_a_copy_is_taken_as_folded_without_being_decoded() -> None:
    folding = lockstep(1)
    folding.copied(0, 1)
    folding.feed(0, [SimpleNamespace(offset=0, value=b"\xff"), SimpleNamespace(offset=1, value=b"\xff")])
    out = Outgoing()
    folding.step(lambda p: True, out)
    assert out.rejected == 1  # offset 0 was not a copy: refused as undecodable
    assert out.events == 0
    assert folding.done[0] == 2  # offset 1 was, and is done


def test_a_reset_forgets_the_copies() -> None:
    folding = lockstep(1)
    folding.copied(0, 0)
    folding.reset(0, 0)  # read again from 0: the copy is decoded like any record
    folding.feed(0, [SimpleNamespace(offset=0, value=b"\xff")])
    out = Outgoing()
    folding.step(lambda p: True, out)
    assert out.rejected == 1


def test_copies_are_kept_as_ranges_of_offsets() -> None:
    folding = lockstep(1)
    for offset in (3, 4, 5, 9):
        folding.copied(0, offset)
    assert [tuple(r) for r in folding.copies[0]] == [(3, 6), (9, 10)]
    value = serde.encode_event(serde.decode_event(partitioned_log(1)[0][0].value))
    records = [SimpleNamespace(offset=o, value=value if o in (2, 6) else b"\xff") for o in range(2, 10)]
    folding.feed(0, records)
    out = Outgoing()
    folding.step(lambda p: True, out)
    assert out.rejected == 2  # 7 and 8: 2 and 6 decode, 3-5 and 9 are copies
    assert not folding.copies[0]
