"""Fixtures of the broker tests: a fresh set of topic names for each test."""

from __future__ import annotations

import uuid

import pytest

from processors.streaming.topics import Topics


@pytest.fixture
def topics(monkeypatch: pytest.MonkeyPatch) -> Topics:
    """Topic names no other test uses, exported for subprocesses (METERFLOW_TOPIC_PREFIX)."""
    prefix = f"t{uuid.uuid4().hex[:10]}-"
    monkeypatch.setenv("METERFLOW_TOPIC_PREFIX", prefix)
    monkeypatch.setenv("METERFLOW_GROUP", f"{prefix}workers")
    monkeypatch.setenv("METERFLOW_SESSION_TIMEOUT_MS", "3000")
    return Topics(prefix)


@pytest.fixture
def cli_env(topics: Topics, broker: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment a `meterflow` subprocess of this test runs with."""
    return {
        "METERFLOW_TOPIC_PREFIX": topics.prefix,
        "METERFLOW_GROUP": f"{topics.prefix}workers",
        "METERFLOW_SESSION_TIMEOUT_MS": "3000",
        "METERFLOW_BROKER": broker,
        "METERFLOW_HOME": str(tmp_path_factory.mktemp("home")),
    }
