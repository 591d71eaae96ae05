"""The engine's promises about time, order, duplicates, test data and restarts."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from gwt_accounts import opened
from gwt_core import (
    ENG,
    ENG2,
    Scenario,
    at,
    d0010,
    d0086,
    midnight,
    registered,
    secured,
)

from processors.core import engine as engine_module
from processors.core.deadlines import Deadline
from processors.core.engine import META_KEY, Engine, EngineMeta, Outcome
from processors.core.policy import Policy
from processors.core.store import DictStateStore
from processors.drivers.replay import replay
from processors.vocabulary.events import DayClosed, ReadingNotObtained

SSD = date(2024, 3, 1)

REFUND_STANDARD = ("PayGuaranteedStandardCompensation",)
"""Not paying a refund in 10 working days pays a standard (test_guaranteed_standards.py):
these scenarios are about the rest, so their refunds are assumed paid."""


def loss_events(mpan: str = ENG, kind: str = "traditional") -> list:
    return [registered(mpan, kind, date(2023, 1, 1)), secured(mpan, SSD, on=date(2024, 2, 10))]


def tick(day: date) -> DayClosed:
    return DayClosed.for_day(day, at(day, 23))


def test_inputs_of_an_open_day_act_when_the_day_closes() -> None:
    s = Scenario().play(loss_events(), until=date(2024, 3, 4))
    engine = s.engine
    outcome = engine.handle(d0086(ENG, midnight(SSD), on=date(2024, 3, 5)))
    assert outcome.commands == []
    closing = engine.handle(tick(date(2024, 3, 5)))
    assert [(c.type, c.issued_on) for c in closing.commands] == [
        ("IssueFinalBill", date(2024, 3, 5)),
        ("SettleFinalBalance", date(2024, 3, 5)),
    ]


def test_a_tick_that_skips_days_closes_each_day_in_order() -> None:
    engine = Engine()
    for e in loss_events():
        engine.handle(e)
    outcome = engine.handle(tick(date(2024, 4, 20)))
    assert [(c.type, c.issued_on) for c in outcome.commands] == [
        ("RaiseCoSDispute", date(2024, 4, 1)),
        ("IssueEstimatedFinalBill", date(2024, 4, 12)),
        ("SettleFinalBalance", date(2024, 4, 12)),
    ]
    assert engine.last_closed_day == date(2024, 4, 20)


def test_a_repeated_or_older_tick_changes_nothing() -> None:
    s = Scenario().play(loss_events(), until=date(2024, 4, 20))
    before = list(s.commands)
    assert s.engine.handle(tick(date(2024, 4, 20))).commands == []
    assert s.engine.handle(tick(date(2024, 3, 1))).commands == []
    assert s.commands == before


def test_a_late_switch_fires_its_past_deadlines_at_once_on_the_last_closed_day() -> None:
    s = Scenario().play([registered(ENG, "traditional", date(2023, 1, 1))], until=date(2024, 5, 1))
    outcome = s.engine.handle(secured(ENG, SSD, on=date(2024, 2, 10)))
    assert [(c.type, c.issued_on) for c in outcome.commands] == [
        ("RaiseCoSDispute", date(2024, 5, 1)),
        ("IssueEstimatedFinalBill", date(2024, 5, 1)),
        ("SettleFinalBalance", date(2024, 5, 1)),
        # issued more than six weeks after the SSD: the final-bill guaranteed standard
        ("PayGuaranteedStandardCompensation", date(2024, 5, 1)),
    ]
    assert outcome.commands[0].cause == f"deadline/cos_dispute/{ENG}/2024-04-01"


def test_a_late_d0086_after_the_estimate_is_applied_at_once() -> None:
    s = Scenario().play(loss_events(), until=date(2024, 5, 1))
    late = d0086(ENG, midnight(SSD), on=date(2024, 3, 20))
    outcome = s.engine.handle(late)
    assert [(c.type, c.issued_on) for c in outcome.commands] == [
        ("IssueCorrectedFinalBill", date(2024, 5, 1)),
        ("SettleFinalBalance", date(2024, 5, 1)),
    ]
    assert s.engine.handle(late).commands == []


def test_test_data_never_drives_commands() -> None:
    events = [*loss_events(), d0086(ENG, midnight(SSD), on=date(2024, 3, 5), test=True)]
    s = Scenario().play(events, until=date(2024, 4, 20))
    assert s.of_type("IssueFinalBill") == []
    assert len(s.of_type("IssueEstimatedFinalBill")) == 1


def test_duplicate_inputs_are_no_ops() -> None:
    reading = d0086(ENG, midnight(SSD), on=date(2024, 3, 5))
    once = Scenario().play([*loss_events(), reading], until=date(2024, 5, 1))
    twice = Scenario().play([*loss_events(), *loss_events(), reading, reading], until=date(2024, 5, 1))
    assert [c.to_json() for c in once.commands] != []
    # the helper gives each call new ids, so duplicate exactly the same events
    events = [*loss_events(), reading]
    dup = Scenario().play([*events, *events], until=date(2024, 5, 1))
    single = Scenario().play(events, until=date(2024, 5, 1))
    assert [c.to_json() for c in dup.commands] == [c.to_json() for c in single.commands]
    assert len(twice.of_type("IssueFinalBill")) == 1


def test_command_ids_are_deterministic_across_engines() -> None:
    events = [*loss_events(), d0086(ENG, midnight(SSD), on=date(2024, 3, 5))]
    a = Scenario().play(events, until=date(2024, 5, 1))
    b = Scenario().play(events, until=date(2024, 5, 1))
    assert [c.command_id for c in a.commands] == [c.command_id for c in b.commands]
    assert len({c.command_id for c in a.commands}) == len(a.commands)


def test_d0010_for_an_unknown_point_is_an_anomaly_and_routine_ones_are_quiet() -> None:
    s = Scenario().play([registered(ENG, "smart_nhh", date(2023, 1, 1))], until=date(2024, 1, 1))
    routine = s.engine.handle(d0010(ENG, midnight(date(2024, 1, 2)), on=date(2024, 1, 2)))
    assert (routine.commands, routine.anomalies, routine.follow_ups) == ([], [], [])
    unknown = s.engine.handle(d0010(ENG2, midnight(date(2024, 1, 2)), on=date(2024, 1, 2)))
    assert [a.kind for a in unknown.anomalies] == ["unknown_supply_point"]
    assert unknown.anomalies[0].subject == ENG2


def test_events_before_the_first_tick_are_closed_in_day_order() -> None:
    engine = Engine()
    reading = d0010(ENG, midnight(SSD), on=date(2024, 3, 3))
    for e in [*loss_events(kind="smart_hh"), reading]:
        engine.handle(e)
    outcome = engine.handle(tick(date(2024, 3, 3)))
    assert [(c.type, c.issued_on) for c in outcome.commands] == [
        ("IssueFinalBill", date(2024, 3, 3)),
        ("SettleFinalBalance", date(2024, 3, 3)),
    ]


def test_a_restarted_engine_rebuilds_its_deadlines_from_the_store() -> None:
    events = loss_events()
    whole = Scenario().play(events, until=date(2024, 5, 1))

    store = DictStateStore()
    first = Scenario(engine=Engine(store=store)).play(events, until=date(2024, 3, 20))
    assert isinstance(store.get(META_KEY), EngineMeta)
    restarted = Scenario(engine=Engine(store=store))
    assert restarted.engine.last_closed_day == date(2024, 3, 20)
    restarted.pass_days_through(date(2024, 5, 1))
    assert [c.to_json() for c in first.commands + restarted.commands] == [c.to_json() for c in whole.commands]


def test_deadlines_between_lists_what_is_due() -> None:
    s = Scenario().play(loss_events(), until=date(2024, 3, 10))
    assert s.engine.deadlines_between(date(2024, 3, 11), date(2024, 4, 30)) == [
        Deadline(due_on=date(2024, 4, 1), kind="cos_dispute", subject=ENG),
        Deadline(due_on=date(2024, 4, 12), kind="cos_estimate", subject=ENG),
    ]
    assert s.engine.deadlines_between(date(2024, 4, 2), date(2024, 4, 5)) == []
    # the registration names account A-1: the account machine keeps it too (keyspace account)
    assert [k for k, _ in s.engine.subjects()] == [ENG, "A-1"]


def test_policy_changes_the_deadlines() -> None:
    policy = Policy(estimated_final_bill_days=20, dispute_after_days=10)
    s = Scenario(policy=policy).play(loss_events(), until=date(2024, 5, 1))
    assert s.timeline(ignoring=REFUND_STANDARD) == [
        ("RaiseCoSDispute", SSD + timedelta(days=11)),
        ("IssueEstimatedFinalBill", SSD + timedelta(days=20)),
        ("SettleFinalBalance", SSD + timedelta(days=20)),
    ]


def test_events_no_rule_acts_on_change_nothing_and_a_keyless_event_is_an_anomaly() -> None:
    s = Scenario().play(loss_events(), until=date(2024, 3, 4))
    failure = ReadingNotObtained(
        event_id="d4-1",
        occurred_at=at(date(2024, 3, 5)),
        file=d0010(ENG, midnight(SSD), on=SSD).file,
        mpan=ENG,
    )
    assert s.engine.handle(failure) == Outcome()
    keyless = secured("", SSD, on=date(2024, 3, 5))
    assert [a.kind for a in s.engine.handle(keyless).anomalies] == ["no_key"]


def test_a_replaced_store_is_used_for_every_read() -> None:
    old = Scenario().play([registered(ENG, "smart_nhh", date(2023, 1, 1))], until=date(2024, 1, 1))
    engine = Engine()
    engine.store = old.engine.store
    routine = engine.handle(d0010(ENG, midnight(date(2024, 1, 2)), on=date(2024, 1, 2)))
    assert routine.anomalies == []


def test_an_engine_over_a_store_it_did_not_write_forwards_a_business_mpans_readings() -> None:
    """The routine D0010 looks up the account feed's state only for the MPANs known to have
    one (`Engine._side_keys`); an engine started over stored states (a restart) knows them
    from the store, so the reading still reaches the business account's monthly bill."""
    before = Scenario().play(
        [
            registered(ENG, "smart_nhh", date(2024, 9, 1), account_id="B-1"),
            opened("B-1", "business", date(2024, 9, 1)),
        ],
        until=date(2024, 11, 25),
    )
    restarted = Scenario(engine=Engine(store=before.engine.store))
    restarted.play(
        [d0010(ENG, midnight(date(2024, 11, 27)), on=date(2024, 11, 27), value="110")],
        until=date(2024, 12, 1),
    )
    bill = restarted.of_type("BillBusinessAccount")[-1]
    assert bill.issued_on == date(2024, 12, 1)
    assert bill.to_json()["reading"]["value"] == "110"


def test_routine_events_share_one_outcome_that_a_whole_replay_leaves_empty() -> None:
    examples = Path(__file__).resolve().parents[3] / "examples"
    engine = Engine()
    outputs = list(replay([examples / "flows", examples / "events"], date(2025, 3, 31), engine=engine))
    assert len(outputs) > 100
    assert Outcome() == engine_module._NOTHING  # no caller added to it
    s = Scenario().play([registered(ENG, "smart_nhh", date(2023, 1, 1))], until=date(2024, 1, 1))
    routine = d0010(ENG, midnight(date(2024, 1, 2)), on=date(2024, 1, 2))
    assert s.engine.handle(routine) is engine_module._NOTHING
