"""The half-hourly and tracker states round-trip through bytes, and an engine on a byte
store rates, corrects and notifies exactly as on the in-memory store."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from test_state_codec import BytesStore

from processors.codecs.serde import decode_command, decode_event, encode_command, encode_event
from processors.codecs.state_codec import decode_state, encode_state
from processors.core.engine import Engine
from processors.vocabulary.events import UK
from tests.processors.core.machines.halfhourly_builders import (
    dispatch,
    flat_values,
    half_hourly,
    tariff,
    tracker_set,
)
from tests.processors.scenarios.gwt_core import Scenario, make_mpan, registered

SITE = make_mpan("14", 701)
DAY = date(2025, 3, 12)


def story() -> list:
    late = datetime.combine(DAY, time(14), tzinfo=UK)
    return [
        registered(SITE, "smart_hh", date(2025, 1, 1), account_id="A-5"),
        tariff(SITE, "IO_FLUX", date(2025, 3, 1)),
        tracker_set("A-5", "day", "30", on=DAY),
        half_hourly(SITE, DAY, flat_values(DAY, missing=(3,))),
        half_hourly(SITE, DAY, flat_values(DAY, "0.5"), direction="export", on=DAY + timedelta(days=2)),
        dispatch(SITE, late, late + timedelta(minutes=30), on=late + timedelta(days=2)),
    ]


def test_the_states_round_trip() -> None:
    s = Scenario().play(story(), until=DAY + timedelta(days=3))
    states = s.engine.states_of(SITE)
    assert states["half_hourly"].days
    for state in (states["half_hourly"], s.engine.state_of("A-5", "consumption_tracker")):
        assert decode_state(encode_state(state)) == state


def test_an_engine_on_bytes_issues_the_same_commands() -> None:
    events = story()
    in_memory = Scenario().play(events, until=DAY + timedelta(days=3))
    on_bytes = Scenario(engine=Engine(store=BytesStore())).play(events, until=DAY + timedelta(days=3))
    assert [c.to_json() for c in on_bytes.commands] == [c.to_json() for c in in_memory.commands]
    assert {c.type for c in in_memory.commands} == {
        "RateHalfHourlyConsumption",
        "CorrectHalfHourlyRating",
        "ReportMissingConsumption",
        "NotifyConsumptionExceeded",
    }


def test_the_commands_and_events_round_trip_through_avro() -> None:
    events = story()
    s = Scenario().play(events, until=DAY + timedelta(days=3))
    for command in s.commands:
        assert decode_command(encode_command(command)) == command
        assert decode_command(encode_command(command)).to_json() == command.to_json()
    for event in events:
        assert decode_event(encode_event(event)) == event
