"""The engine: routes domain events to the registered machines and folds their states.

It is the whole core behind one call, `Engine.handle(event) -> Outcome`, used alike by
the replay driver and the streaming worker. It knows no rule itself: each machine
(`processors.core.machines`) says which events it takes, how they change its state and
which deadlines its state has. What the engine guarantees for all of them (docs/rules.md):
- **event time only**: a day passes when a `DayClosed` tick says so; a tick that skips
  days closes each of them in order;
- **order within a day does not matter**: a key's inputs of a day not yet closed are held
  in its machines' states and applied when the day closes, in one canonical order across
  the machines of its keyspace (input priority, then event id, then machine), before that
  day's deadlines fire. An event every machine calls settled (the routine D0010) is
  dropped at once, which is the same as applying it first;
- **late inputs** (of a day already closed) are applied at once, and deadlines they make
  due fire right after them with `issued_on` the last closed day;
- **idempotent**: duplicates are no-ops by state; command ids derive from their cause;
  a repeated id with other content is an anomaly (`processors.core.conflicts`);
- **follow-ups**: hand-offs to another key or keyspace are returned in
  `Outcome.follow_ups`; the caller feeds them back to `handle` (replay at once, streaming
  through the topic partition of their key).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from processors.core.conflicts import conflicts, input_digest, report_conflict
from processors.core.deadlines import Deadline, WakeUpIndex
from processors.core.machine import (
    KEY_NAMES,
    UNKNOWN_KINDS,
    Ctx,
    Input,
    Machine,
    MachineState,
    split_store_key,
)
from processors.core.machines import MACHINES
from processors.core.policy import DEFAULT_POLICY, Policy
from processors.core.store import DictStateStore, StateStore
from processors.vocabulary.anomalies import Anomaly
from processors.vocabulary.commands import Command
from processors.vocabulary.events import DayClosed, DomainEvent

META_KEY = "~engine"
"""The store key of the engine's own state (the last closed day); not a machine's."""

_ONE_DAY = timedelta(days=1)
_MAX_FIRINGS = 16


@dataclass
class Outcome:
    """What one handled event caused."""

    commands: list[Command] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)
    follow_ups: list[DomainEvent] = field(default_factory=list)


_NOTHING = Outcome()
"""The outcome of the routine event, one for all of them (a fresh one costs 0.3 us, 1 % of
a replay): an outcome is only read by its callers, never added to."""


@dataclass(slots=True)
class EngineMeta:
    """The engine's own stored state, so a restarted worker knows which days are closed."""

    last_closed_day: date | None = None


@dataclass(frozen=True, slots=True)
class _Route:
    """One machine's way in for one event type."""

    machine: Machine[Any]
    index: int
    convert: Any
    prefix: str
    """Of the machine's store keys (`Engine._prefix`)."""
    subject_prefix: str
    """Of the subject ids of its keyspace (`Engine._subject_prefix`)."""


_Held = dict[str, dict[str, int]]
"""One open day's held inputs: by subject prefix (`mpan:`), by key, the bits of the machines
holding them. Keyed so rather than by subject id (`mpan:KEY`), a text of 67 bytes per held
input that the close would then cut up again into a second copy of the key: the key held is
the event's own, the one the states and the follow-ups keep (D6, D65)."""

_Earliest = dict[int, tuple[date, str] | None]
"""The earliest pending deadline (due, kind) of some states of a subject, by machine index
(None: the state has none): `_earliest` of what `Machine.deadlines` lists."""


class _Subject:
    """A key of one keyspace: the machines that share it and their store keys.

    A plain slotted class, not a frozen dataclass: one is named per held subject and per
    wake-up (about 190k times in bench/replay.py's log with accounts), and a frozen
    dataclass's `__init__` costs an `object.__setattr__` per field."""

    __slots__ = ("id", "key", "members")

    def __init__(self, subject_id: str, key: str, members: tuple[tuple[int, Machine[Any], str], ...]) -> None:
        self.id = subject_id
        """`keyspace:key`, its name in the wake-up index and the open days' index."""
        self.key = key
        self.members = members
        """(machine index, machine, store key prefix) of its keyspace, in registration order:
        built once per keyspace, so naming a subject concatenates no store key."""

    @property
    def machines(self) -> Iterator[tuple[int, Machine[Any], str]]:
        """(machine index, machine, store key) in registration order."""
        key = self.key
        return ((index, machine, prefix + key) for index, machine, prefix in self.members)


