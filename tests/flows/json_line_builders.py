"""One valid JSON-lines event (a registration) for the bad-input tests to spoil, and the
peak memory of reading a file: shared by the reader's, the replay's and ingest's tests."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable
from typing import Any, TypeVar

REGISTERED: dict[str, Any] = {
    "type": "supply_point.registered",
    "event_id": "reg-A-1",
    "occurred_at": "2024-09-02T08:00:00Z",
    "mpan": "1200023305967",
    "account_id": "A-1",
    "meter_kind": "traditional",
    "ssd": "2021-06-14",
}

T = TypeVar("T")


def registered_line(**changes: str) -> str:
    """The registration as one JSON line (no newline), with `changes` applied."""
    return json.dumps({**REGISTERED, **changes})


def with_peak_memory(read: Callable[[], T]) -> tuple[T, int]:
    """What `read` returns, and the peak of memory traced while it ran (bytes)."""
    tracemalloc.start()
    try:
        result = read()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak
