"""Helpers for the broker tests: read topics to their real end, wait for a worker group
to catch up, run workers as real subprocesses."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from processors.codecs import serde
from processors.settings import Settings, settings_from_environment
from processors.streaming.kafka import make_reader, partitions_of, read_partitions, start_client
from processors.streaming.topics import Topics
from processors.vocabulary.commands import Command


def worker_settings(topics: Topics, **changes: Any) -> Settings:
    """The settings of a worker this test runs in-process: those of the test's environment
    (the `topics` fixture sets the group and the session timeout), on `topics`, with `changes`."""
    return replace(settings_from_environment(), topic_prefix=topics.prefix, **changes)


async def read_topic(broker: str, topic: str) -> list[Any]:
    """Every record of `topic` (all partitions), raw aiokafka records, to the real end."""
    reader = make_reader(broker)
    await start_client(reader, broker, 10)
    try:
        tps = [TopicPartition(topic, p) for p in await partitions_of(reader, topic)]
        return [r async for batch in read_partitions(reader, tps) for r in batch]
    finally:
        await reader.stop()


async def real_ends(broker: str, topic: str) -> dict[int, int]:
    """The next offset of every partition of `topic`, found by reading to the end."""
    ends: dict[int, int] = {}
    for record in await read_topic(broker, topic):
        ends[record.partition] = max(ends.get(record.partition, 0), record.offset + 1)
    return ends


async def committed(broker: str, group: str, topic: str, partitions: Sequence[int]) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=broker, group_id=group, enable_auto_commit=False)
    await start_client(consumer, broker, 10)
    try:
        return {p: (await consumer.committed(TopicPartition(topic, p))) or 0 for p in partitions}
    finally:
        await consumer.stop()


async def wait_caught_up(broker: str, group: str, topics: Topics, timeout: float = 120.0) -> None:
    """Wait until `group` has committed every record of the input topic, follow-ups
    included (the ends are measured again after each catch-up)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    previous: dict[int, int] | None = None
    while True:
        ends = await real_ends(broker, topics.input)
        done = await committed(broker, group, topics.input, list(ends))
        if all(done[p] >= ends[p] for p in ends):
            if ends == previous:
                return
            previous = ends
            await asyncio.sleep(0.5)
            continue
        if loop.time() > deadline:
            raise TimeoutError(f"group {group} did not catch up: committed {done}, ends {ends}")
        await asyncio.sleep(0.3)


async def commands_on(broker: str, topics: Topics) -> list[Command]:
    return [serde.decode_command(r.value) for r in await read_topic(broker, topics.commands)]


def as_set(commands: Sequence[Command]) -> set[tuple[str, str]]:
    """Commands as comparable (id, canonical JSON) pairs."""
    return {(c.command_id, json.dumps(serde.to_json(c), sort_keys=True, default=str)) for c in commands}


class Process:
    """A `meterflow` subprocess whose stderr goes to a file (a pipe nobody reads would
    fill up and block the worker's logging)."""

    def __init__(self, args: Sequence[str], env: dict[str, str]) -> None:
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "processors.drivers.cli", *args],
            env={**os.environ, **env},
            cwd=Path(__file__).resolve().parents[3],
            stdout=subprocess.PIPE,
            stderr=self.errors,
        )

    @property
    def returncode(self) -> int | None:
        return self.popen.returncode

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stderr(self) -> str:
        self.errors.seek(0)
        return self.errors.read().decode("utf-8", "replace")

    def communicate(self, timeout: float) -> tuple[bytes, bytes]:
        out, _ = self.popen.communicate(timeout=timeout)
        return out, self.stderr().encode()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> tuple[bytes, bytes]:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
        return self.communicate(timeout)

    def kill(self) -> None:
        self.popen.kill()
        self.popen.wait(30)


def meterflow(*args: str, env: dict[str, str]) -> Process:
    """Start `meterflow ARGS` as a real subprocess."""
    return Process(args, env)


def stop(process: Process, sig: int = signal.SIGTERM, timeout: float = 30) -> tuple[bytes, bytes]:
    return process.stop(sig, timeout)
