"""What a loss or move-out waits for, what fires when it does not come, and its label."""

from __future__ import annotations

from datetime import date, timedelta

from processors.core.calendar import working_days_after
from processors.core.deadlines import deadline_id
from processors.core.machine import Ctx
from processors.core.machines.supply_point.billing import compensate, issue_bill, more_than_days
from processors.core.machines.supply_point.state import (
    COS_DISPUTE,
    COS_ESTIMATE,
    COS_REFUND_LATE,
    DC_CHASE,
    MOVE_OUT_ESTIMATE,
    MOVE_OUT_REFUND_LATE,
    TRADITIONAL,
    FinalBilling,
    SupplyPointState,
)
from processors.core.policy import Policy
from processors.vocabulary.commands import (
    ChaseDataCollector,
    FinalBillReason,
    GuaranteedStandard,
    IssueEstimatedFinalBill,
    RaiseCoSDispute,
)


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
        issue_bill(ctx, loss, IssueEstimatedFinalBill, cause, FinalBillReason.COS, loss.ssd)
        state.last_billed_ssd = loss.ssd
    elif kind == DC_CHASE and loss is not None and loss.dc_sent_on is not None:
        ctx.emit(ChaseDataCollector, cause, mpan=ctx.key, reading_sent_on=loss.dc_sent_on)
        loss.chased = True
    elif kind == MOVE_OUT_ESTIMATE and move_out is not None:
        issue_bill(
            ctx, move_out, IssueEstimatedFinalBill, cause, FinalBillReason.MOVE_OUT, move_out.move_out_date
        )
    elif kind == COS_REFUND_LATE and loss is not None:
        compensate(ctx, loss, GuaranteedStandard.REFUND_TEN_WORKING_DAYS, cause)
    elif kind == MOVE_OUT_REFUND_LATE and move_out is not None:
        compensate(ctx, move_out, GuaranteedStandard.REFUND_TEN_WORKING_DAYS, cause)


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
