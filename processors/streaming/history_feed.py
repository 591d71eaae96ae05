"""The worker's half-hourly history: each folded batch's consumption events into the store.

The store (processors.history) is the shell's, not the core's: the worker writes to it
after a batch is folded, beside the dashboard's recorder, and the portal endpoints read it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from processors.history.store import ConsumptionStore
from processors.streaming.loop import EventsSink
from processors.vocabulary.events import DomainEvent


def consumption_store_of(state_dir: Path | None) -> ConsumptionStore:
    """The half-hourly history the portal endpoints read: a DuckDB file beside the states
    (`--state-dir`), else in memory."""
    if state_dir is None:
        return ConsumptionStore()
    state_dir.mkdir(parents=True, exist_ok=True)
    return ConsumptionStore(state_dir / "consumption.duckdb")


def history_writer(history: ConsumptionStore) -> EventsSink:
    """A batch's events into `history`, flushed once per batch."""

    def write(events: Iterable[DomainEvent]) -> None:
        for event in events:
            history.observe(event)
        history.flush()

    return write
