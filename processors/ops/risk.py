"""Regulatory risk: the guaranteed standards that cost £30 each when missed.

Two promises a supplier makes on a loss (Ofgem guaranteed standards): the final bill
within six weeks of the switch, and a credit balance refunded within 10 working days of
the final bill. The tracker follows switches and billing commands as the worker sees
them, so the dashboard can say how many were missed and how many are coming due.
Payments themselves are not in the log: a refund whose deadline has passed is shown as
"past due unless billing has paid", kept for 30 days after its deadline.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from processors.vocabulary.commands import (
    Command,
    FinalBillReason,
    IssueEstimatedFinalBill,
    IssueFinalBill,
    SettleFinalBalance,
)
from processors.vocabulary.events import DomainEvent, SwitchSecured, SwitchWithdrawn

FINAL_BILL_LIMIT_DAYS = 42  # six weeks from the switch (SSD)
COMPENSATION_POUNDS = 30  # paid to the customer for each missed standard
REFUND_MEMORY_DAYS = 30  # how long a passed refund deadline stays on the dashboard


@dataclass(slots=True, frozen=True)
class OpenLoss:
    """A switch away from us with no final bill yet."""

    mpan: str
    ssd: date
    opened_by: str  # the event id of the switch

    @property
    def due_on(self) -> date:
        return self.ssd + timedelta(days=FINAL_BILL_LIMIT_DAYS)


@dataclass(slots=True, frozen=True)
class LateFinalBill:
    """A final bill issued after the six weeks."""

    mpan: str
    ssd: date
    due_on: date
    issued_on: date
    command_id: str


@dataclass(slots=True, frozen=True)
class PendingRefund:
    """A final balance settlement: a refund (when in credit) is due by `due_by`."""

    mpan: str
    final_bill: str
    due_by: date
    issued_on: date
    command_id: str


class RiskTracker:
    """Follows switches, final bills and settlements; answers what is missed and coming due."""

    def __init__(self, late_limit: int = 500) -> None:
        self.open_losses: dict[str, OpenLoss] = {}
        self.late_bills: deque[LateFinalBill] = deque(maxlen=late_limit)
        self.late_bill_count = 0
        self.refunds: dict[str, PendingRefund] = {}

    def on_event(self, event: DomainEvent) -> None:
        if event.test_data:
            return
        if isinstance(event, SwitchSecured):
            self.open_losses[event.mpan] = OpenLoss(mpan=event.mpan, ssd=event.ssd, opened_by=event.event_id)
        elif isinstance(event, SwitchWithdrawn):
            loss = self.open_losses.get(event.mpan)
            if loss is not None and loss.ssd == event.ssd:
                del self.open_losses[event.mpan]

    def on_anomaly(self, subject: str, event_id: str) -> None:
        """The engine refused an event: a refused switch (a point we never supplied) is no loss."""
        loss = self.open_losses.get(subject)
        if loss is not None and loss.opened_by == event_id:
            del self.open_losses[subject]

    def on_command(self, command: Command) -> None:
        if isinstance(command, IssueFinalBill | IssueEstimatedFinalBill):
            if command.reason != FinalBillReason.COS:
                return
            loss = self.open_losses.pop(command.mpan, None)
            if loss is not None and command.issued_on > loss.due_on:
                self.late_bill_count += 1
                self.late_bills.appendleft(
                    LateFinalBill(
                        mpan=loss.mpan,
                        ssd=loss.ssd,
                        due_on=loss.due_on,
                        issued_on=command.issued_on,
                        command_id=command.command_id,
                    )
                )
        elif isinstance(command, SettleFinalBalance):
            self.refunds[command.command_id] = PendingRefund(
                mpan=command.mpan,
                final_bill=command.final_bill,
                due_by=command.refund_due_by,
                issued_on=command.issued_on,
                command_id=command.command_id,
            )

    def on_day_closed(self, day: date) -> None:
        """Forget refunds whose deadline passed more than REFUND_MEMORY_DAYS ago."""
        horizon = day - timedelta(days=REFUND_MEMORY_DAYS)
        for key in [k for k, r in self.refunds.items() if r.due_by < horizon]:
            del self.refunds[key]

    def report(self, today: date | None, horizon_days: int = 14, limit: int = 100) -> dict[str, Any]:
        """Missed and coming-due standards as of the end of `today` (the last closed day)."""
        if today is None:
            return {
                "as_of": None,
                "compensation_pounds": COMPENSATION_POUNDS,
                "horizon_days": horizon_days,
                "final_bills": {
                    "missed_count": self.late_bill_count,
                    "missed": [],
                    "coming_due_count": 0,
                    "coming_due": [],
                    "open_losses": len(self.open_losses),
                },
                "refunds": {"past_due_count": 0, "past_due": [], "coming_due_count": 0, "coming_due": []},
                "exposure_pounds": COMPENSATION_POUNDS * self.late_bill_count,
            }
        last = today + timedelta(days=horizon_days)
        overdue = sorted((x for x in self.open_losses.values() if x.due_on <= today), key=lambda x: x.due_on)
        soon = sorted(
            (x for x in self.open_losses.values() if today < x.due_on <= last), key=lambda x: x.due_on
        )
        missed: list[dict[str, Any]] = [
            {
                "mpan": x.mpan,
                "ssd": x.ssd.isoformat(),
                "due_on": x.due_on.isoformat(),
                "issued_on": None,
                "days_late": (today - x.due_on).days + 1,
                "command_id": None,
            }
            for x in overdue
        ]
        missed += [
            {
                "mpan": x.mpan,
                "ssd": x.ssd.isoformat(),
                "due_on": x.due_on.isoformat(),
                "issued_on": x.issued_on.isoformat(),
                "days_late": (x.issued_on - x.due_on).days,
                "command_id": x.command_id,
            }
            for x in self.late_bills
        ]
        refunds_past = sorted(
            (r for r in self.refunds.values() if r.due_by <= today), key=lambda r: r.due_by, reverse=True
        )
        refunds_soon = sorted(
            (r for r in self.refunds.values() if today < r.due_by <= last), key=lambda r: r.due_by
        )
        missed_count = len(overdue) + self.late_bill_count
        return {
            "as_of": today.isoformat(),
            "compensation_pounds": COMPENSATION_POUNDS,
            "horizon_days": horizon_days,
            "final_bills": {
                "missed_count": missed_count,
                "missed": missed[:limit],
                "coming_due_count": len(soon),
                "coming_due": [
                    {"mpan": x.mpan, "ssd": x.ssd.isoformat(), "due_on": x.due_on.isoformat()}
                    for x in soon[:limit]
                ],
                "open_losses": len(self.open_losses),
            },
            "refunds": {
                "past_due_count": len(refunds_past),
                "past_due": [_refund(r) for r in refunds_past[:limit]],
                "coming_due_count": len(refunds_soon),
                "coming_due": [_refund(r) for r in refunds_soon[:limit]],
            },
            "exposure_pounds": COMPENSATION_POUNDS * missed_count,
        }


def _refund(r: PendingRefund) -> dict[str, Any]:
    return {
        "mpan": r.mpan,
        "final_bill": r.final_bill,
        "due_by": r.due_by.isoformat(),
        "issued_on": r.issued_on.isoformat(),
        "command_id": r.command_id,
    }
