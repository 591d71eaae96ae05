"""The supply point machine as the engine sees it: its converters and transitions by input."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, ClassVar

from processors.core.calendar import country_for
from processors.core.machine import Converter, Ctx, Input, Keyspace, apply_by_type
from processors.core.machines.supply_point.cos_readings import (
    apply_cos_reading,
    apply_customer_reading,
    apply_meter_readings_for_cos,
    apply_smart_reading,
)
from processors.core.machines.supply_point.deadlines import (
    fire_supply_deadline,
    supply_deadlines,
    supply_label,
)
from processors.core.machines.supply_point.disputes import apply_dispute, apply_not_read, apply_refund_paid
from processors.core.machines.supply_point.inputs import (
    CosReadingIn,
    CustomerReadingIn,
    DisputeIn,
    MeterReadingsIn,
    MovedOutIn,
    NotReadIn,
    RefundPaidIn,
    RegisteredIn,
    RegistrationDetailsIn,
    RelatedSecuredIn,
    RelatedWithdrawnIn,
    SecuredIn,
    SmartReadingIn,
    WithdrawnIn,
)
from processors.core.machines.supply_point.state import LossEpisode, MoveOutEpisode, SupplyPointState
from processors.core.machines.supply_point.switching import (
    apply_moved_out,
    apply_registered,
    apply_registration_details,
    apply_related_secured,
    apply_related_withdrawn,
    apply_secured,
    apply_withdrawn,
)
from processors.core.policy import Policy
from processors.core.readings import (
    ReadingValue,
    customer_reading_value,
    reading_values,
    smart_reading_values,
)
from processors.vocabulary.commands import (
    BillingReading,
)
from processors.vocabulary.events import (
    CosReadingDisputed,
    CosReadingsNotified,
    CustomerMovedOut,
    CustomerReadingReceived,
    DomainEvent,
    MeterReadingsReceived,
    OldSupplierRegistrationNotified,
    ReadingNotObtained,
    RefundPaid,
    RegistrationConfirmed,
    RelatedMpan,
    RelatedSwitchSecured,
    RelatedSwitchWithdrawn,
    SmartMeterReadingTaken,
    SupplyPointRegistered,
    SwitchSecured,
    SwitchWithdrawn,
)

EXPORT_MACHINE_NAME = "export_enrolment"
"""An export MPAN's customer photo readings are its export readings, not ours."""

_DATES: dict[date, date] = {}


def _shared(day: date) -> date:
    """One date object per distinct day, so a hundred thousand states with the same SSD
    (or held registrations of the same day) hold one object rather than a hundred thousand."""
    return _DATES.setdefault(day, day)


def meter_readings_input(e: MeterReadingsReceived, _: Policy) -> MeterReadingsIn:
    """A D0010 group as the rules see it (shared with the export machine)."""
    return MeterReadingsIn(
        event_id=e.event_id, day=e.day, readings=reading_values(e.meters, e.validation_status)
    )


def customer_reading_input(e: CustomerReadingReceived, _: Policy) -> CustomerReadingIn:
    """A customer's reading (shared with the export machine, for photo export readings)."""
    reading = customer_reading_value(e.value, e.read_on, e.meter_id, e.register_id)
    return CustomerReadingIn(event_id=e.event_id, day=e.day, reading=reading, photo=e.photo)


def moved_out_input(e: CustomerMovedOut, _: Policy) -> MovedOutIn:
    """A move-out (shared with the export machine, which ends the export tariff)."""
    return MovedOutIn(event_id=e.event_id, day=e.day, account_id=e.account_id, move_out_date=e.move_out_date)


def _cos_reading_input(e: CosReadingsNotified, _: Policy) -> CosReadingIn:
    return CosReadingIn(
        event_id=e.event_id, day=e.day, readings=reading_values(e.meters, e.validation_status)
    )


def _registered_input(e: SupplyPointRegistered, _: Policy) -> RegisteredIn:
    return RegisteredIn(
        event_id=e.event_id,
        day=_shared(e.day),  # held to the day's close: a back-fill holds one per point
        account_id=e.account_id,
        meter_kind=sys.intern(str(e.meter_kind)),
        ssd=_shared(e.ssd),
    )


