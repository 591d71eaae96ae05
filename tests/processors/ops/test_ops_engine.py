"""The OpsRecorder under the real engine, fed a portfolio's event-time log."""

from __future__ import annotations

import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from ops_portfolio import STRANGER, UNTIL, mpan, write_portfolio

from processors.core.engine import Engine
from processors.drivers.event_order import event_time_log
from processors.ops import (
    OpsRecorder,
    batch_observer,
    feed,
    forget_labels,
    handle_observed,
    observe_store,
    record_batch,
    sync_labels,
)
from processors.ops.queries import deadlines_report, supply_point_report
from processors.vocabulary.events import DayClosed, DomainEvent


def full_scan(engine: Engine) -> dict[str, int]:
    return dict(Counter(engine.label_of(states) for _, states in engine.subjects()))


def test_incremental_state_counts_equal_a_full_scan_after_every_day(tmp_path: Path) -> None:
    engine, ops = Engine(), OpsRecorder()
    days = 0
    for item in event_time_log([write_portfolio(tmp_path)], UNTIL):
        if not isinstance(item, DomainEvent):
            continue
        pending = [item]
        while pending:
            pending.extend(handle_observed(engine, ops, pending.pop(0)).follow_ups)
        if isinstance(item, DayClosed):
            days += 1
            assert dict(ops.state_counts) == full_scan(engine), item.closed_day
    assert days > 100
    counts = ops.states()["counts"]
    assert {"supplying", "estimated_final_billed", "awaiting_cos_reading"} <= set(counts)
    assert any(label.startswith("export_") for label in counts)


def test_a_restarted_worker_counts_its_restored_store_once(tmp_path: Path) -> None:
    engine = Engine()
    feed(engine, OpsRecorder(), event_time_log([write_portfolio(tmp_path)], UNTIL))
    restarted, ops = Engine(store=engine.store), OpsRecorder()
    sync_labels(restarted, ops, restarted.store.items())
    assert dict(ops.state_counts) == full_scan(restarted)
    assert "engine" not in ops.state_counts


def test_risk_from_real_commands(tmp_path: Path) -> None:
    engine, ops = Engine(), OpsRecorder()
    feed(engine, ops, event_time_log([write_portfolio(tmp_path)], UNTIL))
    risk = ops.risk.report(ops.today())
    assert [(m["mpan"], m["issued_on"]) for m in risk["final_bills"]["missed"]] == [
        (mpan(1999), "2024-03-20")
    ]
    assert risk["exposure_pounds"] == 30
    assert STRANGER not in {x["mpan"] for x in risk["final_bills"]["coming_due"]}
    settlements = ops.commands_by_type["SettleFinalBalance"]
    assert risk["refunds"]["past_due_count"] + risk["refunds"]["coming_due_count"] <= settlements


def test_anomalies_raised_at_day_close_point_back_to_their_line(tmp_path: Path) -> None:
    engine, ops = Engine(), OpsRecorder()
    path = write_portfolio(tmp_path)
    feed(engine, ops, event_time_log([path], UNTIL))
    [anomaly] = ops.recent_anomalies()
    assert anomaly["subject"] == STRANGER
    assert anomaly["event_type"] == "switch.secured"
    assert anomaly["path"] == str(path)
    assert path.read_text().splitlines()[anomaly["line"] - 1].count("sw-stranger") == 1
    assert ops.rejected_total == 2


