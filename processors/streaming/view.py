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

    @property
    def policy(self) -> Any:
        """The policy the partitions fold under (one per worker), for the dashboard."""
        for processor in self._processors().values():
            return processor.engine.policy
        return None

    def states_of(self, key: str) -> dict[str, Any]:
        for processor in self._processors().values():
            states = processor.engine.states_of(key)
            if states:
                return states
        return {}

    def label_of(self, states: dict[str, Any]) -> str:
        for processor in self._processors().values():
            return processor.engine.label_of(states)
        return "unknown"

    def deadlines_between(self, first: date, last: date) -> Sequence[Any]:
        merged: list[Any] = []
        for processor in self._processors().values():
            merged.extend(processor.engine.deadlines_between(first, last))
        merged.sort(key=lambda d: (d.due_on, d.subject, d.kind))
        return merged
