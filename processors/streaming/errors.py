"""Start-up failures said in one clear line instead of a traceback or a hang."""

from __future__ import annotations

import errno
import sys

from processors.streaming.broker import BrokerNotFound
from processors.streaming.topics import BrokerUnavailable, TopicMissing

STARTUP_FAILURE = 2


def report_startup_error(exc: Exception) -> int:
    """Print a known start-up failure to stderr and return the exit status; re-raise others."""
    if isinstance(exc, BrokerNotFound | BrokerUnavailable | TopicMissing):
        print(f"meterflow: {exc}", file=sys.stderr)
        return STARTUP_FAILURE
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        print(
            f"meterflow: {exc.strerror}: the dashboard port is taken; set METERFLOW_DASHBOARD_PORT",
            file=sys.stderr,
        )
        return STARTUP_FAILURE
    raise exc