def _secured_input(e: SwitchSecured, _: Policy) -> SecuredIn:
    return SecuredIn(event_id=e.event_id, day=e.day, ssd=e.ssd, gaining_supplier=e.gaining_supplier)


def _withdrawn_input(e: SwitchWithdrawn, _: Policy) -> WithdrawnIn:
    return WithdrawnIn(event_id=e.event_id, day=e.day, ssd=e.ssd)


def _smart_reading_input(e: SmartMeterReadingTaken, _: Policy) -> SmartReadingIn:
    return SmartReadingIn(event_id=e.event_id, day=e.day, readings=smart_reading_values(e))


def _dispute_input(e: CosReadingDisputed, _: Policy) -> DisputeIn:
    """The D0300's status (the first register that gives one) and its proposed readings."""
    status: str | None = None
    proposed: list[ReadingValue] = []
    for meter in e.meters:
        for register in meter.registers:
            if status is None and register.proposed_status is not None:
                status = register.proposed_status.value
            if register.proposed_reading is not None:
                proposed.append(
                    ReadingValue(
                        value=register.proposed_reading,
                        read_on=e.ssd,
                        midnight=True,
                        actual=True,
                        meter_id=meter.meter_id,
                        register_id=register.register_id or None,
                    )
                )
    return DisputeIn(event_id=e.event_id, day=e.day, ssd=e.ssd, status=status, proposed=tuple(proposed))


def _not_read_input(e: ReadingNotObtained, _: Policy) -> NotReadIn:
    failed_on = min((a.attempted_at.date() for a in e.attempts), default=e.day)
    return NotReadIn(event_id=e.event_id, day=e.day, failed_on=failed_on)


def _refund_paid_input(e: RefundPaid, _: Policy) -> RefundPaidIn:
    return RefundPaidIn(event_id=e.event_id, day=e.day, final_bill=e.final_bill, paid_on=e.paid_on)


