"""The engine's order of firing across the machines of one key, and held inputs of later days
(D46: the first deadline is found from each state's earliest, one held input takes a
shortcut), with toy machines whose deadlines a test sets."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from processors.core.engine import Engine, _earliest, _next_due
from processors.core.input_order import InputOrder
from processors.core.machine import Converter, Ctx, Input, Keyspace, MachineState
from processors.core.policy import Policy
from processors.vocabulary.events import DayClosed, DomainEvent

DAY = date(2024, 3, 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlinesSet(DomainEvent):
    """Sets the deadlines of machine `machine` of key `key`."""

    key: str
    machine: str
    deadlines: tuple[tuple[date, str], ...]

    @property
    def partition_key(self) -> str:
        return self.key


@dataclass(frozen=True, slots=True, kw_only=True)
class SetIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.DEFAULT
    deadlines: tuple[tuple[date, str], ...]


@dataclass(slots=True, kw_only=True)
class ToyState(MachineState):
    deadlines: tuple[tuple[date, str], ...] = ()


class Toy:
    """A machine whose deadlines are what its last input said; firing one removes it and
    records (machine, kind, due, issued on)."""

    keyspace: Keyspace = Keyspace.MPAN
    state_type: type[ToyState] = ToyState
    state_classes: tuple[type[Any], ...] = (ToyState, SetIn)
    self_guarded: tuple[type[Input], ...] = ()
    idle_label: str | None = None

    def __init__(self, name: str, fired: list[tuple[str, str, date, date]]) -> None:
        self.name = name
        self.fired = fired
        self.unknown_subject: dict[type[DomainEvent], str] = {}
        self.converters: dict[type[DomainEvent], Converter] = {DeadlinesSet: self._convert}

    def _convert(self, event: DeadlinesSet, policy: Policy) -> Input | None:
        if event.machine != self.name:
            return None
        return SetIn(event_id=event.event_id, day=event.day, deadlines=event.deadlines)

    def apply(self, state: ToyState, inp: Input, ctx: Ctx) -> bool:
        assert isinstance(inp, SetIn)
        state.deadlines = inp.deadlines
        return True

    def claims(self, state: ToyState) -> bool:
        return True

    def deadlines(self, key: str, state: ToyState, policy: Policy) -> Iterable[tuple[date, str]]:
        return state.deadlines

    def fire(self, state: ToyState, kind: str, due: date, ctx: Ctx) -> None:
        self.fired.append((self.name, kind, due, ctx.issued_on))
        state.deadlines = tuple(d for d in state.deadlines if d != (due, kind))

    def label(self, state: ToyState, today: date | None) -> str | None:
        return None

    def settled(self, state: ToyState | None, event: Any) -> bool:
        return False


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def tick(day: date) -> DayClosed:
    return DayClosed.for_day(day, at(day, 23))


def engine_of(fired: list[tuple[str, str, date, date]]) -> Engine:
    return Engine(machines=[Toy("a", fired), Toy("b", fired), Toy("c", fired)])


def set_deadlines(machine: str, day: date, *deadlines: tuple[date, str], n: int = 0) -> DeadlinesSet:
    return DeadlinesSet(
        event_id=f"{machine}-{day}-{n}", occurred_at=at(day), key="K", machine=machine, deadlines=deadlines
    )


def test_deadlines_fire_earliest_first_then_by_kind_then_by_machine() -> None:
    fired: list[tuple[str, str, date, date]] = []
    engine = engine_of(fired)
    d1, d2, d3, d4 = (date(2024, 3, n) for n in (2, 3, 4, 9))
    engine.handle(set_deadlines("a", DAY, (d2, "b"), (d1, "z"), (d4, "late")))
    engine.handle(set_deadlines("b", DAY, (d1, "a")))
    engine.handle(set_deadlines("c", DAY, (d1, "a"), (d3, "a")))
    engine.handle(tick(date(2024, 3, 5)))
    assert fired == [
        ("b", "a", d1, d1),
        ("c", "a", d1, d1),
        ("a", "z", d1, d1),
        ("a", "b", d2, d2),
        ("c", "a", d3, d3),
    ]
    engine.handle(tick(d4))
    assert fired[-1] == ("a", "late", d4, d4)


def test_next_due_is_the_least_due_deadline_of_all_states_or_none() -> None:
    d1, d2 = date(2024, 3, 2), date(2024, 3, 3)
    listed = {0: [(d2, "a"), (d1, "z")], 1: [(d1, "b")], 2: [], 3: [(d1, "b")]}
    earliest = {index: _earliest(deadlines) for index, deadlines in listed.items()}
    assert earliest[0] == (d1, "z") and earliest[2] is None
    assert _next_due(earliest, d2) == (d1, "b", 1)
    assert _next_due({0: (d2, "a"), 1: (d1, "z")}, d2) == (d1, "z", 1)
    assert _next_due(earliest, date(2024, 3, 1)) is None
    assert _next_due({0: None, 1: None}, d2) is None


def test_an_input_held_for_a_later_day_waits_for_that_day() -> None:
    fired: list[tuple[str, str, date, date]] = []
    engine = engine_of(fired)
    engine.handle(tick(DAY))
    later = date(2024, 3, 3)
    engine.handle(set_deadlines("a", later, (later, "x")))  # its day is not the next to close
    engine.handle(tick(date(2024, 3, 2)))
    state = engine.state_of("K", "a")
    assert state is not None and state.pending is not None and state.deadlines == ()
    engine.handle(tick(later))
    assert fired == [("a", "x", later, later)]
    assert engine.state_of("K", "a").pending is None


def test_held_inputs_of_one_key_apply_in_event_id_order_whatever_their_arrival() -> None:
    fired: list[tuple[str, str, date, date]] = []
    engine = engine_of(fired)
    engine.handle(tick(DAY))
    day = date(2024, 3, 2)
    engine.handle(set_deadlines("a", day, (day, "second"), n=2))
    engine.handle(set_deadlines("a", day, (day, "first"), n=1))
    engine.handle(tick(day))
    assert fired == [("a", "second", day, day)]  # the later event id is applied last


class Timeless(Toy):
    """A toy that declares it never has deadlines (as the consumption tracker does)."""

    without_deadlines: bool = True


def test_a_late_input_of_a_machine_without_deadlines_is_applied_and_stored_with_nothing_fired() -> None:
    fired: list[tuple[str, str, date, date]] = []
    engine = Engine(machines=[Timeless("a", fired), Toy("b", fired)])
    engine.handle(tick(DAY))
    for machine in ("a", "b"):
        engine.handle(set_deadlines(machine, DAY, (DAY, "x")))  # late: its day is closed
    assert engine.state_of("K", "a").deadlines == ((DAY, "x"),)  # applied and stored
    assert fired == [("b", "x", DAY, DAY)]  # the machine that may have deadlines is fired at once
    assert engine.deadlines_between(DAY, date(2024, 3, 31)) == []
