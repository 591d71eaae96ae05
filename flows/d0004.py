"""D0004 (notification of failure to obtain a reading) records to events."""

from __future__ import annotations

from collections.abc import Sequence

from flows.d0010 import site_visit
from flows.dtc import Context, Node
from processors.vocabulary.events import ReadingAttempt, ReadingNotObtained


def map_d0004(node: Node, ancestors: Sequence[Node], context: Context) -> ReadingNotObtained:
    """A 014 MPAN group with its attempts (015) and their site visits (016)."""
    attempts = tuple(
        ReadingAttempt(
            meter_id=attempt[2][0],
            reading_type=attempt[2][1],
            attempted_at=attempt[2][2],
            site_visits=tuple(site_visit(visit[2]) for visit in attempt[3]),
        )
        for attempt in node[3]
    )
    line = node[1]
    return ReadingNotObtained(
        event_id=context.event_id(line),
        occurred_at=context.file.created_at,
        source=context.source(line),
        test_data=context.test_data,
        file=context.file,
        mpan=node[2][0],
        attempts=attempts,
    )
