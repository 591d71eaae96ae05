"""The engine: folds domain events into per-MPAN states and decides billing commands.

It is the whole core behind one call, `Engine.handle(event) -> Outcome`, used alike by
the replay driver and the streaming worker. What it guarantees (docs/rules.md):
- **event time only**: a day passes when a `DayClosed` tick says so; a tick that skips
  days closes each of them in order;
- **order within a day does not matter**: a key's inputs of a day not yet closed are held
  in its state and applied when the day closes, in a canonical order (input priority,
  then event id), before that day's deadlines fire. A D0010 that cannot change anything
  (the routine case) is dropped at once, which is the same as applying it first;
- **late inputs** (of a day already closed) are applied at once, and deadlines they make
  due fire right after them with `issued_on` the last closed day;
- **idempotent**: duplicates are no-ops by state; command ids derive from their cause;
- **follow-ups**: hand-offs to another key (export MPAN <-> import MPAN) are returned in
  `Outcome.follow_ups`; the caller feeds them back to `handle` (replay at once, streaming
  through the topic partition of their key).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from processors.core.calendar import country_for
from processors.core.deadlines import Deadline, WakeUpIndex
from processors.core.machines.export_enrolment import (
    AppCancelledIn,
    AppSubmittedIn,
    ExportEndedIn,
    ExportLinkedIn,
    ExportRegisteredIn,
    MpanAllocatedIn,
    MpanRefusedIn,
    RegistrationConfirmedIn,
    apply_allocated,
    apply_cancelled,
    apply_export_ended,
    apply_export_reading,
    apply_export_registered,
    apply_linked,
    apply_refused,
    apply_registration_confirmed,
    apply_submitted,
    export_deadlines,
    export_label,
    fire_export_deadline,
    on_moved_out,
    rejection_reasons,
)
from processors.core.machines.supply_point import (
    CosReadingIn,
    Ctx,
    CustomerReadingIn,
    Input,
    MeterReadingsIn,
    MovedOutIn,
    ReadingValue,
    RegisteredIn,
    SecuredIn,
    SupplyPointState,
    WithdrawnIn,
    apply_cos_reading,
    apply_customer_reading,
    apply_meter_readings_for_cos,
    apply_moved_out,
    apply_registered,
    apply_secured,
    apply_withdrawn,
    fire_supply_deadline,
    supply_deadlines,
    supply_label,
)
from processors.core.policy import DEFAULT_POLICY, Policy
from processors.core.store import DictStateStore, StateStore
from processors.vocabulary.anomalies import Anomaly
from processors.vocabulary.commands import Command
from processors.vocabulary.events import (
    CosReadingsNotified,
    CustomerMovedOut,
    CustomerReadingReceived,
    DayClosed,
    DomainEvent,
    ExportApplicationCancelled,
    ExportApplicationSubmitted,
    ExportMpanAllocated,
    ExportMpanRefused,
    MeterReadings,
    MeterReadingsReceived,
    ReadingType,
    RegistrationConfirmed,
    SupplyPointRegistered,
    SwitchSecured,
    SwitchWithdrawn,
)
from processors.vocabulary.events.internal import ExportMpanLinked, ExportMpanRegistered, ExportTariffEnded
from processors.vocabulary.events.readings import BscValidationStatus

META_KEY = "~engine"
"""The store key of the engine's own state (the last closed day); not a supply point."""

ACTUAL_READING_TYPES = frozenset(
    {
        ReadingType.ACTUAL_COS,
        ReadingType.CUSTOMER_OWN,
        ReadingType.FINAL,
        ReadingType.INITIAL,
        ReadingType.MAR,
        ReadingType.PREPAYMENT,
        ReadingType.MODIFIED_BY_DC,
        ReadingType.ROUTINE,
        ReadingType.SPECIAL,
        ReadingType.SUPPLIER_AGREED_SWITCH,
        ReadingType.ACTUAL_CHANGE_OF_TENANCY,
    }
)
"""D0010 reading types that are actual readings (not deemed, estimated, withdrawn, test or
migration readings): the ones that may bill a smart loss or correct an estimated bill.
`X` is the supplier-agreed switch reading taken remotely from a smart meter: the very
reading a smart loss is billed or sent to the DC with."""

