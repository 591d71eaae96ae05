"""Properties of the core over generated logs (hypothesis).

- replaying a log twice gives identical commands;
- shuffling the inputs within a day, or duplicating any of them, changes no command;
- never two final bills (IssueFinalBill or IssueEstimatedFinalBill) for one loss or move-out.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from typing import Any

from gwt_core import (
    ENG,
    EXPORT,
    SCT,
    Scenario,
    customer_reading,
    d0010,
    d0086,
    d0217,
    export_allocated,
    export_cancelled,
    export_submitted,
    hh_midnight,
    midnight,
    moved_out,
    registered,
    secured,
    withdrawn,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from processors.vocabulary.events import DomainEvent

START = date(2024, 2, 1)
DAYS = 80
UNTIL = START + timedelta(days=DAYS + 50)
POINTS = (ENG, SCT)
KINDS = ("traditional", "smart_nhh", "smart_hh")

day_offsets = st.integers(min_value=0, max_value=DAYS)


@st.composite
def logs(draw: Any) -> list[DomainEvent]:
    """A log over two supply points and one export enrolment: a plausible story per point
    (switch, withdrawal, CoS readings, move-out) plus random noise, ids unique to the log."""
    events: list[DomainEvent] = []
    n = 0

    def eid(prefix: str) -> str:
        nonlocal n
        n += 1
        return f"{prefix}-{n}"

    def later(day: date, most: int) -> date:
        return day + timedelta(days=draw(st.integers(min_value=0, max_value=most)))

    ssds: list[date] = []
    for mpan in POINTS:
        if mpan != ENG and not draw(st.booleans()):
            continue
        kind = draw(st.sampled_from(KINDS))
        events.append(registered(mpan, kind, START - timedelta(days=400), on=START, event_id=eid("reg")))
        if draw(st.booleans()):
            ssd = later(START + timedelta(days=10), 30)
            ssds.append(ssd)
            events.append(
                secured(mpan, ssd, on=ssd - timedelta(days=draw(st.integers(0, 12))), event_id=eid("sec"))
            )
            if draw(st.integers(0, 3)) == 0:
                events.append(withdrawn(mpan, ssd, on=later(ssd - timedelta(days=5), 6), event_id=eid("wd")))
            if draw(st.booleans()):
                events.append(d0086(mpan, midnight(ssd), on=later(ssd, 60), event_id=eid("d86")))
            if draw(st.booleans()):
                stamp = draw(st.sampled_from((midnight, hh_midnight)))
                events.append(d0010(mpan, stamp(ssd), on=later(ssd, 50), event_id=eid("d10")))
            if draw(st.integers(0, 3)) == 0:
                events.append(customer_reading(mpan, ssd, on=later(ssd, 5), event_id=eid("cr")))
        if draw(st.integers(0, 2)) == 0:
            move_out = later(START, DAYS - 30)
            events.append(
                moved_out(mpan, move_out, on=later(move_out - timedelta(days=5), 5), event_id=eid("mo"))
            )
            if draw(st.booleans()):
                events.append(customer_reading(mpan, move_out, on=later(move_out, 45), event_id=eid("cr")))
    if draw(st.booleans()):
        applied = later(START, 20)
        events.append(export_submitted("APP-1", ENG, on=applied, event_id=eid("app")))
        allocated = later(applied, 35)
        events.append(export_allocated("APP-1", ENG, EXPORT, on=allocated, event_id=eid("alloc")))
        registered_on = later(allocated, 10)
        events.append(
            d0217(EXPORT, registered_on + timedelta(days=2), on=registered_on, event_id=eid("d217"))
        )
        for _ in range(draw(st.integers(0, 3))):
            on = later(registered_on, 60)
            events.append(d0010(EXPORT, midnight(on), on=on, event_id=eid("exp")))
        if draw(st.integers(0, 2)) == 0:
            events.append(export_cancelled("APP-1", ENG, on=later(applied, 60), event_id=eid("cancel")))
    noise_days = [START + timedelta(days=d) for d in draw(st.lists(day_offsets, min_size=1, max_size=4))]
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        mpan = draw(st.sampled_from(POINTS))
        on = draw(st.sampled_from(noise_days))
        ssd = draw(st.sampled_from(ssds or noise_days))
        choice = draw(st.integers(min_value=0, max_value=6))
        if choice == 0:
            events.append(secured(mpan, ssd, on=on, event_id=eid("sec")))
        elif choice == 1:
            events.append(withdrawn(mpan, ssd, on=on, event_id=eid("wd")))
        elif choice == 2:
            events.append(
                moved_out(mpan, on + timedelta(days=draw(st.integers(0, 10))), on=on, event_id=eid("mo"))
            )
        elif choice == 3:
            photo = draw(st.booleans())
            events.append(
                customer_reading(
                    draw(st.sampled_from((*POINTS, EXPORT))), ssd, on=on, photo=photo, event_id=eid("cr")
                )
            )
        elif choice == 4:
            stamp = draw(st.sampled_from((midnight, hh_midnight)))
            rtype = draw(st.sampled_from(("R", "D", "A")))
            events.append(d0010(mpan, stamp(ssd), on=on, reading_type=rtype, event_id=eid("d10")))
        elif choice == 5:
            events.append(d0086(mpan, midnight(ssd), on=on, event_id=eid("d86")))
        else:
            events.append(d0010(EXPORT, midnight(on), on=on, event_id=eid("exp")))
    return events


def replay(events: list[DomainEvent]) -> list[str]:
    s = Scenario().play(events, until=UNTIL)
    return [json.dumps(c.to_json(), sort_keys=True) for c in s.commands]


def by_day(events: list[DomainEvent]) -> dict[date, list[DomainEvent]]:
    groups: dict[date, list[DomainEvent]] = {}
    for e in events:
        groups.setdefault(e.day, []).append(e)
    return groups


PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(logs())
def test_replaying_a_log_twice_gives_identical_commands(events: list[DomainEvent]) -> None:
    assert replay(events) == replay(events)


@PROPERTY_SETTINGS
@given(logs(), st.randoms(use_true_random=False))
def test_shuffling_inputs_within_a_day_changes_no_command(events: list[DomainEvent], rnd: Any) -> None:
    shuffled: list[DomainEvent] = []
    for _, group in sorted(by_day(events).items()):
        day_events = list(group)
        rnd.shuffle(day_events)
        shuffled.extend(day_events)
    assert replay(shuffled) == replay(events)


@PROPERTY_SETTINGS
@given(logs(), st.data())
def test_duplicating_inputs_changes_no_command(events: list[DomainEvent], data: Any) -> None:
    picks = data.draw(st.lists(st.integers(min_value=0, max_value=len(events) - 1), min_size=1, max_size=5))
    duplicated = list(events)
    for i in picks:
        duplicated.append(events[i])
    assert replay(duplicated) == replay(events)


@PROPERTY_SETTINGS
@given(logs())
def test_never_two_final_bills_for_one_loss_or_move_out(events: list[DomainEvent]) -> None:
    s = Scenario().play(events, until=UNTIL)
    finals = Counter(
        (c.mpan, c.reason, c.final_date)  # type: ignore[attr-defined]
        for c in s.commands
        if c.type in ("IssueFinalBill", "IssueEstimatedFinalBill")
    )
    assert all(n == 1 for n in finals.values()), finals
    corrections = Counter(
        c.replaces  # type: ignore[attr-defined]
        for c in s.commands
        if c.type == "IssueCorrectedFinalBill"
    )
    assert all(n == 1 for n in corrections.values()), corrections
    settled = Counter(c.final_bill for c in s.commands if c.type == "SettleFinalBalance")  # type: ignore[attr-defined]
    bills = [c for c in s.commands if c.type.startswith("Issue")]
    assert sorted(settled) == sorted(b.command_id for b in bills)


@PROPERTY_SETTINGS
@given(logs(), st.data())
def test_redelivering_inputs_late_never_repeats_a_command(events: list[DomainEvent], data: Any) -> None:
    """At-least-once delivery after the last day: the tail of the log again, or any input.

    A redelivered input that was refused the first time may be accepted now, once its id
    has left the state's short memory (it is then a late input, not a duplicate), but no
    command is issued twice for one cause and no loss or move-out gets a second final bill.
    """
    s = Scenario().play(events, until=UNTIL)
    issued = {(c.type, c.subject, c.cause) for c in s.commands}
    before = len(s.commands)
    tail = data.draw(st.integers(min_value=1, max_value=4))
    picked = data.draw(st.lists(st.sampled_from(events), max_size=3))
    for event in [*events[-tail:], *picked]:
        s.feed(event)
    repeated = [(c.type, c.cause) for c in s.commands[before:] if (c.type, c.subject, c.cause) in issued]
    assert repeated == []
    finals = Counter(
        (c.subject, c.reason, c.final_date)  # type: ignore[attr-defined]
        for c in s.commands
        if c.type in ("IssueFinalBill", "IssueEstimatedFinalBill")
    )
    assert all(n == 1 for n in finals.values()), finals


def redelivered_each_day(events: list[DomainEvent]) -> list[str]:
    """The commands when each day's inputs are delivered again just after its tick."""
    s = Scenario()
    for _, group in sorted(by_day(events).items()):
        s.play(group, until=group[0].day)
        for event in group:
            s.feed(event)
    s.pass_days_through(UNTIL)
    return [json.dumps(c.to_json(), sort_keys=True) for c in s.commands]


