"""Throughput and lag over wall-clock time, in fixed buckets, for rates and charts.

The worker reports every handled event and command; the dashboard wants "events per
second now" and a chart of the last hour. Fixed-width buckets in a bounded deque give
both in constant memory.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(slots=True)
class Bucket:
    """What happened during `[start, start + step)` seconds (epoch)."""

    index: int
    events: int = 0
    commands: int = 0
    lag: int | None = None  # the last total lag sampled in the bucket


class ThroughputSeries:
    """Events, commands and total lag per `step` seconds, the last `points` buckets kept."""

    def __init__(self, step: float = 10.0, points: int = 360) -> None:
        if step <= 0 or points < 2:
            raise ValueError("step must be positive and points at least 2")
        self.step = step
        self.points = points
        self._buckets: deque[Bucket] = deque(maxlen=points)

    def _bucket(self, now: float) -> Bucket:
        index = int(now // self.step)
        if self._buckets and self._buckets[-1].index == index:
            return self._buckets[-1]
        if self._buckets and self._buckets[-1].index > index:
            return self._buckets[-1]  # the clock went back: count it in the newest bucket
        bucket = Bucket(index=index)
        self._buckets.append(bucket)
        return bucket

    def add(self, now: float, events: int = 0, commands: int = 0) -> None:
        bucket = self._bucket(now)
        bucket.events += events
        bucket.commands += commands

    def sample_lag(self, now: float, total_lag: int) -> None:
        self._bucket(now).lag = total_lag

    def rates(self, now: float, since: float, window: float = 60.0) -> tuple[float, float]:
        """(events/s, commands/s) over the last `window` seconds, or since `since` if later."""
        first_index = int((now - window) // self.step) + 1
        events = commands = 0
        for bucket in reversed(self._buckets):
            if bucket.index < first_index:
                break
            events += bucket.events
            commands += bucket.commands
        covered = now - max(since, first_index * self.step)
        seconds = max(covered, 1.0)
        return events / seconds, commands / seconds

    def series(self, now: float) -> list[dict[str, float | int | None]]:
        """One point per bucket from the oldest kept through now, gaps filled with zeros
        (lag carried forward, since lag is a level, not a count)."""
        if not self._buckets:
            return []
        last_index = max(int(now // self.step), self._buckets[-1].index)
        first_index = max(self._buckets[0].index, last_index - self.points + 1)
        by_index = {b.index: b for b in self._buckets}
        out: list[dict[str, float | int | None]] = []
        lag: int | None = None
        for index in range(first_index, last_index + 1):
            bucket = by_index.get(index)
            if bucket is not None and bucket.lag is not None:
                lag = bucket.lag
            out.append(
                {
                    "t": index * self.step,
                    "events": bucket.events if bucket else 0,
                    "commands": bucket.commands if bucket else 0,
                    "lag": lag,
                }
            )
        return out
