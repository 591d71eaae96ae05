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