@PROPERTY_SETTINGS
@given(logs())
def test_redelivering_each_day_right_after_it_closes_changes_no_command(events: list[DomainEvent]) -> None:
    """The usual at-least-once case: a day's inputs delivered again just after its tick."""
    assert redelivered_each_day(events) == replay(events)


def _day(offset: int) -> date:
    return START + timedelta(days=offset)


def test_a_d0010_taken_by_a_loss_bills_no_move_out_when_redelivered_after_the_withdrawal() -> None:
    """The example hypothesis found (D80): on 2 Feb a D0010 dated at the SSD is applied
    first (readings come first in a day) and kept as the pending loss's proposal, then the
    withdrawal ends the loss. Its redelivery after the tick met the state without a loss
    and billed the move-out of 6 Feb with it; the log without redelivery estimates it."""
    ssd = _day(10)
    events: list[DomainEvent] = [
        registered(ENG, "traditional", date(2022, 12, 28), on=START, event_id="reg-1"),
        secured(ENG, ssd, on=ssd, event_id="sec-2"),
        withdrawn(ENG, ssd, on=_day(5), event_id="wd-3"),
        moved_out(ENG, _day(5), on=START, event_id="mo-4"),
        registered(SCT, "traditional", date(2022, 12, 28), on=START, event_id="reg-5"),
        secured(SCT, ssd, on=ssd, event_id="sec-6"),
        customer_reading(SCT, ssd, on=ssd, event_id="cr-7"),
        *(secured(ENG, ssd, on=START, event_id=f"sec-{n}") for n in (8, 9, 10)),
        withdrawn(ENG, ssd, on=_day(1), event_id="wd-11"),
        *(secured(ENG, ssd, on=START, event_id=f"sec-{n}") for n in (12, 13)),
        d0010(ENG, midnight(ssd), on=_day(1), event_id="d10-14"),
    ]
    reference = replay(events)
    assert [json.loads(c)["type"] for c in reference if json.loads(c)["mpan"] == ENG][:2] == [
        "IssueEstimatedFinalBill",
        "SettleFinalBalance",
    ]
    assert redelivered_each_day(events) == reference


def test_a_d0010_a_loss_did_not_keep_bills_no_move_out_when_redelivered_after_the_withdrawal() -> None:
    """The same with a D0010 the loss judged and did not keep (an older reading than its
    proposal): it changed nothing, yet it is the loss's, so its redelivery after the
    withdrawal is a duplicate too, not the move-out's reading."""
    ssd = _day(10)
    events: list[DomainEvent] = [
        registered(ENG, "traditional", date(2022, 12, 28), on=START, event_id="reg-1"),
        moved_out(ENG, _day(5), on=START, event_id="mo-2"),
        secured(ENG, ssd, on=START, event_id="sec-3"),
        withdrawn(ENG, ssd, on=_day(1), event_id="wd-4"),
        d0010(ENG, midnight(_day(9)), on=_day(1), event_id="d10-5"),
        d0010(ENG, midnight(_day(7)), on=_day(1), event_id="d10-6"),
    ]
    reference = replay(events)
    assert [json.loads(c)["type"] for c in reference][:1] == ["IssueEstimatedFinalBill"]
    assert redelivered_each_day(events) == reference
