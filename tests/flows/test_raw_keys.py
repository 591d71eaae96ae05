"""`flows.raw_keys` and `read_messages`' triage: what `replay --jobs N` reads of a JSON
line before parsing it, and that a line passed over is neither parsed nor counted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from flows.messages import TYPES, read_messages
from flows.raw_keys import KEY_FIELDS
from flows.rejections import FileReport, FileStatus, RejectedRecord
from processors.vocabulary.events import DomainEvent

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "flows"


def test_each_type_names_the_field_its_partition_key_is_read_from() -> None:
    assert KEY_FIELDS["supply_point.registered"] == "mpan"
    assert KEY_FIELDS["export.application_submitted"] == "import_mpan"  # keyed by the import MPAN
    assert KEY_FIELDS["account.opened"] == "account_id"
    assert KEY_FIELDS["gas.supply_point.registered"] == "mprn"
    assert "gas.sap.published" not in KEY_FIELDS  # one key for every line: not a field


def test_the_field_holds_the_key_of_every_valid_fixture_event() -> None:
    checked = 0
    for name in ("events_valid.jsonl", "accounts_valid.jsonl", "events_gas.jsonl", "halfhourly_valid.jsonl"):
        lines = (FIXTURES / name).read_bytes().splitlines()
        events = [item for item in read_messages(FIXTURES / name) if isinstance(item, DomainEvent)]
        by_line = {event.source.line: event for event in events if event.source is not None}
        for number, raw in enumerate(lines, start=1):
            event = by_line.get(number)
            if event is None or not raw.strip():
                continue
            data: dict[str, Any] = orjson.loads(raw)
            field = KEY_FIELDS.get(data["type"])
            if field is not None:
                assert data[field] == event.partition_key, (name, number)
                checked += 1
    assert checked > 20
    assert set(KEY_FIELDS) <= set(TYPES)


def test_a_triage_passes_lines_over_and_counts_only_what_it_says(tmp_path: Path) -> None:
    path = tmp_path / "lines.jsonl"
    good = (FIXTURES / "events_valid.jsonl").read_text().splitlines()[0]
    path.write_text(f"{good}\n{{broken\n\n{good}\n{{broken\n")
    verdicts = iter([True, True, "skipped", False])  # the blank line is not triaged

    items = list(read_messages(path, lambda raw: next(verdicts)))
    assert len(items) == 5
    assert isinstance(items[0], DomainEvent) and isinstance(items[1], RejectedRecord)
    assert items[2] == "skipped"  # in the place of the line, unparsed
    assert isinstance(items[3], RejectedRecord)  # read, but not counted
    report = items[4]
    assert isinstance(report, FileReport)
    assert (report.status, report.events, report.rejected) == (FileStatus.READ, 1, 1)
