"""The fast converters read from the types' tables (`flows.messages._from_table`): a clean
line of such a type (registrations, switches, ...) is read into the very event the field
table gives, and every other line (a field missing, null, of the wrong kind, unknown, said
twice, a float) is read or refused exactly as the table reads or refuses it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_event_types_accounts import _SOURCE, _by_table, read_as_the_table

from flows import messages

_EXAMPLES = Path(__file__).parents[2] / "examples" / "events"
_MADE = [  # the types the examples do not hold
    {
        "type": "dno.export_mpan_refused",
        "event_id": "ref-1",
        "occurred_at": "2024-09-02T08:00:00Z",
        "application_id": "EXP-1",
        "import_mpan": "1200023305967",
        "reason": "network constraint",
    },
    {
        "type": "consumption.tracker_removed",
        "event_id": "trk-1",
        "occurred_at": "2024-09-02T08:00:00Z",
        "tracker_id": "T-1",
        "account_id": "A-1",
    },
]


def _table_lines() -> list[dict[str, Any]]:
    """One example line of each type whose fast converter is read from its table."""
    by_type: dict[str, dict[str, Any]] = {}
    for path in sorted(_EXAMPLES.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                data = json.loads(line)
                by_type.setdefault(data["type"], data)
    for data in _MADE:
        by_type.setdefault(data["type"], data)
    from_table = set(messages.FAST) - set(messages._SPECIALISED)
    return [data for kind, data in sorted(by_type.items()) if kind in from_table]


def test_the_types_read_from_their_tables() -> None:
    kinds = {data["type"] for data in _table_lines()}
    assert kinds == set(messages.FAST) - set(messages._SPECIALISED)
    assert {"supply_point.registered", "switch.secured", "customer.moved_out"} <= kinds
    assert "customer.reading" not in messages.FAST  # optional fields and a number: the table's


def test_a_clean_line_is_read_by_its_converter_into_the_tables_event(monkeypatch: pytest.MonkeyPatch) -> None:
    for data in _table_lines():
        event = messages.FAST[data["type"]](data, _SOURCE)
        assert event is not None, data
        assert repr(event) == _by_table(json.dumps(data), monkeypatch)


def test_every_line_reads_as_the_field_table_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    read_as_the_table(_table_lines(), monkeypatch)
