"""The JSON-lines inputs of part one's corrected rules (SPEC 7): read, and every bad line
rejected with its line and field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from flow_helpers import Read

from flows.messages import read_messages
from flows.rejections import RejectedRecord
from processors.vocabulary.events import AccountPaymentCleared, SmartMeterReadingTaken

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "events"

Reader = Callable[[str], Read]


def test_each_bad_line_of_the_new_types_is_rejected_with_its_field(read: Reader) -> None:
    result = read("events_rules_bad.jsonl")
    assert [e.event_id for e in result.events] == ["r8"]
    (cleared,) = result.events
    assert isinstance(cleared, AccountPaymentCleared) and cleared.partition_key == "A-104406"
    by_line = {r.line or 0: r for r in result.rejections}
    expected = {
        1: ("read_at", "ISO date-time"),
        2: ("registers.1.value", "non-negative"),
        3: ("registers", "at least 1"),
        4: ("paid_on", "ISO date"),
        5: ("final_bill", "required field is missing"),
        6: ("account_id", "non-empty text"),
        7: ("amount", "unknown field"),
    }
    assert sorted(by_line) == sorted(expected)
    for line, (field, words) in expected.items():
        assert by_line[line].field == field, (line, by_line[line])
        assert words in by_line[line].reason, (line, by_line[line].reason)


def test_the_examples_new_inputs_are_read_whole() -> None:
    events = [e for e in read_messages(EXAMPLES / "rules.jsonl") if isinstance(e, SmartMeterReadingTaken)]
    (smart,) = events
    assert smart.read_at == datetime(2024, 12, 20, tzinfo=UTC)
    assert [(r.register_id, r.value) for r in smart.registers] == [("01", Decimal("8804.0"))]
    assert not [r for r in read_messages(EXAMPLES / "rules.jsonl") if isinstance(r, RejectedRecord)]
