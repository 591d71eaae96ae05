"""Conflicts a person must see (issue 17 item 5): the same event id or the same DTC file
key with other content is a rejection naming both places; a true resend is not."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from flows import FileReport, FileStatus, RejectedRecord
from processors.drivers.event_order import event_time_log
from processors.drivers.replay import replay
from processors.vocabulary.events import DomainEvent
from tests.flows.json_line_builders import registered_line

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "flows"


def line(**changes: str) -> str:
    return registered_line(**changes) + "\n"


def test_the_same_event_id_with_other_content_is_rejected_naming_both(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(line())
    # in another file, later, with another account: not the same event
    (tmp_path / "b.jsonl").write_text(line(occurred_at="2024-09-03T08:00:00Z", account_id="A-2"))
    log = list(event_time_log([tmp_path], None))
    [event] = [o for o in log if isinstance(o, DomainEvent)]
    assert event.account_id == "A-1"  # type: ignore[attr-defined]
    [rejected] = [o for o in log if isinstance(o, RejectedRecord)]
    assert (Path(rejected.path).name, rejected.line, rejected.field) == ("b.jsonl", 1, "event_id")
    assert f"{tmp_path / 'a.jsonl'} line 1" in rejected.reason and "'reg-A-1'" in rejected.reason


def test_the_same_event_sent_again_is_no_conflict(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(line())
    (tmp_path / "b.jsonl").write_text(line().replace(", ", ",  "))  # the same event, spaced otherwise
    log = list(event_time_log([tmp_path], None))
    assert len([o for o in log if isinstance(o, DomainEvent)]) == 2  # the engine ignores the second
    assert not [o for o in log if isinstance(o, RejectedRecord)]


_BILL = (
    '{"type": "bill.issued", "event_id": "bill-1", "occurred_at": "2024-01-01T06:00:00Z", '
    '"bill_id": "BL-1", "account_id": "A-1", "issued_on": "2024-01-01", "kind": "bill", '
    '"basis": "actual", "charges": [{"period_from": "2023-12-01", "period_to": "2023-12-31", '
    '"amount": "186.91"}], "balance_after": "-298.44"}\n'
)


def test_a_bill_resent_with_another_charge_is_a_conflict_and_resent_as_it_was_is_not(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.jsonl").write_text(_BILL)
    (tmp_path / "b.jsonl").write_text(_BILL)
    (tmp_path / "c.jsonl").write_text(_BILL.replace('"186.91"', '"186.92"'))  # inside the charges
    log = list(event_time_log([tmp_path], None))
    assert len([o for o in log if isinstance(o, DomainEvent)]) == 2
    [rejected] = [o for o in log if isinstance(o, RejectedRecord)]
    assert (Path(rejected.path).name, rejected.field) == ("c.jsonl", "event_id")
    assert f"{tmp_path / 'a.jsonl'} line 1" in rejected.reason


def test_a_conflict_within_an_unsorted_file_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(
        line(event_id="later", occurred_at="2024-09-05T08:00:00Z")
        + line()
        + line(account_id="A-9", occurred_at="2024-09-04T08:00:00Z")
    )
    [rejected] = [o for o in event_time_log([tmp_path], None) if isinstance(o, RejectedRecord)]
    assert rejected.line == 3 and "line 2" in rejected.reason


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_same_file_key_with_other_content_is_rejected_naming_the_first(tmp_path: Path, jobs: int) -> None:
    first = tmp_path / "a.txt"
    shutil.copy(FIXTURES / "d0010_valid.txt", first)
    shutil.copy(FIXTURES / "d0010_valid.txt", tmp_path / "b_resent.txt")
    text = first.read_text()
    (tmp_path / "c_changed.txt").write_text(text.replace("|56311.0|", "|56312.0|"))
    assert (tmp_path / "c_changed.txt").read_text() != text
    outputs = list(replay([tmp_path], date(2024, 12, 31), jobs=jobs))
    reports = {Path(o.path).name: o for o in outputs if isinstance(o, FileReport)}
    assert reports["a.txt"].status is FileStatus.READ
    assert reports["b_resent.txt"].status is FileStatus.DUPLICATE  # a resend: skipped, info
    assert reports["c_changed.txt"].status is FileStatus.REJECTED
    [rejected] = [o for o in outputs if isinstance(o, RejectedRecord)]
    assert Path(rejected.path).name == "c_changed.txt" and str(first) in rejected.reason
    assert "different content" in rejected.reason and rejected.field == "file identifier"
