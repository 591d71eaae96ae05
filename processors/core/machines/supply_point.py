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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from processors.core.calendar import country_for, working_days_after
from processors.core.deadlines import deadline_id
from processors.core.input_order import InputOrder
from processors.core.machine import Converter, Ctx, Input, Keyspace, MachineState, apply_by_type
from processors.core.policy import Policy
from processors.core.readings import (
    ReadingValue,
    customer_reading_value,
    reading_values,
    smart_reading_values,
)
from processors.vocabulary.commands import (
    BillingReading,
    ChaseDataCollector,
    Command,
    CustomerReadingReason,
    DisputeResponse,
    FinalBillReason,
    GuaranteedStandard,
    IssueCorrectedFinalBill,
    IssueEstimatedFinalBill,
    IssueFinalBill,
    PayGuaranteedStandardCompensation,
    RaiseCoSDispute,
    RequestCustomerReading,
    RespondToCoSDispute,
    SendReadingToDataCollector,
    SettleFinalBalance,
)
from processors.vocabulary.events import (
    UK,
    CosReadingDisputed,
    CosReadingsNotified,
    CustomerMovedOut,
    CustomerReadingReceived,
    DomainEvent,
    MeterKind,
    MeterReadingsReceived,
    OldSupplierRegistrationNotified,
    ProposedReadingStatus,
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
    account_link,
)
from processors.vocabulary.events.internal import follow_up_id

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
    COS_REFUND_LATE = "cos_refund_late"
    MOVE_OUT_REFUND_LATE = "move_out_refund_late"


