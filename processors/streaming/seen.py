"""The files already ingested, remembered in the compacted topic `ingested-files`.

`meterflow ingest` reads the topic to its real end at start-up (never trusting the high
watermark alone), answers `first_time` from memory while it reads, and writes the new
keys only after every record of the run has been acknowledged, so a file whose ingest
was cut short is not taken for done.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer, TopicPartition

from processors.streaming.kafka import make_reader, partitions_of, read_partitions, start_client


class KafkaSeenFiles:
    """flows.SeenFiles over a compacted topic keyed by file key (sender MPID / file id)."""

    def __init__(self, topic: str, known: set[str] | None = None) -> None:
        self.topic = topic
        self.known: set[str] = set(known or ())
        self.new: list[str] = []

    def first_time(self, file_key: str) -> bool:
        """True, and remember the key, when `file_key` was never ingested before."""
        if file_key in self.known:
            return False
        self.known.add(file_key)
        self.new.append(file_key)
        return True

    @classmethod
    async def load(cls, bootstrap: str, topic: str, timeout: float = 15.0) -> KafkaSeenFiles:
        """Read every key ever written to `topic`."""
        reader = make_reader(bootstrap)
        await start_client(reader, bootstrap, timeout)
        known: set[str] = set()
        try:
            partitions = await partitions_of(reader, topic)
            tps = [TopicPartition(topic, p) for p in partitions]
            async for records in read_partitions(reader, tps):
                known.update(r.key.decode() for r in records if r.key is not None and r.value is not None)
        finally:
            await reader.stop()
        return cls(topic, known)

    async def save(self, producer: AIOKafkaProducer) -> int:
        """Write the keys first seen in this run; returns how many."""
        stamp = datetime.now(UTC).isoformat()
        futures = [
            await producer.send(self.topic, json.dumps({"ingested_at": stamp}).encode(), key=key.encode())
            for key in self.new
        ]
        for future in futures:
            await future
        saved = len(self.new)
        self.new.clear()
        return saved
