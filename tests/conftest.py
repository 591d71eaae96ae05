"""Shared fixtures. The embedded Kafka broker starts only when a test asks for `broker`."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import structlog
from hypothesis import HealthCheck, settings

from processors.drivers.log_setup import forget_configuration
from processors.streaming.broker import EmbeddedBroker

settings.register_profile("meterflow", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("meterflow")
"""No property test is timed: a deadline or a too-slow health check is a timed assertion,
which fails on a loaded machine and proves nothing about the code (speed is measured in
`bench/`). A test's own `@settings` still sets its other limits."""


@pytest.fixture(autouse=True)
def _isolated_logging() -> Iterator[None]:
    """Undo a test's `configure_logging`, so one test's log level or format never leaks
    into the next."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    forget_configuration()
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session")
def embedded_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    """A Tansu broker (memory storage) on a free loopback port, killed at the end of the run."""
    log = tmp_path_factory.mktemp("broker") / "tansu.log"
    broker = EmbeddedBroker(log_path=log).start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def broker(embedded_broker: EmbeddedBroker) -> str:
    """The bootstrap address (host:port) of the session's embedded broker."""
    return embedded_broker.bootstrap
