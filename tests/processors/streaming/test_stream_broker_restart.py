"""The broker disappears and comes back: the worker reconnects and loses nothing.

The embedded broker keeps records in memory only, so a restarted broker is empty: its
topics, records and committed offsets are gone. What this proves is what a worker can
do about an outage: it does not crash or hang while the broker is away, it reconnects
and rejoins its group on its own when the broker is back, its state follows the log it
now finds (empty, so a fresh state: no event from before leaks into the new one), and
every record published after the restart is folded into exactly replay's commands.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
import streamkit

from bench.synthetic_log import LogShape, write_log
from processors.drivers.replay import replay
from processors.streaming.broker import EmbeddedBroker, free_port
from processors.streaming.ingest import ingest
from processors.streaming.topics import Topics
from processors.streaming.worker import Worker
from processors.vocabulary.commands import Command

pytestmark = pytest.mark.broker


async def test_worker_survives_a_broker_restart_and_folds_what_comes_after(
    tmp_path: Path, topics: Topics
) -> None:
    before = LogShape(supply_points=300, events=2500, days=10, loss_share=0.08, seed=1)
    after = LogShape(supply_points=300, events=2500, days=10, loss_share=0.08, seed=2)
    _, last_before = write_log(tmp_path / "before", before)
    _, last_after = write_log(tmp_path / "after", after)
    until = last_after + timedelta(days=50)
    expected = streamkit.as_set([c for c in replay([tmp_path / "after"], until) if isinstance(c, Command)])
    assert len(expected) > 10

    port = free_port()
    broker = EmbeddedBroker(port).start()
    address = broker.bootstrap
    group = f"{topics.prefix}restart"
    worker = Worker(address, streamkit.worker_settings(topics, group=group), use_clock=False)
    task: asyncio.Task[None] | None = None
    try:
        await ingest(address, [tmp_path / "before"], last_before + timedelta(days=50), topics=topics)
        await worker.start()
        task = asyncio.create_task(worker.run())
        await streamkit.wait_caught_up(address, group, topics, timeout=120)
        assert worker.stats.commands > 0

        broker.kill()
        await asyncio.sleep(3)  # the worker runs on against a dead broker
        assert not task.done()
        broker = EmbeddedBroker(port).start()

        await ingest(address, [tmp_path / "after"], until, topics=topics)
        await streamkit.wait_caught_up(address, group, topics, timeout=180)
        assert not task.done()
        got = streamkit.as_set(await streamkit.commands_on(address, topics))
        assert got == expected
    finally:
        worker.stop_soon()
        if task is not None:
            await asyncio.wait_for(task, 60)
        await worker.close()
        broker.stop()
