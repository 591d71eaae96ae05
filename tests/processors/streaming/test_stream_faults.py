"""Faults against the real broker: a broker that restarts empty, a broker that is gone.

The worker runs as a real `meterflow worker` process. What must hold: it never hangs,
it names a log that went backwards, it folds what the new broker gets into replay's
commands, and SIGTERM stops it within seconds, with no traceback, even with the broker
gone.
"""

from __future__ import annotations

import asyncio
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest
import streamkit

from bench.synthetic_log import LogShape, write_log
from processors.drivers.replay import replay
from processors.streaming.broker import EmbeddedBroker, free_port
from processors.streaming.ingest import ingest
from processors.streaming.topics import Topics
from processors.vocabulary.commands import Command

pytestmark = pytest.mark.broker

STOP_WITHIN = 20.0  # seconds from SIGTERM to exit, the broker gone


async def test_a_broker_restarted_empty_is_named_folded_and_sigterm_still_stops_the_worker(
    tmp_path: Path, topics: Topics
) -> None:
    before = LogShape(supply_points=300, events=3000, days=10, loss_share=0.08, seed=3)
    after = LogShape(supply_points=200, events=1200, days=8, loss_share=0.08, seed=4)
    _, last_before = write_log(tmp_path / "before", before)
    _, last_after = write_log(tmp_path / "after", after)
    until = last_after + timedelta(days=50)
    expected = streamkit.as_set([c for c in replay([tmp_path / "after"], until) if isinstance(c, Command)])
    assert len(expected) > 10

    port = free_port()
    broker = EmbeddedBroker(port).start()
    address = broker.bootstrap
    group = f"{topics.prefix}workers"
    env = {
        "METERFLOW_BROKER": address,
        "METERFLOW_TOPIC_PREFIX": topics.prefix,
        "METERFLOW_GROUP": group,
        "METERFLOW_SESSION_TIMEOUT_MS": "3000",
        "METERFLOW_HOME": str(tmp_path / "home"),
    }
    worker: streamkit.Process | None = None
    try:
        await ingest(address, [tmp_path / "before"], last_before + timedelta(days=50), topics=topics)
        worker = streamkit.meterflow("--log-json", "worker", "--no-clock", env=env)
        await streamkit.wait_caught_up(address, group, topics, timeout=120)

        broker.kill()
        await asyncio.sleep(2)
        broker = EmbeddedBroker(port).start()  # the same address, an empty log
        await ingest(address, [tmp_path / "after"], until, topics=topics)
        await streamkit.wait_caught_up(address, group, topics, timeout=180)
        assert worker.returncode is None and worker.popen.poll() is None, worker.stderr()[-3000:]
        assert streamkit.as_set(await streamkit.commands_on(address, topics)) == expected
        assert "the log went backwards" in worker.stderr()

        seen = len(worker.stderr())
        broker.kill()  # now gone for good: the stop must not wait for it
        for _ in range(150):  # the worker says so in its own words, once, not per error
            if "broker unreachable since" in worker.stderr()[seen:]:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(3)
        said = worker.stderr()[seen:]
        assert said.count("broker unreachable since") == 1, said[-3000:]
        started = time.monotonic()
        worker.popen.send_signal(signal.SIGTERM)
        _, errors = await asyncio.to_thread(worker.communicate, 60)
        took = time.monotonic() - started
        text = errors.decode("utf-8", "replace")
        print(f"SIGTERM to exit with the broker gone: {took:.1f} s")
        assert took < STOP_WITHIN, text[-3000:]
        assert worker.returncode == 0, text[-3000:]
        assert "Traceback" not in text and "CancelledError" not in text, text[-3000:]
        assert "worker stopped" in text
    finally:
        if worker is not None and worker.popen.poll() is None:
            worker.kill()
        broker.stop()


async def test_sigint_stops_an_idle_worker_within_seconds_with_the_broker_gone(
    tmp_path: Path, topics: Topics
) -> None:
    """Ctrl-C is a stop too (item 1: SIGTERM and SIGINT), not a KeyboardInterrupt traceback."""
    port = free_port()
    broker = EmbeddedBroker(port).start()
    group = f"{topics.prefix}workers"
    env = {
        "METERFLOW_BROKER": broker.bootstrap,
        "METERFLOW_TOPIC_PREFIX": topics.prefix,
        "METERFLOW_GROUP": group,
        "METERFLOW_SESSION_TIMEOUT_MS": "3000",
        "METERFLOW_HOME": str(tmp_path / "home"),
    }
    worker = streamkit.meterflow("--log-json", "worker", "--no-clock", env=env)
    try:
        for _ in range(600):
            if "partitions assigned" in worker.stderr() or worker.popen.poll() is not None:
                break
            await asyncio.sleep(0.1)
        assert "partitions assigned" in worker.stderr(), worker.stderr()[-3000:]
        broker.kill()
        await asyncio.sleep(2)
        started = time.monotonic()
        worker.popen.send_signal(signal.SIGINT)
        _, errors = await asyncio.to_thread(worker.communicate, 60)
        took = time.monotonic() - started
        text = errors.decode("utf-8", "replace")
        assert took < STOP_WITHIN, text[-3000:]
        assert worker.returncode == 0, text[-3000:]
        assert "Traceback" not in text and "KeyboardInterrupt" not in text, text[-3000:]
        assert "worker stopped" in text
    finally:
        if worker.popen.poll() is None:
            worker.kill()
        broker.stop()
