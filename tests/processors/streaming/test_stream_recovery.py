"""A worker killed mid-stream recovers its state; two workers share and hand over partitions.

Workers run as real subprocesses (`meterflow worker --no-clock`). The log is synthetic
but realistic (bench.synthetic_log) and long enough that losses registered
before a kill have their deadlines fire after it: a restarted worker that recovered a
partial state would issue different commands from replay's.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest
import streamkit

from bench.synthetic_log import LogShape, write_log
from processors.drivers.replay import replay
from processors.streaming.topics import Topics
from processors.vocabulary.commands import Command

pytestmark = pytest.mark.broker

SHAPE = LogShape(supply_points=3000, events=40000, days=40, loss_share=0.05, move_out_share=0.02)


def make_log(folder: Path) -> tuple[list[Path], str, set[tuple[str, str]]]:
    _, last = write_log(folder, SHAPE)
    until = last + timedelta(days=50)
    expected = streamkit.as_set([c for c in replay([folder], until) if isinstance(c, Command)])
    return [folder], until.isoformat(), expected


def committed_total(broker: str, topics: Topics, group: str) -> int:
    return sum(asyncio.run(streamkit.committed(broker, group, topics.input, range(4))).values())


def wait_for(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.1)


def log_events(process: streamkit.Process, name: str) -> list[dict[str, object]]:
    found = []
    for line in process.stderr().splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("event") == name:
                found.append(entry)
    return found


def check_commands(broker: str, topics: Topics, expected: set[tuple[str, str]]) -> None:
    commands = asyncio.run(streamkit.commands_on(broker, topics))
    distinct = streamkit.as_set(commands)
    assert distinct == expected
    # duplicates, if any, are the same command under the same id
    assert len({command_id for command_id, _ in distinct}) == len(distinct)


def test_a_worker_killed_mid_ingest_recovers_its_state(
    broker: str, topics: Topics, cli_env: dict[str, str], tmp_path: Path
) -> None:
    paths, until, expected = make_log(tmp_path / "log")
    assert len(expected) > 100
    env = {**cli_env, "METERFLOW_MAX_BATCH": "500"}
    group = env["METERFLOW_GROUP"]
    first = streamkit.meterflow("worker", "--no-clock", env=env)
    ingest = streamkit.meterflow("ingest", *map(str, paths), "--until", until, env=env)
    try:
        wait_for(lambda: committed_total(broker, topics, group) > 8000, 120, "the worker never committed")
    finally:
        first.kill()  # SIGKILL: no commit, no goodbye
    assert first.popen.returncode == -signal.SIGKILL
    _, err = ingest.communicate(timeout=240)
    assert ingest.returncode == 0, err.decode()
    total = sum(asyncio.run(streamkit.real_ends(broker, topics.input)).values())
    assert committed_total(broker, topics, group) < total, "the kill came too late to test anything"

    second = streamkit.meterflow("worker", "--no-clock", env=env)
    try:
        asyncio.run(streamkit.wait_caught_up(broker, group, topics, timeout=240))
    finally:
        streamkit.stop(second)
    assert second.returncode == 0, second.stderr()[-3000:]
    recovered = log_events(second, "state recovered")
    assert recovered and sum(int(r["events"]) for r in recovered) >= 8000  # type: ignore[call-overload]
    check_commands(broker, topics, expected)


def test_two_workers_share_the_partitions_and_one_takes_over(
    broker: str, topics: Topics, cli_env: dict[str, str], tmp_path: Path
) -> None:
    paths, until, expected = make_log(tmp_path / "log")
    env = {**cli_env, "METERFLOW_MAX_BATCH": "500"}
    group = env["METERFLOW_GROUP"]
    a = streamkit.meterflow("worker", "--no-clock", env=env)
    b = streamkit.meterflow("worker", "--no-clock", env=env)
    try:

        def shared() -> bool:
            mine = [log_events(w, "partitions assigned") for w in (a, b)]
            if not all(mine):
                return False
            last_a, last_b = (set(m[-1]["partitions"]) for m in mine)  # type: ignore[call-overload]
            return bool(last_a) and bool(last_b) and not last_a & last_b and last_a | last_b == {0, 1, 2, 3}

        wait_for(shared, 60, "the two workers never shared the partitions")
        ingest = streamkit.meterflow("ingest", *map(str, paths), "--until", until, env=env)
        wait_for(lambda: committed_total(broker, topics, group) > 4000, 120, "nothing committed")
        streamkit.stop(a)  # a clean stop, mid-ingest: the other worker takes its partitions over
        assert a.returncode == 0, a.stderr()[-3000:]
        at_stop = committed_total(broker, topics, group)
        _, err = ingest.communicate(timeout=240)
        assert ingest.returncode == 0, err.decode()
        assert at_stop < sum(asyncio.run(streamkit.real_ends(broker, topics.input)).values())
        wait_for(
            lambda: set(log_events(b, "partitions assigned")[-1]["partitions"]) == {0, 1, 2, 3},  # type: ignore[call-overload]
            60,
            "the remaining worker never took the partitions over",
        )
        asyncio.run(streamkit.wait_caught_up(broker, group, topics, timeout=240))
    finally:
        for worker in (a, b):
            if worker.popen.poll() is None:
                streamkit.stop(worker)
    check_commands(broker, topics, expected)


def test_a_clean_stop_leaves_a_snapshot_that_the_next_start_uses(
    broker: str, topics: Topics, cli_env: dict[str, str], tmp_path: Path
) -> None:
    paths, until, expected = make_log(tmp_path / "log")
    env = {**cli_env, "METERFLOW_MAX_BATCH": "500"}
    group = env["METERFLOW_GROUP"]
    ingest = streamkit.meterflow("ingest", *map(str, paths), "--until", until, env=env)
    _, err = ingest.communicate(timeout=240)
    assert ingest.returncode == 0, err.decode()
    first = streamkit.meterflow("worker", "--no-clock", env=env)
    try:
        wait_for(lambda: committed_total(broker, topics, group) > 8000, 120, "the worker never committed")
    finally:
        streamkit.stop(first)
    assert first.returncode == 0, first.stderr()[-3000:]
    at_stop = committed_total(broker, topics, group)
    assert log_events(first, "snapshot written")

    second = streamkit.meterflow("worker", "--no-clock", env=env)
    try:
        asyncio.run(streamkit.wait_caught_up(broker, group, topics, timeout=240))
    finally:
        streamkit.stop(second)
    assert second.returncode == 0, second.stderr()[-3000:]
    recovered = log_events(second, "state recovered")[0]
    # the state came from the snapshots, at the committed offsets: nothing folded again
    assert sum(recovered["from_snapshot"].values()) == at_stop  # type: ignore[attr-defined]
    assert recovered["events"] == 0
    check_commands(broker, topics, expected)
