"""The fast converters of account lines (`flows.event_types_accounts.FAST`): a clean line is
read by them into the very event the field table gives, and every other line (a field
missing, null, of the wrong kind, unknown, said twice, a float) is read or refused exactly
as the table reads or refuses it, with the same reason."""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import pytest

from flows import event_types_accounts, messages
from flows.json_fields import Problem, Problems
from processors.vocabulary.events import Source

_EXAMPLES = Path(__file__).parents[2] / "examples" / "events" / "billing.jsonl"
_SOURCE = Source(path="billing.jsonl", line=1)
_ODD_VALUES: tuple[Any, ...] = (None, 7, -7, 7.5, True, "", " ", "x", [], [1], {}, {"x": 1}, "2024-02-30")


def _account_lines() -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in _EXAMPLES.read_text().splitlines() if line.strip()]
    return [data for data in lines if data["type"] in event_types_accounts.FAST]


def _outcome(line_text: str) -> str:
    try:
        return repr(messages.parse_event(line_text, _SOURCE))
    except (Problem, Problems) as exc:
        return f"refused: {exc}"


def _by_table(line_text: str, monkeypatch: pytest.MonkeyPatch) -> str:
    with monkeypatch.context() as patched:
        patched.setattr(messages, "FAST", {})
        return _outcome(line_text)


def _variants(data: dict[str, Any]) -> list[str]:
    """The line itself and lines with one thing wrong, or odd but allowed, in it."""
    texts = [json.dumps(data), json.dumps({**data, "unknown": "x"})]
    for name, inner in data.items():
        if name == "type":
            continue
        texts.append(json.dumps({key: value for key, value in data.items() if key != name}))
        texts.extend(json.dumps({**data, name: odd}) for odd in _ODD_VALUES)
        if isinstance(inner, list) and inner and isinstance(inner[0], dict):
            for field in inner[0]:
                for odd in (*_ODD_VALUES, "missing"):
                    first = {k: v for k, v in inner[0].items() if k != field or odd != "missing"}
                    if odd != "missing":
                        first[field] = odd
                    texts.append(json.dumps({**data, name: [first, *inner[1:]]}))
            first_text = json.dumps(inner[0])
            twice = first_text.replace("{", '{"' + next(iter(inner[0])) + '": "1", ', 1)
            texts.append(json.dumps(data).replace(first_text, twice, 1))
        if isinstance(inner, dict):
            for field in inner:
                texts.extend(json.dumps({**data, name: {**inner, field: odd}}) for odd in _ODD_VALUES)
            texts.append(json.dumps({**data, name: {**inner, "unknown": 1}}))
    return texts


def test_the_examples_hold_every_fast_account_type() -> None:
    assert {data["type"] for data in _account_lines()} == set(event_types_accounts.FAST)


def test_a_clean_line_is_read_by_its_fast_converter() -> None:
    for data in _account_lines():
        assert event_types_accounts.FAST[data["type"]](data, _SOURCE) is not None, data


def read_as_the_table(lines: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    """Every variant of every line reads with the fast converters as with the table alone."""
    checked = refused = 0
    for data in lines:
        for line_text in _variants(data):
            fast = _outcome(line_text)
            assert fast == _by_table(line_text, monkeypatch), line_text
            checked += 1
            refused += fast.startswith("refused: ")
    assert refused > checked // 2  # most variants are bad: the refusals are compared too


def test_every_line_reads_as_the_field_table_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    read_as_the_table(_account_lines(), monkeypatch)


def test_a_key_said_twice_inside_a_charge_is_refused() -> None:
    line = (
        '{"type": "bill.issued", "event_id": "b1", "occurred_at": "2024-01-01T06:00:00Z", '
        '"bill_id": "BL-1", "account_id": "A-1", "issued_on": "2024-01-01", "kind": "bill", '
        '"basis": "actual", "charges": [{"period_from": "2023-12-01", "period_to": "2023-12-31", '
        '"amount": "1.00", "amount": "186.91"}], "balance_after": "-298.44"}'
    )
    with pytest.raises(Problem, match="key 'amount' appears twice in one object"):
        messages.parse_event(line, _SOURCE)


def _objects(value: Any) -> list[Any]:
    """`value` and the dataclasses inside it (a bill's charges, a transfer reading)."""
    found = [value]
    for spec in fields(value):
        inner = getattr(value, spec.name)
        for item in inner if isinstance(inner, tuple) else (inner,):
            if is_dataclass(item):
                found.extend(_objects(item))
    return found


def test_a_clean_line_gives_the_tables_object_in_every_respect(monkeypatch: pytest.MonkeyPatch) -> None:
    """Built without the dataclass `__init__` (`vocabulary.construction`), a fast event is still of the
    event's own class, equal to the table's and hashing the same, and as frozen."""
    for data in _account_lines():
        fast = event_types_accounts.FAST[data["type"]](data, _SOURCE)
        with monkeypatch.context() as patched:
            patched.setattr(messages, "FAST", {})
            table = messages.parse_event(json.dumps(data), _SOURCE)
        for built, expected in zip(_objects(fast), _objects(table), strict=True):
            assert type(built) is type(expected)
            assert built == expected
            assert hash(built) == hash(expected)
            first = fields(built)[0].name
            with pytest.raises(AttributeError):
                setattr(built, first, getattr(expected, first))
