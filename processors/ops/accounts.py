"""The accounts panel of the dashboard: write-offs, backbilling risks, business bills.

Fed, not polled (docs/decisions.md D15): the tracker follows the account commands as the
worker publishes them (write-offs by reason, direct debits awaiting approval, business
bills chased as late); what is coming due is read from the engine's deadline index, as
the deadline view does. Nothing here scans the state store.
"""

from __future__ import annotations

from collections import Counter, deque
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from processors.ops.views import EngineView
from processors.vocabulary.commands import (
    ApproveDirectDebitPayment,
    ChaseBusinessBill,
    Command,
    WarnBackbillingRisk,
    WriteOffBackbilledCharges,
)

RISK_KINDS = ("backbilling_warning", "adequacy_review")
LATE_KIND = "business_bill_chase"
KEPT = 100


class AccountsTracker:
    """What the account commands say, accumulated."""

    def __init__(self, kept: int = KEPT) -> None:
        self.write_offs: Counter[str] = Counter()
        self.write_off_amounts: dict[str, Decimal] = {}
        self.write_off_total = Decimal(0)
        self.write_off_count = 0
        self.warnings = 0
        self.approvals: deque[dict[str, Any]] = deque(maxlen=kept)
        self.late: deque[dict[str, Any]] = deque(maxlen=kept)

    def on_command(self, command: Command) -> None:
        if isinstance(command, WriteOffBackbilledCharges):
            self.write_off_count += 1
            self.write_off_total += command.amount
            for reason in command.reasons:
                name = str(reason)
                self.write_offs[name] += 1
                self.write_off_amounts[name] = self.write_off_amounts.get(name, Decimal(0)) + command.amount
        elif isinstance(command, WarnBackbillingRisk):
            self.warnings += 1
        elif isinstance(command, ApproveDirectDebitPayment):
            self.approvals.appendleft(
                {
                    "account_id": command.account_id,
                    "document_id": command.document_id,
                    "amount": str(command.amount),
                    "issued_on": command.issued_on.isoformat(),
                }
            )
        elif isinstance(command, ChaseBusinessBill):
            self.late.appendleft(
                {
                    "account_id": command.account_id,
                    "bill_date": command.bill_date.isoformat(),
                    "chased_on": command.issued_on.isoformat(),
                }
            )


def accounts_report(
    tracker: AccountsTracker, engine: EngineView, today: date | None, days: int = 30
) -> dict[str, Any]:
    """The panel's JSON: write-offs per reason (a write-off with two reasons counts under
    both), backbilling risks and adequacy reviews due in the next `days` days, direct
    debits awaiting approval, business bills chased and those whose chase is coming due."""
    risks: list[dict[str, str]] = []
    due_chases: list[dict[str, str]] = []
    if today is not None:
        for deadline in sorted(
            engine.deadlines_between(today + timedelta(days=1), today + timedelta(days=days)),
            key=lambda d: (d.due_on, str(d.kind), d.subject),
        ):
            kind = str(getattr(deadline.kind, "value", deadline.kind))
            row = {"due_on": deadline.due_on.isoformat(), "kind": kind, "account_id": deadline.subject}
            if kind in RISK_KINDS:
                risks.append(row)
            elif kind == LATE_KIND:
                due_chases.append(row)
    return {
        "as_of": today.isoformat() if today else None,
        "days": days,
        "write_offs": {
            "count": tracker.write_off_count,
            "amount": str(tracker.write_off_total),
            "reasons": {
                reason: {
                    "count": tracker.write_offs[reason],
                    "amount": str(tracker.write_off_amounts[reason]),
                }
                for reason in sorted(tracker.write_offs)
            },
        },
        "warnings_issued": tracker.warnings,
        "risks_due": risks,
        "awaiting_approval": list(tracker.approvals),
        "late_bills": list(tracker.late),
        "invoices_due": due_chases,
    }