def _partners(mpan: str, pairs: tuple[RelatedMpan, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for pair in pairs:
        for a, b in ((pair.primary_mpan, pair.secondary_mpan), (pair.secondary_mpan, pair.primary_mpan)):
            if a == mpan and b != mpan and b not in out:
                out.append(b)
    return tuple(out)


def _d0217_input(e: RegistrationConfirmed, _: Policy) -> RegistrationDetailsIn:
    return RegistrationDetailsIn(
        event_id=e.event_id,
        day=e.day,
        ssd=e.ssd,
        related=_partners(e.mpan, e.related_mpans),
        old_supplier=False,
    )


def _d0260_input(e: OldSupplierRegistrationNotified, _: Policy) -> RegistrationDetailsIn:
    return RegistrationDetailsIn(
        event_id=e.event_id,
        day=e.day,
        ssd=e.ssd,
        related=_partners(e.mpan, e.related_mpans),
        old_supplier=True,
    )


def _apply_meter_readings(state: SupplyPointState, inp: MeterReadingsIn, ctx: Ctx) -> bool:
    if not state.registered:
        if not ctx.claimed_elsewhere():
            ctx.anomaly(inp, "unknown_supply_point", "meter readings (D0010) for a point we do not supply")
        return False
    # Judged by a waiting loss or move-out, it is taken whether or not it changed them:
    # True, so the engine remembers its id and a redelivery is a duplicate (D80).
    judged = state.wants_meter_readings()
    return apply_meter_readings_for_cos(state, inp, ctx) or judged


def _apply_customer_reading(state: SupplyPointState, inp: CustomerReadingIn, ctx: Ctx) -> bool:
    if inp.photo and ctx.claimed_by(EXPORT_MACHINE_NAME):
        return False  # a photo reading of an export MPAN is the export machine's
    return apply_customer_reading(state, inp, ctx)


_TRANSITIONS: dict[type[Input], Any] = {
    MeterReadingsIn: _apply_meter_readings,
    RegisteredIn: apply_registered,
    SecuredIn: apply_secured,
    WithdrawnIn: apply_withdrawn,
    MovedOutIn: apply_moved_out,
    CosReadingIn: apply_cos_reading,
    CustomerReadingIn: _apply_customer_reading,
    SmartReadingIn: apply_smart_reading,
    DisputeIn: apply_dispute,
    NotReadIn: apply_not_read,
    RefundPaidIn: apply_refund_paid,
    RegistrationDetailsIn: apply_registration_details,
    RelatedSecuredIn: apply_related_secured,
    RelatedWithdrawnIn: apply_related_withdrawn,
}


def _quiet(state: SupplyPointState) -> bool:
    """Nothing held and nothing waiting for a reading: no D0010 can change this state."""
    return state.pending is None and not state.wants_meter_readings()


def _held_before(state: SupplyPointState, day: date) -> bool:
    """Whether the state holds inputs of a day before `day` (not applied yet, so the state
    does not yet show what a reading of `day` will meet)."""
    pending = state.pending
    return pending is not None and any(p.day < day for p in pending)


class SupplyPointMachine:
    """The supply point machine as the engine sees it."""

    name: str = "supply_point"
    keyspace: Keyspace = Keyspace.MPAN
    state_type: type[SupplyPointState] = SupplyPointState
    state_classes: tuple[type[Any], ...] = (
        SupplyPointState,
        LossEpisode,
        MoveOutEpisode,
        ReadingValue,
        BillingReading,
        *_TRANSITIONS,
    )
    idle_label: str | None = "supplying"
    quiet: ClassVar[dict[type[Any], Callable[[Any], bool]]] = {MeterReadingsReceived: _quiet}
    """The engine's shortcut for the routine D0010 (see `Machine`)."""
    self_guarded: tuple[type[Input], ...] = (RegisteredIn,)
    """Inputs whose duplicates the state recognises by itself (not kept in `recent`). Not
    the D0010 (D80): the state does not know one it judged again once a later input of
    its day has changed it (a withdrawal ends the loss whose reading it was, and the
    redelivery would bill the move-out). The routine D0010 never reaches `apply`, so
    only the few a loss or move-out waits for are remembered."""

    def __init__(self) -> None:
        self.unknown_subject: dict[type[DomainEvent], str] = {
            MeterReadingsReceived: "meter readings (D0010) for a point we do not supply"
        }
        self.converters: dict[type[DomainEvent], Converter] = {
            MeterReadingsReceived: meter_readings_input,
            CosReadingsNotified: _cos_reading_input,
            CustomerReadingReceived: customer_reading_input,
            SupplyPointRegistered: _registered_input,
            SwitchSecured: _secured_input,
            SwitchWithdrawn: _withdrawn_input,
            CustomerMovedOut: moved_out_input,
            SmartMeterReadingTaken: _smart_reading_input,
            CosReadingDisputed: _dispute_input,
            ReadingNotObtained: _not_read_input,
            RefundPaid: _refund_paid_input,
            RegistrationConfirmed: _d0217_input,
            OldSupplierRegistrationNotified: _d0260_input,
            RelatedSwitchSecured: lambda e, _: RelatedSecuredIn(
                event_id=e.event_id,
                day=e.day,
                related_mpan=e.related_mpan,
                ssd=e.ssd,
                gaining_supplier=e.gaining_supplier,
            ),
            RelatedSwitchWithdrawn: lambda e, _: RelatedWithdrawnIn(
                event_id=e.event_id, day=e.day, related_mpan=e.related_mpan, ssd=e.ssd
            ),
        }

    def apply(self, state: SupplyPointState, inp: Input, ctx: Ctx) -> bool:
        return apply_by_type(_TRANSITIONS, state, inp, ctx)

    def claims(self, state: SupplyPointState) -> bool:
        return state.registered

    def deadlines(self, key: str, state: SupplyPointState, policy: Policy) -> Iterable[tuple[date, str]]:
        if state.loss is None and state.move_out is None:
            return ()
        return supply_deadlines(state, policy, _country(key))

    def fire(self, state: SupplyPointState, kind: str, due: date, ctx: Ctx) -> None:
        fire_supply_deadline(state, kind, due, ctx)

    def label(self, state: SupplyPointState, today: date | None) -> str | None:
        return supply_label(state, today)

    def settled(self, state: SupplyPointState | None, event: Any) -> bool:
        """Only a routine D0010 is ever settled: one where nothing waits for a reading."""
        if state is None or type(event) is not MeterReadingsReceived:
            return False
        return (
            state.pending is None or not _held_before(state, event.day)
        ) and not state.wants_meter_readings()


def _country(key: str) -> str:
    return country_for(key).value


SUPPLY_POINT = SupplyPointMachine()