def test_deadlines_and_one_supply_point_from_the_engine(tmp_path: Path) -> None:
    engine, ops = Engine(), OpsRecorder()
    feed(engine, ops, event_time_log([write_portfolio(tmp_path)], UNTIL))
    report = deadlines_report(engine, ops)
    assert report["as_of"] == UNTIL.isoformat()
    expected = engine.deadlines_between(UNTIL + timedelta(days=1), UNTIL + timedelta(days=14))
    assert report["total"] == len(expected) > 0
    assert sum(sum(d["counts"].values()) for d in report["days"]) == len(expected)
    late = supply_point_report(engine, ops, mpan(1999))
    assert late is not None
    assert [(e["kind"], e["type"]) for e in late["timeline"]] == [
        ("event", "supply_point.registered"),
        ("event", "switch.secured"),
        ("command", "RaiseCoSDispute"),
        ("command", "IssueEstimatedFinalBill"),
        ("command", "SettleFinalBalance"),
        # billed past six weeks, and no refund.paid in the portfolio: both standards
        ("command", "PayGuaranteedStandardCompensation"),
        ("command", "PayGuaranteedStandardCompensation"),
    ]
    assert late["pending_deadlines"] == []
    assert late["label"] == "estimated_final_billed"


def test_worker_batches_keep_counts_equal_to_a_full_scan(tmp_path: Path) -> None:
    """The worker's way: the store observed once, batches handled by the engine itself,
    then recorded together."""
    engine, ops = Engine(), OpsRecorder()
    observe_store(engine)
    log = [i for i in event_time_log([write_portfolio(tmp_path)], UNTIL) if isinstance(i, DomainEvent)]
    for start in range(0, len(log), 10):
        handled = []
        pending = list(log[start : start + 10])
        while pending:
            event = pending.pop(0)
            outcome = engine.handle(event)
            handled.append((event, outcome))
            pending.extend(outcome.follow_ups)
        record_batch(ops, engine, handled, input="meterflow-events")
        assert dict(ops.state_counts) == full_scan(engine)
    assert ops.inputs["meterflow-events"].events == ops.input_events_total
    forget_labels(ops, [key for key, _ in engine.subjects()])
    assert ops.states() == {"total": 0, "counts": {}, "keyspaces": {}}


EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


@pytest.mark.parametrize("log", ["portfolio", "examples"])
def test_one_recorder_over_engines_per_partition(tmp_path: Path, log: str) -> None:
    """A worker runs one engine per partition and one recorder: a tick closing a day on one
    partition must not relabel (or uncount) the supply points of another, nor must an
    export command naming both MPANs, each held by a different partition."""
    if log == "portfolio":
        paths, until = [write_portfolio(tmp_path)], UNTIL
    else:
        paths, until = [EXAMPLES / "flows", EXAMPLES / "events"], date(2025, 3, 31)
    engines = [Engine() for _ in range(4)]  # 4 splits both export pairs across partitions
    ops = OpsRecorder()
    observer = batch_observer(ops)
    for engine in engines:
        sync_labels(engine, ops, [])
    seen_labels: set[str] = set()

    def owner(event: DomainEvent) -> int:
        key = event.partition_key  # MPANs and MPRNs by number; LDZ codes and accounts by checksum
        return (int(key) if key.isdigit() else zlib.crc32(key.encode())) % len(engines)

    processors = {p: Processor(engine) for p, engine in enumerate(engines)}
    for item in event_time_log(paths, until):
        if not isinstance(item, DomainEvent):
            continue
        queue = [(p, item) for p in processors] if isinstance(item, DayClosed) else [(owner(item), item)]
        while queue:
            partition, event = queue.pop(0)
            outcome = engines[partition].handle(event)
            batch = Batch(handled=[(partition, event, outcome)])
            observer(processors, batch)
            assert batch.handled == []
            queue += [(owner(f), f) for f in outcome.follow_ups]
        if isinstance(item, DayClosed):
            combined = Counter(e.label_of(s) for e in engines for _, s in e.subjects())
            assert dict(ops.state_counts) == dict(combined), item.closed_day
            seen_labels.update(combined)
    if log == "portfolio":
        assert {"loss_pending", "awaiting_cos_reading", "disputed", "supplying"} <= seen_labels
    else:
        assert ops.commands_by_type["ConfigureExport"] == 2


@dataclass
class Processor:
    engine: Engine


@dataclass
class Batch:
    handled: list[tuple[int, DomainEvent, Any]] = field(default_factory=list)
