"""Events decoded from the topic get the file reader's checks (flows.event_checks)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from flows.event_checks import check_event
from flows.json_fields import Problems
from flows.seen import InMemorySeenFiles
from processors.drivers.event_order import event_time_log
from processors.vocabulary.events import CustomerReadingReceived, DomainEvent, SwitchSecured

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AT = datetime(2024, 3, 1, 9, tzinfo=UTC)


def test_every_event_the_readers_produce_passes() -> None:
    events = [
        e
        for e in event_time_log([EXAMPLES], date(2025, 3, 31), InMemorySeenFiles())
        if isinstance(e, DomainEvent)
    ]
    assert len(events) > 100
    for event in events:
        check_event(event)


@pytest.mark.parametrize(
    ("event", "field", "said"),
    [
        (
            SwitchSecured(
                event_id="e", occurred_at=AT, mpan="<img src=x>", ssd=date(2024, 3, 9), gaining_supplier="G"
            ),
            "mpan",
            "13 digits",
        ),
        (
            SwitchSecured(
                event_id=" ", occurred_at=AT, mpan="1200000000002", ssd=date(2024, 3, 9), gaining_supplier="G"
            ),
            "event_id",
            "non-empty text",
        ),
        (
            SwitchSecured(
                event_id="e",
                occurred_at=datetime(2024, 3, 1, 9),
                mpan="1200000000002",
                ssd=date(2024, 3, 9),
                gaining_supplier="G",
            ),
            "occurred_at",
            "no UTC offset",
        ),
        (
            CustomerReadingReceived(
                event_id="e",
                occurred_at=AT,
                mpan="1200000000002",
                read_on=date(2024, 3, 1),
                value=Decimal(-1),
            ),
            "value",
            "non-negative",
        ),
    ],
)
def test_what_the_reader_refuses_is_refused_with_its_field(event: DomainEvent, field: str, said: str) -> None:
    with pytest.raises(Problems) as caught:
        check_event(event)
    assert caught.value.problems[0].field == field
    assert said in str(caught.value)
