"""docker-compose.yml is valid YAML describing Kafka in KRaft mode, the topics and workers.

Docker cannot run here, so this checks the file's shape and that it creates exactly the
topics (and settings) meterflow relies on.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from processors.streaming.topics import Topics

yaml = pytest.importorskip("yaml")

COMPOSE = Path(__file__).resolve().parents[3] / "docker-compose.yml"


def load() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_kafka_runs_in_kraft_mode_without_zookeeper() -> None:
    services = load()["services"]
    assert not any("zookeeper" in name for name in services)
    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    env = kafka["environment"]
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"].startswith(f"{env['KAFKA_NODE_ID']}@kafka:")
    assert "healthcheck" in kafka


def test_every_topic_is_created_with_the_settings_meterflow_relies_on() -> None:
    script = load()["services"]["topics"]["command"][0]
    created = {m[0]: (m[1], m[2]) for m in re.findall(r"create ([\w-]+) (\d+) (\w+)", script)}
    for spec in Topics().specs():
        assert spec.name in created, spec.name
        assert created[spec.name][1] == spec.configs["cleanup.policy"]
    assert (
        created["meterflow-events"][0] == created["billing-commands"][0] == created["meterflow-snapshots"][0]
    )


def test_workers_share_one_group_after_the_topics_exist() -> None:
    services = load()["services"]
    workers = {
        name: s for name, s in services.items() if "meterflow worker" in " ".join(s.get("command", []))
    }
    assert len(workers) >= 2
    for worker in workers.values():
        assert worker["environment"]["METERFLOW_BROKER"] == "kafka:9092"
        assert worker["depends_on"]["topics"]["condition"] == "service_completed_successfully"
        assert "METERFLOW_GROUP" not in worker["environment"]  # one group: the default


def test_each_worker_keeps_its_local_state_on_its_own_volume() -> None:
    data = load()
    services = data["services"]
    workers = [s for s in services.values() if "meterflow worker" in " ".join(s.get("command", []))]
    volumes: list[str] = []
    for worker in workers:
        state_dir = worker["environment"]["METERFLOW_STATE_DIR"]
        mounts = [m.split(":") for m in worker["volumes"]]
        named = [(source, target) for source, target, *_ in mounts if not source.startswith(".")]
        assert len(named) == 1, named
        source, target = named[0]
        assert state_dir == target or state_dir.startswith(target.rstrip("/") + "/")
        assert source in data["volumes"]
        assert any(target == "/src" for _, target, *_ in mounts)  # the checkout is still mounted
        volumes.append(source)
    assert len(set(volumes)) == len(workers)  # one RocksDB owner per volume


def test_published_ports_are_bound_to_loopback_only() -> None:
    published = [
        (name, str(mapping))
        for name, service in load()["services"].items()
        for mapping in service.get("ports", [])
    ]
    assert {port.rsplit(":", 1)[-1] for _, port in published} >= {"9092", "6066"}
    for name, mapping in published:
        assert mapping.startswith("127.0.0.1:"), (name, mapping)


def test_the_dashboard_worker_requires_a_token() -> None:
    services = load()["services"]
    serving = [s for s in services.values() if "METERFLOW_DASHBOARD_PORT" in s.get("environment", {})]
    assert serving
    for service in serving:
        token = service["environment"]["METERFLOW_DASHBOARD_TOKEN"]
        # taken from the operator's environment, and compose refuses to start without it
        assert re.fullmatch(r"\$\{METERFLOW_DASHBOARD_TOKEN:\?.+\}", token), token
