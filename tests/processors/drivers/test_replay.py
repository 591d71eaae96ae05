"""The broker-less driver: the engine over the event-time log, follow-ups fed back at once."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from processors.core.engine import Engine, Outcome
from processors.core.policy import Policy
from processors.drivers.replay import ReplaySummary, replay
from processors.vocabulary.commands import Command
from processors.vocabulary.events import DayClosed, DomainEvent, SwitchSecured

MPAN = "1200023305967"


def jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def traditional_loss(tmp_path: Path) -> Path:
    return jsonl(
        tmp_path / "events.jsonl",
        [
            {
                "type": "supply_point.registered",
                "event_id": "reg-1",
                "occurred_at": "2024-01-02T09:00:00Z",
                "mpan": MPAN,
                "account_id": "A-1",
                "meter_kind": "traditional",
                "ssd": "2020-01-01",
            },
            {
                "type": "switch.secured",
                "event_id": "css-1",
                "occurred_at": "2024-03-01T09:00:00Z",
                "mpan": MPAN,
                "ssd": "2024-03-20",
                "gaining_supplier": "BGAS",
            },
        ],
    )


def issued(items: list[Any]) -> list[tuple[str, str]]:
    return [(c.type, c.issued_on.isoformat()) for c in items if isinstance(c, Command)]


def test_deadlines_fire_on_the_ticks_through_until(tmp_path: Path) -> None:
    path = traditional_loss(tmp_path)
    # through 10 May: the refund (due 15 May) is not yet late (test_rules_corrected.py)
    assert issued(list(replay([path], date(2024, 5, 10)))) == [
        ("RaiseCoSDispute", "2024-04-20"),
        ("IssueEstimatedFinalBill", "2024-05-01"),
        ("SettleFinalBalance", "2024-05-01"),
    ]


def test_nothing_is_decided_after_until(tmp_path: Path) -> None:
    path = traditional_loss(tmp_path)
    assert issued(list(replay([path], date(2024, 4, 30)))) == [("RaiseCoSDispute", "2024-04-20")]
    assert issued(list(replay([path], date(2024, 4, 19)))) == []


def test_a_policy_change_is_back_tested_by_replaying_with_it(tmp_path: Path) -> None:
    path = traditional_loss(tmp_path)
    policy = Policy(estimated_final_bill_days=35, dispute_after_days=20)
    assert issued(list(replay([path], date(2024, 5, 5), policy))) == [
        ("RaiseCoSDispute", "2024-04-10"),
        ("IssueEstimatedFinalBill", "2024-04-24"),
        ("SettleFinalBalance", "2024-04-24"),
    ]


def test_the_summary_counts_events_ticks_and_commands(tmp_path: Path) -> None:
    path = traditional_loss(tmp_path)
    summary = ReplaySummary()
    list(replay([path], date(2024, 5, 10), summary=summary))
    assert (summary.files, summary.events, summary.ticks) == (1, 2, 130)
    assert dict(summary.commands) == {
        "RaiseCoSDispute": 1,
        "IssueEstimatedFinalBill": 1,
        "SettleFinalBalance": 1,
    }
    assert summary.line() == (
        "meterflow replay through 2024-05-10: 1 file, 2 input events, 1 derived event, 130 day ticks, "
        "0 rejected records, 0 anomalies, "
        "3 commands (IssueEstimatedFinalBill 1, RaiseCoSDispute 1, SettleFinalBalance 1)"
    )


class HandOffEngine(Engine):
    """An engine whose every switch hands a follow-up to another key, recording what it handled."""

    def __init__(self) -> None:
        super().__init__()
        self.handled: list[str] = []

    def handle(self, event: DomainEvent) -> Outcome:
        self.handled.append(event.event_id)
        out = Outcome()
        if isinstance(event, SwitchSecured) and not event.event_id.endswith(">echo"):
            out.follow_ups.append(
                SwitchSecured(
                    event_id=f"{event.event_id}>echo",
                    occurred_at=event.occurred_at,
                    mpan="1400123456786",
                    ssd=event.ssd,
                    gaining_supplier="BGAS",
                )
            )
        return out


def test_follow_ups_are_handled_at_once_before_the_next_event(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "css.jsonl",
        [
            {
                "type": "switch.secured",
                "event_id": f"css-{n}",
                "occurred_at": f"2024-03-0{n}T09:00:00Z",
                "mpan": MPAN,
                "ssd": "2024-03-20",
                "gaining_supplier": "BGAS",
            }
            for n in (1, 2)
        ],
    )
    engine = HandOffEngine()
    summary = ReplaySummary()
    list(replay([path], date(2024, 3, 2), engine=engine, summary=summary))
    assert engine.handled == [
        "css-1",
        "css-1>echo",
        "tick/2024-03-01",
        "css-2",
        "css-2>echo",
        "tick/2024-03-02",
    ]
    assert summary.follow_ups == 2
    assert summary.events == 2


def test_ticks_reach_the_engine_as_day_closed(tmp_path: Path) -> None:
    path = traditional_loss(tmp_path)
    seen: list[date] = []

    class Recording(Engine):
        def handle(self, event: DomainEvent) -> Outcome:
            if isinstance(event, DayClosed):
                seen.append(event.closed_day)
            return super().handle(event)

    list(replay([path], date(2024, 1, 4), engine=Recording()))
    assert seen == [date(2024, 1, 2), date(2024, 1, 3), date(2024, 1, 4)]
