"""A tiny engine with the contract's read side, for ops and web tests that must not wait
for (or depend on the rules of) the real one: a switch makes a loss pending with a
six-week estimate deadline, and the tick of that day issues the estimated final bill."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from processors.core.deadlines import Deadline
from processors.core.machines.supply_point import COS_ESTIMATE
from processors.vocabulary.anomalies import Anomaly
from processors.vocabulary.commands import Command, FinalBillReason, IssueEstimatedFinalBill, command_id_for
from processors.vocabulary.events import CosReadingsNotified, DayClosed, DomainEvent, SwitchSecured


@dataclass
class FakeOutcome:
    commands: list[Command] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)
    follow_ups: list[DomainEvent] = field(default_factory=list)


@dataclass
class LossState:
    ssd: date
    status: str = "loss_pending"


class FakeEngine:
    def __init__(self) -> None:
        self.states: dict[str, LossState] = {}
        self.last_closed_day: date | None = None

    def states_of(self, key: str) -> dict[str, Any]:
        state = self.states.get(key)
        return {} if state is None else {"supply_point": state}

    def label_of(self, states: dict[str, Any]) -> str:
        return str(states["supply_point"].status)

    def deadlines_between(self, first: date, last: date) -> list[Deadline]:
        return [
            Deadline(due_on=s.ssd + timedelta(days=42), kind=COS_ESTIMATE, subject=k)
            for k, s in self.states.items()
            if s.status == "loss_pending" and first <= s.ssd + timedelta(days=42) <= last
        ]

    def handle(self, event: DomainEvent) -> FakeOutcome:
        out = FakeOutcome()
        if isinstance(event, SwitchSecured):
            self.states[event.mpan] = LossState(ssd=event.ssd)
        elif isinstance(event, CosReadingsNotified) and event.mpan not in self.states:
            out.anomalies.append(
                Anomaly(
                    event_id=event.event_id,
                    subject=event.mpan,
                    day=event.day,
                    kind="cos_reading_for_unknown_point",
                    detail="a D0086 for a point we never supplied",
                )
            )
        elif isinstance(event, DayClosed):
            self.last_closed_day = event.closed_day
            for key, state in sorted(self.states.items()):
                due = state.ssd + timedelta(days=42)
                if state.status == "loss_pending" and due == event.closed_day:
                    state.status = "final_billed"
                    cause = f"deadline/{COS_ESTIMATE}/{key}/{due}"
                    out.commands.append(
                        IssueEstimatedFinalBill(
                            command_id=command_id_for(key, "IssueEstimatedFinalBill", cause),
                            issued_on=event.closed_day,
                            cause=cause,
                            mpan=key,
                            reason=FinalBillReason.COS,
                            final_date=state.ssd,
                        )
                    )
        return out
