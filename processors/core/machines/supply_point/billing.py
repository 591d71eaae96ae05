"""Final bills, guaranteed-standard payments and the reading tests the transitions share."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from processors.core.machine import Ctx, Input
from processors.core.machines.supply_point.state import FinalBilling
from processors.core.readings import (
    ReadingValue,
)
from processors.vocabulary.commands import (
    BillingReading,
    Command,
    FinalBillReason,
    GuaranteedStandard,
    IssueCorrectedFinalBill,
    IssueEstimatedFinalBill,
    PayGuaranteedStandardCompensation,
    SettleFinalBalance,
)
from processors.vocabulary.events import (
    UK,
)


def more_than_days(start: date, days: int) -> date:
    """The day a "more than `days` days after `start`" deadline fires: day N+1, everywhere
    (dispute, refund, 90-day export readings; DOMAIN.md "Reading quality", D23)."""
    return start + timedelta(days=days + 1)


def issue_bill(  # noqa: PLR0917 - the bill's parts, in the order the rules name them
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
            compensate(ctx, episode, GuaranteedStandard.FINAL_BILL_SIX_WEEKS, cause)
    else:
        episode.corrected_by = cause
    episode.standing_bill = bill.command_id
    episode.bills = (*episode.bills, bill.command_id)
    episode.billed = billing
    episode.refund_due_by = refund_due_by
    episode.refund_paid = False
    return bill.command_id


def compensate(ctx: Ctx, episode: FinalBilling, standard: GuaranteedStandard, cause: str) -> None:
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


def one_per_register(readings: Iterable[ReadingValue]) -> tuple[ReadingValue, ...]:
    """The first reading (flow order) of each register of each meter."""
    seen: dict[tuple[str | None, str | None], ReadingValue] = {}
    for r in readings:
        seen.setdefault(r.register_key, r)
    return tuple(seen.values())


def all_at(readings: tuple[ReadingValue, ...], day: date) -> tuple[ReadingValue, ...]:
    """Every actual register reading stamped at the midnight that starts `day`."""
    return one_per_register(r for r in readings if r.midnight and r.read_on == day and r.actual)


def unfit_readings(ctx: Ctx, inp: Input, readings: tuple[ReadingValue, ...], what: str) -> bool:
    """True (and the anomaly with its reasons) when any of `readings` is unfit to bill."""
    reasons = sorted({f"register {r.register_id}: {r.unfit}" for r in readings if r.unfit is not None})
    if not reasons:
        return False
    ctx.anomaly(inp, "unfit_reading", f"{what} is not fit to bill: {'; '.join(reasons)}")
    return True


def register_of(r: BillingReading | ReadingValue) -> tuple[str | None, str | None]:
    return (r.meter_id, r.register_id)


def readings_differ(billed: tuple[BillingReading, ...], readings: tuple[ReadingValue, ...]) -> bool:
    """Whether `readings` change the billed value of any register (or bill another one)."""
    before = {register_of(r): r.value for r in billed}
    return any(before.get(register_of(r)) != r.value for r in readings)


def after_opening(inp: Input, opened_on: date, opener_priority: int) -> bool:
    """Whether `inp` comes after the notice that opened an episode in canonical order: only
    then may it act on the episode, whatever order (or how often) it is delivered in."""
    return (inp.day, inp.PRIORITY) > (opened_on, opener_priority)


def within_days(day: date, centre: date, before: int, after: int) -> bool:
    return centre - timedelta(days=before) <= day <= centre + timedelta(days=after)


def noon_of(day: date) -> datetime:
    """The occurred_at of a follow-up: its cause's UK day (noon, so the day is unambiguous)."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=UK)
