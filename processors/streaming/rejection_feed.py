"""Feeds the dashboard from the rejected sink and the ingest reports, so it shows every
rejection and every input file of the cluster.

Rejections are found in two places: `meterflow ingest` (records and files that cannot be
read) and every worker (input messages that cannot be decoded). All of them go to the
`rejected-records` topic, and the topic is the dashboard's one source: a worker follows
it from the beginning (the recorder keeps only the newest in a bounded ring) and
records each one once. Likewise `ingest-reports`, where ingest writes each file's report
(read, rejected, duplicate, test data), as replay hands them to its recorder.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from aiokafka import TopicPartition
from aiokafka.errors import KafkaError

from processors.codecs import serde
from processors.ops.recorder import OpsRecorder
from processors.streaming.kafka import make_reader, partitions_of, start_client

log = structlog.get_logger("meterflow.rejection_feed")


async def follow_rejections(
    bootstrap: str,
    topic: str,
    ops: OpsRecorder,
    stop: asyncio.Event,
    timeout: float = 15.0,
    *,
    reports: str | None = None,
) -> None:
    """Record every rejection of `topic`, and every file report of `reports` when given,
    into `ops` until `stop` is set."""
    consumer = make_reader(bootstrap, fetch_max_wait_ms=500)
    await start_client(consumer, bootstrap, timeout)
    try:
        tps = [TopicPartition(topic, p) for p in await partitions_of(consumer, topic, timeout)]
        if not tps:
            log.warning("no rejected-records topic to follow", topic=topic)
            return
        if reports is not None:
            tps += [TopicPartition(reports, p) for p in await partitions_of(consumer, reports, timeout)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        while not stop.is_set():
            try:
                batch = await consumer.getmany(timeout_ms=500, max_records=1000)
            except KafkaError as exc:
                log.warning("fetch of rejections failed; retrying", error=repr(exc))
                await asyncio.sleep(0.5)
                continue
            for records in batch.values():
                for record in records:
                    try:
                        if record.topic == reports:
                            ops.record_file(serde.decode_file_report(record.value))
                        else:
                            ops.record_rejection(serde.decode_rejection(record.value))
                    except serde.DecodeError as exc:
                        log.warning("unreadable record", topic=record.topic, error=str(exc))
    finally:
        with contextlib.suppress(Exception):
            await consumer.stop()