COS_DISPUTE = SupplyPointDeadline.COS_DISPUTE
COS_ESTIMATE = SupplyPointDeadline.COS_ESTIMATE
DC_CHASE = SupplyPointDeadline.DC_CHASE
MOVE_OUT_ESTIMATE = SupplyPointDeadline.MOVE_OUT_ESTIMATE
COS_REFUND_LATE = SupplyPointDeadline.COS_REFUND_LATE
MOVE_OUT_REFUND_LATE = SupplyPointDeadline.MOVE_OUT_REFUND_LATE

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
    """A D0086 group (each reading with its fitness: BSC status, flag, 07A)."""

    PRIORITY: ClassVar[int] = InputOrder.COS_READING
    readings: tuple[ReadingValue, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SmartReadingIn(Input):
    """A read we took from the smart meter ourselves (`smart_meter.reading`)."""

    PRIORITY: ClassVar[int] = InputOrder.SMART_READING
    readings: tuple[ReadingValue, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class DisputeIn(Input):
    """An inbound D0300: its status and the proposed readings (as of the SSD)."""

    PRIORITY: ClassVar[int] = InputOrder.COS_DISPUTE
    ssd: date
    status: str | None
    proposed: tuple[ReadingValue, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class NotReadIn(Input):
    """A D0004: the DC failed to read the meter on `failed_on`."""

    PRIORITY: ClassVar[int] = InputOrder.READING_NOT_OBTAINED
    failed_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class RefundPaidIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.REFUND_PAID
    final_bill: str
    paid_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistrationDetailsIn(Input):
    """A D0217 or D0260 for this MPAN: its SSD and related MPANs (58M / 60M)."""

    PRIORITY: ClassVar[int] = InputOrder.REGISTRATION_CONFIRMED
    ssd: date
    related: tuple[str, ...]
    old_supplier: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class RelatedSecuredIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.RELATED_SWITCH_SECURED
    related_mpan: str
    ssd: date
    gaining_supplier: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RelatedWithdrawnIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.RELATED_SWITCH_WITHDRAWN
    related_mpan: str
    ssd: date


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
    account_id: str | None = None
    """Who a guaranteed-standard payment is due to."""
    standing_bill: str | None = None
    """Command id of the bill that stands now (the latest final, estimated or corrected)."""
    bills: tuple[str, ...] = ()
    """Command ids of every bill issued, for `refund.paid`."""
    billed: tuple[BillingReading, ...] = ()
    """The readings the standing bill billed (empty for an estimate)."""
    refund_due_by: date | None = None
    refund_paid: bool = False
    standards_paid: tuple[str, ...] = ()
    """Guaranteed standards already paid for this loss or move-out (at most one each)."""
    reading_requested: bool = False

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
    proposal: tuple[BillingReading, ...] = ()
    """Our own latest actual readings of each register (on or before the SSD): what we
    propose as the CoS reading in a dispute."""


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
    account_id: str | None = None
    related_mpans: tuple[str, ...] = ()
    """The other MPANs of its related pairs (D0217 58M, D0260 60M): lost together (D23)."""

    @property
    def registered(self) -> bool:
        return self.meter_kind is not None

    def wants_meter_readings(self) -> bool:
        """Whether a D0010 can change anything here (the cheap test of the common case): a
        loss waiting for its bill (the smart HH reading, or our proposal for a dispute), a
        smart HH estimate to correct, or a move-out to bill or correct."""
        loss = self.loss
        if loss is not None and (
            loss.awaiting_bill or (loss.awaiting_correction and self.meter_kind == SMART_HH)
        ):
            return True
        move_out = self.move_out
        return move_out is not None and (move_out.awaiting_bill or move_out.awaiting_correction)


def more_than_days(start: date, days: int) -> date:
    """The day a "more than `days` days after `start`" deadline fires: day N+1, everywhere
    (dispute, refund, 90-day export readings; DOMAIN.md "Reading quality", D23)."""
    return start + timedelta(days=days + 1)


def _bill(  # noqa: PLR0917 - the bill's parts, in the order the rules name them
    ctx: Ctx,
    episode: FinalBilling,
    cls: type[Command],
    cause: str,
    reason: FinalBillReason,
    final_date: date,
    readings: tuple[ReadingValue, ...] = (),
    source: str = "",
) -> str:
    """Issue a final, estimated or corrected bill for `episode` (every register in
    `readings`), the SettleFinalBalance that follows it and, for a first bill issued more
    than six weeks after `final_date`, the guaranteed-standard payment."""
    extra: dict[str, Any] = {}
    billing = tuple(r.billing(source) for r in readings)
    if billing:
        extra = {"reading": billing[0], "readings": billing}
    if cls is IssueCorrectedFinalBill:
        extra["replaces"] = episode.standing_bill
    bill = ctx.emit(cls, cause, mpan=ctx.key, reason=reason, final_date=final_date, **extra)
    policy = ctx.policy
    refund_due_by = ctx.working_days_after(policy.refund_working_days)
    ctx.emit(SettleFinalBalance, cause, mpan=ctx.key, final_bill=bill.command_id, refund_due_by=refund_due_by)
    first = episode.final_bill is None
    if first:
        episode.final_bill = bill.command_id
        episode.final_cause = cause
        episode.billed_on = ctx.issued_on
        episode.estimated = cls is IssueEstimatedFinalBill
        if ctx.issued_on >= more_than_days(final_date, policy.final_bill_guarantee_days):
            _compensate(ctx, episode, GuaranteedStandard.FINAL_BILL_SIX_WEEKS, cause)
    else:
        episode.corrected_by = cause
    episode.standing_bill = bill.command_id
    episode.bills = (*episode.bills, bill.command_id)
    episode.billed = billing
    episode.refund_due_by = refund_due_by
    episode.refund_paid = False
    return bill.command_id


def _compensate(ctx: Ctx, episode: FinalBilling, standard: GuaranteedStandard, cause: str) -> None:
    """Pay a missed guaranteed standard, at most once per standard per loss or move-out."""
    if standard.value in episode.standards_paid:
        return
    ctx.emit(
        PayGuaranteedStandardCompensation,
        cause,
        mpan=ctx.key,
        standard=standard,
        amount=ctx.policy.guaranteed_standard_amount,
        due_to=episode.account_id or "",
    )
    episode.standards_paid = (*episode.standards_paid, standard.value)


def _one_per_register(readings: Iterable[ReadingValue]) -> tuple[ReadingValue, ...]:
    """The first reading (flow order) of each register of each meter."""
    seen: dict[tuple[str | None, str | None], ReadingValue] = {}
    for r in readings:
        seen.setdefault(r.register_key, r)
    return tuple(seen.values())


def _all_at(readings: tuple[ReadingValue, ...], day: date) -> tuple[ReadingValue, ...]:
    """Every actual register reading stamped at the midnight that starts `day`."""
    return _one_per_register(r for r in readings if r.midnight and r.read_on == day and r.actual)


def _unfit(ctx: Ctx, inp: Input, readings: tuple[ReadingValue, ...], what: str) -> bool:
    """True (and the anomaly with its reasons) when any of `readings` is unfit to bill."""
    reasons = sorted({f"register {r.register_id}: {r.unfit}" for r in readings if r.unfit is not None})
    if not reasons:
        return False
    ctx.anomaly(inp, "unfit_reading", f"{what} is not fit to bill: {'; '.join(reasons)}")
    return True


def _register(r: BillingReading | ReadingValue) -> tuple[str | None, str | None]:
    return (r.meter_id, r.register_id)


def _differs(billed: tuple[BillingReading, ...], readings: tuple[ReadingValue, ...]) -> bool:
    """Whether `readings` change the billed value of any register (or bill another one)."""
    before = {_register(r): r.value for r in billed}
    return any(before.get(_register(r)) != r.value for r in readings)


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
        if inp.ssd == state.ssd and inp.meter_kind == state.meter_kind and inp.account_id == state.account_id:
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
    state.account_id = inp.account_id
    ctx.follow_ups.append(account_link(inp.event_id, inp.day, ctx.key, inp.account_id, inp.ssd))
    return True


def apply_secured(state: SupplyPointState, inp: SecuredIn, ctx: Ctx) -> bool:
    """A switch away from us on `ssd`: a loss. A re-secured switch with a new SSD replaces a
    loss that has billed nothing yet. Its related MPANs are lost with it (D23)."""
    if not state.registered:
        ctx.anomaly(inp, "unknown_supply_point", "switch secured for a point we do not supply")
        return False
    if _stale_notice(state, inp, ctx):
        return False
    if not _open_loss(state, inp, inp.ssd, inp.gaining_supplier, ctx):
        return False
    state.last_switch_notice = (inp.day, inp.PRIORITY, inp.event_id)
    for partner in state.related_mpans:
        ctx.follow_ups.append(
            RelatedSwitchSecured(
                event_id=follow_up_id(inp.event_id, "related_secured", partner),
                occurred_at=_noon(inp.day),
                mpan=partner,
                related_mpan=ctx.key,
                ssd=inp.ssd,
                gaining_supplier=inp.gaining_supplier,
            )
        )
    return True


def _open_loss(state: SupplyPointState, inp: Input, ssd: date, gaining: str, ctx: Ctx) -> bool:
    loss = state.loss
    if loss is not None and loss.ssd == ssd:
        return False
    if state.last_billed_ssd is not None and ssd <= state.last_billed_ssd:
        ctx.anomaly(inp, "stale_switch", f"switch on {ssd}: the loss on {state.last_billed_ssd} is billed")
        return False
    if state.ssd is not None and ssd < state.ssd:
        ctx.anomaly(inp, "switch_before_supply", f"switch on {ssd} is before our supply start {state.ssd}")
        return False
    state.loss = LossEpisode(
        opened_on=inp.day, ssd=ssd, gaining_supplier=gaining, account_id=state.account_id
    )
    return True


def apply_related_secured(state: SupplyPointState, inp: RelatedSecuredIn, ctx: Ctx) -> bool:
    """The other MPAN of a related pair is lost: this one goes with it, on the same SSD.
    A related MPAN we do not supply as a point of its own (an export MPAN) changes nothing."""
    if not state.registered:
        return False
    return _open_loss(state, inp, inp.ssd, inp.gaining_supplier, ctx)


def apply_related_withdrawn(state: SupplyPointState, inp: RelatedWithdrawnIn, ctx: Ctx) -> bool:
    loss = state.loss
    if loss is None or loss.ssd != inp.ssd or not loss.awaiting_bill:
        return False
    state.loss = None
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
    for partner in state.related_mpans:
        ctx.follow_ups.append(
            RelatedSwitchWithdrawn(
                event_id=follow_up_id(inp.event_id, "related_withdrawn", partner),
                occurred_at=_noon(inp.day),
                mpan=partner,
                related_mpan=ctx.key,
                ssd=inp.ssd,
            )
        )
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
    state.move_out = MoveOutEpisode(
        opened_on=inp.day, move_out_date=inp.move_out_date, account_id=inp.account_id
    )
    return True


def _keep_proposal(loss: LossEpisode, readings: Iterable[ReadingValue], source: str) -> bool:
    """Keep our latest fit actual reading of each register dated on or before the SSD."""
    latest = {_register(r): r for r in loss.proposal}
    changed = False
    for r in readings:
        if not r.actual or r.unfit is not None or r.read_on > loss.ssd:
            continue
        held = latest.get(r.register_key)
        if held is None or r.read_on > held.read_on:
            latest[r.register_key] = r.billing(source)
            changed = True
    if changed:
        loss.proposal = tuple(latest.values())
    return changed


def apply_meter_readings_for_cos(state: SupplyPointState, inp: MeterReadingsIn, ctx: Ctx) -> bool:
    """A D0010: the smart HH CoS reading (or, after an estimate, its correction), our
    proposal for a dispute, or a move-out reading. It is the DC's own reading, so it is
    never sent back to the DC (item 5, D23)."""
    changed = _move_out_flow_reading(state, inp, ctx)
    loss = state.loss
    if loss is None or not _after_opening(inp, loss.opened_on, SecuredIn.PRIORITY):
        return changed
    if loss.awaiting_bill:
        if state.meter_kind == SMART_HH:
            readings = _all_at(inp.readings, loss.ssd)
            if readings:
                if _unfit(ctx, inp, readings, "the D0010 reading at the SSD"):
                    return changed
                _bill(
                    ctx, loss, IssueFinalBill, inp.event_id, FinalBillReason.COS, loss.ssd, readings, "D0010"
                )
                state.last_billed_ssd = loss.ssd
                return True
        return _keep_proposal(loss, inp.readings, "D0010") or changed
    if loss.awaiting_correction and state.meter_kind == SMART_HH:
        readings = _all_at(inp.readings, loss.ssd)
        if not readings or _unfit(ctx, inp, readings, "the D0010 reading at the SSD"):
            return changed
        _bill(
            ctx, loss, IssueCorrectedFinalBill, inp.event_id, FinalBillReason.COS, loss.ssd, readings, "D0010"
        )
        return True
    return changed


def _move_out_flow_reading(state: SupplyPointState, inp: MeterReadingsIn, ctx: Ctx) -> bool:
    """An actual D0010 reading dated at the move-out date bills the move-out (when it
    arrives within the 35 days) or corrects its estimate (item 6)."""
    move_out = state.move_out
    if move_out is None or not _after_opening(inp, move_out.opened_on, MovedOutIn.PRIORITY):
        return False
    if state.loss is not None:
        return False  # one D0010 bills one thing: during a loss it is the loss's reading
    if not (move_out.awaiting_bill or move_out.awaiting_correction):
        return False
    window = ctx.policy.cos_reading_window_days
    near = _one_per_register(
        r for r in inp.readings if r.actual and _within(r.read_on, move_out.move_out_date, window, window)
    )
    if not near or _unfit(ctx, inp, near, "the D0010 reading at the move-out"):
        return False
    if move_out.awaiting_bill:
        if inp.day > move_out.move_out_date + timedelta(days=ctx.policy.move_out_estimate_days):
            return False
        cls: type[Command] = IssueFinalBill
    else:
        cls = IssueCorrectedFinalBill
    _bill(ctx, move_out, cls, inp.event_id, FinalBillReason.MOVE_OUT, move_out.move_out_date, near, "D0010")
    return True


def apply_cos_reading(state: SupplyPointState, inp: CosReadingIn, ctx: Ctx) -> bool:
    """A D0086: bill the loss to every register of it, or correct the bill that stands
    (an estimate, or an actual bill the new reading changes); never an unfit reading."""
    loss = state.loss
    if loss is None:
        ctx.anomaly(inp, "no_loss_for_cos_reading", "CoS reading (D0086) for a point with no pending loss")
        return False
    if inp.event_id in {loss.final_cause, loss.corrected_by}:
        return False
    if not _after_opening(inp, loss.opened_on, SecuredIn.PRIORITY):
        ctx.anomaly(
            inp, "cos_reading_before_switch", f"CoS reading dated before the switch notice of {loss.ssd}"
        )
        return False
    window = ctx.policy.cos_reading_window_days
    readings = _one_per_register(r for r in inp.readings if _within(r.read_on, loss.ssd, window, window))
    if not readings:
        ctx.anomaly(
            inp,
            "cos_reading_not_at_ssd",
            f"no reading in this D0086 is dated within {window} days of {loss.ssd}",
        )
        return False
    if _unfit(ctx, inp, readings, "the CoS reading (D0086)"):
        return False
    if loss.awaiting_bill:
        _bill(ctx, loss, IssueFinalBill, inp.event_id, FinalBillReason.COS, loss.ssd, readings, "D0086")
        state.last_billed_ssd = loss.ssd
        return True
    if (loss.estimated and loss.corrected_by is None) or _differs(loss.billed, readings):
        _bill(
            ctx, loss, IssueCorrectedFinalBill, inp.event_id, FinalBillReason.COS, loss.ssd, readings, "D0086"
        )
        return True
    ctx.anomaly(inp, "cos_reading_unchanged", f"the loss on {loss.ssd} is already billed to this reading")
    return False


def apply_smart_reading(state: SupplyPointState, inp: SmartReadingIn, ctx: Ctx) -> bool:
    """Our own smart meter read at the SSD of a smart NHH loss: sent to the DC (who then
    issues the D0086), and kept as our proposal."""
    loss = state.loss
    if loss is None or not _after_opening(inp, loss.opened_on, SecuredIn.PRIORITY):
        if not state.registered:
            ctx.anomaly(inp, "unknown_supply_point", "smart meter reading for a point we do not supply")
        return False
    window = ctx.policy.cos_reading_window_days
    readings = _one_per_register(r for r in inp.readings if _within(r.read_on, loss.ssd, window, window))
    if not readings:
        return False
    changed = _keep_proposal(loss, readings, "smart") if loss.awaiting_bill else False
    if (
        state.meter_kind == SMART_NHH
        and loss.dc_sent_on is None
        and (loss.awaiting_bill or loss.awaiting_correction)
    ):
        _send_to_dc(ctx, loss, inp.event_id, readings, "smart")
        return True
    return changed


def _send_to_dc(
    ctx: Ctx, loss: LossEpisode, cause: str, readings: tuple[ReadingValue, ...], source: str
) -> None:
    billing = tuple(r.billing(source) for r in readings)
    ctx.emit(SendReadingToDataCollector, cause, mpan=ctx.key, reading=billing[0], readings=billing)
    loss.dc_sent_on = ctx.issued_on


def apply_customer_reading(state: SupplyPointState, inp: CustomerReadingIn, ctx: Ctx) -> bool:
    """A customer's own reading: the move-out reading (final or corrected bill), or, near
    the SSD of a loss, a reading for the CoS that we send to the DC.

    The 35-day window is about receiving it (DOMAIN.md "Reading quality"): it bills the
    move-out when it arrives within 35 days of the move-out date and is dated within the
    window of it (5 days by default), never a reading taken weeks later."""
    changed = False
    reading = inp.reading
    move_out = state.move_out
    policy = ctx.policy
    window = policy.cos_reading_window_days
    if (
        move_out is not None
        and _after_opening(inp, move_out.opened_on, MovedOutIn.PRIORITY)
        and _within(reading.read_on, move_out.move_out_date, window, window)
    ):
        in_time = inp.day <= move_out.move_out_date + timedelta(days=policy.move_out_estimate_days)
        if move_out.awaiting_bill and in_time:
            _bill(
                ctx,
                move_out,
                IssueFinalBill,
                inp.event_id,
                FinalBillReason.MOVE_OUT,
                move_out.move_out_date,
                (reading,),
                "customer",
            )
            changed = True
        elif move_out.awaiting_correction:
            _bill(
                ctx,
                move_out,
                IssueCorrectedFinalBill,
                inp.event_id,
                FinalBillReason.MOVE_OUT,
                move_out.move_out_date,
                (reading,),
                "customer",
            )
            changed = True
    loss = state.loss
    if (
        loss is not None
        and state.meter_kind != SMART_HH
        and _after_opening(inp, loss.opened_on, SecuredIn.PRIORITY)
        and (loss.awaiting_bill or loss.awaiting_correction)
        and _within(reading.read_on, loss.ssd, window, window)
    ):
        if loss.awaiting_bill:
            changed = _keep_proposal(loss, (reading,), "customer") or changed
        if loss.dc_sent_on is None:
            _send_to_dc(ctx, loss, inp.event_id, (reading,), "customer")
            changed = True
    if not changed and not state.registered and not ctx.claimed_elsewhere():
        ctx.anomaly(inp, "unknown_supply_point", "customer reading for a point we do not supply")
    return changed


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _within_materiality(theirs: tuple[ReadingValue, ...], ours: tuple[BillingReading, ...], kwh: Any) -> bool:
    """Whether every proposed register is within `kwh` of ours (matched by meter and
    register, else by register alone: the other supplier may not name the meter)."""
    held = {_register(r): r.value for r in ours}
    by_register = {r.register_id: r.value for r in ours}
    for r in theirs:
        value = held.get(r.register_key, by_register.get(r.register_id))
        if value is not None and abs(r.value - value) > kwh:
            return False
    return True


def apply_dispute(state: SupplyPointState, inp: DisputeIn, ctx: Ctx) -> bool:
    """An inbound D0300 about our loss on `ssd` (FLOWS.md 4; D23 says how each status is
    answered): a proposal within the materiality guide of ours (or when we hold none) is
    agreed (`Y`), else we propose ours (`A`); a request for a reading gets ours (`A`) or,
    with none, `D`; a disagreement gets `M` (a further reading is obtained). An agreed
    reading (theirs `Y`, or ours to their proposal) that differs from our final bill
    corrects it. Disputes more than 12 months after the SSD are out of time."""
    loss = state.loss
    if loss is None or loss.ssd != inp.ssd:
        ctx.anomaly(
            inp, "no_loss_for_dispute", f"D0300 for a change of supplier on {inp.ssd} we did not lose"
        )
        return False
    policy = ctx.policy
    if inp.day > _add_months(inp.ssd, policy.dispute_window_months):
        ctx.anomaly(
            inp,
            "dispute_out_of_time",
            f"D0300 received {inp.day}, more than {policy.dispute_window_months} months"
            f" after the SSD {inp.ssd}",
        )
        return False
    status = inp.status
    ours = loss.billed or loss.proposal
    theirs = inp.proposed
    agreed: tuple[ReadingValue, ...] = ()
    response: DisputeResponse | None = None
    proposal: tuple[BillingReading, ...] = ()
    if status == ProposedReadingStatus.AGREED:
        agreed = theirs
    elif status in (ProposedReadingStatus.PROPOSED, ProposedReadingStatus.ALTERNATIVE) and theirs:
        if not ours or _within_materiality(theirs, ours, policy.dispute_materiality_kwh):
            response, agreed = DisputeResponse.AGREED, theirs
            proposal = tuple(r.billing("D0300") for r in theirs)
        else:
            response, proposal = DisputeResponse.ALTERNATIVE, ours
    elif status in (ProposedReadingStatus.REQUESTED, ProposedReadingStatus.UNACCEPTABLE_OR_MISSING):
        response, proposal = (DisputeResponse.ALTERNATIVE, ours) if ours else (DisputeResponse.DISAGREED, ())
    elif status == ProposedReadingStatus.DISAGREED:
        response = DisputeResponse.MISSING
    else:
        ctx.anomaly(inp, "dispute_not_answerable", f"D0300 with proposed reading status {status!r}")
        return False
    if response is not None:
        ctx.emit(
            RespondToCoSDispute,
            inp.event_id,
            mpan=ctx.key,
            ssd=loss.ssd,
            status=response,
            proposed_readings=proposal,
            respond_by=working_days_after(inp.day, policy.dispute_response_working_days, ctx.country),
        )
    if agreed and not loss.awaiting_bill and _differs(loss.billed, agreed):
        _bill(
            ctx, loss, IssueCorrectedFinalBill, inp.event_id, FinalBillReason.COS, loss.ssd, agreed, "D0300"
        )
    return True


def apply_not_read(state: SupplyPointState, inp: NotReadIn, ctx: Ctx) -> bool:
    """A D0004 while a loss or move-out waits for its reading: ask the customer for one
    (once per loss or move-out)."""
    for episode, opener in ((state.loss, SecuredIn.PRIORITY), (state.move_out, MovedOutIn.PRIORITY)):
        if (
            episode is not None
            and episode.awaiting_bill
            and not episode.reading_requested
            and _after_opening(inp, episode.opened_on, opener)
        ):
            ctx.emit(
                RequestCustomerReading,
                inp.event_id,
                mpan=ctx.key,
                reason=CustomerReadingReason.DC_FAILED_TO_READ,
                failed_on=inp.failed_on,
            )
            episode.reading_requested = True
            return True
    if not state.registered:
        ctx.anomaly(inp, "unknown_supply_point", "failure to read (D0004) for a point we do not supply")
    return False


def apply_refund_paid(state: SupplyPointState, inp: RefundPaidIn, ctx: Ctx) -> bool:
    """The refund of a final balance was paid: the refund standard is met."""
    for episode in (state.loss, state.move_out):
        if episode is not None and inp.final_bill in episode.bills:
            if episode.refund_paid:
                return False
            episode.refund_paid = True
            return True
    ctx.anomaly(inp, "unknown_final_bill", f"refund paid for {inp.final_bill}, no final bill of ours")
    return False


def apply_registration_details(state: SupplyPointState, inp: RegistrationDetailsIn, ctx: Ctx) -> bool:
    """A D0217 or D0260 for a point we supply: its related MPANs (lost together, D23); a
    D0260 whose SSD is not our registration's is an anomaly."""
    if not state.registered:
        if inp.old_supplier:
            ctx.anomaly(
                inp, "unknown_supply_point", "old supplier's details (D0260) for a point we do not supply"
            )
        return False
    if inp.old_supplier and state.ssd is not None and inp.ssd != state.ssd:
        ctx.anomaly(
            inp,
            "registration_ssd_mismatch",
            f"the D0260 gives SSD {inp.ssd}, our registration {state.ssd}",
        )
    if inp.related == state.related_mpans:
        return False
    state.related_mpans = inp.related
    return True


# --- deadlines ---------------------------------------------------------------------------------------


def supply_deadlines(state: SupplyPointState, policy: Policy, country: str) -> list[tuple[date, str]]:
    """The pending deadlines of the loss and move-out, as (due day, kind)."""
    out: list[tuple[date, str]] = []
    loss = state.loss
    if loss is not None:
        if loss.awaiting_bill:
            if state.meter_kind == TRADITIONAL and not loss.disputed:
                out.append((more_than_days(loss.ssd, policy.dispute_after_days), COS_DISPUTE))
            out.append((loss.ssd + timedelta(days=policy.estimated_final_bill_days), COS_ESTIMATE))
        if (
            loss.dc_sent_on is not None
            and not loss.chased
            and (loss.awaiting_bill or loss.awaiting_correction)
        ):
            due = working_days_after(loss.dc_sent_on, policy.dc_chase_working_days + 1, country)
            out.append((due, DC_CHASE))
        if _refund_pending(loss):
            out.append((more_than_days(loss.refund_due_by, 0), COS_REFUND_LATE))  # type: ignore[arg-type]
    move_out = state.move_out
    if move_out is not None:
        if move_out.awaiting_bill:
            out.append(
                (move_out.move_out_date + timedelta(days=policy.move_out_estimate_days), MOVE_OUT_ESTIMATE)
            )
        if _refund_pending(move_out):
            out.append((more_than_days(move_out.refund_due_by, 0), MOVE_OUT_REFUND_LATE))  # type: ignore[arg-type]
    return out


def _refund_pending(episode: FinalBilling) -> bool:
    return (
        episode.refund_due_by is not None
        and not episode.refund_paid
        and GuaranteedStandard.REFUND_TEN_WORKING_DAYS.value not in episode.standards_paid
    )


def fire_supply_deadline(state: SupplyPointState, kind: str, due: date, ctx: Ctx) -> None:
    """Act on a deadline of the loss or move-out that came due with nothing having stopped it."""
    cause = deadline_id(kind, ctx.key, due)
    loss = state.loss
    move_out = state.move_out
    if kind == COS_DISPUTE and loss is not None:
        ctx.emit(
            RaiseCoSDispute,
            cause,
            mpan=ctx.key,
            ssd=loss.ssd,
            gaining_supplier=loss.gaining_supplier,
            proposed_readings=loss.proposal,
        )
        loss.disputed = True
    elif kind == COS_ESTIMATE and loss is not None:
        _bill(ctx, loss, IssueEstimatedFinalBill, cause, FinalBillReason.COS, loss.ssd)
        state.last_billed_ssd = loss.ssd
    elif kind == DC_CHASE and loss is not None and loss.dc_sent_on is not None:
        ctx.emit(ChaseDataCollector, cause, mpan=ctx.key, reading_sent_on=loss.dc_sent_on)
        loss.chased = True
    elif kind == MOVE_OUT_ESTIMATE and move_out is not None:
        _bill(ctx, move_out, IssueEstimatedFinalBill, cause, FinalBillReason.MOVE_OUT, move_out.move_out_date)
    elif kind == COS_REFUND_LATE and loss is not None:
        _compensate(ctx, loss, GuaranteedStandard.REFUND_TEN_WORKING_DAYS, cause)
    elif kind == MOVE_OUT_REFUND_LATE and move_out is not None:
        _compensate(ctx, move_out, GuaranteedStandard.REFUND_TEN_WORKING_DAYS, cause)


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


def _noon(day: date) -> datetime:
    """The occurred_at of a follow-up: its cause's UK day (noon, so the day is unambiguous)."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=UK)


# --- the machine -------------------------------------------------------------------------------------

_DATES: dict[date, date] = {}


def _shared(day: date) -> date:
    """One date object per distinct day, so a hundred thousand states with the same SSD
    hold one object rather than a hundred thousand."""
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
        day=e.day,
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
