"""Half-hourly consumption, tariff, dispatch and tracker events (SPEC 9) read from JSON
lines; a wrong period count, a negative or non-numeric value, a day in the future of
the event and the other malformed lines are rejected with their line, field and reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from flow_helpers import Read

from flows import event_types_halfhourly, messages
from flows.json_fields import Problem
from flows.messages import parse_event
from processors.vocabulary.events import (
    ConsumptionTrackerRemoved,
    ConsumptionTrackerSet,
    DeviceDispatch,
    HalfHourlyConsumption,
    Source,
    TariffAgreementStarted,
)

Reader = Callable[[str], Read]


def test_every_half_hourly_type_is_read(read: Reader) -> None:
    result = read("halfhourly_valid.jsonl")
    assert not result.rejections
    assert [type(e) for e in result.events] == [
        HalfHourlyConsumption,
        HalfHourlyConsumption,
        HalfHourlyConsumption,
        TariffAgreementStarted,
        DeviceDispatch,
        ConsumptionTrackerSet,
        ConsumptionTrackerRemoved,
    ]
    spring, autumn, gap = result.events[:3]
    assert isinstance(spring, HalfHourlyConsumption) and isinstance(autumn, HalfHourlyConsumption)
    assert (spring.consumption_day, len(spring.values)) == (date(2026, 3, 29), 46)
    assert (autumn.consumption_day, len(autumn.values)) == (date(2026, 10, 25), 50)
    assert isinstance(gap, HalfHourlyConsumption)
    assert gap.values[10:12] == (None, None) and gap.values[0] == Decimal("0.25")
    assert str(gap.data_source) == "smart"


def test_malformed_half_hourly_lines_are_rejected_with_their_reason(read: Reader) -> None:
    result = read("halfhourly_bad.jsonl")
    assert result.events == []
    found = [(r.line, r.field) for r in result.rejections]
    assert found == [
        (1, "values"),
        (2, "values"),
        (3, "values"),
        (4, "values"),
        (5, "values"),
        (6, "day"),
        (7, "direction"),
        (8, "rates"),
        (9, "end"),
        (10, "mpans"),
    ]
    reasons = [r.reason for r in result.rejections]
    assert "2026-03-29 has 46 settlement periods, got 48 values" in reasons[0]
    assert "2026-10-25 has 50 settlement periods, got 48 values" in reasons[1]
    assert "has 48 settlement periods, got 47" in reasons[2]
    assert "period 7" in reasons[3] and "non-negative" in reasons[3]
    assert "period 7" in reasons[4] and "'n/a'" in reasons[4]
    assert "in the future of the event" in reasons[5]
    assert "export_peak" in reasons[7]
    assert "period" in reasons[9] and "check digit" in reasons[9]
    assert all(r.raw and r.path.endswith("halfhourly_bad.jsonl") for r in result.rejections)


def _day_line(values: str) -> str:
    return (
        '{"type": "consumption.half_hourly", "event_id": "e1", "occurred_at": "2025-04-02T06:30:00Z",'
        ' "mpan": "1200000000011", "day": "2025-04-01", "direction": "import", "source": "smart",'
        f' "values": {values}}}'
    )


def test_values_stay_exact_whichever_json_parser_reads_the_line() -> None:
    """Strings are read by the fast parser; a JSON number with a fraction (which it would
    read as a float) makes the line go through the exact one, so no value is rounded."""
    source = Source(path="day.jsonl", line=1)
    tenth = "0.1000000000000000055511151231257827"
    as_text = parse_event(_day_line(json.dumps([tenth] * 48)), source)
    as_numbers = parse_event(_day_line("[" + ", ".join([tenth] * 48) + "]"), source)
    big = parse_event(_day_line("[" + ", ".join(["18446744073709551617"] * 48) + "]"), source)
    assert isinstance(as_text, HalfHourlyConsumption) and isinstance(as_numbers, HalfHourlyConsumption)
    assert isinstance(big, HalfHourlyConsumption)
    assert as_text.values == as_numbers.values == (Decimal(tenth),) * 48
    assert str(as_numbers.values[0]) == tenth
    assert big.values[0] == Decimal(2**64 + 1)


def test_a_line_neither_parser_accepts_names_the_json_error() -> None:
    with pytest.raises(Problem, match=r"not valid JSON \(Expecting"):
        parse_event(_day_line("[0.1, ]"), Source(path="day.jsonl", line=1))
    with pytest.raises(Problem, match="NaN is not a number JSON allows"):
        parse_event(_day_line("[NaN]"), Source(path="day.jsonl", line=1))


def _line(**changes: object) -> str:
    body: dict[str, object] = {
        "type": "consumption.half_hourly",
        "event_id": "hh-1",
        "occurred_at": "2025-04-02T06:30:00+01:00",
        "mpan": "1200023305967",
        "day": "2025-04-01",
        "direction": "import",
        "values": ["0.250"] * 47 + [None],
        "source": "smart",
    }
    body.update(changes)
    return json.dumps(body)


def test_a_clean_line_reads_the_same_by_the_specialised_converter_as_by_the_field_table() -> None:
    """The specialised converter (FAST) must build the event the field table builds."""
    source = Source(path="x.jsonl", line=1)
    fast = parse_event(_line(), source)
    saved = dict(messages.FAST)
    messages.FAST.clear()
    try:
        general = parse_event(_line(), source)
    finally:
        messages.FAST.update(saved)
    assert fast == general
    assert event_types_halfhourly.fast_half_hourly(json.loads(_line()), source) == general


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"values": ["0.250"] * 47 + ["-1"]}, "values"),
        ({"values": ["0.250"] * 47}, "values"),
        ({"values": ["0.250"] * 47 + ["NaN"]}, "values"),
        ({"day": "2025-04-05"}, "day"),
        ({"mpan": "1200023305968"}, "mpan"),
        ({"direction": "sideways"}, "direction"),
        ({"direction": ["import"]}, "direction"),
        ({"source": "guess"}, "source"),
        ({"event_id": " "}, "event_id"),
        ({"occurred_at": "2025-04-02T06:30:00"}, "occurred_at"),
        ({"extra": 1}, "extra"),
    ],
)
def test_a_line_the_specialised_converter_declines_is_refused_as_before(
    changes: dict[str, object], field: str
) -> None:
    line = _line(**changes)
    assert event_types_halfhourly.fast_half_hourly(json.loads(line), Source(path="x", line=1)) is None
    with pytest.raises(ValueError) as refused:
        parse_event(line, Source(path="x", line=1))
    problems = getattr(refused.value, "problems", [refused.value])
    assert field in [p.field for p in problems]


@pytest.mark.parametrize("bad", ["-0.5", "NaN", "Infinity", "0.5x"])
def test_a_value_refused_once_is_refused_every_time(bad: str) -> None:
    """Values already read are not read again (processors.vocabulary.kwh): a value that
    failed its check must never be one of them."""
    source = Source(path="x.jsonl", line=1)
    good = parse_event(_line(values=["0.5"] * 47 + ["0.500"]), source)
    assert isinstance(good, HalfHourlyConsumption)
    assert [str(v) for v in good.values[-2:]] == ["0.5", "0.500"]
    for _ in range(2):
        with pytest.raises(ValueError, match="period 48"):
            parse_event(_line(values=["0.5"] * 47 + [bad]), source)


def test_a_clean_day_with_a_key_said_twice_is_refused() -> None:
    """The specialised converter reads the line before any other check: the key said
    twice (which the JSON parser resolves in silence) is still found."""
    line = _line()[:-1] + ', "direction": "import"}'
    with pytest.raises(Problem, match="'direction' appears twice"):
        parse_event(line, Source(path="x.jsonl", line=1))
