"""What a machine is to the engine: the one interface every plug-in implements.

A machine owns one kind of state (supply point, export enrolment, account, ...) in one
keyspace (MPAN core, account id, MPRN, LDZ). It says which domain events it takes and how
each becomes a small `Input`, how an input changes its state, which deadlines its state
has and what firing one does, and how the dashboard names its state. The engine does the
rest (routing, day order, duplicates, late inputs, wake-ups) the same way for all of them,
so adding a machine is its own module plus one registration line in
`processors.core.machines` (docs/decisions.md D18).

A machine sees only its own state. Two machines of one keyspace meet in two ways only:
through `Ctx.claimed_elsewhere()` / `Ctx.claimed_by(name)` (whether another machine knows
this key, e.g. whether an export MPAN is ours although no supply point is registered for
it), and through follow-up events (`Ctx.follow_ups`), which is also how a machine hands work to another key or
keyspace (partitioned by that key in streaming).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, ClassVar, Protocol, TypeVar

from processors.core.calendar import country_for, working_days_after
from processors.core.input_order import InputOrder
from processors.core.policy import Policy
from processors.vocabulary.anomalies import Anomaly
from processors.vocabulary.commands import Command, command_id_for
from processors.vocabulary.events import DomainEvent

RECENT_IDS = 4
"""How many ids of state-changing inputs a state remembers to drop their duplicates."""

_DIGEST_BITS = 64
_DIGEST_MASK = (1 << _DIGEST_BITS) - 1
_RECENT_DIGESTS_MASK = (1 << (_DIGEST_BITS * RECENT_IDS)) - 1


class Keyspace(StrEnum):
    """What a key names. Machines of one keyspace share keys (and partitions)."""

    MPAN = "mpan"
    ACCOUNT = "account"
    MPRN = "mprn"
    LDZ = "ldz"


KEY_NAMES = {
    Keyspace.MPAN: "MPAN",
    Keyspace.ACCOUNT: "account id",
    Keyspace.MPRN: "MPRN",
    Keyspace.LDZ: "LDZ",
}
"""How a person names the key of each keyspace (in anomalies)."""

UNKNOWN_KINDS = {
    Keyspace.MPAN: "unknown_supply_point",
    Keyspace.ACCOUNT: "unknown_account",
    Keyspace.MPRN: "unknown_supply_point",
    Keyspace.LDZ: "unknown_ldz",
}
"""The anomaly kind of an event for a key no machine of its keyspace knows (SPEC 4 names
`unknown_supply_point` for a point we never supplied, gas points included; an account we
do not know is `unknown_account`, the kind the account machine gives such a bill too)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Input:
    """What a rule needs from one event. `PRIORITY` (from `InputOrder`, the one table of
    the order of a day) orders a key's inputs of one day, then `event_id`."""

    PRIORITY: ClassVar[int] = InputOrder.DEFAULT
    event_id: str
    day: date


@dataclass(slots=True, kw_only=True)
class MachineState:
    """The part of every state the engine itself uses.

    `pending` holds the inputs of days not yet closed (applied in canonical order when
    their day closes); `recent` the ids of the last few state-changing inputs, so their
    redelivery is a no-op without remembering every event id; `recent_digests` their
    64-bit content digests (`processors.core.conflicts`), packed in one int, the last
    id's in the lowest bits, so that a repeated id with other content is told from a
    resend. One int, not a tuple of them: about 60 bytes a state instead of 230.
    A digest of 0 is not known (a state written before digests were kept).
    """

    recent: tuple[str, ...] = ()
    recent_digests: int = field(default=0, metadata={"shown": False})
    pending: list[Input] | None = None

    def remember(self, event_id: str, digest: int) -> None:
        self.recent = (*self.recent[-(RECENT_IDS - 1) :], event_id)
        self.recent_digests = ((self.recent_digests << _DIGEST_BITS) | digest) & _RECENT_DIGESTS_MASK

    def recalled_digest(self, event_id: str) -> int:
        """The digest remembered with `event_id` (0 when it is not in `recent`, or was
        remembered without one)."""
        recent = self.recent
        for back in range(len(recent)):
            if recent[-1 - back] == event_id:
                return (self.recent_digests >> (_DIGEST_BITS * back)) & _DIGEST_MASK
        return 0


S = TypeVar("S", bound=MachineState)
Converter = Callable[[Any, Policy], Input | None]
"""Turns a domain event into the machine's input (None: nothing for this machine)."""


class Peers(Protocol):
    """The other machines of a key, as the engine shows them to one machine's `Ctx`: one
    object per key and pass over its live states (not two closures per context)."""

    def claimed(self, asking: int, name: str | None) -> bool:
        """Whether a machine other than `asking` (by index), and named `name` unless None,
        knows the key."""
        ...

    def state_of(self, name: str) -> Any:
        """The state of the key kept by the machine named so, or None."""
        ...


