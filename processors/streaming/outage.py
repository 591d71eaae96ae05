"""Broker outages said in one clear, rate-limited status line instead of a flood.

While the broker is away aiokafka logs an ERROR for every failed connection and request
(thousands a minute); `log_setup` summarises those. What a person needs from meterflow
itself is one line: `broker unreachable since <time>, retrying`, repeated at most every
`every` seconds while failures go on, and `broker reachable again` when a send or commit
succeeds after them. The worker and ingest each keep one `BrokerStatus` and tell it what
failed and what succeeded.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import structlog

log = structlog.get_logger("meterflow.broker")

STATUS_EVERY = 30.0


class BrokerStatus:
    """Whether the broker answers, as the last sends, fetches and commits found it."""

    def __init__(self, broker: str, every: float = STATUS_EVERY) -> None:
        self.broker = broker
        self.every = every
        self.since: float | None = None  # monotonic time of the first failure of this outage
        self.since_wall: datetime | None = None
        self.failures = 0
        self.outages = 0
        self._said = 0.0

    @property
    def down(self) -> bool:
        return self.since is not None

    def failed(self, error: BaseException | str) -> None:
        """A request to the broker failed; says so at most every `every` seconds."""
        now = time.monotonic()
        if self.since is None:
            self.since, self.since_wall = now, datetime.now(UTC)
            self.failures = 0
            self.outages += 1
            self._said = 0.0
        self.failures += 1
        if now - self._said >= self.every:
            self._said = now
            assert self.since_wall is not None
            log.warning(
                f"broker unreachable since {self.since_wall.isoformat(timespec='seconds')}, retrying",
                broker=self.broker,
                for_seconds=round(now - self.since, 1),
                failures=self.failures,
                error=error if isinstance(error, str) else repr(error),
            )

    def ok(self) -> None:
        """A request succeeded: an outage, if there was one, is over."""
        if self.since is None:
            return
        log.warning(
            "broker reachable again",
            broker=self.broker,
            after_seconds=round(time.monotonic() - self.since, 1),
            failures=self.failures,
        )
        self.since = self.since_wall = None
