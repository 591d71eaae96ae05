"""The supply point machine (keyed by MPAN core): loss, move-out, final bills, disputes, DC chase.

Each domain event it takes becomes a small `Input` (what the rules need, nothing more),
applied to the `SupplyPointState` of its MPAN through the transitions here. States are
small mutable slots objects owned by the state store; every transition is idempotent by
state (it checks what the state already did, and the engine keeps the ids of the few
state-changing inputs in `recent`), so a repeated input is a no-op without remembering
every event id. The rules and their edges are written down in docs/rules.md.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from processors.core.calendar import country_for, working_days_after
from processors.core.deadlines import deadline_id
from processors.core.input_order import InputOrder
from processors.core.machine import Converter, Ctx, Input, Keyspace, MachineState
from processors.core.policy import Policy
from processors.core.readings import ReadingValue, customer_reading_value, reading_values
from processors.vocabulary.commands import (
    ChaseDataCollector,
    Command,
    FinalBillReason,
    IssueCorrectedFinalBill,
    IssueEstimatedFinalBill,
    IssueFinalBill,
    RaiseCoSDispute,
    SendReadingToDataCollector,
    SettleFinalBalance,
)
from processors.vocabulary.events import (
    BscValidationStatus,
    CosReadingsNotified,
    CustomerMovedOut,
    CustomerReadingReceived,
    DomainEvent,
    MeterKind,
    MeterReadingsReceived,
    SupplyPointRegistered,
    SwitchSecured,
    SwitchWithdrawn,
    account_link,
)

EXPORT_MACHINE_NAME = "export_enrolment"
"""An export MPAN's customer photo readings are its export readings, not ours."""

TRADITIONAL = MeterKind.TRADITIONAL
SMART_NHH = MeterKind.SMART_NHH
SMART_HH = MeterKind.SMART_HH


class SupplyPointDeadline(StrEnum):
    """What a loss or move-out waits for, and fires on when it does not come."""

    COS_DISPUTE = "cos_dispute"
    COS_ESTIMATE = "cos_estimate"
    DC_CHASE = "dc_chase"
    MOVE_OUT_ESTIMATE = "move_out_estimate"


COS_DISPUTE = SupplyPointDeadline.COS_DISPUTE
COS_ESTIMATE = SupplyPointDeadline.COS_ESTIMATE
DC_CHASE = SupplyPointDeadline.DC_CHASE
MOVE_OUT_ESTIMATE = SupplyPointDeadline.MOVE_OUT_ESTIMATE

