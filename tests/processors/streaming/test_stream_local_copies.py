"""After a step's records are acknowledged, the lock-step learns the offset of each copy of
a follow-up it handed on at once, and of no other record."""

from __future__ import annotations

from array import array
from typing import Any, cast

from processors.streaming.lockstep import LockStep
from processors.streaming.loop import copied


class _Told:
    def __init__(self) -> None:
        self.offsets: list[tuple[int, int]] = []

    def copied(self, partition: int, offset: int) -> None:
        self.offsets.append((partition, offset))


def test_the_copies_of_a_step_are_told_by_the_offsets_their_batches_got() -> None:
    told = _Told()
    placed: list[tuple[str, int, int, list[int]]] = [
        ("in", 0, 100, [0, 2, 4, 6]),
        ("commands", 1, 7, [1, 3]),
        ("in", 1, 50, [5, 7, 9]),
        ("in", 2, -1, [8]),  # acks=0: no offset to tell
    ]
    copied(cast(LockStep, told), array("q", [2, 5, 6, 8, 9]), cast(Any, placed))
    assert told.offsets == [(0, 101), (0, 103), (1, 50), (1, 52)]


def test_a_step_without_copies_tells_nothing() -> None:
    told = _Told()
    copied(cast(LockStep, told), array("q"), [("in", 0, 0, [0, 1])])
    assert told.offsets == []
