"""The worker's produce path: one `send` per record against one record batch per topic
partition (`loop.send_batches`), on the same embedded broker, records and run.

    .venv/bin/python bench/produce.py [--records N] [--rounds N]

Each round sends the same records (command-sized values keyed by MPAN, the mix a
worker's commit holds) both ways, in commits of `--commit` records, and waits for every
acknowledgement, as `produce_all` does; the ratio is per-record against batched.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from processors.streaming.broker import EmbeddedBroker
from processors.streaming.kafka import make_producer, start_client
from processors.streaming.loop import send_batches
from processors.streaming.topics import TopicSpec, ensure_topics

Records = list[tuple[str, bytes | None, bytes]]


async def per_record(producer: Any, records: Records) -> None:
    """What `produce_all` did before: a send (a coroutine) per record, then one gather."""
    futures = [await producer.send(topic, value, key=key) for topic, key, value in records]
    await asyncio.gather(*futures)


async def batched(producer: Any, records: Records) -> None:
    await asyncio.gather(*await send_batches(producer, records))


async def measure(bootstrap: str, count: int, rounds: int, commit: int) -> None:
    topics = ["bench-commands", "bench-anomalies"]
    await ensure_topics(bootstrap, [TopicSpec(name, 4) for name in topics])
    records: Records = [
        (topics[1 if n % 7 == 0 else 0], f"1{n % 100_000:012d}".encode(), b"\x01" * 180) for n in range(count)
    ]
    chunks = [records[i : i + commit] for i in range(0, count, commit)]
    producer = make_producer(bootstrap)
    await start_client(producer, bootstrap, 15)
    seconds = {"one send per record": 0.0, "record batches": 0.0}
    try:
        await batched(producer, records[:100])  # metadata and connections up before timing
        for _ in range(rounds):
            for label, way in (("one send per record", per_record), ("record batches", batched)):
                started = time.perf_counter()
                for chunk in chunks:
                    await way(producer, chunk)
                seconds[label] += time.perf_counter() - started
    finally:
        await producer.stop()
    for label, spent in seconds.items():
        print(f"{label:<22}{count * rounds / spent:>12,.0f} records/s")
    ratio = seconds["one send per record"] / seconds["record batches"]
    print(f"record batches / one send per record: {ratio:.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=60_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--commit", type=int, default=2_000, help="records per commit (the worker's default)")
    args = parser.parse_args()
    with EmbeddedBroker() as broker:
        asyncio.run(measure(broker.bootstrap, args.records, args.rounds, args.commit))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
