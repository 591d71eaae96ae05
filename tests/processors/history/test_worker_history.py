"""The worker writes each folded batch's events to the history before the dashboard sees
the batch, and keeps the history beside the states when given a state folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from processors.history.store import Resolution
from processors.streaming.history_feed import consumption_store_of, history_writer
from processors.streaming.loop import with_events
from tests.processors.core.machines.halfhourly_builders import half_hourly
from tests.processors.scenarios.gwt_core import make_mpan

SITE = make_mpan("12", 991)
DAY = date(2025, 3, 12)


@dataclass
class Batch:
    handled: list[tuple[int, Any, Any]] = field(default_factory=list)


def test_a_batch_reaches_the_history_then_the_dashboard(tmp_path: Path) -> None:
    seen: list[int] = []
    history = consumption_store_of(tmp_path / "states")
    observe = with_events(history_writer(history), lambda processors, batch: seen.append(len(batch.handled)))
    observe({}, Batch(handled=[(0, half_hourly(SITE, DAY), None)]))
    assert seen == [1]
    points = history.series([SITE], DAY, DAY, Resolution.DAY)
    assert [(p.kwh, p.missing) for p in points] == [(48, 0)]
    history.close()
    assert (tmp_path / "states" / "consumption.duckdb").is_file()
