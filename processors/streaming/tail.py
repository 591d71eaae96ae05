"""`meterflow tail TOPIC [--from-beginning] [--follow] [--max N] [--timeout SECONDS]`.

Prints each record of a topic decoded to one JSON line (`serde.to_json`, so commands look
exactly as `meterflow replay` writes them). Records that are not meterflow Avro are
printed as `{"undecodable": reason, ...}` rather than stopping the tail.

`--from-beginning` prints what the topic holds and stops once it has read to the real end
of every partition (as `read_partitions` finds it, never trusting the high watermark
alone); `--follow`, and a tail without `--from-beginning`, go on printing new records,
for ever or until `--timeout` seconds pass without one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from typing import Any

from aiokafka import TopicPartition

from processors.codecs import serde
from processors.settings import Settings
from processors.streaming.broker import find_broker
from processors.streaming.errors import report_startup_error
from processors.streaming.kafka import make_reader, partitions_of, read_partitions, start_client
from processors.streaming.topics import TopicMissing, existing_topics


def decode_record(
    topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None
) -> dict[str, Any]:
    """One record as the JSON object `tail` prints."""
    if value is None:
        return {"tombstone": True, "key": key.decode("utf-8", "replace") if key else None}
    try:
        return dict(serde.to_json(serde.decode_any(value)))
    except serde.DecodeError as exc:
        try:  # e.g. the JSON bookkeeping of `ingested-files`, keyed by file key
            decoded = json.loads(value)
        except ValueError:
            decoded = None
        if isinstance(decoded, dict):
            return {"key": key.decode("utf-8", "replace") if key else None, **decoded}
        return {
            "undecodable": str(exc),
            "source": f"{topic}[{partition}]@{offset}",
            "raw": value[:200].decode("utf-8", "replace"),
        }


async def tail(
    bootstrap: str,
    topic: str,
    *,
    from_beginning: bool = False,
    follow: bool | None = None,
    max_records: int | None = None,
    timeout: float | None = None,
    write: Callable[[str], object] | None = None,
) -> int:
    """Print records of `topic` until `max_records` were printed, or, with `from_beginning`
    and not `follow`, until caught up; when following (the default without
    `from_beginning`), until nothing new came for `timeout` seconds (None: for ever).
    Returns how many were printed."""
    emit = write or (lambda line: print(line, flush=True))
    following = (not from_beginning) if follow is None else follow
    if topic not in await existing_topics(bootstrap):
        raise TopicMissing(f"topic {topic} does not exist on {bootstrap}")
    reader = make_reader(bootstrap, fetch_max_wait_ms=200)
    await start_client(reader, bootstrap, 15.0)
    printed = 0

    def show(records: list[Any]) -> bool:
        """Print `records`; True once `max_records` are printed."""
        nonlocal printed
        for r in records:
            emit(json.dumps(decode_record(topic, r.partition, r.offset, r.key, r.value)))
            printed += 1
            if max_records is not None and printed >= max_records:
                return True
        return False

    try:
        tps = [TopicPartition(topic, p) for p in await partitions_of(reader, topic)]
        if from_beginning:
            async for records in read_partitions(reader, tps):
                if show(records):
                    return printed
            if not following:
                return printed
        else:
            reader.assign(tps)
            await reader.seek_to_end(*tps)
        loop = asyncio.get_running_loop()
        idle_since = loop.time()
        while True:
            batch = await reader.getmany(timeout_ms=200, max_records=1000)
            if not batch:
                if timeout is not None and loop.time() - idle_since >= timeout:
                    return printed
                continue
            idle_since = loop.time()
            for records in batch.values():
                if show(records):
                    return printed
    finally:
        await reader.stop()


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Entry point of `meterflow tail`."""
    try:
        bootstrap = find_broker(settings)
        asyncio.run(
            tail(
                bootstrap,
                args.topic,
                from_beginning=bool(getattr(args, "from_beginning", False)),
                follow=True if getattr(args, "follow", False) else None,
                max_records=getattr(args, "max", None),
                timeout=getattr(args, "timeout", None),
            )
        )
    except KeyboardInterrupt:
        return 0
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    except Exception as exc:
        return report_startup_error(exc)
    return 0
