"""`meterflow ingest PATH... [--until DATE]`: publish flows and events to Kafka.

Everything goes through `processors.drivers.event_order.event_time_log`, so the topic receives exactly the
log a replay folds: domain events in event-time order, keyed by partition key (MPAN core,
the import MPAN for export events), and after the last event of each day through
`--until` a day tick written into *every* partition of the one input topic, so in each
partition the tick follows every event of its day. Rejected records go to
`rejected-records`; a file already ingested (same sender and file id, remembered in
`ingested-files`) is skipped and reported. Every file's report (read, rejected,
duplicate, test data) goes to `ingest-reports`, where the workers' dashboards read them.

A broker that stalls or goes away is waited for: the records in flight (at most
IN_FLIGHT) are kept until acknowledged and sent again after a failure, with backoff and
one rate-limited status line, for up to `outage` seconds. Ticks are sent only once
everything before them is acknowledged, and acknowledged before anything after them is
sent, so a window sent again cannot move an event past its day's tick.
Past that, ingest stops with `IngestIncomplete`, saying how many records were
acknowledged and where; no file is marked ingested then, so running the same command
again is safe (event ids and command ids make what is published twice harmless).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from flows import iter_input_files
from flows.rejections import FileReport, FileStatus, RejectedRecord
from processors.codecs import serde
from processors.drivers.event_order import event_time_log
from processors.drivers.exit_codes import EXIT_CANNOT_RUN, input_status, missing_paths
from processors.settings import Settings
from processors.streaming.broker import find_broker
from processors.streaming.errors import report_startup_error
from processors.streaming.kafka import make_producer, start_client
from processors.streaming.outage import BrokerStatus
from processors.streaming.progress import Progress
from processors.streaming.seen import KafkaSeenFiles
from processors.streaming.topics import Topics, ensure_topics
from processors.vocabulary.events import DayClosed, DomainEvent

log = structlog.get_logger("meterflow.ingest")

IN_FLIGHT = 20000
DEFAULT_OUTAGE_SECONDS = 300.0

# (topic, value, key, partition) of a record sent but not yet acknowledged
Outbound = tuple[str, bytes, bytes | None, int | None]


class IngestIncomplete(RuntimeError):
    """The broker stayed away too long: the message says what was and was not published."""


class _Sender:
    """Sends records in windows of IN_FLIGHT and waits for their acknowledgements, sending
    a window again while the broker is away (up to `outage` seconds)."""

    def __init__(self, producer: AIOKafkaProducer, status: BrokerStatus, outage: float) -> None:
        self.producer = producer
        self.status = status
        self.outage = outage
        self.window: list[Outbound] = []
        self.futures: list[Awaitable[Any]] = []
        self.acknowledged = 0
        self.last_source: str | None = None

    async def send(
        self, topic: str, value: bytes, *, key: bytes | None = None, partition: int | None = None
    ) -> None:
        record = (topic, value, key, partition)
        self.window.append(record)
        try:
            self.futures.append(await self.producer.send(topic, value, key=key, partition=partition))
        except KafkaError as exc:  # the whole window is sent again by `flush`
            self.status.failed(exc)
        if len(self.window) >= IN_FLIGHT:
            await self.flush()

    async def flush(self) -> None:
        """Wait until every record of the window is acknowledged, resending it after failures."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        attempt = 0
        while self.window:
            try:
                if len(self.futures) != len(self.window):
                    raise KafkaError("some records of the window were never sent")
                await asyncio.gather(*self.futures)
            except KafkaError as exc:
                self.status.failed(exc)
                waited = loop.time() - started
                if waited > self.outage:
                    raise IngestIncomplete(
                        f"the broker did not acknowledge for {waited:.0f} s ({exc!r}); "
                        f"{self.acknowledged} records were published and acknowledged"
                        + (f" (through {self.last_source})" if self.last_source else "")
                        + f", the next {len(self.window)} and everything after were not; no file was "
                        "marked ingested: run the same command again (event ids make it safe)"
                    ) from exc
                attempt += 1
                await asyncio.sleep(min(0.5 * 2**attempt, 10.0))
                self.futures = []
                for topic, value, key, partition in self.window:
                    try:
                        self.futures.append(
                            await self.producer.send(topic, value, key=key, partition=partition)
                        )
                    except KafkaError as send_error:
                        self.status.failed(send_error)
                        break
                continue
            self.status.ok()
            self.acknowledged += len(self.window)
            self.window.clear()
            self.futures.clear()


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
    uncompared: int = 0
    """Of `skipped`, those whose first ingest kept no digest to compare them with."""

    @property
    def usable_events(self) -> int:
        """Input events that can drive commands (test data cannot)."""
        return self.events - self.test_data_events

    def line(self) -> str:
        test_data = f" ({self.test_data_events} test data)" if self.test_data_events else ""
        copies = f" ({self.tick_records} records, one per partition)" if self.ticks else ""
        skipped = f", {len(self.skipped)} file(s) skipped as already ingested" if self.skipped else ""
        if self.uncompared:
            skipped += f" ({self.uncompared} not compared: their first ingest kept no digest)"
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
    outage: float = DEFAULT_OUTAGE_SECONDS,
) -> IngestSummary:
    """Publish the event-time log of `paths` (ticks through `until`) and return a summary;
    `outage`: seconds to wait for a broker that stopped acknowledging (IngestIncomplete)."""
    topics = topics or Topics()
    await ensure_topics(bootstrap, topics.specs(), timeout)
    seen = await KafkaSeenFiles.load(bootstrap, topics.ingested_files, timeout)
    producer = make_producer(bootstrap, linger_ms=20)
    await start_client(producer, bootstrap, timeout)
    summary = IngestSummary()
    sender = _Sender(producer, BrokerStatus(bootstrap), outage)
    send = sender.send
    try:
        partitions = sorted(await producer.partitions_for(topics.input))
        for outcome in event_time_log(list(paths), until, seen):
            if isinstance(outcome, DayClosed):
                # acknowledged on both sides, so a window sent again never puts an event
                # of the day after its tick (within a day the order does not matter)
                await sender.flush()
                payload = serde.encode_event(outcome)
                for partition in partitions:
                    await send(topics.input, payload, partition=partition)
                await sender.flush()
                summary.ticks += 1
                summary.tick_records += len(partitions)
            elif isinstance(outcome, DomainEvent):
                key = outcome.partition_key
                await send(topics.input, serde.encode_event(outcome), key=key.encode() if key else None)
                summary.events += 1
                if outcome.test_data:
                    summary.test_data_events += 1
                if outcome.source is not None:
                    sender.last_source = f"{outcome.source.path} line {outcome.source.line}"
                    if progress is not None:
                        progress.saw(outcome.source.path, outcome.source.line, summary.events)
            elif isinstance(outcome, RejectedRecord):
                await send(topics.rejected, serde.encode_rejection(outcome))
                summary.rejected += 1
                log.warning("record rejected", path=outcome.path, line=outcome.line, reason=outcome.reason)
            elif isinstance(outcome, FileReport):
                published = _report(outcome, summary, seen)
                await send(topics.file_reports, serde.encode_file_report(published))
        await sender.flush()
        await seen.save(producer)
    finally:
        await producer.stop()
    if progress is not None:
        progress.show(summary.events, final=True)
    return summary


