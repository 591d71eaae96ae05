"""States of part one's corrected rules as bytes: billed readings, proposals, standards,
related MPANs, held inputs of the new kinds, and the account's export credit."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from gwt_core import (
    ENG,
    ENG2,
    EXPORT,
    Scenario,
    d0004,
    d0010,
    d0086_registers,
    d0217,
    d0300,
    export_allocated,
    export_submitted,
    midnight,
    payment_overdue,
    registered,
    registers,
    secured,
    smart_reading,
)

from processors.codecs.state_codec import decode_state, encode_state
from processors.core.engine import Engine

SSD = date(2024, 3, 1)


def story() -> list[Any]:
    return [
        registered(ENG, "traditional", date(2023, 1, 1)),
        registered(ENG2, "traditional", date(2023, 1, 1)),
        d0217(ENG, date(2023, 1, 1), on=date(2023, 1, 5), related=((ENG, ENG2),)),
        secured(ENG, SSD, on=SSD - timedelta(days=20)),
        d0010(ENG, midnight(SSD - timedelta(days=2)), on=SSD - timedelta(days=1)),
        d0086_registers(ENG, SSD + timedelta(days=5), registers(midnight(SSD), {"01": "10", "02": "20"})),
        d0300(ENG, SSD, on=SSD + timedelta(days=8), status="P", proposed={"01": "15"}),
        d0004(ENG2, on=SSD + timedelta(days=3)),
        export_submitted("APP-1", ENG2, on=date(2024, 1, 2)),
        export_allocated("APP-1", ENG2, EXPORT, on=date(2024, 1, 10)),
        d0217(EXPORT, date(2024, 1, 20), on=date(2024, 1, 15)),
        payment_overdue("A-1", date(2024, 2, 1)),
    ]


def test_every_state_of_the_corrected_rules_round_trips_exactly() -> None:
    s = Scenario().play(story(), until=SSD + timedelta(days=20))
    s.engine.handle(smart_reading(ENG2, SSD, on=SSD + timedelta(days=21)))  # held: its day is open
    states = dict(s.engine.store.items())
    assert {ENG, ENG2, "export_credit:A-1"} <= set(states)
    assert states[ENG].loss.billed and states[ENG].loss.proposal
    for key, state in states.items():
        assert decode_state(encode_state(state)) == state, key


def test_an_engine_on_a_byte_store_gives_the_same_commands() -> None:
    class BytesStore:
        def __init__(self) -> None:
            self.data: dict[str, bytes] = {}

        def get(self, key: str) -> Any | None:
            raw = self.data.get(key)
            return None if raw is None else decode_state(raw)

        def put(self, key: str, state: Any) -> None:
            self.data[key] = encode_state(state)

        def items(self) -> list[tuple[str, Any]]:
            return [(k, decode_state(v)) for k, v in self.data.items()]

    plain = Scenario().play(story(), until=SSD + timedelta(days=60))
    store = BytesStore()
    half = Scenario(engine=Engine(store=store)).play(story(), until=SSD + timedelta(days=10))
    rest = Scenario(engine=Engine(store=store)).pass_days_through(SSD + timedelta(days=60))
    assert [(c.type, c.issued_on) for c in half.commands + rest.commands] == [
        (c.type, c.issued_on) for c in plain.commands
    ]
    assert {"RespondToCoSDispute", "HoldExportCredit", "IssueEstimatedFinalBill"} <= {
        c.type for c in plain.commands
    }