class _Peers:
    """`Ctx.claimed_by` and `Ctx.state_of` over one subject's live states (those a pass
    holds, changed or not yet written back) and the store for the others: one object per
    subject and pass, shared by the contexts of its machines (`Ctx` passes its own index)."""

    __slots__ = ("_get", "_key", "_live", "_members")

    def __init__(
        self,
        get: Callable[[str], Any],
        key: str,
        members: tuple[tuple[int, Machine[Any], str], ...],
        live: dict[int, Any],
    ) -> None:
        self._get = get
        self._key = key
        self._members = members
        self._live = live

    def claimed(self, asking: int, name: str | None) -> bool:
        live = self._live
        for index, machine, prefix in self._members:
            if index == asking or (name is not None and machine.name != name):
                continue
            state = live[index] if index in live else self._get(prefix + self._key)
            if state is not None and machine.claims(state):
                return True
        return False

    def state_of(self, name: str) -> Any:
        live = self._live
        for index, machine, prefix in self._members:
            if machine.name == name:
                return live[index] if index in live else self._get(prefix + self._key)
        return None


_QuietPart = tuple[str, Any, Any]
_Shortcut = tuple[tuple[_QuietPart, ...], tuple[_QuietPart, ...], tuple[Any, Any] | None]
"""`Engine._quiet`'s entry of an event type."""


def _input_order(held: tuple[int, Input]) -> tuple[date, int, str, int]:
    """A held input's place in its day, as `_close_day` lists them (machine index, input):
    (day, priority, event id, machine index)."""
    index, inp = held
    return (inp.day, inp.PRIORITY, inp.event_id, index)


def _take_only_due(state: Any, day: date) -> Input | None:
    """The usual close: the state holds one input, due by `day`; it is taken out of the state
    and returned. None, with the state untouched, in any other case."""
    if isinstance(state, MachineState) and state.pending is not None and len(state.pending) == 1:
        inp = state.pending[0]
        if inp.day <= day:
            state.pending = None
            return inp
    return None


def _earliest(listed: Iterable[tuple[date, str]]) -> tuple[date, str] | None:
    """A state's earliest deadline: `min` of its (due, kind) tuples (a kind being a `str`,
    the earliest due, then kind), the only one of it that can fire first or wake it."""
    return min(listed, default=None)


def _next_due(found: _Earliest, upto: date) -> tuple[date, str, int] | None:
    """The deadline to fire first among the states' earliest ones due on or before `upto`:
    the earliest, then by kind, then by machine index."""
    due: tuple[date, str, int] | None = None
    for index, first in found.items():
        if first is not None and first[0] <= upto:
            candidate = (first[0], str(first[1]), index)
            if due is None or candidate < due:
                due = candidate
    return due


