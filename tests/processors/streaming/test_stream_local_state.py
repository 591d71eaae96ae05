"""`meterflow worker --state-dir`: a restart reuses the local state of its partitions, and a
local state of another log is never trusted (real broker).

Without a state dir a restarted worker takes its state from the snapshots and folds the
input again; with one it reuses RocksDB's states, folds only what was committed after
their last flush, and reads no snapshot. A broker restarted with memory storage holds a
new log: the local states' fingerprints do not match it, and they are discarded.
"""

from __future__ import annotations

import asyncio
import signal
from datetime import timedelta
from pathlib import Path

import pytest
import streamkit
from structlog.testing import capture_logs
from test_stream_recovery import check_commands, committed_total, log_events, make_log, wait_for

from bench.synthetic_log import LogShape, write_log
from processors.codecs import serde
from processors.drivers.replay import replay
from processors.streaming import clock
from processors.streaming.broker import EmbeddedBroker, free_port
from processors.streaming.ingest import ingest
from processors.streaming.kafka import make_producer, start_client
from processors.streaming.state_store import RocksStateStore, store_path
from processors.streaming.topics import Topics
from processors.streaming.worker import Worker
from processors.vocabulary.commands import Command

pytestmark = pytest.mark.broker

MAX_BATCH = 500


def test_a_worker_killed_with_a_state_dir_restarts_from_its_local_state(
    broker: str, topics: Topics, cli_env: dict[str, str], tmp_path: Path
) -> None:
    paths, until, expected = make_log(tmp_path / "log")
    env = {**cli_env, "METERFLOW_MAX_BATCH": str(MAX_BATCH)}
    group = env["METERFLOW_GROUP"]
    state = tmp_path / "state"
    first = streamkit.meterflow("worker", "--no-clock", "--state-dir", str(state), env=env)
    ingest_ = streamkit.meterflow("ingest", *map(str, paths), "--until", until, env=env)
    try:
        wait_for(lambda: committed_total(broker, topics, group) > 8000, 120, "the worker never committed")
    finally:
        first.kill()  # SIGKILL: no snapshot, no goodbye
    assert first.popen.returncode == -signal.SIGKILL
    at_kill = committed_total(broker, topics, group)
    _, err = ingest_.communicate(timeout=240)
    assert ingest_.returncode == 0, err.decode()
    assert at_kill < sum(asyncio.run(streamkit.real_ends(broker, topics.input)).values())
    assert not log_events(first, "snapshot written")

    second = streamkit.meterflow("worker", "--no-clock", "--state-dir", str(state), env=env)
    try:
        asyncio.run(streamkit.wait_caught_up(broker, group, topics, timeout=240))
    finally:
        streamkit.stop(second)
    assert second.returncode == 0, second.stderr()[-3000:]
    recovered = log_events(second, "state recovered")[0]
    from_local: dict[str, int] = recovered["from_local"]  # type: ignore[assignment]
    # every partition came from its local state, flushed after each commit and never ahead of
    # it (the kill can fall between a commit and its flush: what that batch folded, often more
    # than MAX_BATCH records when a tick releases what waited for it, is folded again)
    assert sorted(map(int, from_local)) == [0, 1, 2, 3]
    assert recovered["from_snapshot"] == {}
    assert at_kill / 2 < sum(from_local.values()) <= at_kill
    assert int(recovered["events"]) < at_kill / 2  # type: ignore[call-overload]
    assert not log_events(second, "local state discarded")
    check_commands(broker, topics, expected)


async def run_until_caught_up(worker: Worker, address: str, topics: Topics) -> None:
    await worker.start()
    task = asyncio.create_task(worker.run())
    try:
        await streamkit.wait_caught_up(address, worker.group_id, topics, timeout=180)
    finally:
        worker.stop_soon()
        await asyncio.wait_for(task, 60)
        await worker.close()


