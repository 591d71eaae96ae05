"""D0004 (notification of failure to obtain a reading) records to events."""

from __future__ import annotations

from collections.abc import Sequence

from flows.d0010 import site_visit
from flows.dtc import VALUES, Context, Node
from processors.vocabulary.events import ReadingAttempt, ReadingNotObtained


def _attempt(node: Node) -> ReadingAttempt:
    _, _, (meter_id, reading_type, attempted_at), visits = node
    return ReadingAttempt(
        meter_id=meter_id,
        reading_type=reading_type,
        attempted_at=attempted_at,
        site_visits=tuple(site_visit(visit[VALUES]) for visit in visits),
    )


def map_d0004(node: Node, ancestors: Sequence[Node], context: Context) -> ReadingNotObtained:
    """A 014 MPAN group with its attempts (015) and their site visits (016)."""
    _, line, (mpan,), attempts = node
    return ReadingNotObtained(
        event_id=context.event_id(line),
        occurred_at=context.file.created_at,
        source=context.source(line),
        test_data=context.test_data,
        file=context.file,
        mpan=mpan,
        attempts=tuple(_attempt(attempt) for attempt in attempts),
    )