# --- inputs: what the rules need from an event --------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterReadingsIn(Input):
    """A D0010 group: readings in flow order."""

    PRIORITY: ClassVar[int] = InputOrder.METER_READINGS
    readings: tuple[ReadingValue, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisteredIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.REGISTERED
    account_id: str
    meter_kind: str
    ssd: date


@dataclass(frozen=True, slots=True, kw_only=True)
class SecuredIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.SWITCH_SECURED
    ssd: date
    gaining_supplier: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WithdrawnIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.SWITCH_WITHDRAWN
    ssd: date


@dataclass(frozen=True, slots=True, kw_only=True)
class MovedOutIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.MOVED_OUT
    account_id: str
    move_out_date: date


@dataclass(frozen=True, slots=True, kw_only=True)
class CosReadingIn(Input):
    """A D0086 group: `failed` when the DC's validation failed."""

    PRIORITY: ClassVar[int] = InputOrder.COS_READING
    readings: tuple[ReadingValue, ...]
    failed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerReadingIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.CUSTOMER_READING
    reading: ReadingValue
    photo: bool


# --- state ----------------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class FinalBilling:
    """What a loss or move-out has billed: the bill that stands and how it came about."""

    opened_on: date
    """The day of the notice that opened it: inputs of earlier days never act on it (in
    event-time order they came before it existed, so their redelivery must not either)."""
    final_bill: str | None = None
    """Command id of the final or estimated bill (the one a correction replaces)."""
    final_cause: str | None = None
    billed_on: date | None = None
    """The day the final (or estimated) bill was issued."""
    estimated: bool = False
    corrected_by: str | None = None

    @property
    def awaiting_bill(self) -> bool:
        return self.final_bill is None

    @property
    def awaiting_correction(self) -> bool:
        return self.estimated and self.corrected_by is None


@dataclass(slots=True, kw_only=True)
class LossEpisode(FinalBilling):
    """A CoS loss: the switch secured for `ssd` to `gaining_supplier`."""

    ssd: date
    gaining_supplier: str
    disputed: bool = False
    dc_sent_on: date | None = None
    chased: bool = False


@dataclass(slots=True, kw_only=True)
class MoveOutEpisode(FinalBilling):
    """A move-out on `move_out_date`: waits for the customer's reading."""

    move_out_date: date


@dataclass(slots=True, kw_only=True)
class SupplyPointState(MachineState):
    """What the core keeps about one MPAN we supply: supply, CoS loss, move-out."""

    meter_kind: str | None = None
    ssd: date | None = None
    loss: LossEpisode | None = None
    move_out: MoveOutEpisode | None = None
    last_billed_ssd: date | None = None
    """The SSD of the latest loss that got its final (or estimated) bill: no switch on or
    before it can open a loss again."""
    last_switch_notice: tuple[date, int, str] | None = None
    """The canonical order key (day, priority, event id) of the last switch notice applied:
    an older notice (late, redelivered) is stale and cannot reopen or replace a loss."""

    @property
    def registered(self) -> bool:
        return self.meter_kind is not None

    def wants_meter_readings(self) -> bool:
        """Whether a D0010 can change anything here (the cheap test of the common case)."""
        loss = self.loss
        return loss is not None and (
            (loss.awaiting_bill and self.meter_kind in (SMART_HH, SMART_NHH))
            or (loss.awaiting_correction and self.meter_kind == SMART_HH)
        )


def _bill(
    ctx: Ctx,
    cls: type[Command],
    cause: str,
    reason: FinalBillReason,
    final_date: date,
    **extra: Any,
) -> str:
    """Issue a final, estimated or corrected bill and the SettleFinalBalance that follows it."""
    bill = ctx.emit(cls, cause, mpan=ctx.key, reason=reason, final_date=final_date, **extra)
    ctx.emit(
        SettleFinalBalance,
        cause,
        mpan=ctx.key,
        final_bill=bill.command_id,
        refund_due_by=ctx.working_days_after(ctx.policy.refund_working_days),
    )
    return bill.command_id


def _first_at(readings: tuple[ReadingValue, ...], day: date, *, actual_only: bool) -> ReadingValue | None:
    """The first reading (flow order) stamped at the midnight that starts `day`."""
    for r in readings:
        if r.midnight and r.read_on == day and (r.actual or not actual_only):
            return r
    return None


def _after_opening(inp: Input, opened_on: date, opener_priority: int) -> bool:
    """Whether `inp` comes after the notice that opened an episode in canonical order: only
    then may it act on the episode, whatever order (or how often) it is delivered in."""
    return (inp.day, inp.PRIORITY) > (opened_on, opener_priority)


def _within(day: date, centre: date, before: int, after: int) -> bool:
    return centre - timedelta(days=before) <= day <= centre + timedelta(days=after)


# --- transitions -----------------------------------------------------------------------------------


def apply_registered(state: SupplyPointState, inp: RegisteredIn, ctx: Ctx) -> bool:
    """We supply the point from `ssd`. A newer SSD is a new supply period: finished
    episodes are forgotten (their corrections can no longer come)."""
    if state.ssd is not None:
        if inp.ssd == state.ssd and inp.meter_kind == state.meter_kind:
            return False
        if inp.ssd < state.ssd:
            ctx.anomaly(
                inp,
                "stale_registration",
                f"registration from {inp.ssd} is older than the one from {state.ssd}",
            )
            return False
    if state.ssd is not None and inp.ssd > state.ssd:
        if state.loss is not None and not state.loss.awaiting_bill:
            state.loss = None
        if state.move_out is not None and not state.move_out.awaiting_bill:
            state.move_out = None
    state.meter_kind = inp.meter_kind
    state.ssd = inp.ssd
    ctx.follow_ups.append(account_link(inp.event_id, inp.day, ctx.key, inp.account_id, inp.ssd))
    return True


def apply_secured(state: SupplyPointState, inp: SecuredIn, ctx: Ctx) -> bool:
    """A switch away from us on `ssd`: a loss. A re-secured switch with a new SSD replaces a
    loss that has billed nothing yet."""
    if not state.registered:
        ctx.anomaly(inp, "unknown_supply_point", "switch secured for a point we do not supply")
        return False
    if _stale_notice(state, inp, ctx):
        return False
    loss = state.loss
    if loss is not None and loss.ssd == inp.ssd:
        return False
    if state.last_billed_ssd is not None and inp.ssd <= state.last_billed_ssd:
        ctx.anomaly(
            inp, "stale_switch", f"switch on {inp.ssd}: the loss on {state.last_billed_ssd} is billed"
        )
        return False
    if state.ssd is not None and inp.ssd < state.ssd:
        ctx.anomaly(
            inp, "switch_before_supply", f"switch on {inp.ssd} is before our supply start {state.ssd}"
        )
        return False
    state.loss = LossEpisode(opened_on=inp.day, ssd=inp.ssd, gaining_supplier=inp.gaining_supplier)
    state.last_switch_notice = (inp.day, inp.PRIORITY, inp.event_id)
    return True


def _stale_notice(state: SupplyPointState, inp: SecuredIn | WithdrawnIn, ctx: Ctx) -> bool:
    """A switch notice older (in canonical order) than the last one applied changes nothing."""
    last = state.last_switch_notice
    if last is not None and (inp.day, inp.PRIORITY, inp.event_id) < last:
        ctx.anomaly(inp, "stale_switch_notice", f"a newer switch notice ({last[2]}) has been applied")
        return True
    return False


def apply_withdrawn(state: SupplyPointState, inp: WithdrawnIn, ctx: Ctx) -> bool:
    """The switch will not happen: the loss and its deadlines go, unless it already billed."""
    if _stale_notice(state, inp, ctx):
        return False
    loss = state.loss
    if loss is None or loss.ssd != inp.ssd:
        ctx.anomaly(inp, "no_matching_switch", f"no pending switch on {inp.ssd} to withdraw")
        return False
    if not loss.awaiting_bill:
        ctx.anomaly(inp, "withdrawn_after_final_bill", f"switch on {inp.ssd} withdrawn after its final bill")
        return False
    state.last_switch_notice = (inp.day, inp.PRIORITY, inp.event_id)
    state.loss = None
    return True


def apply_moved_out(state: SupplyPointState, inp: MovedOutIn, ctx: Ctx) -> bool:
    """The customer leaves. During a pending loss the move-out gets its own final bill only
    when it is before the SSD; on or after the SSD the loss's final bill is the last one."""
    if not state.registered:
        ctx.anomaly(inp, "unknown_supply_point", "move-out for a point we do not supply")
        return False
    current = state.move_out
    if current is not None:
        if current.move_out_date == inp.move_out_date:
            return False
        if inp.day <= current.opened_on or (current.billed_on is not None and inp.day <= current.billed_on):
            # In event-time order this notice came while the current move-out was still
            # open, so it was refused then; a late or repeated delivery must not differ.
            ctx.anomaly(
                inp, "stale_move_out", f"the move-out on {current.move_out_date} was open when this came"
            )
            return False
        if current.awaiting_bill:
            ctx.anomaly(
                inp,
                "move_out_already_pending",
                f"move-out on {current.move_out_date} still awaits its final bill",
            )
            return False
        if inp.move_out_date < current.move_out_date:
            ctx.anomaly(
                inp,
                "stale_move_out",
                f"move-out on {inp.move_out_date} is before the billed one on {current.move_out_date}",
            )
            return False
    loss = state.loss
    if loss is not None and inp.move_out_date >= loss.ssd:
        ctx.anomaly(
            inp,
            "move_out_during_loss",
            f"move-out on {inp.move_out_date} is on or after the switch on {loss.ssd}:"
            " the CoS final bill covers it",
        )
        return False
    state.move_out = MoveOutEpisode(opened_on=inp.day, move_out_date=inp.move_out_date)
    return True


def apply_meter_readings_for_cos(state: SupplyPointState, inp: MeterReadingsIn, ctx: Ctx) -> bool:
    """A D0010: the smart HH CoS reading (or, after an estimate, its correction), or the
    smart NHH reading to send to the DC. Other meters wait for the D0086."""
    loss = state.loss
    if loss is None or not _after_opening(inp, loss.opened_on, SecuredIn.PRIORITY):
        return False
    if loss.awaiting_bill:
        reading = _first_at(inp.readings, loss.ssd, actual_only=True)
        if reading is None:
            return False
        if state.meter_kind == SMART_HH:
            loss.final_bill = _bill(
                ctx,
                IssueFinalBill,
                inp.event_id,
                FinalBillReason.COS,
                loss.ssd,
                reading=reading.billing("D0010"),
            )
            loss.final_cause = inp.event_id
            loss.billed_on = ctx.issued_on
            state.last_billed_ssd = loss.ssd
            return True
        if state.meter_kind == SMART_NHH and loss.dc_sent_on is None:
            ctx.emit(SendReadingToDataCollector, inp.event_id, mpan=ctx.key, reading=reading.billing("D0010"))
            loss.dc_sent_on = ctx.issued_on
            return True
        return False
    if loss.awaiting_correction and loss.final_bill is not None and state.meter_kind == SMART_HH:
        reading = _first_at(inp.readings, loss.ssd, actual_only=True)
        if reading is None:
            return False
        _bill(
            ctx,
            IssueCorrectedFinalBill,
            inp.event_id,
            FinalBillReason.COS,
            loss.ssd,
            reading=reading.billing("D0010"),
            replaces=loss.final_bill,
        )
        loss.corrected_by = inp.event_id
        return True
    return False


def apply_cos_reading(state: SupplyPointState, inp: CosReadingIn, ctx: Ctx) -> bool:
    """A D0086: bill the loss to it, or correct its estimated bill; exactly once."""
    loss = state.loss
    if loss is None:
        ctx.anomaly(inp, "no_loss_for_cos_reading", "CoS reading (D0086) for a point with no pending loss")
        return False
    if inp.event_id in (loss.final_cause, loss.corrected_by):
        return False
    if not _after_opening(inp, loss.opened_on, SecuredIn.PRIORITY):
        ctx.anomaly(
            inp, "cos_reading_before_switch", f"CoS reading dated before the switch notice of {loss.ssd}"
        )
        return False
    if inp.failed:
        ctx.anomaly(
            inp, "cos_reading_failed_validation", "the DC marks this CoS reading as failed validation"
        )
        return False
    window = ctx.policy.cos_reading_window_days
    reading = next((r for r in inp.readings if _within(r.read_on, loss.ssd, window, window)), None)
    if reading is None:
        ctx.anomaly(
            inp,
            "cos_reading_not_at_ssd",
            f"no reading in this D0086 is dated within {window} days of {loss.ssd}",
        )
        return False
    if loss.awaiting_bill:
        loss.final_bill = _bill(
            ctx, IssueFinalBill, inp.event_id, FinalBillReason.COS, loss.ssd, reading=reading.billing("D0086")
        )
        loss.final_cause = inp.event_id
        loss.billed_on = ctx.issued_on
        state.last_billed_ssd = loss.ssd
        return True
    if loss.awaiting_correction and loss.final_bill is not None:
        _bill(
            ctx,
            IssueCorrectedFinalBill,
            inp.event_id,
            FinalBillReason.COS,
            loss.ssd,
            reading=reading.billing("D0086"),
            replaces=loss.final_bill,
        )
        loss.corrected_by = inp.event_id
        return True
    ctx.anomaly(inp, "cos_reading_after_final_bill", f"the loss on {loss.ssd} is already billed to a reading")
    return False


def apply_customer_reading(state: SupplyPointState, inp: CustomerReadingIn, ctx: Ctx) -> bool:
    """A customer's own reading: the move-out reading (final or corrected bill), or, near
    the SSD of a loss, a reading for the CoS that we send to the DC."""
    changed = False
    reading = inp.reading
    move_out = state.move_out
    policy = ctx.policy
    if (
        move_out is not None
        and _after_opening(inp, move_out.opened_on, MovedOutIn.PRIORITY)
        and _within(
            reading.read_on,
            move_out.move_out_date,
            policy.cos_reading_window_days,
            policy.move_out_estimate_days,
        )
    ):
        if move_out.awaiting_bill:
            move_out.final_bill = _bill(
                ctx,
                IssueFinalBill,
                inp.event_id,
                FinalBillReason.MOVE_OUT,
                move_out.move_out_date,
                reading=reading.billing("customer"),
            )
            move_out.final_cause = inp.event_id
            move_out.billed_on = ctx.issued_on
            changed = True
        elif move_out.awaiting_correction and move_out.final_bill is not None:
            _bill(
                ctx,
                IssueCorrectedFinalBill,
                inp.event_id,
                FinalBillReason.MOVE_OUT,
                move_out.move_out_date,
                reading=reading.billing("customer"),
                replaces=move_out.final_bill,
            )
            move_out.corrected_by = inp.event_id
            changed = True
    loss = state.loss
    if (
        loss is not None
        and state.meter_kind != SMART_HH
        and _after_opening(inp, loss.opened_on, SecuredIn.PRIORITY)
        and loss.dc_sent_on is None
        and (loss.awaiting_bill or loss.awaiting_correction)
        and _within(reading.read_on, loss.ssd, policy.cos_reading_window_days, policy.cos_reading_window_days)
    ):
        ctx.emit(SendReadingToDataCollector, inp.event_id, mpan=ctx.key, reading=reading.billing("customer"))
        loss.dc_sent_on = ctx.issued_on
        changed = True
    if not changed and not state.registered and not ctx.claimed_elsewhere():
        ctx.anomaly(inp, "unknown_supply_point", "customer reading for a point we do not supply")
    return changed


# --- deadlines ---------------------------------------------------------------------------------------


def supply_deadlines(state: SupplyPointState, policy: Policy, country: str) -> list[tuple[date, str]]:
    """The pending deadlines of the loss and move-out, as (due day, kind)."""
    out: list[tuple[date, str]] = []
    loss = state.loss
    if loss is not None:
        if loss.awaiting_bill:
            if state.meter_kind == TRADITIONAL and not loss.disputed:
                out.append((loss.ssd + timedelta(days=policy.dispute_after_days + 1), COS_DISPUTE))
            out.append((loss.ssd + timedelta(days=policy.estimated_final_bill_days), COS_ESTIMATE))
        if (
            loss.dc_sent_on is not None
            and not loss.chased
            and (loss.awaiting_bill or loss.awaiting_correction)
        ):
            due = working_days_after(loss.dc_sent_on, policy.dc_chase_working_days + 1, country)
            out.append((due, DC_CHASE))
    move_out = state.move_out
    if move_out is not None and move_out.awaiting_bill:
        out.append(
            (move_out.move_out_date + timedelta(days=policy.move_out_estimate_days), MOVE_OUT_ESTIMATE)
        )
    return out


def fire_supply_deadline(state: SupplyPointState, kind: str, due: date, ctx: Ctx) -> None:
    """Act on a deadline of the loss or move-out that came due with nothing having stopped it."""
    cause = deadline_id(kind, ctx.key, due)
    loss = state.loss
    if kind == COS_DISPUTE and loss is not None:
        ctx.emit(RaiseCoSDispute, cause, mpan=ctx.key, ssd=loss.ssd, gaining_supplier=loss.gaining_supplier)
        loss.disputed = True
    elif kind == COS_ESTIMATE and loss is not None:
        loss.final_bill = _bill(ctx, IssueEstimatedFinalBill, cause, FinalBillReason.COS, loss.ssd)
        loss.final_cause = cause
        loss.billed_on = ctx.issued_on
        loss.estimated = True
        state.last_billed_ssd = loss.ssd
    elif kind == DC_CHASE and loss is not None and loss.dc_sent_on is not None:
        ctx.emit(ChaseDataCollector, cause, mpan=ctx.key, reading_sent_on=loss.dc_sent_on)
        loss.chased = True
    elif kind == MOVE_OUT_ESTIMATE and state.move_out is not None:
        move_out = state.move_out
        move_out.final_bill = _bill(
            ctx, IssueEstimatedFinalBill, cause, FinalBillReason.MOVE_OUT, move_out.move_out_date
        )
        move_out.final_cause = cause
        move_out.billed_on = ctx.issued_on
        move_out.estimated = True


def supply_label(state: SupplyPointState, today: date | None) -> str | None:
    """The dashboard state of the loss / move-out, or None when neither is open."""
    loss = state.loss
    if loss is not None:
        if loss.awaiting_bill:
            if loss.disputed:
                return "disputed"
            if today is None or today < loss.ssd:
                return "loss_pending"
            return "awaiting_cos_reading"
        if loss.awaiting_correction:
            return "estimated_final_billed"
        return "final_billed"
    move_out = state.move_out
    if move_out is not None:
        if move_out.awaiting_bill:
            return "move_out_pending"
        if move_out.awaiting_correction:
            return "estimated_final_billed"
    return None


# --- the machine -------------------------------------------------------------------------------------

_DATES: dict[date, date] = {}


def _shared(day: date) -> date:
    """One date object per distinct day, so a hundred thousand states with the same SSD
    hold one object rather than a hundred thousand."""
    return _DATES.setdefault(day, day)


def meter_readings_input(e: MeterReadingsReceived, _: Policy) -> MeterReadingsIn:
    """A D0010 group as the rules see it (shared with the export machine)."""
    return MeterReadingsIn(event_id=e.event_id, day=e.day, readings=reading_values(e.meters))


def customer_reading_input(e: CustomerReadingReceived, _: Policy) -> CustomerReadingIn:
    """A customer's reading (shared with the export machine, for photo export readings)."""
    reading = customer_reading_value(e.value, e.read_on, e.meter_id, e.register_id)
    return CustomerReadingIn(event_id=e.event_id, day=e.day, reading=reading, photo=e.photo)


def moved_out_input(e: CustomerMovedOut, _: Policy) -> MovedOutIn:
    """A move-out (shared with the export machine, which ends the export tariff)."""
    return MovedOutIn(event_id=e.event_id, day=e.day, account_id=e.account_id, move_out_date=e.move_out_date)


def _cos_reading_input(e: CosReadingsNotified, _: Policy) -> CosReadingIn:
    return CosReadingIn(
        event_id=e.event_id,
        day=e.day,
        readings=reading_values(e.meters),
        failed=e.validation_status == BscValidationStatus.FAILED,
    )


def _registered_input(e: SupplyPointRegistered, _: Policy) -> RegisteredIn:
    return RegisteredIn(
        event_id=e.event_id,
        day=e.day,
        account_id=e.account_id,
        meter_kind=sys.intern(str(e.meter_kind)),
        ssd=_shared(e.ssd),
    )


def _secured_input(e: SwitchSecured, _: Policy) -> SecuredIn:
    return SecuredIn(event_id=e.event_id, day=e.day, ssd=e.ssd, gaining_supplier=e.gaining_supplier)


def _withdrawn_input(e: SwitchWithdrawn, _: Policy) -> WithdrawnIn:
    return WithdrawnIn(event_id=e.event_id, day=e.day, ssd=e.ssd)


def _apply_meter_readings(state: SupplyPointState, inp: MeterReadingsIn, ctx: Ctx) -> bool:
    if not state.registered:
        if not ctx.claimed_elsewhere():
            ctx.anomaly(inp, "unknown_supply_point", "meter readings (D0010) for a point we do not supply")
        return False
    return apply_meter_readings_for_cos(state, inp, ctx)


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
}


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
        *_TRANSITIONS,
    )
    idle_label: str | None = "supplying"
    self_guarded: tuple[type[Input], ...] = (RegisteredIn, MeterReadingsIn)
    """Inputs whose duplicates the state recognises by itself (not kept in `recent`)."""

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
        }

    def apply(self, state: SupplyPointState, inp: Input, ctx: Ctx) -> bool:
        transition = _TRANSITIONS.get(type(inp))
        return False if transition is None else bool(transition(state, inp, ctx))

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
