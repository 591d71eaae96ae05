"""The start-up warning for a policy that changes a regulation-backed number (issue 11 item
7, D23): allowed, for back-testing, but never silent."""

from __future__ import annotations

from processors.core.policy import Policy, regulated_changes
from processors.drivers.log_setup import get_logger


def warn_regulated_changes(policy: Policy, command: str) -> int:
    """Log one warning per regulated number `policy` changes; returns how many."""
    changes = regulated_changes(policy)
    log = get_logger(f"meterflow.{command}")
    for change in changes:
        log.warning("regulated policy number changed", **change)
    return len(changes)
