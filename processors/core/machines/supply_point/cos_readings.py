"""Readings for a loss or a move-out: D0010, D0086 CoS readings, smart and customer readings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from processors.core.machine import Ctx
from processors.core.machines.supply_point.billing import (
    after_opening,
    all_at,
    issue_bill,
    one_per_register,
    readings_differ,
    register_of,
    unfit_readings,
    within_days,
)
from processors.core.machines.supply_point.inputs import (
    CosReadingIn,
    CustomerReadingIn,
    MeterReadingsIn,
    MovedOutIn,
    SecuredIn,
    SmartReadingIn,
)
from processors.core.machines.supply_point.state import SMART_HH, SMART_NHH, LossEpisode, SupplyPointState
from processors.core.readings import (
    ReadingValue,
)
from processors.vocabulary.commands import (
    Command,
    FinalBillReason,
    IssueCorrectedFinalBill,
    IssueFinalBill,
    SendReadingToDataCollector,
)


def _keep_proposal(loss: LossEpisode, readings: Iterable[ReadingValue], source: str) -> bool:
    """Keep our latest fit actual reading of each register dated on or before the SSD."""
    latest = {register_of(r): r for r in loss.proposal}
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
    if loss is None or not after_opening(inp, loss.opened_on, SecuredIn.PRIORITY):
        return changed
    if loss.awaiting_bill:
        if state.meter_kind == SMART_HH:
            readings = all_at(inp.readings, loss.ssd)
            if readings:
                if unfit_readings(ctx, inp, readings, "the D0010 reading at the SSD"):
                    return changed
                issue_bill(
                    ctx, loss, IssueFinalBill, inp.event_id, FinalBillReason.COS, loss.ssd, readings, "D0010"
                )
                state.last_billed_ssd = loss.ssd
                return True
        return _keep_proposal(loss, inp.readings, "D0010") or changed
    if loss.awaiting_correction and state.meter_kind == SMART_HH:
        readings = all_at(inp.readings, loss.ssd)
        if not readings or unfit_readings(ctx, inp, readings, "the D0010 reading at the SSD"):
            return changed
        issue_bill(
            ctx, loss, IssueCorrectedFinalBill, inp.event_id, FinalBillReason.COS, loss.ssd, readings, "D0010"
        )
        return True
    return changed


def _move_out_flow_reading(state: SupplyPointState, inp: MeterReadingsIn, ctx: Ctx) -> bool:
    """An actual D0010 reading dated at the move-out date bills the move-out (when it
    arrives within the 35 days) or corrects its estimate (item 6)."""
    move_out = state.move_out
    if move_out is None or not after_opening(inp, move_out.opened_on, MovedOutIn.PRIORITY):
        return False
    if state.loss is not None:
        return False  # one D0010 bills one thing: during a loss it is the loss's reading
    if not (move_out.awaiting_bill or move_out.awaiting_correction):
        return False
    window = ctx.policy.cos_reading_window_days
    near = one_per_register(
        r for r in inp.readings if r.actual and within_days(r.read_on, move_out.move_out_date, window, window)
    )
    if not near or unfit_readings(ctx, inp, near, "the D0010 reading at the move-out"):
        return False
    if move_out.awaiting_bill:
        if inp.day > move_out.move_out_date + timedelta(days=ctx.policy.move_out_estimate_days):
            return False
        cls: type[Command] = IssueFinalBill
    else:
        cls = IssueCorrectedFinalBill
    issue_bill(
        ctx, move_out, cls, inp.event_id, FinalBillReason.MOVE_OUT, move_out.move_out_date, near, "D0010"
    )
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
    if not after_opening(inp, loss.opened_on, SecuredIn.PRIORITY):
        ctx.anomaly(
            inp, "cos_reading_before_switch", f"CoS reading dated before the switch notice of {loss.ssd}"
        )
        return False
    window = ctx.policy.cos_reading_window_days
    readings = one_per_register(r for r in inp.readings if within_days(r.read_on, loss.ssd, window, window))
    if not readings:
        ctx.anomaly(
            inp,
            "cos_reading_not_at_ssd",
            f"no reading in this D0086 is dated within {window} days of {loss.ssd}",
        )
        return False
    if unfit_readings(ctx, inp, readings, "the CoS reading (D0086)"):
        return False
    if loss.awaiting_bill:
        issue_bill(ctx, loss, IssueFinalBill, inp.event_id, FinalBillReason.COS, loss.ssd, readings, "D0086")
        state.last_billed_ssd = loss.ssd
        return True
    if (loss.estimated and loss.corrected_by is None) or readings_differ(loss.billed, readings):
        issue_bill(
            ctx, loss, IssueCorrectedFinalBill, inp.event_id, FinalBillReason.COS, loss.ssd, readings, "D0086"
        )
        return True
    ctx.anomaly(inp, "cos_reading_unchanged", f"the loss on {loss.ssd} is already billed to this reading")
    return False


def apply_smart_reading(state: SupplyPointState, inp: SmartReadingIn, ctx: Ctx) -> bool:
    """Our own smart meter read at the SSD of a smart NHH loss: sent to the DC (who then
    issues the D0086), and kept as our proposal."""
    loss = state.loss
    if loss is None or not after_opening(inp, loss.opened_on, SecuredIn.PRIORITY):
        if not state.registered:
            ctx.anomaly(inp, "unknown_supply_point", "smart meter reading for a point we do not supply")
        return False
    window = ctx.policy.cos_reading_window_days
    readings = one_per_register(r for r in inp.readings if within_days(r.read_on, loss.ssd, window, window))
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
        and after_opening(inp, move_out.opened_on, MovedOutIn.PRIORITY)
        and within_days(reading.read_on, move_out.move_out_date, window, window)
    ):
        in_time = inp.day <= move_out.move_out_date + timedelta(days=policy.move_out_estimate_days)
        bill: type[Command] | None = (
            IssueFinalBill
            if move_out.awaiting_bill and in_time
            else IssueCorrectedFinalBill
            if move_out.awaiting_correction
            else None
        )
        if bill is not None:
            issue_bill(
                ctx,
                move_out,
                bill,
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
        and after_opening(inp, loss.opened_on, SecuredIn.PRIORITY)
        and (loss.awaiting_bill or loss.awaiting_correction)
        and within_days(reading.read_on, loss.ssd, window, window)
    ):
        if loss.awaiting_bill:
            changed = _keep_proposal(loss, (reading,), "customer") or changed
        if loss.dc_sent_on is None:
            _send_to_dc(ctx, loss, inp.event_id, (reading,), "customer")
            changed = True
    if not changed and not state.registered and not ctx.claimed_elsewhere():
        ctx.anomaly(inp, "unknown_supply_point", "customer reading for a point we do not supply")
    return changed
