"""The generated decoders build records through `construction.constructor` (a twin class with
plain slot stores): what they return is of the declared class itself, frozen, and equal to
what was encoded, nested records and lists included."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from flows.seen import InMemorySeenFiles
from processors.codecs import serde
from processors.drivers.event_order import event_time_log
from processors.vocabulary.events import DomainEvent, MeterReadingsReceived

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _records(value: Any) -> list[Any]:
    """`value` and every dataclass object nested in it."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [value] + [r for f in dataclasses.fields(value) for r in _records(getattr(value, f.name))]
    if isinstance(value, tuple):
        return [r for item in value for r in _records(item)]
    return []


def test_decoded_events_are_of_their_own_classes_frozen_and_equal() -> None:
    events = [
        e
        for e in event_time_log([EXAMPLES], date(2025, 3, 31), InMemorySeenFiles())
        if isinstance(e, DomainEvent)
    ]
    assert any(type(e) is MeterReadingsReceived and e.meters and e.meters[0].registers for e in events)
    for event in events:
        decoded = serde.decode_event(serde.encode_event(event))
        assert decoded == event
        for original, record in zip(_records(event), _records(decoded), strict=True):
            assert type(record) is type(original)
            assert hash(record) == hash(original)
            field = dataclasses.fields(record)[0].name
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(record, field, None)
