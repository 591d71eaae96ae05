"""Accounts on the wire and in a byte store: events, commands and states round-trip exactly."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from gwt_accounts import bill, charge, charges_created, invoice, migrated, opened, prevented, reviewed
from gwt_core import ENG, ENG2, Scenario, customer_reading, d0010, midnight, registered
from test_state_codec import BytesStore

from processors.codecs import serde
from processors.codecs.state_codec import decode_state, encode_state
from processors.core.engine import Engine
from processors.vocabulary.events import UK, AccountReadingForwarded, account_link, business_mark


def story() -> list:
    return [
        registered(ENG, "smart_nhh", date(2024, 9, 1), account_id="B-1"),
        registered(ENG2, "traditional", date(2024, 9, 1), account_id="B-1"),
        opened("B-1", "business", date(2024, 9, 1)),
        reviewed("B-1", date(2024, 9, 2)),
        prevented("B-1", ENG, date(2024, 9, 3)),
        migrated("B-1", ENG2, date(2024, 9, 4), ("12.5", date(2023, 8, 1))),
        migrated("B-1", ENG, date(2024, 9, 4), None),
        bill(
            "B-1", "BL-1", date(2024, 9, 5), [charge(date(2023, 8, 1), date(2024, 8, 31), "1200.50")], "-300"
        ),
        d0010(ENG, midnight(date(2024, 9, 28)), on=date(2024, 9, 28)),
        customer_reading(ENG2, date(2024, 9, 29), on=date(2024, 9, 29)),
        charges_created("B-1", date(2024, 10, 2), ("I1", "3100"), ("I2", "-1.5")),
        invoice("B-1", "INV-1", date(2024, 10, 3), "3100.00"),
    ]


def test_account_events_and_commands_round_trip_on_the_wire() -> None:
    events = story()
    s = Scenario().play(events, until=date(2024, 11, 20))
    for event in events:
        assert serde.decode_event(serde.encode_event(event)) == event
    # every kind of account follow-up travels as an event like any other
    follow_ups = [
        account_link("reg-1", date(2024, 9, 1), ENG, "B-1", date(2024, 9, 1)),
        business_mark("open-1", date(2024, 9, 1), ENG, "B-1"),
        AccountReadingForwarded(
            event_id="D/1/2>account_reading/B-1",
            occurred_at=datetime(2024, 9, 28, 12, tzinfo=UK),
            account_id="B-1",
            mpan=ENG,
            value=Decimal("5000.0"),
            read_on=date(2024, 9, 28),
            reading_source="D0010",
        ),
    ]
    for follow_up in follow_ups:
        assert serde.decode_event(serde.encode_event(follow_up)) == follow_up
    types = {c.type for c in s.commands}
    assert {
        "WriteOffBackbilledCharges",
        "BillFromTransferReading",
        "BillBusinessAccount",
        "IssueInvoice",
    } <= types
    for command in s.commands:
        decoded = serde.decode_command(serde.encode_command(command))
        assert decoded == command and decoded.to_json() == command.to_json()


def test_account_states_round_trip_and_a_byte_store_gives_the_same_commands() -> None:
    events = story()
    s = Scenario().play(events, until=date(2024, 10, 1))
    states = dict(s.engine.store.items())
    assert {"account:B-1", f"account_feed:{ENG}", f"account_feed:{ENG2}"} <= states.keys()
    for key, state in states.items():
        assert decode_state(encode_state(state)) == state, key
    plain = Scenario().play(events, until=date(2024, 11, 20))
    store = BytesStore()
    cut = date(2024, 9, 30)
    half = Scenario(engine=Engine(store=store)).play([e for e in events if e.day <= cut], until=cut)
    rest = Scenario(engine=Engine(store=store)).play(
        [e for e in events if e.day > cut], until=date(2024, 11, 20)
    )
    assert [c.to_json() for c in half.commands + rest.commands] == [c.to_json() for c in plain.commands]
