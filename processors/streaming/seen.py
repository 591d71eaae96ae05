"""The files already ingested, remembered in the compacted topic `ingested-files`.

`meterflow ingest` reads the topic to its real end at start-up (never trusting the high
watermark alone), answers `first_time` from memory while it reads, and writes the new
keys only after every record of the run has been acknowledged, so a file whose ingest
was cut short is not taken for done. Each key's value names the file and its SHA-256, so
a later file with the same key and other content is a conflict that names the first
(`flows.seen`). A key written before digests were kept (its value says only when) cannot
be compared: the file is compared with the one its value names when that file is still
readable, and otherwise skipped as a resend, as before, but not in silence: it is listed
in `uncompared`, which ingest reports as a warning naming both.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaProducer, TopicPartition

from flows.seen import differs, file_digest
from processors.streaming.kafka import make_reader, partitions_of, read_partitions, start_client


class KafkaSeenFiles:
    """flows.SeenFiles over a compacted topic keyed by file key (sender MPID / file id)."""

    def __init__(self, topic: str, known: set[str] | dict[str, dict[str, str]] | None = None) -> None:
        self.topic = topic
        self.known: dict[str, dict[str, str]] = (
            dict(known) if isinstance(known, dict) else {key: {} for key in known or ()}
        )
        """Every key ingested, with what its value says (`path`, `sha256`, `ingested_at`)."""
        self.new: list[str] = []
        self._paths: dict[str, str] = {}
        self.uncompared: dict[str, str] = {}
        """Files taken for a resend of a key whose earlier entry kept no digest, by path:
        what that entry says of the first file."""

    def first_time(self, file_key: str, path: str = "") -> bool:
        """True, and remember the key, when `file_key` was never ingested before."""
        if file_key in self.known or file_key in self._paths:
            return False
        self._paths[file_key] = path
        self.new.append(file_key)
        return True

    def conflict(self, file_key: str, path: str) -> str | None:
        first = self._paths.get(file_key)
        if first is not None:
            return first if first and first != path and differs(first, path) else None
        earlier = self.known.get(file_key, {})
        digest = earlier.get("sha256")
        named = f"{earlier.get('path') or 'a file'} (ingested {earlier.get('ingested_at', '?')})"
        if digest is None:
            return self._undigested(path, earlier.get("path", ""), named)
        try:
            return None if file_digest(path) == digest else named
        except OSError:
            return None

    def _undigested(self, path: str, first: str, named: str) -> str | None:
        """A key whose entry has no digest: compared with the file it names while that file
        can still be read (and is another path), else listed in `uncompared`."""
        if first and first != path and Path(first).is_file():
            return named if differs(first, path) else None
        self.uncompared[path] = named
        return None

    @classmethod
    async def load(cls, bootstrap: str, topic: str, timeout: float = 15.0) -> KafkaSeenFiles:
        """Read every key ever written to `topic`."""
        reader = make_reader(bootstrap)
        await start_client(reader, bootstrap, timeout)
        known: dict[str, dict[str, str]] = {}
        try:
            partitions = await partitions_of(reader, topic)
            tps = [TopicPartition(topic, p) for p in partitions]
            async for records in read_partitions(reader, tps):
                for r in records:
                    if r.key is not None and r.value is not None:
                        known[r.key.decode()] = _value(r.value)
        finally:
            await reader.stop()
        return cls(topic, known)

    async def save(self, producer: AIOKafkaProducer) -> int:
        """Write the keys first seen in this run; returns how many."""
        stamp = datetime.now(UTC).isoformat()
        futures = []
        for key in self.new:
            value = {"ingested_at": stamp, "path": self._paths.get(key, "")}
            with contextlib.suppress(OSError):  # a file gone since: no digest, taken for a resend
                if value["path"]:
                    value["sha256"] = file_digest(value["path"])
            futures.append(await producer.send(self.topic, json.dumps(value).encode(), key=key.encode()))
            self.known[key] = value
        for future in futures:
            await future
        saved = len(self.new)
        self.new.clear()
        self._paths.clear()
        return saved


def _value(raw: bytes) -> dict[str, str]:
    """What an `ingested-files` value says; {} when it is not a JSON object of text."""
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return {k: v for k, v in value.items() if isinstance(v, str)} if isinstance(value, dict) else {}
