"""`meterflow ingest PATH... [--until DATE]`: publish flows and events to Kafka.

Everything goes through `processors.drivers.event_order.event_time_log`, so the topic receives exactly the
log a replay folds: domain events in event-time order, keyed by partition key (MPAN core,
the import MPAN for export events), and after the last event of each day through
`--until` a day tick written into *every* partition of the one input topic, so in each
partition the tick follows every event of its day. Rejected records go to
`rejected-records`; a file already ingested (same sender and file id, remembered in
`ingested-files`) is skipped and reported. Every file's report (read, rejected,
duplicate, test data) goes to `ingest-reports`, where the workers' dashboards read them.
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
from processors.drivers.exit_codes import EXIT_CANNOT_RUN, input_status, missing_paths
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
    """What one ingest published, named as the dashboard, /metrics and the worker's logs
    name it (D22): input events (read from the files), day ticks (days closed; each is
    written once into every partition), rejected records and skipped files."""

    events: int = 0
    """Input events published (test data included)."""
    test_data_events: int = 0
    ticks: int = 0
    """Days closed; `tick_records` counts their copies, one per partition."""
    tick_records: int = 0
    rejected: int = 0
    files: int = 0
    skipped: list[str] = field(default_factory=list)

    @property
    def usable_events(self) -> int:
        """Input events that can drive commands (test data cannot)."""
        return self.events - self.test_data_events

    def line(self) -> str:
        test_data = f" ({self.test_data_events} test data)" if self.test_data_events else ""
        copies = f" ({self.tick_records} records, one per partition)" if self.ticks else ""
        skipped = f", {len(self.skipped)} file(s) skipped as already ingested" if self.skipped else ""
        return (
            f"ingested {self.files} file(s): {self.events} input events{test_data}, "
            f"{self.ticks} day ticks{copies}, {self.rejected} rejected records{skipped}"
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
                summary.tick_records += len(partitions)
            elif isinstance(outcome, DomainEvent):
                key = outcome.partition_key
                pending.append(
                    await send(topics.input, serde.encode_event(outcome), key=key.encode() if key else None)
                )
                summary.events += 1
                if outcome.test_data:
                    summary.test_data_events += 1
                if progress is not None and outcome.source is not None:
                    progress.saw(outcome.source.path, outcome.source.line, summary.events)
            elif isinstance(outcome, RejectedRecord):
                pending.append(await send(topics.rejected, serde.encode_rejection(outcome)))
                summary.rejected += 1
                log.warning("record rejected", path=outcome.path, line=outcome.line, reason=outcome.reason)
            elif isinstance(outcome, FileReport):
                _report(outcome, summary)
                pending.append(await send(topics.file_reports, serde.encode_file_report(outcome)))
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
    """Entry point of `meterflow ingest PATH... [--until DATE] [--strict]`: the exit status
    of `processors.drivers.exit_codes` (a missing path fails before the broker is asked)."""
    given = [str(p) for p in getattr(args, "paths", None) or getattr(args, "path", [])]
    missing = missing_paths(given)
    if missing:
        print(f"meterflow ingest: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    paths = [Path(p) for p in given]
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
    status, why = input_status(
        usable_events=summary.usable_events,
        rejected=summary.rejected,
        strict=bool(getattr(args, "strict", False)),
    )
    if why:
        print(f"meterflow ingest: {why}", file=sys.stderr)
    return status
