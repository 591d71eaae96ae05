"""A day's close hands on one follow-up per registration (100,000 in a back-fill of 100,000
points): each is freed once handed on and encoded, not held to the end of the step."""

from __future__ import annotations

import gc
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from gwt_core import at, registered

from bench.synthetic_log import mpan_for
from processors.codecs import serde
from processors.streaming import lockstep as lockstep_module
from processors.streaming.partitioning import partition_for
from processors.streaming.processor import Outgoing
from processors.vocabulary.events import AccountMpanLinked, DayClosed
from tests.processors.streaming.test_stream_lockstep import TOPICS, lockstep

DAY = date(2024, 3, 1)
POINTS = 300


def _live_links() -> int:
    return sum(1 for o in gc.get_objects() if type(o) is AccountMpanLinked)


def test_a_closes_hand_offs_are_freed_as_they_are_handed_on(monkeypatch: pytest.MonkeyPatch) -> None:
    logs: dict[int, list[SimpleNamespace]] = {0: [], 1: []}
    for n in range(POINTS):
        event = registered(mpan_for(n), "traditional", date(2023, 1, 1), on=DAY, account_id=f"A-{n}")
        log = logs[partition_for(event.partition_key, 2)]
        log.append(SimpleNamespace(offset=len(log), value=serde.encode_event(event)))
    tick = serde.encode_event(DayClosed.for_day(DAY, at(DAY, 23)))
    for log in logs.values():
        log.append(SimpleNamespace(offset=len(log), value=tick))
    encode = serde.encode_event
    alive: list[int] = []
    encoded = [0]

    def counting(event: Any) -> bytes:
        if type(event) is AccountMpanLinked:
            encoded[0] += 1
            if encoded[0] == POINTS:  # the last one: how many of the others are still held
                alive.append(_live_links())
        return encode(event)

    monkeypatch.setattr(lockstep_module.serde, "encode_event", counting)
    folding = lockstep(2)
    for p, records in logs.items():
        folding.feed(p, records)
    out = Outgoing()
    folding.step(lambda p: True, out)
    links = [value for topic, _, value in out.records if topic == TOPICS.input]
    assert len(links) == POINTS
    assert alive and alive[0] <= 2, f"{alive[0]} of {POINTS} hand-offs still held at the last one's encoding"