_MIDNIGHT = time(0, 0, 0)
_ONE_DAY = timedelta(days=1)
_MAX_FIRINGS = 16


@dataclass
class Outcome:
    """What one handled event caused."""

    commands: list[Command] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)
    follow_ups: list[DomainEvent] = field(default_factory=list)


@dataclass(slots=True)
class EngineMeta:
    """The engine's own stored state, so a restarted worker knows which days are closed."""

    last_closed_day: date | None = None


# --- events -> inputs -----------------------------------------------------------------------------


def _reading_values(meters: tuple[MeterReadings, ...]) -> tuple[ReadingValue, ...]:
    out: list[ReadingValue] = []
    for meter in meters:
        actual = meter.reading_type in ACTUAL_READING_TYPES
        for register in meter.registers:
            at = register.read_at
            clock = at.time().replace(microsecond=0, tzinfo=None)
            day = at.date()
            if clock.hour == 23 and clock.minute == 59 and clock.second == 59:
                day, midnight = day + _ONE_DAY, True
            else:
                midnight = clock == _MIDNIGHT
            out.append(
                ReadingValue(
                    value=register.value,
                    read_on=day,
                    midnight=midnight,
                    actual=actual,
                    meter_id=meter.meter_id,
                    register_id=register.register_id,
                )
            )
    return tuple(out)


_DATES: dict[date, date] = {}


def _shared(day: date) -> date:
    """One date object per distinct day, so a hundred thousand states with the same SSD
    hold one object rather than a hundred thousand."""
    return _DATES.setdefault(day, day)


def to_input(event: DomainEvent, policy: Policy = DEFAULT_POLICY) -> Input | None:
    """The input the rules need from `event`, or None for events no rule acts on."""
    converter = _CONVERTERS.get(type(event))
    return None if converter is None else converter(event, policy)


def _d0010(e: Any, _: Policy) -> Input:
    return MeterReadingsIn(event_id=e.event_id, day=e.day, readings=_reading_values(e.meters))


def _d0086(e: Any, _: Policy) -> Input:
    return CosReadingIn(
        event_id=e.event_id,
        day=e.day,
        readings=_reading_values(e.meters),
        failed=e.validation_status == BscValidationStatus.FAILED,
    )


def _customer_reading(e: Any, _: Policy) -> Input:
    reading = ReadingValue(
        value=e.value,
        read_on=e.read_on,
        midnight=True,
        actual=True,
        meter_id=e.meter_id,
        register_id=e.register_id,
    )
    return CustomerReadingIn(event_id=e.event_id, day=e.day, reading=reading, photo=e.photo)


