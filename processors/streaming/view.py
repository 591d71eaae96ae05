"""The dashboard's view of a worker: its partitions' Engines read as one.

The worker keeps one Engine per input partition; the dashboard (processors.web) asks one
`EngineView`. This class answers from whichever partition holds a key, and merges the
deadline indexes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from processors.streaming.processor import PartitionProcessor


class PartitionedEngineView:
    """EngineView over the live `{partition: PartitionProcessor}` map of a worker."""

    def __init__(self, processors: Callable[[], Mapping[int, PartitionProcessor]]) -> None:
        self._processors = processors

    @property
    def last_closed_day(self) -> date | None:
        days = [p.engine.last_closed_day for p in self._processors().values()]
        known = [d for d in days if d is not None]
        return max(known) if known else None

    def state_of(self, key: str) -> Any | None:
        for processor in self._processors().values():
            state = processor.engine.state_of(key)
            if state is not None:
                return state
        return None

    def state_label(self, state: Any) -> str:
        for processor in self._processors().values():
            return str(processor.engine.state_label(state))
        return "unknown"

    def deadlines_between(self, first: date, last: date) -> Sequence[Any]:
        merged: list[Any] = []
        for processor in self._processors().values():
            merged.extend(processor.engine.deadlines_between(first, last))
        merged.sort(key=lambda d: (d.due_on, d.subject, d.kind))
        return merged
