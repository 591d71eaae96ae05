"""The faust runtime (SPEC 11): `meterflow worker --runtime faust` gives exactly the
commands of `meterflow replay`, and a faust worker killed with SIGKILL and started again
loses nothing.

Everything runs through the console script as a user would; the faust worker is a real
subprocess on the embedded broker.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import streamkit
from test_stream_recovery import check_commands, committed_total, log_events, wait_for
from test_stream_replay_equivalence import EXAMPLES, canonical, last_event_day, replay_commands

from bench.synthetic_log import LogShape, write_log
from flows import iter_input_files
from processors.drivers.replay import replay
from processors.streaming.topics import Topics
from processors.vocabulary.commands import Command

pytestmark = pytest.mark.broker

FAUST = ("worker", "--runtime", "faust", "--no-clock")


def ingest(paths: list[Path], until: str, env: dict[str, str]) -> None:
    process = streamkit.meterflow("ingest", *map(str, paths), "--until", until, env=env)
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()[-2000:]


def tail_commands(topics: Topics, env: dict[str, str]) -> list[dict[str, object]]:
    tail = streamkit.meterflow("tail", topics.commands, "--from-beginning", "--timeout", "3", env=env)
    out, err = tail.communicate(timeout=120)
    assert tail.returncode == 0, err.decode()
    return [json.loads(line) for line in out.decode().splitlines()]


def run_until_caught_up(broker: str, topics: Topics, env: dict[str, str]) -> streamkit.Process:
    worker = streamkit.meterflow(*FAUST, env=env)
    try:
        asyncio.run(streamkit.wait_caught_up(broker, env["METERFLOW_GROUP"], topics, timeout=300))
    finally:
        streamkit.stop(worker, timeout=60)
    assert worker.returncode == 0, worker.stderr()[-3000:]
    return worker


def test_the_faust_app_is_importable_with_cython_optimizations_on() -> None:
    probe = (
        "from processors.streaming.faust_app import app; "
        "print(app.conf.cython_optimizations, app.conf.stream_wait_empty)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "False"]


def test_examples_on_the_faust_runtime_give_replays_commands(
    broker: str, topics: Topics, cli_env: dict[str, str]
) -> None:
    paths = sorted(iter_input_files([EXAMPLES]))
    until = last_event_day(paths) + timedelta(days=60)
    expected = replay_commands(paths, until)
    assert expected, "the examples should give commands"
    ingest(paths, until.isoformat(), cli_env)
    worker = run_until_caught_up(broker, topics, cli_env)
    got = tail_commands(topics, cli_env)
    assert canonical(got) == canonical(expected)
    assert log_events(worker, "worker stopped")[-1]["runtime"] == "faust"


def test_a_synthetic_log_of_100000_events_on_the_faust_runtime_gives_replays_commands(
    broker: str, topics: Topics, cli_env: dict[str, str], tmp_path: Path
) -> None:
    _, last = write_log(tmp_path / "log", LogShape(supply_points=5000, events=100_000, days=30))
    paths = [tmp_path / "log"]
    until = last + timedelta(days=50)
    expected = replay_commands(paths, until)
    assert len(expected) > 100
    ingest(paths, until.isoformat(), cli_env)
    run_until_caught_up(broker, topics, cli_env)
    assert canonical(tail_commands(topics, cli_env)) == canonical(expected)


def test_a_faust_worker_killed_mid_ingest_loses_nothing(
    broker: str, topics: Topics, cli_env: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "log"
    _, last = write_log(
        folder, LogShape(supply_points=3000, events=40000, days=40, loss_share=0.05, move_out_share=0.02)
    )
    until = last + timedelta(days=50)
    expected = streamkit.as_set([c for c in replay([folder], until) if isinstance(c, Command)])
    assert len(expected) > 100
    env = {**cli_env, "METERFLOW_MAX_BATCH": "500"}
    group = env["METERFLOW_GROUP"]
    first = streamkit.meterflow(*FAUST, env=env)
    feeding = streamkit.meterflow("ingest", str(folder), "--until", until.isoformat(), env=env)
    try:
        wait_for(lambda: committed_total(broker, topics, group) > 8000, 180, "the worker never committed")
    finally:
        first.kill()  # SIGKILL: no commit, no snapshot, no goodbye
    assert first.popen.returncode == -signal.SIGKILL
    _, err = feeding.communicate(timeout=300)
    assert feeding.returncode == 0, err.decode()[-2000:]
    total = sum(asyncio.run(streamkit.real_ends(broker, topics.input)).values())
    assert committed_total(broker, topics, group) < total, "the kill came too late to test anything"

    second = run_until_caught_up(broker, topics, env)
    recovered = log_events(second, "state recovered")
    assert recovered and sum(int(r["events"]) for r in recovered) >= 8000  # type: ignore[call-overload]
    check_commands(broker, topics, expected)
