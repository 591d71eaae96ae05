"""Payments the billing system tells us about: refunds paid, import accounts overdue.

`refund.paid` stops the refund guaranteed standard (SPEC 7); `account.payment_overdue` and
`account.payment_cleared` hold back and release export credit (DOMAIN.md, export). The
account events are keyed by the account, not an MPAN.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from processors.vocabulary.events.base import DomainEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class RefundPaid(DomainEvent):
    """The refund of the final balance of `final_bill` (a command id) was paid on `paid_on`."""

    mpan: str
    final_bill: str
    paid_on: date
    amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountPaymentOverdue(DomainEvent):
    """The import account `account_id` is unpaid from `on`."""

    account_id: str
    on: date

    @property
    def partition_key(self) -> str:
        return self.account_id


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountPaymentCleared(DomainEvent):
    """The import account `account_id` is paid up again from `on`."""

    account_id: str
    on: date

    @property
    def partition_key(self) -> str:
        return self.account_id
