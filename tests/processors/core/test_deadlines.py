"""The deadline index: wake-ups by day, stable deadline ids, and what the engine lists."""

from __future__ import annotations

from datetime import date

from gwt_core import (
    ENG,
    EXPORT,
    Scenario,
    d0010,
    d0217,
    export_allocated,
    export_submitted,
    midnight,
    registered,
)

from processors.core.deadlines import Deadline, WakeUpIndex, deadline_id


def test_deadline_ids_name_kind_subject_and_day() -> None:
    assert deadline_id("cos_estimate", ENG, date(2024, 4, 12)) == f"deadline/cos_estimate/{ENG}/2024-04-12"
    d = Deadline(due_on=date(2024, 4, 12), kind="cos_estimate", subject=ENG)
    assert d.deadline_id == deadline_id("cos_estimate", ENG, date(2024, 4, 12))


def test_wake_up_index_returns_sorted_keys_once() -> None:
    index = WakeUpIndex()
    index.add(date(2024, 1, 2), "b")
    index.add(date(2024, 1, 2), "a")
    index.add(date(2024, 1, 2), "a")
    index.add(date(2024, 1, 5), "c")
    assert len(index) == 3
    assert index.first_day() == date(2024, 1, 2)
    assert list(index.keys_between(date(2024, 1, 1), date(2024, 1, 3))) == ["a", "b"]
    assert index.pop(date(2024, 1, 2)) == ["a", "b"]
    assert index.pop(date(2024, 1, 2)) == []
    assert index.pop_through(date(2024, 1, 9)) == ["c"]
    assert index.first_day() is None


def test_export_deadlines_are_listed_for_the_dashboard() -> None:
    events = [
        registered(ENG, "smart_nhh", date(2023, 1, 1)),
        export_submitted("APP-1", ENG, on=date(2024, 3, 1)),
    ]
    s = Scenario().play(events, until=date(2024, 3, 2))
    assert s.engine.deadlines_between(date(2024, 3, 1), date(2024, 4, 30)) == [
        Deadline(due_on=date(2024, 3, 29), kind="export_escalation", subject=ENG)
    ]
    s.play(
        [
            export_allocated("APP-1", ENG, EXPORT, on=date(2024, 3, 10)),
            d0217(EXPORT, date(2024, 3, 20), on=date(2024, 3, 15)),
            d0010(EXPORT, midnight(date(2024, 3, 21)), on=date(2024, 3, 22)),
        ],
        until=date(2024, 3, 23),
    )
    assert s.engine.deadlines_between(date(2024, 3, 1), date(2024, 12, 31)) == [
        Deadline(due_on=date(2024, 6, 20), kind="export_no_reading", subject=EXPORT)
    ]
