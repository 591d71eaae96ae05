"""Recovery builds each Engine's deadline index once: the index a fold keeps is the one
`rebuild_deadlines` derives from the states, at any point of the log, so a re-fold after
a snapshot's load (indexed as loaded) needs no second rebuild."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from processors.core.engine import Engine
from processors.streaming.processor import Outgoing
from tests.processors.streaming.test_stream_lockstep import lockstep, partitioned_log


def index(engine: Engine) -> tuple[dict[date, set[str]], dict[date, dict[str, dict[str, int]]], Any]:
    wake = {day: set(keys) for day, keys in engine._wake._by_day.items() if keys}
    pending = {day: dict(subjects) for day, subjects in engine._pending_days.items() if subjects}
    return wake, pending, engine.last_closed_day


@pytest.mark.parametrize("cut", [50, 200, 400, None])
def test_the_index_a_fold_keeps_is_the_one_rebuilt_from_its_states(cut: int | None) -> None:
    logs = partitioned_log(4)
    folding = lockstep(4)
    for p, records in logs.items():
        folding.feed(p, records[:cut])
    folding.step(lambda p: True, Outgoing(mute=True))
    kept = {p: index(processor.engine) for p, processor in folding.processors.items()}
    assert any(wake for wake, _, _ in kept.values()), "the examples must leave deadlines pending"
    for p, processor in folding.processors.items():
        processor.engine.rebuild_deadlines()
        assert index(processor.engine) == kept[p]
