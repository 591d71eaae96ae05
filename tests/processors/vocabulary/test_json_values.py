"""The one conversion of values to JSON values, and the writers that use it."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

import pytest

from processors.codecs import serde
from processors.ops.jsonable import to_jsonable
from processors.vocabulary.anomalies import Anomaly
from processors.vocabulary.commands import BillingReading, FinalBillReason, IssueFinalBill
from processors.vocabulary.json_values import LENIENT_DEPTH, json_value


class Colour(Enum):
    RED = 1


class Kind(StrEnum):
    SMART = "S"


@dataclasses.dataclass(frozen=True, slots=True)
class Inner:
    at: datetime
    kinds: tuple[Kind, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class Outer:
    value: Decimal
    day: date
    inner: Inner | None
    labels: frozenset[str] = frozenset()


def test_every_kind_of_value_has_one_json_form() -> None:
    outer = Outer(
        value=Decimal("0.10"),
        day=date(2024, 3, 1),
        inner=Inner(at=datetime(2024, 3, 1, 23, 30, tzinfo=UTC), kinds=(Kind.SMART,)),
        labels=frozenset({"b", "a"}),
    )
    assert json_value(outer) == {
        "value": "0.10",  # exact, trailing zero kept
        "day": "2024-03-01",
        "inner": {"at": "2024-03-01T23:30:00+00:00", "kinds": ["S"]},
        "labels": ["a", "b"],  # a set as a list, sorted (by repr)
    }
    assert list(json_value(outer)) == ["value", "day", "inner", "labels"]  # field order


def test_plain_values_mappings_and_enums() -> None:
    assert json_value(None) is None
    assert json_value(True) is True
    assert json_value(1.5) == 1.5
    assert json_value(Colour.RED) == 1
    assert json_value(Kind.SMART) == "S"
    assert type(json_value(Kind.SMART)) is str
    assert json_value({1: (date(2024, 1, 2),)}) == {"1": ["2024-01-02"]}
    assert json_value([Decimal("1E+2")]) == ["1E+2"]


def test_subclasses_convert_as_their_base() -> None:
    class Code(str):
        pass

    assert json_value((Code("01"), Colour.RED)) == ["01", 1]
    assert json_value(datetime(2024, 3, 1, 12, 0)) == "2024-03-01T12:00:00"


def test_a_value_with_no_json_form_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="no JSON value for a complex"):
        json_value({"x": [1j]})
    with pytest.raises(TypeError, match="no JSON value for a type"):
        json_value(Outer)  # a dataclass itself is not a record


def test_lenient_conversion_shows_unknown_and_too_deep_values_as_repr() -> None:
    assert json_value({"x": 1j}, lenient=True) == {"x": "1j"}
    nested: Any = 0
    for _ in range(LENIENT_DEPTH + 2):
        nested = [nested]
    shown = json_value(nested, lenient=True)
    for _ in range(LENIENT_DEPTH):
        shown = shown[0]
    assert shown == ["[0]"]
    assert json_value(nested) == nested  # strict conversion has no depth cut
    assert to_jsonable({"x": 1j}) == {"x": "1j"}


def test_commands_and_records_are_written_through_it() -> None:
    command = IssueFinalBill(
        command_id="c-1",
        issued_on=date(2024, 3, 2),
        cause="e-1",
        mpan="1200000000009",
        reason=FinalBillReason.COS,
        final_date=date(2024, 3, 1),
        reading=BillingReading(value=Decimal("123.4"), read_on=date(2024, 3, 1), source="D0086"),
    )
    body = command.to_json()
    assert list(body)[:2] == ["command_id", "type"]
    assert body == {"command_id": "c-1", "type": "IssueFinalBill", **json_value(command)}
    assert serde.to_json(command) == body
    assert json.loads(json.dumps(body)) == body

    anomaly = Anomaly(event_id="e-1", subject="1200000000009", day=date(2024, 3, 1), kind="k", detail="d")
    assert serde.to_json(anomaly) == {
        "record": "Anomaly",
        "event_id": "e-1",
        "subject": "1200000000009",
        "day": "2024-03-01",
        "kind": "k",
        "detail": "d",
    }
