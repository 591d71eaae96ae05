"""Crash cost: what a SIGKILL during a back-fill's closing days makes the worker send
again, and how long from the kill until a new worker folds again and has caught up.

    .venv/bin/python bench/crash_resume.py [--supply-points N] [--events N] [--days N]

For each commit bound (METERFLOW_COMMIT_RECORDS: the default 2000, and one too large
to ever apply, which is how the worker committed before issue 17), on a fresh broker:
ingests a synthetic log with 45 closing days of ticks, runs `meterflow worker --no-clock`,
SIGKILLs it once it has folded half of replay's commands (its log says so as it folds,
before the batch is sent and committed), starts a new worker and
reports: commands sent twice (records on `billing-commands` minus distinct command ids),
the commands the first worker had folded but not committed, so the resumed one issued
them again (`issued_again_after_kill`: its commands minus those never folded before),
seconds from the kill to the new worker's first commit past the old one, and to caught up.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiokafka import AIOKafkaConsumer, TopicPartition

from bench.synthetic_log import LogShape, write_log
from processors.codecs import serde
from processors.drivers.replay import replay
from processors.streaming.broker import EmbeddedBroker
from processors.streaming.ingest import ingest
from processors.streaming.kafka import make_reader, partitions_of, read_partitions, start_client
from processors.streaming.topics import Topics
from processors.vocabulary.commands import Command

ROOT = Path(__file__).resolve().parents[1]
UNBOUNDED = 10**9


async def ends_of(broker: str, topic: str) -> dict[int, int]:
    """The real end of each partition, found by reading (Tansu's watermark trails, D14)."""
    reader = make_reader(broker)
    await start_client(reader, broker, 10)
    try:
        tps = [TopicPartition(topic, p) for p in await partitions_of(reader, topic)]
        ends = dict.fromkeys((tp.partition for tp in tps), 0)
        async for batch in read_partitions(reader, tps):
            ends[batch[-1].partition] = max(ends[batch[-1].partition], batch[-1].offset + 1)
        return ends
    finally:
        await reader.stop()


async def command_ids(broker: str, topic: str) -> list[str]:
    reader = make_reader(broker)
    await start_client(reader, broker, 10)
    try:
        tps = [TopicPartition(topic, p) for p in await partitions_of(reader, topic)]
        return [
            serde.decode_command(r.value).command_id
            async for batch in read_partitions(reader, tps)
            for r in batch
        ]
    finally:
        await reader.stop()


async def committed(broker: str, group: str, topic: str, partitions: list[int]) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=broker, group_id=group, enable_auto_commit=False)
    await start_client(consumer, broker, 10)
    try:
        return {p: (await consumer.committed(TopicPartition(topic, p))) or 0 for p in partitions}
    finally:
        await consumer.stop()


def start_worker(
    broker: str, topics: Topics, group: str, commit_records: int, home: Path, log: str = "worker.log"
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "METERFLOW_BROKER": broker,
        "METERFLOW_TOPIC_PREFIX": topics.prefix,
        "METERFLOW_GROUP": group,
        "METERFLOW_SESSION_TIMEOUT_MS": "3000",
        "METERFLOW_COMMIT_RECORDS": str(commit_records),
        "METERFLOW_HOME": str(home),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "processors.drivers.cli",
            "--log-level",
            "INFO",
            "--log-json",
            "worker",
            "--no-clock",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=(home / log).open("ab"),
    )


async def one_run(folder: Path, until: object, expected: int, commit_records: int) -> dict[str, float]:
    broker = EmbeddedBroker().start()
    topics = Topics(f"crash{commit_records}-")
    group = f"{topics.prefix}workers"
    home = Path(tempfile.mkdtemp())
    try:
        await ingest(broker.bootstrap, [folder], until, topics=topics)  # type: ignore[arg-type]
        worker = start_worker(broker.bootstrap, topics, group, commit_records, home)
        # the worker logs each command as it folds it, before the batch is sent and committed:
        # killing it once half are logged is a crash in the middle of a back-fill's close
        logged, read_at = 0, 0
        while logged < expected // 2:
            if worker.poll() is not None:
                raise RuntimeError(f"the worker died: {(home / 'worker.log').read_text()[-2000:]}")
            with (home / "worker.log").open("rb") as handle:
                handle.seek(read_at)
                chunk = handle.read()
            read_at += chunk.rfind(b"\n") + 1
            logged += chunk[: chunk.rfind(b"\n") + 1].count(b'"command issued"')
            await asyncio.sleep(0.005)
        worker.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        worker.wait()
        inputs = await ends_of(broker.bootstrap, topics.input)
        before = await committed(broker.bootstrap, group, topics.input, list(inputs))
        worker = start_worker(broker.bootstrap, topics, group, commit_records, home, "resumed.log")
        resumed = caught_up = None
        while caught_up is None:
            done = await committed(broker.bootstrap, group, topics.input, list(inputs))
            now = time.monotonic() - killed
            if resumed is None and any(done[p] > before[p] for p in done):
                resumed = now
            if all(done[p] >= inputs[p] for p in inputs):
                caught_up = now
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)
        ids = await command_ids(broker.bootstrap, topics.commands)
        worker.send_signal(signal.SIGTERM)
        worker.wait(60)
        return {
            "commit_records": commit_records,
            "commands": len(ids),
            "distinct": len(set(ids)),
            "sent_twice": len(ids) - len(set(ids)),
            "folded_at_kill": logged,
            "issued_again_after_kill": (home / "resumed.log").read_bytes().count(b'"command issued"')
            - (expected - logged),
            "kill_to_first_commit_s": round(resumed or caught_up, 1),
            "kill_to_caught_up_s": round(caught_up, 1),
        }
    finally:
        broker.stop()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--supply-points", type=int, default=3000)
    parser.add_argument("--events", type=int, default=40000)
    parser.add_argument("--days", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp()) / "log"
    _, last = write_log(folder, LogShape(args.supply_points, args.events, args.days, 0.08, seed=11))
    until = last + timedelta(days=45)
    expected = sum(1 for c in replay([folder], until) if isinstance(c, Command))
    print(
        f"log: {args.events} events, {args.supply_points} supply points, {args.days} days + 45 closing days; "
        f"replay issues {expected} commands; SIGKILL at half of them"
    )
    for bound in (2000, UNBOUNDED):
        result = await one_run(folder, until, expected, bound)
        print("RESULT", result, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