async def test_a_clean_restart_reuses_the_local_state_and_reads_no_snapshot(
    broker: str, topics: Topics, tmp_path: Path
) -> None:
    shape = LogShape(supply_points=300, events=3000, days=12, loss_share=0.08, move_out_share=0.03, seed=5)
    _, last = write_log(tmp_path / "log", shape)
    group = f"{topics.prefix}local"
    state = tmp_path / "state"
    await ingest(broker, [tmp_path / "log"], last, topics=topics)
    first = Worker(
        broker,
        streamkit.worker_settings(topics, group=group, state_dir=state, max_batch=400),
        use_clock=False,
    )
    await run_until_caught_up(first, broker, topics)
    assert first.stats.recovered_from_local == 0 and first.stats.state_flushes > 0
    ends = await streamkit.real_ends(broker, topics.input)
    for partition, end in ends.items():  # each store says it holds the state at the committed end
        store = RocksStateStore(store_path(state, group, topics.input, partition))
        assert store.marker is not None and store.marker.offset == end
        store.close()

    # later days close after the restart: the deadlines of states kept on disk fire
    until = last + timedelta(days=50)
    expected = streamkit.as_set([c for c in replay([tmp_path / "log"], until) if isinstance(c, Command)])
    await publish_tick(broker, topics, until)
    second = Worker(
        broker,
        streamkit.worker_settings(topics, group=group, state_dir=state, max_batch=400),
        use_clock=False,
    )
    await run_until_caught_up(second, broker, topics)
    assert second.stats.recovered_from_local == 4
    assert second.stats.recovered_from_snapshot == 0 and second.stats.local_discarded == 0
    assert second.stats.recovered_events == 0
    assert second.stats.commands > 0  # the deadlines that fired after the restart
    assert streamkit.as_set(await streamkit.commands_on(broker, topics)) == expected


async def publish_tick(address: str, topics: Topics, day: object) -> None:
    producer = make_producer(address)
    await start_client(producer, address, 10)
    try:
        payload = serde.encode_event(clock.tick_for(day))  # type: ignore[arg-type]
        for partition in sorted(await producer.partitions_for(topics.input)):
            await (await producer.send(topics.input, payload, partition=partition))
    finally:
        await producer.stop()


async def test_the_local_state_of_a_restarted_broker_is_discarded(tmp_path: Path, topics: Topics) -> None:
    old = LogShape(supply_points=300, events=1500, days=10, loss_share=0.08, seed=1)
    new = LogShape(supply_points=300, events=5000, days=10, loss_share=0.08, move_out_share=0.03, seed=2)
    _, last_old = write_log(tmp_path / "old", old)
    _, last_new = write_log(tmp_path / "new", new)
    until = last_new + timedelta(days=50)
    expected = streamkit.as_set([c for c in replay([tmp_path / "new"], until) if isinstance(c, Command)])
    group = f"{topics.prefix}restart"
    state = tmp_path / "state"

    port = free_port()
    broker = EmbeddedBroker(port).start()
    address = broker.bootstrap
    try:
        await ingest(address, [tmp_path / "old"], last_old + timedelta(days=50), topics=topics)
        await run_until_caught_up(
            Worker(address, streamkit.worker_settings(topics, group=group, state_dir=state), use_clock=False),
            address,
            topics,
        )
        broker.kill()  # memory storage: the log, the topics and the committed offsets are gone
        broker = EmbeddedBroker(port).start()

        # the new log, folded past the old markers by a worker without a state dir
        await ingest(address, [tmp_path / "new"], last_new, topics=topics)
        await run_until_caught_up(
            Worker(address, streamkit.worker_settings(topics, group=group), use_clock=False), address, topics
        )
        committed = await streamkit.committed(address, group, topics.input, range(4))
        for partition in range(4):
            store = RocksStateStore(store_path(state, group, topics.input, partition))
            assert store.marker is not None and 0 < store.marker.offset <= committed[partition]
            store.close()

        await publish_tick(address, topics, until)
        worker = Worker(
            address, streamkit.worker_settings(topics, group=group, state_dir=state), use_clock=False
        )
        with capture_logs() as logs:
            await run_until_caught_up(worker, address, topics)
        discarded = [entry for entry in logs if entry["event"] == "local state discarded"]
        assert len(discarded) == 4
        assert all("is not the one this state followed" in entry["reason"] for entry in discarded)
        assert worker.stats.local_discarded == 4 and worker.stats.recovered_from_local == 0
        assert worker.stats.recovered_from_snapshot == 4  # the memory worker's snapshots at its stop
        got = streamkit.as_set(await streamkit.commands_on(address, topics))
        assert got == expected
        for partition in range(4):  # rewritten for the new log
            store = RocksStateStore(store_path(state, group, topics.input, partition))
            assert store.marker is not None and store.marker.offset == committed[partition] + 1
            store.close()
    finally:
        broker.stop()
