"""`meterflow ingest PATH... [--until DATE]`: publish flows and events to Kafka.

Everything goes through `processors.drivers.event_order.event_time_log`, so the topic receives exactly the
log a replay folds: domain events in event-time order, keyed by partition key (MPAN core,
the import MPAN for export events), and after the last event of each day through
`--until` a day tick written into *every* partition of the one input topic, so in each
partition the tick follows every event of its day. Rejected records go to
`rejected-records`; a file already ingested (same sender and file id, remembered in
`ingested-files`) is skipped and reported.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import structlog

from flows import iter_input_files
from flows.rejections import FileReport, FileStatus, RejectedRecord
from processors.codecs import serde
from processors.drivers.event_order import event_time_log
from processors.settings import Settings
from processors.streaming.broker import find_broker
from processors.streaming.errors import report_startup_error
from processors.streaming.kafka import make_producer, start_client
from processors.streaming.progress import Progress
from processors.streaming.seen import KafkaSeenFiles
from processors.streaming.topics import Topics, ensure_topics
from processors.vocabulary.events import DayClosed, DomainEvent

log = structlog.get_logger("meterflow.ingest")

IN_FLIGHT = 20000


@dataclass(slots=True)
class IngestSummary:
    """What one ingest published."""

    events: int = 0
    ticks: int = 0
    rejected: int = 0
    files: int = 0
    skipped: list[str] = field(default_factory=list)

    def line(self) -> str:
        skipped = f", {len(self.skipped)} skipped as already ingested" if self.skipped else ""
        return (
            f"ingested {self.files} file(s): {self.events} events, {self.ticks} day ticks, "
            f"{self.rejected} rejected{skipped}"
        )


async def ingest(
    bootstrap: str,
    paths: Sequence[Path],
    until: date | None,
    *,
    topics: Topics | None = None,
    progress: Progress | None = None,
    timeout: float = 15.0,
) -> IngestSummary:
    """Publish the event-time log of `paths` (ticks through `until`) and return a summary."""
    topics = topics or Topics()
    await ensure_topics(bootstrap, topics.specs(), timeout)
    seen = await KafkaSeenFiles.load(bootstrap, topics.ingested_files, timeout)
    producer = make_producer(bootstrap, linger_ms=20)
    await start_client(producer, bootstrap, timeout)
    summary = IngestSummary()
    pending: list[Awaitable[Any]] = []
    try:
        partitions = sorted(await producer.partitions_for(topics.input))
        send = producer.send
        for outcome in event_time_log(list(paths), until, seen):
            if isinstance(outcome, DayClosed):
                payload = serde.encode_event(outcome)
                for partition in partitions:
                    pending.append(await send(topics.input, payload, partition=partition))
                summary.ticks += 1
            elif isinstance(outcome, DomainEvent):
                key = outcome.partition_key
                pending.append(
                    await send(topics.input, serde.encode_event(outcome), key=key.encode() if key else None)
                )
                summary.events += 1
                if progress is not None and outcome.source is not None:
                    progress.saw(outcome.source.path, outcome.source.line, summary.events)
            elif isinstance(outcome, RejectedRecord):
                pending.append(await send(topics.rejected, serde.encode_rejection(outcome)))
                summary.rejected += 1
                log.warning("record rejected", path=outcome.path, line=outcome.line, reason=outcome.reason)
            elif isinstance(outcome, FileReport):
                _report(outcome, summary)
            if len(pending) >= IN_FLIGHT:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
        await seen.save(producer)
    finally:
        await producer.stop()
    if progress is not None:
        progress.show(summary.events, final=True)
    return summary


def _report(report: FileReport, summary: IngestSummary) -> None:
    summary.files += 1
    fields = {
        "path": report.path,
        "flow": report.flow,
        "file_id": report.file_key,
        "status": str(report.status),
    }
    if report.status == FileStatus.DUPLICATE:
        summary.skipped.append(report.path)
        print(f"meterflow: skipped {report.path}: already ingested ({report.file_key})", file=sys.stderr)
        log.info("file skipped", **fields)
    else:
        log.info("file read", events=report.events, rejected=report.rejected, detail=report.detail, **fields)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Entry point of `meterflow ingest PATH... [--until DATE]`."""
    paths = [Path(p) for p in getattr(args, "paths", None) or getattr(args, "path", [])]
    until = getattr(args, "until", None)
    if isinstance(until, str):
        until = date.fromisoformat(until)
    try:
        bootstrap = find_broker(settings)
        progress = Progress.for_terminal(iter_input_files(paths))
        summary = asyncio.run(ingest(bootstrap, paths, until, topics=Topics.of(settings), progress=progress))
    except Exception as exc:
        return report_startup_error(exc)
    print(f"meterflow: {summary.line()}", file=sys.stderr)
    return 0
