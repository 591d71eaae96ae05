"""CoS reading disputes, readings not obtained and refunds paid."""

from __future__ import annotations

from datetime import date
from typing import Any

from processors.core.calendar import working_days_after
from processors.core.machine import Ctx
from processors.core.machines.supply_point.billing import (
    after_opening,
    issue_bill,
    readings_differ,
    register_of,
)
from processors.core.machines.supply_point.inputs import (
    DisputeIn,
    MovedOutIn,
    NotReadIn,
    RefundPaidIn,
    SecuredIn,
)
from processors.core.machines.supply_point.state import SupplyPointState
from processors.core.readings import (
    ReadingValue,
)
from processors.vocabulary.commands import (
    BillingReading,
    CustomerReadingReason,
    DisputeResponse,
    FinalBillReason,
    IssueCorrectedFinalBill,
    RequestCustomerReading,
    RespondToCoSDispute,
)
from processors.vocabulary.events import (
    ProposedReadingStatus,
)


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
    held = {register_of(r): r.value for r in ours}
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
    if agreed and not loss.awaiting_bill and readings_differ(loss.billed, agreed):
        issue_bill(
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
            and after_opening(inp, episode.opened_on, opener)
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