def _report(report: FileReport, summary: IngestSummary, seen: KafkaSeenFiles) -> FileReport:
    """Count and log a file's report; returns it as published (a resend that could not be
    compared with the first file says so)."""
    summary.files += 1
    fields = {
        "path": report.path,
        "flow": report.flow,
        "file_id": report.file_key,
        "status": str(report.status),
    }
    if report.status == FileStatus.DUPLICATE:
        summary.skipped.append(report.path)
        first = seen.uncompared.get(report.path)
        if first is None:
            print(f"meterflow: skipped {report.path}: already ingested ({report.file_key})", file=sys.stderr)
            log.info("file skipped", **fields)
            return report
        detail = (
            f"file {report.file_key} was already ingested from {first}, whose entry in ingested-files "
            "keeps no digest (written by an older meterflow): the contents could not be compared; "
            "skipped as a resend (a corrected file needs a new file identifier)"
        )
        summary.uncompared += 1
        print(f"meterflow: skipped {report.path}: {detail}", file=sys.stderr)
        log.warning("file skipped uncompared", first=first, **fields)
        return replace(report, detail=detail)
    log.info("file read", events=report.events, rejected=report.rejected, detail=report.detail, **fields)
    return report


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
    except IngestIncomplete as exc:
        print(f"meterflow ingest: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
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
