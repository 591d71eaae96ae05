"""`meterflow up`: broker, worker and dashboard from one command; the others find the broker."""

from __future__ import annotations

import json
import signal
import socket
import time
import urllib.request
from pathlib import Path

import pytest
import streamkit

from processors.streaming.broker import free_port
from processors.streaming.topics import Topics

pytestmark = pytest.mark.broker

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def wait_for_file(path: Path, process: streamkit.Process, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        assert process.popen.poll() is None, process.stderr()[-3000:]
        time.sleep(0.1)
    raise TimeoutError(f"{path} never appeared")


def wait_for_ready(process: streamkit.Process, timeout: float = 90) -> str:
    """The "ready" line `up` prints once its worker holds its partitions."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = [line for line in process.stderr().splitlines() if line.startswith("meterflow: ready:")]
        if ready:
            return ready[0]
        assert process.popen.poll() is None, process.stderr()[-3000:]
        time.sleep(0.1)
    raise TimeoutError(f"`up` never said it was ready: {process.stderr()[-3000:]}")


def up_env(home: Path) -> dict[str, str]:
    return {
        "METERFLOW_HOME": str(home),
        "METERFLOW_TOPIC_PREFIX": "",
        "METERFLOW_GROUP": "meterflow-worker",
        "METERFLOW_BROKER": "",
        "METERFLOW_DASHBOARD_PORT": "",
    }


def test_up_runs_a_stack_that_ingest_and_tail_find_and_stops_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    env = {
        "METERFLOW_HOME": str(tmp_path / "home"),
        "METERFLOW_DASHBOARD_PORT": str(port),
        "METERFLOW_TOPIC_PREFIX": "",
        "METERFLOW_GROUP": "meterflow-worker",
    }
    monkeypatch.delenv("METERFLOW_BROKER", raising=False)
    up = streamkit.meterflow("up", "--no-clock", env=env)
    try:
        address = wait_for_file(tmp_path / "home" / "broker", up)
        ready = wait_for_ready(up)
        assert ready == (
            f"meterflow: ready: broker {address}, dashboard http://127.0.0.1:{port}/, "
            "partitions 0, 1, 2, 3 assigned; Ctrl-C stops"
        )
        assert up.stderr().count("meterflow: ready:") == 1
        ingest = streamkit.meterflow(
            "ingest", str(EXAMPLES / "flows"), str(EXAMPLES / "events"), "--until", "2025-03-31", env=env
        )
        _, err = ingest.communicate(timeout=120)
        assert ingest.returncode == 0, err.decode()
        tail = streamkit.meterflow("tail", "billing-commands", "--from-beginning", "--max", "5", env=env)
        out, err = tail.communicate(timeout=120)
        assert tail.returncode == 0, err.decode()
        rows = [json.loads(line) for line in out.decode().splitlines()]
        assert len(rows) == 5 and all(row["command_id"] and row["type"] for row in rows)
        # once caught up, a tail from the beginning stops without waiting out its timeout
        started = time.monotonic()
        tail = streamkit.meterflow("tail", "ingested-files", "--from-beginning", "--timeout", "60", env=env)
        out, err = tail.communicate(timeout=120)
        assert tail.returncode == 0, err.decode()
        assert time.monotonic() - started < 30
        dtc_files = [p for p in (EXAMPLES / "flows").iterdir() if "_resent" not in p.name]
        assert len(out.decode().splitlines()) == len(dtc_files)  # each DTC file once, not the resent one
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=10) as response:
            assert response.status == 200
    finally:
        if up.popen.poll() is None:
            up.stop(signal.SIGINT)
    assert up.returncode == 0, up.stderr()[-3000:]
    assert not (tmp_path / "home" / "broker").exists()
    host, broker_port = address.rsplit(":", 1)
    with pytest.raises(OSError), socket.create_connection((host, int(broker_port)), timeout=1):
        pass


def test_commands_fail_clearly_when_no_broker_runs(tmp_path: Path) -> None:
    env = {"METERFLOW_HOME": str(tmp_path), "METERFLOW_BROKER": ""}
    tail = streamkit.meterflow("tail", "billing-commands", env=env)
    _, err = tail.communicate(timeout=60)
    assert tail.returncode == 2
    assert "meterflow up" in err.decode()
    env["METERFLOW_BROKER"] = f"127.0.0.1:{free_port()}"
    worker = streamkit.meterflow("worker", "--no-clock", env=env)
    _, err = worker.communicate(timeout=60)
    assert worker.returncode == 2
    assert "cannot reach the Kafka broker" in err.decode()


def test_a_taken_dashboard_port_is_said_plainly(broker: str, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = {
            "METERFLOW_HOME": str(tmp_path),
            "METERFLOW_BROKER": broker,
            "METERFLOW_DASHBOARD_PORT": str(taken.getsockname()[1]),
        }
        up = streamkit.meterflow("up", "--no-clock", env=env)
        _, err = up.communicate(timeout=60)
    assert up.returncode == 2
    assert "dashboard port is taken" in err.decode()


def test_a_taken_port_stops_up_before_it_starts_a_broker(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        up = streamkit.meterflow("up", "--no-clock", "--dashboard-port", str(port), env=up_env(tmp_path))
        _, err = up.communicate(timeout=60)
    assert up.returncode == 2
    assert f"dashboard port is taken: 127.0.0.1:{port}" in err.decode()
    assert "--dashboard-port" in err.decode()
    assert not (tmp_path / "broker").exists()  # nothing was started, nothing recorded


def test_a_second_up_refuses_and_the_first_stack_keeps_working(tmp_path: Path) -> None:
    home, beside = tmp_path / "home", tmp_path / "beside"
    first_port, second_port = free_port(), free_port()
    first = streamkit.meterflow("up", "--no-clock", "--dashboard-port", str(first_port), env=up_env(home))
    second: streamkit.Process | None = None
    try:
        wait_for_ready(first)
        address = (home / "broker").read_text().strip()
        # the same home, another port: refused at once, naming the stack that runs
        again = streamkit.meterflow(
            "up", "--no-clock", "--dashboard-port", str(second_port), env=up_env(home)
        )
        _, err = again.communicate(timeout=60)
        assert again.returncode == 2
        said = err.decode()
        assert "already running" in said and address in said
        assert f"http://127.0.0.1:{first_port}/" in said and f"pid {first.pid}" in said
        assert (home / "broker").read_text().strip() == address  # the first stack's file is untouched
        # so ingest and tail still find the first stack
        ingest = streamkit.meterflow("ingest", str(EXAMPLES / "events"), env=up_env(home))
        _, err = ingest.communicate(timeout=120)
        assert ingest.returncode == 0, err.decode()
        # a second stack beside it: its own home and dashboard port
        second = streamkit.meterflow(
            "up", "--no-clock", "--dashboard-port", str(second_port), env=up_env(beside)
        )
        ready = wait_for_ready(second)
        other = (beside / "broker").read_text().strip()
        assert other != address and f"broker {other}" in ready and f":{second_port}/" in ready
        for port in (first_port, second_port):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=10) as response:
                assert response.status == 200
    finally:
        for process in (first, second):
            if process is not None and process.popen.poll() is None:
                process.stop(signal.SIGINT)
    assert first.returncode == 0, first.stderr()[-3000:]
    assert not (home / "broker").exists() and not (beside / "broker").exists()


def test_a_stale_address_file_of_a_dead_stack_does_not_block_up(tmp_path: Path) -> None:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "broker").write_text(f"127.0.0.1:{free_port()}\n")  # nobody listens there
    up = streamkit.meterflow("up", "--no-clock", "--dashboard-port", "0", env=up_env(tmp_path))
    try:
        ready = wait_for_ready(up)
        assert f"broker {(tmp_path / 'broker').read_text().strip()}" in ready
    finally:
        up.stop(signal.SIGINT)
    assert up.returncode == 0, up.stderr()[-3000:]


def test_ingest_exit_status_says_whether_anything_usable_was_published(
    cli_env: dict[str, str], topics: Topics, tmp_path: Path
) -> None:
    flows = str(EXAMPLES / "flows")
    first = streamkit.meterflow("ingest", flows, env=cli_env)
    _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err.decode()
    said = err.decode().strip().splitlines()[-1]
    assert said.startswith("meterflow: ingested 14 file(s): ")
    assert "input events (" in said and "test data)" in said and "1 rejected records" in said
    again = streamkit.meterflow("ingest", flows, env=cli_env)  # every file already ingested
    _, err = again.communicate(timeout=120)
    assert again.returncode == 1
    assert "meterflow ingest: nothing usable was read" in err.decode()
    strict = streamkit.meterflow("ingest", str(EXAMPLES / "events"), "--strict", env=cli_env)
    _, err = strict.communicate(timeout=120)
    assert strict.returncode == 0, err.decode()  # the JSON events have no rejected line
    broken = tmp_path / "events.jsonl"
    broken.write_text((EXAMPLES / "events" / "customers.jsonl").read_text() + "{not json\n")
    strict = streamkit.meterflow("ingest", str(broken), "--strict", env=cli_env)
    _, err = strict.communicate(timeout=120)
    assert strict.returncode == 1
    assert "1 record(s) rejected (--strict)" in err.decode()
    # --follow keeps reading past the end; --timeout then bounds the wait for a new record
    started = time.monotonic()
    tail = streamkit.meterflow(
        "tail", topics.rejected, "--from-beginning", "--follow", "--timeout", "3", env=cli_env
    )
    out, err = tail.communicate(timeout=120)
    assert tail.returncode == 0, err.decode()
    assert len(out.decode().splitlines()) == 2
    assert time.monotonic() - started >= 3
