"""`meterflow tail TOPIC [--from-beginning] [--max N] [--timeout SECONDS]`.

Prints each record of a topic decoded to one JSON line (`serde.to_json`, so commands look
exactly as `meterflow replay` writes them). Records that are not meterflow Avro are
printed as `{"undecodable": reason, ...}` rather than stopping the tail.
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
from processors.streaming.kafka import make_reader, partitions_of, start_client
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
    max_records: int | None = None,
    timeout: float | None = None,
    write: Callable[[str], object] | None = None,
) -> int:
    """Print records of `topic` until `max_records` were printed or nothing new came for
    `timeout` seconds (forever when both are None). Returns how many were printed."""
    emit = write or (lambda line: print(line, flush=True))
    if topic not in await existing_topics(bootstrap):
        raise TopicMissing(f"topic {topic} does not exist on {bootstrap}")
    reader = make_reader(bootstrap, fetch_max_wait_ms=200)
    await start_client(reader, bootstrap, 15.0)
    printed = 0
    try:
        tps = [TopicPartition(topic, p) for p in await partitions_of(reader, topic)]
        reader.assign(tps)
        if from_beginning:
            await reader.seek_to_beginning(*tps)
        else:
            await reader.seek_to_end(*tps)
        loop = asyncio.get_running_loop()
        idle_since = loop.time()
        while max_records is None or printed < max_records:
            batch = await reader.getmany(timeout_ms=200, max_records=1000)
            if not batch:
                if timeout is not None and loop.time() - idle_since >= timeout:
                    break
                continue
            idle_since = loop.time()
            for records in batch.values():
                for r in records:
                    emit(json.dumps(decode_record(topic, r.partition, r.offset, r.key, r.value)))
                    printed += 1
                    if max_records is not None and printed >= max_records:
                        return printed
    finally:
        await reader.stop()
    return printed


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Entry point of `meterflow tail`."""
    try:
        bootstrap = find_broker(settings)
        asyncio.run(
            tail(
                bootstrap,
                args.topic,
                from_beginning=bool(getattr(args, "from_beginning", False)),
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
