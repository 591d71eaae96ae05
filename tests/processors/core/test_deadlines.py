"""The deadline index: wake-ups by day, stable deadline ids, and what the engine lists."""

from __future__ import annotations

from datetime import date, timedelta

from gwt_core import (
    ENG,
    EXPORT,
    Scenario,
    d0010,
    d0217,
    export_allocated,
    export_submitted,
    make_mpan,
    midnight,
    registered,
    secured,
)

from processors.core.deadlines import Deadline, WakeUpIndex, deadline_id
from processors.core.engine import Engine
from processors.core.store import DictStateStore
from tests.processors.core.machines.halfhourly_builders import half_hourly, tariff


def test_deadline_ids_name_kind_subject_and_day() -> None:
    assert deadline_id("cos_estimate", ENG, date(2024, 4, 12)) == f"deadline/cos_estimate/{ENG}/2024-04-12"
    d = Deadline(due_on=date(2024, 4, 12), kind="cos_estimate", subject=ENG)
    assert d.deadline_id == deadline_id("cos_estimate", ENG, date(2024, 4, 12))


def test_wake_up_index_returns_sorted_keys_once() -> None:
    index = WakeUpIndex()
    index.set("b", 0, date(2024, 1, 2))
    index.set("a", 0, date(2024, 1, 2))
    index.set("a", 1, date(2024, 1, 2))
    index.set("c", 0, date(2024, 1, 5))
    assert len(index) == 4
    assert index.first_day() == date(2024, 1, 2)
    assert list(index.keys_through(date(2024, 1, 3))) == ["a", "b"]
    assert index.pop_through(date(2024, 1, 2)) == ["a", "b"]
    assert index.pop_through(date(2024, 1, 2)) == []
    assert index.day_of("a", 0) is None
    assert index.pop_through(date(2024, 1, 9)) == ["c"]
    assert index.first_day() is None
    assert len(index) == 0


def test_a_moved_wake_day_leaves_the_old_day_unless_another_machine_needs_it() -> None:
    index = WakeUpIndex()
    index.set("a", 0, date(2024, 1, 2))
    index.set("a", 1, date(2024, 1, 2))
    index.set("a", 0, date(2024, 1, 4))  # machine 1 still needs the 2nd
    assert index.pop_through(date(2024, 1, 2)) == ["a"]
    assert index.day_of("a", 0) == date(2024, 1, 4)
    index.set("a", 0, date(2024, 1, 7))  # nobody needs the 4th any more
    assert index.pop_through(date(2024, 1, 6)) == []
    index.set("a", 0, None)
    assert index.pop_through(date(2024, 12, 31)) == []
    assert len(index) == 0


class _Watched(WakeUpIndex):
    """The engine's index, noting each woken subject none of whose states has a deadline
    due that day (a stale wake-up)."""

    __slots__ = ("engine", "idle", "woken")

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self.idle: list[tuple[date, str]] = []
        self.woken: list[tuple[date, str]] = []

    def pop_through(self, day: date) -> list[str]:
        keys = super().pop_through(day)
        engine = self.engine
        for subject_id in keys:
            self.woken.append((day, subject_id))
            subject = engine._subject(subject_id)
            due = [
                d
                for _, machine, stored in subject.machines
                if (state := engine.store.get(stored)) is not None
                for d, _ in machine.deadlines(subject.key, state, engine.policy)
                if d <= day
            ]
            if not due:
                self.idle.append((day, subject_id))
        return keys


def _watched() -> tuple[Scenario, _Watched]:
    engine = Engine()
    watched = engine._wake = _Watched(engine)
    return Scenario(engine=engine), watched


def test_a_half_hourly_site_whose_values_arrive_daily_is_woken_only_when_a_day_is_missing() -> None:
    """The missing-day deadline (last day with values + 2) moves every day as values come:
    the site is not woken each day for nothing, and a day that never comes is reported."""
    site = make_mpan("14", 501)
    first = date(2025, 3, 1)
    values = [half_hourly(site, first + timedelta(days=n)) for n in range(10)]
    s, watched = _watched()
    s.play([tariff(site, "FLAT", first), *values], until=first + timedelta(days=12))
    assert watched.idle == []
    assert watched.woken == [
        (first + timedelta(days=11), f"mpan:{site}"),
        (first + timedelta(days=12), f"mpan:{site}"),
    ]
    assert [r.day for r in s.of_type("ReportMissingConsumption")] == [
        first + timedelta(days=n) for n in (10, 11)
    ]


def test_a_deadline_moved_later_leaves_no_wake_up_on_its_old_day() -> None:
    s, watched = _watched()
    s.play(
        [
            registered(ENG, "traditional", date(2023, 1, 1)),
            secured(ENG, date(2024, 3, 1), on=date(2024, 2, 10)),
            secured(ENG, date(2024, 3, 15), on=date(2024, 2, 20)),  # the SSD revised later
        ],
        until=date(2024, 5, 10),
    )
    assert watched.idle == []
    assert [(c.type, c.issued_on) for c in s.commands[:3]] == [
        ("RaiseCoSDispute", date(2024, 4, 15)),
        ("IssueEstimatedFinalBill", date(2024, 4, 26)),
        ("SettleFinalBalance", date(2024, 4, 26)),
    ]


def test_a_deadline_moved_earlier_still_fires_on_its_new_day() -> None:
    revised = Scenario().play(
        [
            registered(ENG, "traditional", date(2023, 1, 1)),
            secured(ENG, date(2024, 3, 15), on=date(2024, 2, 10)),
        ],
        until=date(2024, 2, 15),
    )
    assert revised.engine.deadlines_between(date(2024, 2, 16), date(2024, 4, 30))[0].due_on == date(
        2024, 4, 15
    )
    revised.play([secured(ENG, date(2024, 3, 1), on=date(2024, 2, 20))], until=date(2024, 5, 10))
    direct = Scenario().play(
        [
            registered(ENG, "traditional", date(2023, 1, 1)),
            secured(ENG, date(2024, 3, 1), on=date(2024, 2, 20)),
        ],
        until=date(2024, 5, 10),
    )
    assert [(c.type, c.issued_on) for c in revised.commands[:2]] == [
        ("RaiseCoSDispute", date(2024, 4, 1)),
        ("IssueEstimatedFinalBill", date(2024, 4, 12)),
    ]
    assert [(c.type, c.issued_on) for c in revised.commands] == [
        (c.type, c.issued_on) for c in direct.commands
    ]


def test_a_restarted_engine_wakes_each_state_on_the_day_a_running_one_would() -> None:
    site = make_mpan("14", 501)
    first = date(2025, 3, 1)
    events = [
        registered(ENG, "traditional", date(2024, 1, 1)),
        secured(ENG, date(2025, 4, 15), on=date(2025, 2, 10)),
        tariff(site, "FLAT", first),
        *[half_hourly(site, first + timedelta(days=n)) for n in range(5)],
        secured(ENG, date(2025, 4, 1), on=date(2025, 3, 2)),
    ]
    store = DictStateStore()
    running = Scenario(engine=Engine(store=store)).play(events, until=first + timedelta(days=3)).engine
    restarted = Engine(store=store)
    subjects = [(f"mpan:{ENG}", i) for i in range(len(running.machines))]
    subjects += [(f"mpan:{site}", i) for i in range(len(running.machines))]
    assert [restarted._wake.day_of(k, i) for k, i in subjects] == [
        running._wake.day_of(k, i) for k, i in subjects
    ]
    assert running._wake.day_of(f"mpan:{site}", 0) is None  # no supply point state, no entry
    assert len(restarted._wake) == len(running._wake) > 0


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
