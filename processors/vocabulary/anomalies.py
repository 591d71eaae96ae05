"""Anomalies: inputs the state of their supply point cannot accept (SPEC 4).

They are recorded and shown on the dashboard, never raised: one odd flow must not stop
the rest of the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True, kw_only=True)
class Anomaly:
    """`event_id` names the input, `subject` its key (MPAN), `kind` a stable code, `detail` words."""

    event_id: str
    subject: str
    day: date
    kind: str
    detail: str