def source_digest(root: Path) -> str:
    """A digest of every Python source file under `root`, their paths included."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


@functools.cache
def rules_code_digest() -> str:
    """The `processors` package's `source_digest`: a snapshot's carried index is trusted only
    by the code that derived it, so any change to a machine's deadlines, to what a state
    holds for an open day or to which machines are side ones (or to anything else in the
    package) makes the next restart derive the index from the states again, with no version
    number to remember to raise (D76)."""
    return source_digest(Path(__file__).resolve().parent.parent)


@dataclass(frozen=True, slots=True)
class DerivedIndex:
    """An engine's wake-ups, open days' holds and side keys, as a snapshot carries them."""

    rules: str
    """`Engine._index_rules` of the engine that held it."""
    wake: list[tuple[str, int, date]]
    """(subject, machine index, wake day)."""
    held: list[tuple[date, str, str, int]]
    """(open day, subject prefix, key, bits of the machines holding an input of it)."""
    side: list[str]


def _wake_day(first: tuple[date, str] | None, open_day: date) -> date | None:
    """A state's wake day from its earliest deadline: its due day, or `open_day` (the first
    day not closed) when that has passed; None without one."""
    return None if first is None else max(first[0], open_day)


class Engine:
    """The event-sourced core. One engine per store (per partition in streaming)."""

    def __init__(
        self,
        policy: Policy = DEFAULT_POLICY,
        store: StateStore | None = None,
        machines: Sequence[Machine[Any]] = MACHINES,
    ) -> None:
        self.policy = policy
        self.closing: Callable[[date, int, str, Outcome], None] | None = None
        """Told, as a day closes, of each subject in turn before it may emit: (day, 0 for its
        held inputs or 1 for its deadlines, subject id, the outcome so far); `replay --jobs N`
        orders a tick's outputs across partitions by it."""
        self.machines: tuple[Machine[Any], ...] = tuple(machines)
        self._by_name = {m.name: m for m in self.machines}
        if len(self._by_name) != len(self.machines):
            raise ValueError("two machines share a name")
        self._prefix = {m.name: ("" if i == 0 else f"{m.name}:") for i, m in enumerate(self.machines)}
        """Store keys are `name:key`, but the first machine's (the supply point's: a state
        per MPAN we supply, the most numerous by far) are the bare key, which saves a string
        per supply point and a concatenation on every D0010."""
        self._subject_prefix = {m.name: f"{m.keyspace.value}:" for m in self.machines}
        """A subject (a key of a keyspace, shared by its machines) is `keyspace:key`."""
        if self.machines:
            self._by_name[""] = self.machines[0]
        self._routes: dict[type[DomainEvent], tuple[_Route, ...]] = {}
        for index, machine in enumerate(self.machines):
            for event_type, convert in machine.converters.items():
                self._routes[event_type] = (
                    *self._routes.get(event_type, ()),
                    _Route(
                        machine,
                        index,
                        convert,
                        self._prefix[machine.name],
                        self._subject_prefix[machine.name],
                    ),
                )
        self._side: tuple[bool, ...] = tuple(
            index > 0 and machine.keyspace == self.machines[0].keyspace
            for index, machine in enumerate(self.machines)
        )
        """By machine index: whether its states' keys are in `_side_keys` (another machine
        of the first machine's keyspace)."""
        self._side_keys: set[str] = set()
        """The keys with a state of a `_side` machine (an export enrolment, an account feed:
        a few MPANs in a hundred), or more: the engine adds each key it makes such a state
        for, and `rebuild_deadlines` derives the set from the store, as it derives the
        wake-ups and the open days' inputs. The routine D0010 of any other MPAN looks up
        the supply point's state alone instead of one state per machine."""
        self._quiet: dict[type[DomainEvent], _Shortcut] = {}
        """Per event type that every machine taking it declares `quiet` for: the (store key
        prefix, quiet test, claims) of each, for the one-pass shortcut of `handle`, as two
        tuples: [0] without the `_side` machines (a key not in `_side_keys` has no state
        of theirs), [1] with every machine; and [2], when [0] is one machine whose states
        are the bare keys (the supply point's, for the D0010), its (quiet test, claims),
        which `handle` calls without a loop."""
        for event_type, event_routes in self._routes.items():
            tests = [getattr(r.machine, "quiet", {}).get(event_type) for r in event_routes]
            if all(t is not None for t in tests):
                every = [
                    (r, (r.prefix, t, r.machine.claims)) for r, t in zip(event_routes, tests, strict=True)
                ]
                alone = tuple(part for r, part in every if not self._side[r.index])
                lone = (alone[0][1], alone[0][2]) if len(alone) == 1 and not alone[0][0] else None
                self._quiet[event_type] = (alone, tuple(part for _, part in every), lone)
        self._unknown: dict[type[DomainEvent], str] = {}
        for machine in self.machines:
            for event_type, detail in machine.unknown_subject.items():
                self._unknown.setdefault(event_type, detail)
        self._keyspace_machines: dict[str, tuple[tuple[int, Machine[Any]], ...]] = {}
        self._members: dict[str, tuple[tuple[int, Machine[Any], str], ...]] = {}
        for index, machine in enumerate(self.machines):
            ks = str(machine.keyspace)
            self._keyspace_machines[ks] = (*self._keyspace_machines.get(ks, ()), (index, machine))
            self._members[ks] = (*self._members.get(ks, ()), (index, machine, self._prefix[machine.name]))
        self._prefixes = tuple(self._prefix[m.name] for m in self.machines)
        """Store key prefixes by machine index."""
        self._without_deadlines = frozenset(
            index for index, m in enumerate(self.machines) if getattr(m, "without_deadlines", False)
        )
        """Indices of the machines that declare they never have deadlines (`_accept`)."""
        self._store: StateStore = store if store is not None else DictStateStore()
        self._get = self._store.get
        self.last_closed_day: date | None = None
        self._wake = WakeUpIndex()
        self._pending_days: dict[date, _Held] = {}
        """Per open day, the subjects with inputs held for it, and which of their machines
        hold them (bit `index` set): closing a day reads only those states. By subject
        prefix, then key (`_Held`), so holding an input builds no subject id text."""
        self._members_by_prefix = {
            self._subject_prefix[m.name]: self._members[str(m.keyspace)] for m in self.machines
        }
        """A keyspace's members by its subject prefix (`mpan:`), as `_pending_days` names it."""
        self.rebuild_deadlines()

    # -- public API --

    @property
    def store(self) -> StateStore:
        """Where the states live; replaceable (e.g. by a wrapper that observes writes).

        The engine's indexes (wake-ups, the open days' inputs, `_side_keys`) are derived
        from the states it writes: a state written to the store by anything else, or a
        store of other states set here, is seen once `rebuild_deadlines` has run (as on a
        restart from a snapshot)."""
        return self._store

    @store.setter
    def store(self, store: StateStore) -> None:
        self._store = store
        self._get = store.get

    def handle(self, event: DomainEvent) -> Outcome:
        """Fold one event (a tick included) and return what it caused."""
        event_type = type(event)
        shortcut = self._quiet.get(event_type)
        if shortcut is not None and not event.test_data:
            # The routine D0010 of a known point, decided before anything is built: every
            # machine's state (or its absence) is quiet for it and one of them claims the
            # key: nothing to do. The supply point's state is the bare key (no concatenation).
            key = event.partition_key
            lone = shortcut[2]
            if lone is not None and key not in self._side_keys:
                # The usual case: one machine's state to look at, the bare key's.
                state = self._get(key)
                if state is not None and lone[0](state) and lone[1](state):
                    return _NOTHING
            else:
                get = self._get
                claimed = False
                for prefix, is_quiet, claims in shortcut[1] if key in self._side_keys else shortcut[0]:
                    state = get(prefix + key) if prefix else get(key)
                    if state is None:
                        continue
                    if not is_quiet(state):
                        break
                    claimed = claimed or claims(state)
                else:
                    if claimed:
                        return _NOTHING
        if event_type is DayClosed:
            out = Outcome()
            self._close_through(event.closed_day, out)  # type: ignore[attr-defined]
            return out
        routes = self._routes.get(event_type)
        out = Outcome()
        if routes is None or event.test_data:
            return out
        key = event.partition_key
        if not key:
            out.anomalies.append(
                Anomaly(
                    event_id=event.event_id,
                    subject="",
                    day=event.day,
                    kind="no_key",
                    detail=f"event has no {KEY_NAMES[routes[0].machine.keyspace]}",
                )
            )
            return out
        get = self._get
        if len(routes) == 1:
            return self._handle_one(routes[0], event, key, out)
        states: list[Any] = []
        settled: list[bool] = []
        quiet = True
        for route in routes:
            state = get(route.prefix + key)
            states.append(state)
            done = route.machine.settled(state, event)
            settled.append(done)
            quiet = quiet and done
        unknown = self._unknown.get(event_type)
        if quiet:
            # The routine case (a D0010 where nothing waits for one): nothing to hold, and
            # an anomaly only when no machine knows the key.
            if unknown is not None:
                for route, state in zip(routes, states, strict=True):
                    if state is not None and route.machine.claims(state):
                        return out
                self._unknown_subject(event, key, out, unknown, routes[0])
            return out
        # no state of these machines: another machine of the keyspace may still know the key
        if (
            unknown is not None
            and all(state is None for state in states)
            and not any(
                self._get(self._prefix[m.name] + key) is not None for _, m in self._subject_machines(routes)
            )
        ):
            self._unknown_subject(event, key, out, unknown, routes[0])
            return out
        converted: dict[int, Input | None] = {}
        for route, state, done in zip(routes, states, settled, strict=True):
            if done:
                continue
            ident = id(route.convert)
            if ident in converted:
                inp = converted[ident]
            else:
                inp = converted[ident] = route.convert(event, self.policy)
            if inp is not None:
                self._accept(route, key, state, inp, out)
        return out

    def _handle_one(self, route: _Route, event: DomainEvent, key: str, out: Outcome) -> Outcome:
        """`handle` for an event type one machine takes (every account event, the account
        link): the same decisions as the general case, without its per-machine lists."""
        state = self._get(route.prefix + key)
        machine = route.machine
        unknown = self._unknown.get(type(event))
        if machine.settled(state, event):
            if unknown is not None and (state is None or not machine.claims(state)):
                self._unknown_subject(event, key, out, unknown, route)
            return out
        if (
            unknown is not None
            and state is None
            and not any(
                self._get(prefix + key) is not None for _, _, prefix in self._members[str(machine.keyspace)]
            )
        ):
            self._unknown_subject(event, key, out, unknown, route)
            return out
        inp = route.convert(event, self.policy)
        if inp is not None:
            self._accept(route, key, state, inp, out)
        return out

    @staticmethod
    def _unknown_subject(event: DomainEvent, key: str, out: Outcome, detail: str, route: _Route) -> None:
        """No machine of the event's keyspace knows its key: the anomaly names what the key
        is (`UNKNOWN_KINDS`), an account as much as a supply point."""
        out.anomalies.append(
            Anomaly(
                event_id=event.event_id,
                subject=key,
                day=event.day,
                kind=UNKNOWN_KINDS[route.machine.keyspace],
                detail=detail,
            )
        )

    def _subject_machines(self, routes: tuple[_Route, ...]) -> tuple[tuple[int, Machine[Any]], ...]:
        return self._keyspace_machines[str(routes[0].machine.keyspace)]

    def _cleared_indexes(self) -> date | None:
        """Empty the derived indexes and take the last closed day from the stored meta, as
        both ways of setting the indexes after a restart begin (`rebuild_deadlines`,
        `load_index`); returns that day."""
        self._wake.clear()
        self._pending_days.clear()
        self._side_keys.clear()
        meta = self.store.get(META_KEY)
        self.last_closed_day = meta.last_closed_day if isinstance(meta, EngineMeta) else None
        return self.last_closed_day

    def rebuild_deadlines(self) -> None:
        """Derive the wake-up index and the open-day buffers' index from the stored states
        (one pass, each state's wake day set in place: a restart's recovery does this for
        every state, D62)."""
        last = self._cleared_indexes()
        open_day = date.min if last is None else last + _ONE_DAY
        wake, policy, side, prefixes = self._wake, self.policy, self._side, self._subject_prefix
        # per machine name: its deadlines, index, subject prefix and whether it is a side one
        machines = {
            name: (m.deadlines, self.machines.index(m), prefixes[m.name], side[self.machines.index(m)])
            for name, m in self._by_name.items()
        }
        side_keys = self._side_keys
        # no `wake.set` for a state without deadlines (the index was just cleared: it would
        # set nothing): recovery runs this for every state, most of which have none (D71)
        for stored, state in self.store.items():
            name, key = split_store_key(stored)
            found = machines.get(name)
            if found is None:
                continue
            deadlines, index, subject_prefix, is_side = found
            if is_side:
                side_keys.add(key)
            if not isinstance(state, MachineState):
                continue
            wake_day = _wake_day(_earliest(deadlines(key, state, policy)), open_day)
            if wake_day is not None:
                wake.set(subject_prefix + key, index, wake_day)
            if state.pending:
                for inp in state.pending:
                    self._hold(inp.day, subject_prefix, key, index)

    def derived_index(self) -> DerivedIndex:
        """The indexes `rebuild_deadlines` derives from the states, as this engine holds them
        now (it keeps them equal to the derived ones at every point of a fold): a snapshot
        carries them, so a restart sets them instead of reading every state's deadlines (D76)."""
        return DerivedIndex(
            rules=self._index_rules(),
            wake=self._wake.entries(),
            held=[
                (day, prefix, key, bits)
                for day, held in self._pending_days.items()
                for prefix, keys in held.items()
                for key, bits in keys.items()
            ],
            side=list(self._side_keys),
        )

    def _index_rules(self) -> str:
        """What a derived index depends on besides the states: the machines (in order, as
        the index numbers them), the policy, and the code that derived it."""
        names = ",".join(machine.name for machine in self.machines)
        text = f"{rules_code_digest()};{names};{self.policy!r}"
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()

    def load_index(self, index: DerivedIndex) -> bool:
        """Set the indexes from `index` in place of `rebuild_deadlines` (the states are in the
        store already); False, with nothing set, when it was derived under other machines,
        another policy or other rules: then only `rebuild_deadlines` gives them."""
        if index.rules != self._index_rules():
            return False
        self._cleared_indexes()
        wake = self._wake.set
        for key, machine, day in index.wake:
            wake(key, machine, day)
        pending = self._pending_days
        for day, prefix, key, bits in index.held:
            pending.setdefault(day, {}).setdefault(prefix, {})[key] = bits
        self._side_keys.update(index.side)
        return True

    def deadlines_between(self, first: date, last: date) -> list[Deadline]:
        """Pending deadlines due in [first, last], for the dashboard."""
        found: list[Deadline] = []
        for subject_id in self._wake.keys_through(last):
            subject = self._subject(subject_id)
            for _, machine, stored in subject.machines:
                state = self.store.get(stored)
                if state is None:
                    continue
                for due, kind in machine.deadlines(subject.key, state, self.policy):
                    if first <= due <= last:
                        found.append(Deadline(due_on=due, kind=str(kind), subject=subject.key))
        return sorted(set(found))

    def states_of(self, key: str) -> dict[str, Any]:
        """Every machine's state for `key` (an MPAN, account id, ...), by machine name."""
        found: dict[str, Any] = {}
        for machine in self.machines:
            state = self.store.get(self._prefix[machine.name] + key)
            if state is not None:
                found[machine.name] = state
        return found

    def state_of(self, key: str, machine: str = "supply_point") -> Any | None:
        """One machine's state for `key`."""
        return self.store.get(self._prefix[machine] + key)

    def subject_label(self, key: str) -> str | None:
        """The dashboard's name for what a key is in: the first machine (in registration
        order) with something active, else the idle label of one that claims it; None
        when no machine has a state for it."""
        states = self.states_of(key)
        if not states:
            return None
        return self.label_of(states)

    def label_of(self, states: dict[str, Any]) -> str:
        """The label of a key's states (as `states_of` gives them)."""
        today = self.last_closed_day
        for name, state in states.items():
            label = self._by_name[name].label(state, today)
            if label is not None:
                return label
        for name, state in states.items():
            machine = self._by_name[name]
            if machine.idle_label is not None and machine.claims(state):
                return machine.idle_label
        return "pending" if any(s.pending for s in states.values()) else "unknown"

    def subjects(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every key with its machines' states (the engine's own entry left out), one
        entry per key and keyspace, in store order."""
        seen: set[tuple[str, str]] = set()
        for stored, _ in self.store.items():
            if stored == META_KEY:
                continue
            name, key = split_store_key(stored)
            machine = self._by_name.get(name)
            if machine is None:
                continue
            ident = (str(machine.keyspace), key)
            if ident in seen:
                continue
            seen.add(ident)
            yield (
                key,
                {
                    m.name: s
                    for _, m in self._keyspace_machines[str(machine.keyspace)]
                    if (s := self.store.get(self._prefix[m.name] + key)) is not None
                },
            )

    # -- internals --

    def _subject(self, subject_id: str) -> _Subject:
        keyspace, _, key = subject_id.partition(":")
        return _Subject(subject_id, key, self._members[keyspace])

    def _accept(self, route: _Route, key: str, state: Any, inp: Input, out: Outcome) -> None:
        machine, index = route.machine, route.index
        stored = route.prefix + key
        if state is None:
            state = machine.state_type()
            if self._side[index]:
                self._side_keys.add(key)
        last = self.last_closed_day
        if last is not None and inp.day <= last:
            # A late input: applied at once; deadlines it makes due fire right after it.
            if inp.event_id in state.recent or (
                state.pending is not None and any(p.event_id == inp.event_id for p in state.pending)
            ):
                if conflicts(state, inp):
                    report_conflict(out.anomalies, key, inp)
                return
            prefix = route.subject_prefix
            subject = _Subject(prefix + key, key, self._members_by_prefix[prefix])
            live = {index: state}
            peers = _Peers(self._get, key, subject.members, live)
            ctx = Ctx(key, self.policy, last, out.commands, out.anomalies, out.follow_ups, peers, index)
            self._apply(machine, state, inp, ctx)
            self.store.put(stored, state)
            if index in self._without_deadlines:
                return  # nothing due to fire, no wake day to set
            found = self._fire(subject, live, last, out)
            self._schedule(subject.id, found, last + _ONE_DAY)
            return
        pending = state.pending
        if pending is None:
            state.pending = [inp]
        elif any(p.event_id == inp.event_id for p in pending):
            if conflicts(state, inp):
                report_conflict(out.anomalies, key, inp)
            return
        else:
            pending.append(inp)
        self._hold(inp.day, route.subject_prefix, key, index)
        self.store.put(stored, state)

    def _hold(self, day: date, subject_prefix: str, key: str, index: int) -> None:
        """Note in `_pending_days` that machine `index` of the subject holds an input of `day`."""
        held = self._pending_days.get(day)
        if held is None:
            self._pending_days[day] = {subject_prefix: {key: 1 << index}}
            return
        keys = held.get(subject_prefix)
        if keys is None:
            held[subject_prefix] = {key: 1 << index}
        else:
            keys[key] = keys.get(key, 0) | 1 << index

    def _apply(self, machine: Machine[Any], state: Any, inp: Input, ctx: Ctx) -> bool:
        if inp.event_id in state.recent:
            if conflicts(state, inp):
                report_conflict(ctx.anomalies, ctx.key, inp)
            return False
        anomalies = len(ctx.anomalies)
        changed = machine.apply(state, inp, ctx)
        if (changed and not isinstance(inp, machine.self_guarded)) or len(ctx.anomalies) > anomalies:
            # An input refused once stays refused: its redelivery is a duplicate too.
            state.remember(inp.event_id, input_digest(inp))
        return changed

    def _close_through(self, day: date, out: Outcome) -> None:
        last = self.last_closed_day
        if last is not None and day <= last:
            return
        if last is None:
            candidates = [day, *self._pending_days]
            first_wake = self._wake.first_day()
            if first_wake is not None:
                candidates.append(first_wake)
            current = min(candidates)
        else:
            current = last + _ONE_DAY
        while current <= day:
            self._close_day(current, out)
            current += _ONE_DAY
        self.store.put(META_KEY, EngineMeta(last_closed_day=self.last_closed_day))

    def _close_day(self, day: date, out: Outcome) -> None:
        """Apply the day's held inputs in canonical order, then fire what is due."""
        get, closing = self.store.get, self.closing
        held_today = self._pending_days.pop(day, {})
        # By prefix, then key: the order of their subject ids (`prefix + key`), since a
        # prefix ends in its only ":" and so is never the start of another.
        for subject_prefix in sorted(held_today):
            self._close_held(day, subject_prefix, held_today[subject_prefix], out)
        for subject_id in self._wake.pop_through(day):
            if closing is not None:
                closing(day, 1, subject_id, out)
            subject = self._subject(subject_id)
            key = subject.key
            live: dict[int, Any] = {}
            for index, _, prefix in subject.members:
                state = get(prefix + key)
                if isinstance(state, MachineState):
                    live[index] = state
            if not live:
                continue
            found = self._fire(subject, live, day, out)
            # Every live state's wake day from its deadlines as listed: the woken ones left
            # the index, the fired ones moved, the others are unchanged (a no-op).
            self._schedule(subject_id, found, day + _ONE_DAY)
        self.last_closed_day = day

    def _close_held(self, day: date, subject_prefix: str, held: dict[str, int], out: Outcome) -> None:
        """Apply the held inputs of `day` of one keyspace's subjects (`held`: key -> bits of
        the machines holding them), subject by subject in key order."""
        get, closing = self._get, self.closing
        members = self._members_by_prefix[subject_prefix]
        for key in sorted(held):
            if closing is not None:
                closing(day, 0, subject_prefix + key, out)
            holders = held[key]
            if not holders & (holders - 1):  # one machine holds: usually one input
                index = holders.bit_length() - 1
                state = get(self._prefixes[index] + key)
                inp = _take_only_due(state, day)
                if inp is not None:
                    self._apply_held(subject_prefix, key, members, {index: state}, ((index, inp),), day, out)
                    continue
            live: dict[int, Any] = {}
            todo: list[tuple[int, Input]] = []
            for index, _, prefix in members:
                if not holders >> index & 1:
                    continue
                state = get(prefix + key)
                if not isinstance(state, MachineState) or not state.pending:
                    continue
                live[index] = state
                pending = state.pending
                if len(pending) == 1 and pending[0].day <= day:  # the usual case: one input held
                    state.pending = None
                    todo.append((index, pending[0]))
                    continue
                due = [p for p in pending if p.day <= day]
                state.pending = [p for p in pending if p.day > day] if len(due) < len(pending) else None
                todo.extend((index, p) for p in due)
            if not live:
                continue
            if len(todo) > 1:
                todo.sort(key=_input_order)
            self._apply_held(subject_prefix, key, members, live, todo, day, out)

    def _apply_held(  # noqa: PLR0917 - the parts of one subject's close, named once by the caller
        self,
        subject_prefix: str,
        key: str,
        members: tuple[tuple[int, Machine[Any], str], ...],
        live: dict[int, Any],
        todo: Sequence[tuple[int, Input]],
        day: date,
        out: Outcome,
    ) -> None:
        """Apply a subject's held inputs of `day`, in `todo`'s order (a machine's inputs
        consecutive), to its `live` states; store those; schedule the changed ones. The
        subject comes as its prefix, key and members (no `_Subject`: one is closed per held
        input of a log with bills; its id is built only to schedule a changed state), the
        changed machines as a bitmask."""
        machines, policy = self.machines, self.policy
        peers = _Peers(self._get, key, members, live)
        changed = 0
        ctx, ctx_for = None, -1  # one context per machine, its inputs being consecutive
        for index, inp in todo:
            if ctx is None or ctx_for != index:
                ctx = Ctx(key, policy, day, out.commands, out.anomalies, out.follow_ups, peers, index)
                ctx_for = index
            if self._apply(machines[index], live[index], inp, ctx):
                changed |= 1 << index
        put, prefixes, wake = self._store.put, self._prefixes, self._wake
        for index, state in live.items():
            put(prefixes[index] + key, state)
            if changed >> index & 1:
                first = _earliest(machines[index].deadlines(key, state, policy))
                wake.set(subject_prefix + key, index, _wake_day(first, day))

    def _fire(self, subject: _Subject, live: dict[int, Any], upto: date, out: Outcome) -> _Earliest:
        """Fire the subject's deadlines due on or before `upto`, earliest first, across its
        machines (at most `_MAX_FIRINGS`); a fired state is written back.

        Returns every live state's earliest deadline as it is after the firings, which the
        caller schedules. Each state's deadlines are listed once, and again only after it
        fires (firing one machine's deadline changes no other machine's state)."""
        key, policy, machines = subject.key, self.policy, self.machines
        found = {
            index: _earliest(machines[index].deadlines(key, state, policy)) for index, state in live.items()
        }
        fired: set[int] = set()
        peers: _Peers | None = None
        for _ in range(_MAX_FIRINGS):
            due = _next_due(found, upto)
            if due is None:
                break
            day, kind, index = due
            if peers is None:
                peers = _Peers(self._get, key, subject.members, live)
            ctx = Ctx(key, policy, upto, out.commands, out.anomalies, out.follow_ups, peers, index)
            state = live[index]
            machines[index].fire(state, kind, day, ctx)
            fired.add(index)
            found[index] = _earliest(machines[index].deadlines(key, state, policy))
        put = self.store.put
        for index in fired:
            put(self._prefixes[index] + key, live[index])
        return found

    def _schedule(self, subject_id: str, found: _Earliest, open_day: date) -> None:
        """Each given state's wake day (`_wake_day` of its earliest deadline), in place of
        the one it had."""
        wake = self._wake
        for index, first in found.items():
            wake.set(subject_id, index, _wake_day(first, open_day))
