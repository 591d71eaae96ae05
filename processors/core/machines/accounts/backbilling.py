"""Backbilling (Ofgem SLC 21BA) as arithmetic: cutoffs, charges apportioned by days, write-offs.

Pure functions of a bill and what the account knew before it, so the rule can be read
(and property-tested) apart from the machine. Amounts stay exact `Decimal` until a total
is rounded to pennies, half up (docs/rules.md, "Backbilling").
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from processors.core.calendar import ONE_DAY
from processors.vocabulary.commands import WriteOffReason
from processors.vocabulary.events import BillCharge

PENNY = Decimal("0.01")
ZERO = Decimal(0)


@lru_cache(maxsize=65536)
def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months (negative: back), clamped to the month's last
    day (29 February less 12 months is 28 February). Cached: accounts share their days."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def first_of_next_month(day: date) -> date:
    """The 1st of the month after `day`'s."""
    return add_months(day.replace(day=1), 1)


def pennies(amount: Decimal) -> Decimal:
    """A total in pounds, rounded to the penny half up."""
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def pre_cutoff_part(charge: BillCharge, cutoff: date) -> Decimal:
    """The part of `charge` for days before `cutoff`, apportioned by days (exact)."""
    if charge.period_from >= cutoff:
        return ZERO
    days = (charge.period_to - charge.period_from).days + 1
    if days <= 0:
        return ZERO
    before = (min(charge.period_to, cutoff - ONE_DAY) - charge.period_from).days + 1
    if before >= days:
        return charge.amount
    return charge.amount * before / days


def pre_cutoff_total(charges: Iterable[BillCharge], cutoff: date) -> Decimal:
    """The pre-cutoff charges of a bill (credits included), exact."""
    return sum((pre_cutoff_part(c, cutoff) for c in charges), ZERO)


def first_pre_cutoff_day(charges: Iterable[BillCharge], cutoff: date) -> date | None:
    starts = [c.period_from for c in charges if c.period_from < cutoff]
    return min(starts) if starts else None


@dataclass(frozen=True, slots=True, kw_only=True)
class PriorBill:
    """What a rebill is compared with: the replaced bill's charges and basis."""

    charges: tuple[BillCharge, ...]
    basis: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WriteOff:
    amount: Decimal
    cutoff: date
    reasons: tuple[WriteOffReason, ...]


def decide_write_off(
    *,
    issued_on: date,
    charges: tuple[BillCharge, ...],
    basis: str,
    balance_after: Decimal,
    replaced: PriorBill | None,
    rebill: bool,
    last_reviewed_on: date | None,
    prevented: Iterable[date],
    months: int = 12,
) -> WriteOff | None:
    """The write-off a bill calls for, or None.

    Amount: the pre-cutoff charges the bill seeks (for a rebill, their increase over the
    replaced bill's charges for the same pre-cutoff days), rounded half up to the penny,
    never more than the bill's own pre-cutoff charges nor the debit it leaves. Nothing
    when the account is in credit or at zero, when a rebill's pre-cutoff charges are not
    higher, or when the customer prevented a reading in the pre-cutoff period.
    """
    debit = -balance_after
    if debit <= ZERO:
        return None
    cutoff = add_months(issued_on, -months)
    sought = pre_cutoff_total(charges, cutoff)
    if sought <= ZERO:
        return None
    first = first_pre_cutoff_day(charges, cutoff)
    if first is not None and any(first <= day < cutoff for day in prevented):
        return None
    reasons: list[WriteOffReason] = []
    if rebill and replaced is not None:
        increase = sought - pre_cutoff_total(replaced.charges, cutoff)
        if increase <= ZERO:
            return None
        reasons.append(WriteOffReason.REBILLED_HIGHER)
        if replaced.basis == "estimated" and basis == "actual":
            reasons.append(WriteOffReason.UNDERESTIMATED)
    else:
        increase = sought
        reasons.append(WriteOffReason.NOT_BILLED)
    if last_reviewed_on is None or last_reviewed_on < add_months(issued_on, -months):
        reasons.append(WriteOffReason.NO_ADEQUACY_REVIEW)
    amount = min(pennies(increase), pennies(sought), pennies(debit))
    if amount <= ZERO:
        return None
    return WriteOff(amount=amount, cutoff=cutoff, reasons=tuple(reasons))