_CONVERTERS: dict[type[DomainEvent], Callable[[Any, Policy], Input]] = {
    MeterReadingsReceived: _d0010,
    CosReadingsNotified: _d0086,
    CustomerReadingReceived: _customer_reading,
    SupplyPointRegistered: lambda e, _: RegisteredIn(
        event_id=e.event_id,
        day=e.day,
        account_id=e.account_id,
        meter_kind=sys.intern(str(e.meter_kind)),
        ssd=_shared(e.ssd),
    ),
    SwitchSecured: lambda e, _: SecuredIn(
        event_id=e.event_id, day=e.day, ssd=e.ssd, gaining_supplier=e.gaining_supplier
    ),
    SwitchWithdrawn: lambda e, _: WithdrawnIn(event_id=e.event_id, day=e.day, ssd=e.ssd),
    CustomerMovedOut: lambda e, _: MovedOutIn(
        event_id=e.event_id, day=e.day, account_id=e.account_id, move_out_date=e.move_out_date
    ),
    ExportApplicationSubmitted: lambda e, p: AppSubmittedIn(
        event_id=e.event_id,
        day=e.day,
        application_id=e.application_id,
        tariff=sys.intern(str(e.tariff)),
        reasons=rejection_reasons(e, p),
    ),
    ExportApplicationCancelled: lambda e, _: AppCancelledIn(
        event_id=e.event_id, day=e.day, application_id=e.application_id
    ),
    ExportMpanAllocated: lambda e, _: MpanAllocatedIn(
        event_id=e.event_id, day=e.day, application_id=e.application_id, export_mpan=e.export_mpan
    ),
    ExportMpanRefused: lambda e, _: MpanRefusedIn(
        event_id=e.event_id, day=e.day, application_id=e.application_id, reason=e.reason
    ),
    RegistrationConfirmed: lambda e, _: RegistrationConfirmedIn(event_id=e.event_id, day=e.day, ssd=e.ssd),
    ExportMpanLinked: lambda e, _: ExportLinkedIn(
        event_id=e.event_id,
        day=e.day,
        application_id=e.application_id,
        import_mpan=e.import_mpan,
        tariff=e.tariff,
    ),
    ExportMpanRegistered: lambda e, _: ExportRegisteredIn(
        event_id=e.event_id, day=e.day, application_id=e.application_id, export_mpan=e.export_mpan, ssd=e.ssd
    ),
    ExportTariffEnded: lambda e, _: ExportEndedIn(
        event_id=e.event_id,
        day=e.day,
        application_id=e.application_id,
        import_mpan=e.import_mpan,
        end_date=e.end_date,
        reason=e.reason,
        command_issued=e.command_issued,
    ),
}


def _apply_input(state: SupplyPointState, inp: Input, ctx: Ctx) -> bool:
    """Route one input to the rules; True when the state changed."""
    if isinstance(inp, MeterReadingsIn):
        if not state.registered and state.export_link is None:
            ctx.anomaly(inp, "unknown_supply_point", "meter readings (D0010) for a point we do not supply")
            return False
        changed = apply_meter_readings_for_cos(state, inp, ctx)
        if state.export_link is not None:
            changed = apply_export_reading(state, inp, inp.readings, "D0010", ctx) or changed
        return changed
    if isinstance(inp, CustomerReadingIn):
        if state.export_link is not None and inp.photo:
            return apply_export_reading(state, inp, (inp.reading,), "customer", ctx)
        return apply_customer_reading(state, inp, ctx)
    if isinstance(inp, MovedOutIn):
        changed = apply_moved_out(state, inp, ctx)
        return on_moved_out(state, inp, ctx) or changed
    handler = _HANDLERS.get(type(inp))
    return False if handler is None else handler(state, inp, ctx)


_HANDLERS: dict[type[Input], Callable[[SupplyPointState, Any, Ctx], bool]] = {
    RegisteredIn: apply_registered,
    SecuredIn: apply_secured,
    WithdrawnIn: apply_withdrawn,
    CosReadingIn: apply_cos_reading,
    AppSubmittedIn: apply_submitted,
    AppCancelledIn: apply_cancelled,
    MpanAllocatedIn: apply_allocated,
    MpanRefusedIn: apply_refused,
    ExportRegisteredIn: apply_export_registered,
    ExportLinkedIn: apply_linked,
    RegistrationConfirmedIn: apply_registration_confirmed,
    ExportEndedIn: apply_export_ended,
}

_SELF_GUARDED = (RegisteredIn, MeterReadingsIn)
"""Inputs whose duplicates the state recognises by itself (not kept in `recent`)."""


def _held_before(state: SupplyPointState, day: date) -> bool:
    """Whether the state holds inputs of a day before `day` (not applied yet, so the state
    does not yet show what a reading of `day` will meet)."""
    pending = state.pending
    return pending is not None and any(p.day < day for p in pending)