class Ctx:
    """Where a transition writes: commands, anomalies, follow-ups, for one key on one day."""

    __slots__ = (
        "_asking",
        "_country",
        "_peers",
        "anomalies",
        "commands",
        "follow_ups",
        "issued_on",
        "key",
        "policy",
    )

    def __init__(  # noqa: PLR0917 - built in one place, by the engine
        self,
        key: str,
        policy: Policy,
        issued_on: date,
        commands: list[Command],
        anomalies: list[Anomaly],
        follow_ups: list[DomainEvent],
        peers: Peers | None = None,
        asking: int = -1,
    ) -> None:
        self.key = key
        self.policy = policy
        self.issued_on = issued_on
        self.commands = commands
        self.anomalies = anomalies
        self.follow_ups = follow_ups
        self._peers = peers
        self._asking = asking
        """The index of the machine this context is for (its own state is not a peer)."""
        self._country: str | None = None

    @property
    def country(self) -> str:
        """The country of an MPAN key, for its working days (machines keyed otherwise
        keep their own)."""
        if self._country is None:
            self._country = country_for(self.key).value
        return self._country

    def claimed_elsewhere(self) -> bool:
        """Whether another machine of this keyspace knows this key."""
        return self._peers is not None and self._peers.claimed(self._asking, None)

    def claimed_by(self, machine_name: str) -> bool:
        """Whether the machine named so knows this key."""
        return self._peers is not None and self._peers.claimed(self._asking, machine_name)

    def state_of(self, machine_name: str) -> Any:
        """The state of this key kept by the machine named so (None when it has none), to
        read only: e.g. the half-hourly machine, whose state exists only for sites with
        half-hourly input, takes the account from the supply point's when it starts."""
        return None if self._peers is None else self._peers.state_of(machine_name)

    def emit(self, cls: type[Command], cause: str, **fields: Any) -> Command:
        """Build and record a command with its deterministic id (subject as Command.subject)."""
        subject = (
            fields.get("mpan")
            or fields.get("import_mpan")
            or fields.get("export_mpan")
            or fields.get("account_id")
            or fields.get("mprn")
            or self.key
        )
        command = cls(
            command_id=command_id_for(str(subject), cls.TYPE, cause),
            issued_on=self.issued_on,
            cause=cause,
            **fields,
        )
        self.commands.append(command)
        return command

    def anomaly(self, inp: Input, kind: str, detail: str) -> None:
        self.anomalies.append(
            Anomaly(event_id=inp.event_id, subject=self.key, day=inp.day, kind=kind, detail=detail)
        )

    def working_days_after(self, days: int, country: str | None = None) -> date:
        return working_days_after(self.issued_on, days, country or self.country)


class Machine(Protocol[S]):
    """A plug-in of the engine. Implementations are plain classes with these members."""

    @property
    def name(self) -> str:
        """Unique; the prefix of its states' store keys."""
        ...

    @property
    def keyspace(self) -> Keyspace: ...

    @property
    def state_type(self) -> type[S]: ...

    @property
    def state_classes(self) -> tuple[type[Any], ...]:
        """Every class its stored state can hold (inputs included), for the state codec."""
        ...

    @property
    def converters(self) -> Mapping[type[DomainEvent], Converter]:
        """The events it takes, each with its converter. A converter shared by two
        machines (the same function) runs once per event."""
        ...

    @property
    def self_guarded(self) -> tuple[type[Input], ...]:
        """Inputs whose duplicates the state recognises by itself (their ids are not kept
        in `recent`, so a stream of routine readings does not push the others out)."""
        ...

    @property
    def unknown_subject(self) -> Mapping[type[DomainEvent], str]:
        """Events that are an anomaly (with this detail) when no machine of the keyspace
        knows their key."""
        ...

    @property
    def idle_label(self) -> str | None:
        """The dashboard's name for a state this machine claims with nothing active."""
        ...

    def apply(self, state: S, inp: Input, ctx: Ctx) -> bool:
        """Apply one input; True when the state changed."""
        ...

    def claims(self, state: S) -> bool:
        """Whether the key is one this machine knows (for `Ctx.claimed_elsewhere`)."""
        ...

    def deadlines(self, key: str, state: S, policy: Policy) -> Iterable[tuple[date, str]]:
        """The state's pending deadlines as (due day, kind)."""
        ...

    def fire(self, state: S, kind: str, due: date, ctx: Ctx) -> None:
        """Act on a deadline that came due with nothing having stopped it."""
        ...

    def label(self, state: S, today: date | None) -> str | None:
        """The dashboard's name for the state, or None when it has nothing to show."""
        ...

    # Optional: `quiet`, {event type: test(state) -> bool}, says that a state passing the
    # test (or no state at all) cannot be changed by an event of that type. When every
    # machine taking the type has one, the engine decides the routine event in one pass
    # without calling `settled` (the D0010 of a point where nothing waits for a reading).
    # Optional: `without_deadlines = True` says that `deadlines` is always empty, so a late
    # input of the machine is applied and stored with nothing to fire or schedule after it.

    def settled(self, state: S | None, event: Any) -> bool:
        """Whether `event` certainly changes nothing here (the engine then neither converts
        nor holds it): the cheap test of the common case. False when unsure."""
        ...


def apply_by_type(
    transitions: Mapping[type[Input], Callable[..., bool]], state: Any, inp: Input, ctx: Ctx
) -> bool:
    """The usual `Machine.apply`: the transition its table names for the input's type (an
    input it has no transition for changes nothing)."""
    transition = transitions.get(type(inp))
    return False if transition is None else bool(transition(state, inp, ctx))


def split_store_key(stored: str) -> tuple[str, str]:
    """(machine name, key) of a store key (`name:key`); a bare key (the first machine's,
    or the engine's own entry) has the name ""."""
    name, sep, key = stored.partition(":")
    return (name, key) if sep else ("", stored)
