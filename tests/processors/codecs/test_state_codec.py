"""States as bytes: exact round trips, and an engine on a byte store behaves the same."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from gwt_core import (
    ENG,
    EXPORT,
    Scenario,
    customer_reading,
    d0010,
    d0217,
    export_allocated,
    export_submitted,
    midnight,
    moved_out,
    registered,
    secured,
)

from processors.codecs.state_codec import StateDecodeError, decode_state, encode_state
from processors.core.engine import Engine


class BytesStore:
    """A store that keeps only bytes, like a Kafka table with a bytes value serializer."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def get(self, key: str) -> Any | None:
        raw = self.data.get(key)
        return None if raw is None else decode_state(raw)

    def put(self, key: str, state: Any) -> None:
        self.data[key] = encode_state(state)

    def items(self) -> list[tuple[str, Any]]:
        return [(k, decode_state(v)) for k, v in self.data.items()]


def story() -> list:
    return [
        registered(ENG, "traditional", date(2023, 1, 1)),
        secured(ENG, date(2024, 3, 1), on=date(2024, 2, 10)),
        customer_reading(ENG, date(2024, 3, 1), on=date(2024, 3, 2)),
        export_submitted("APP-1", ENG, on=date(2024, 2, 1)),
        export_allocated("APP-1", ENG, EXPORT, on=date(2024, 2, 10)),
        d0217(EXPORT, date(2024, 2, 20), on=date(2024, 2, 15)),
        d0010(EXPORT, midnight(date(2024, 2, 21)), on=date(2024, 2, 22)),
        moved_out(ENG, date(2024, 2, 25), on=date(2024, 2, 20)),
    ]


def test_every_state_of_a_story_round_trips_exactly() -> None:
    s = Scenario().play(story(), until=date(2024, 2, 20))
    # an open day's held inputs are part of the state too
    s.engine.handle(customer_reading(ENG, date(2024, 2, 25), on=date(2024, 2, 21), value="12.5"))
    states = dict(s.engine.store.items())
    assert len(states) >= 3
    for key, state in states.items():
        data = encode_state(state)
        assert data[0] == 1
        assert decode_state(data) == state, key
    assert len(encode_state(states[ENG])) < 1000


def test_an_engine_on_a_byte_store_gives_the_same_commands() -> None:
    events = story()
    plain = Scenario().play(events, until=date(2024, 6, 1))
    store = BytesStore()
    half = Scenario(engine=Engine(store=store)).play(events, until=date(2024, 3, 5))
    rest = Scenario(engine=Engine(store=store)).pass_days_through(date(2024, 6, 1))
    assert [c.to_json() for c in half.commands + rest.commands] == [c.to_json() for c in plain.commands]
    assert len(plain.commands) > 8


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"\x07{}", "version 7"),
        (b"\x01{not json", "not valid JSON"),
        (b'\x01{"$c": "Pickle", "f": {}}', "unknown state class"),
        (b'\x01{"$c": "LossEpisode", "f": {"nope": 1}}', "does not fit"),
        (b'\x01{"x": 1}', "untagged"),
    ],
)
def test_bad_bytes_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(StateDecodeError, match=reason):
        decode_state(data)


def test_only_state_classes_can_be_encoded() -> None:
    with pytest.raises(TypeError, match="not a registered state class"):
        encode_state(story()[0])
    with pytest.raises(TypeError, match="cannot encode"):
        encode_state({1, 2})
