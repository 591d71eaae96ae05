"""The dashboard tests' world: the real engine over the portfolio log, fed as a worker would be."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ops_portfolio import write_portfolio

from processors.core.engine import Engine
from processors.drivers.event_order import event_time_log
from processors.ops import OpsRecorder, feed

UNTIL = date(2024, 3, 31)


class StepClock:
    """A wall clock the world's builder moves on by hand, so the throughput chart has a shape."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@dataclass
class World:
    engine: Engine
    ops: OpsRecorder
    path: Path
    clock: StepClock


def portfolio_world(folder: Path, points: int = 48) -> World:
    """The real engine over the portfolio's event-time log through 2024-03-31, fed as a worker
    would be: one item every 7 seconds, lag falling as it catches up, one rebalance."""
    clock = StepClock(1_714_000_000.0)
    engine, ops = Engine(), OpsRecorder(clock=clock)
    path = write_portfolio(folder, points)
    items = list(event_time_log([path], UNTIL))
    for done, item in enumerate(items, start=1):
        left = len(items) - done
        clock.now += 7.0
        feed(engine, ops, [item])
        if left % 10 == 0:
            ops.record_lag("meterflow-events[0]", left // 2 + 12)
            ops.record_lag("meterflow-events[1]", left - left // 2)
    ops.record_lag("meterflow-events[0]", 12)
    ops.record_lag("meterflow-events[1]", 0)
    ops.record_rebalance()
    return World(engine=engine, ops=ops, path=path, clock=clock)