def _sort_key(inp: Input) -> tuple[date, int, str]:
    return (inp.day, inp.PRIORITY, inp.event_id)


# --- the engine ---------------------------------------------------------------------------------------


class Engine:
    """The event-sourced core. One engine per store (per partition in streaming)."""

    def __init__(self, policy: Policy = DEFAULT_POLICY, store: StateStore | None = None) -> None:
        self.policy = policy
        self._store: StateStore = store if store is not None else DictStateStore()
        self._get = self._store.get
        self.last_closed_day: date | None = None
        self._wake = WakeUpIndex()
        self._pending_days: dict[date, set[str]] = {}
        self.rebuild_deadlines()

    # -- public API --

    @property
    def store(self) -> StateStore:
        """Where the states live; replaceable (e.g. by a wrapper that observes writes)."""
        return self._store

    @store.setter
    def store(self, store: StateStore) -> None:
        self._store = store
        self._get = store.get

    def handle(self, event: DomainEvent) -> Outcome:
        """Fold one event (a tick included) and return what it caused."""
        if type(event) is MeterReadingsReceived and not event.test_data:
            # The common case: a routine reading where nothing waits for one.
            state = self._get(event.mpan)
            if state is None:
                return self._unknown_reading(event)
            settled = state.pending is None or not _held_before(state, event.day)
            if settled and not state.wants_meter_readings():
                if state.meter_kind is not None or state.export_link is not None:
                    return Outcome()
                return self._unknown_reading(event)
            # otherwise it is held like any input and applied when its day closes
        out = Outcome()
        if isinstance(event, DayClosed):
            self._close_through(event.closed_day, out)
            return out
        if event.test_data:
            return out
        inp = to_input(event, self.policy)
        if inp is None:
            return out
        key = event.partition_key
        if not key:
            out.anomalies.append(
                Anomaly(
                    event_id=event.event_id,
                    subject="",
                    day=event.day,
                    kind="no_key",
                    detail="event has no MPAN",
                )
            )
            return out
        self._accept(key, inp, out)
        return out

    def _unknown_reading(self, event: MeterReadingsReceived) -> Outcome:
        anomaly = Anomaly(
            event_id=event.event_id,
            subject=event.mpan,
            day=event.day,
            kind="unknown_supply_point",
            detail="meter readings (D0010) for a point we do not supply",
        )
        return Outcome(anomalies=[anomaly])

    def rebuild_deadlines(self) -> None:
        """Derive the wake-up index and the open-day buffers' index from the stored states."""
        self._wake.clear()
        self._pending_days.clear()
        meta = self.store.get(META_KEY)
        self.last_closed_day = meta.last_closed_day if isinstance(meta, EngineMeta) else None
        for key, state in self.store.items():
            if not isinstance(state, SupplyPointState):
                continue
            self._reschedule(key, state)
            for inp in state.pending or ():
                self._pending_days.setdefault(inp.day, set()).add(key)

    def deadlines_between(self, first: date, last: date) -> list[Deadline]:
        """Pending deadlines due in [first, last], for the dashboard."""
        found: list[Deadline] = []
        for key in self._wake.keys_between(first, last):
            state = self.store.get(key)
            if isinstance(state, SupplyPointState):
                for due, kind in self._deadlines(key, state):
                    if first <= due <= last:
                        found.append(Deadline(due_on=due, kind=kind, subject=key))
        return sorted(set(found))

    def state_of(self, key: str) -> Any | None:
        return self.store.get(key)

    def state_label(self, state: Any) -> str:
        """A short name of the state for dashboard counts."""
        if isinstance(state, EngineMeta):
            return "engine"
        if not isinstance(state, SupplyPointState):
            return "unknown"
        label = supply_label(state, self.last_closed_day) or export_label(state)
        if label is not None:
            return label
        if state.registered:
            return "supplying"
        return "pending" if state.pending else "unknown"

    def states(self) -> Iterator[tuple[str, SupplyPointState]]:
        """Every supply point's state (the engine's own entry left out)."""
        for key, state in self.store.items():
            if isinstance(state, SupplyPointState):
                yield key, state

    # -- internals --

    def _accept(self, key: str, inp: Input, out: Outcome) -> None:
        store = self.store
        state = store.get(key)
        if state is None:
            state = SupplyPointState()
        last = self.last_closed_day
        if last is not None and inp.day <= last:
            # A late input: applied at once; deadlines it makes due fire right after it.
            if inp.event_id in state.recent or (
                state.pending is not None and any(p.event_id == inp.event_id for p in state.pending)
            ):
                return
            ctx = Ctx(key, self.policy, last, out.commands, out.anomalies, out.follow_ups)
            self._apply(state, inp, ctx)
            self._fire(key, state, last, ctx)
            self._reschedule(key, state)
            store.put(key, state)
            return
        pending = state.pending
        if pending is None:
            state.pending = [inp]
        elif any(p.event_id == inp.event_id for p in pending):
            return
        else:
            pending.append(inp)
        days = self._pending_days.get(inp.day)
        if days is None:
            self._pending_days[inp.day] = {key}
        else:
            days.add(key)
        store.put(key, state)

    def _apply(self, state: SupplyPointState, inp: Input, ctx: Ctx) -> bool:
        if inp.event_id in state.recent:
            return False
        anomalies = len(ctx.anomalies)
        changed = _apply_input(state, inp, ctx)
        if (changed and not isinstance(inp, _SELF_GUARDED)) or len(ctx.anomalies) > anomalies:
            # An input refused once stays refused: its redelivery is a duplicate too.
            state.remember(inp.event_id)
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
        store = self.store
        for key in sorted(self._pending_days.pop(day, ())):
            state = store.get(key)
            if not isinstance(state, SupplyPointState) or not state.pending:
                continue
            todo = sorted((p for p in state.pending if p.day <= day), key=_sort_key)
            rest = [p for p in state.pending if p.day > day]
            state.pending = rest or None
            ctx = Ctx(key, self.policy, day, out.commands, out.anomalies, out.follow_ups)
            changed = False
            for inp in todo:
                changed = self._apply(state, inp, ctx) or changed
            if changed:
                self._reschedule(key, state, open_day=day)
            store.put(key, state)
        for key in self._wake.pop_through(day):
            state = store.get(key)
            if not isinstance(state, SupplyPointState):
                continue
            ctx = Ctx(key, self.policy, day, out.commands, out.anomalies, out.follow_ups)
            if self._fire(key, state, day, ctx):
                store.put(key, state)
            self._reschedule(key, state, open_day=day + _ONE_DAY)
        self.last_closed_day = day

    def _deadlines(self, key: str, state: SupplyPointState) -> list[tuple[date, str]]:
        found = (
            supply_deadlines(state, self.policy, country_for(key).value)
            if state.loss or state.move_out
            else []
        )
        if state.export_app is not None or state.export_link is not None:
            found.extend(export_deadlines(state, self.policy))
        return found

    def _fire(self, key: str, state: SupplyPointState, upto: date, ctx: Ctx) -> bool:
        """Fire the state's deadlines due on or before `upto`, earliest first."""
        fired = False
        for _ in range(_MAX_FIRINGS):
            due = sorted(d for d in self._deadlines(key, state) if d[0] <= upto)
            if not due:
                break
            day, kind = due[0]
            if kind.startswith("export_"):
                fire_export_deadline(state, kind, day, ctx)
            else:
                fire_supply_deadline(state, kind, day, ctx)
            fired = True
        return fired

    def _reschedule(self, key: str, state: SupplyPointState, open_day: date | None = None) -> None:
        if open_day is None and self.last_closed_day is not None:
            open_day = self.last_closed_day + _ONE_DAY
        for due, _kind in self._deadlines(key, state):
            self._wake.add(due if open_day is None or due >= open_day else open_day, key)
