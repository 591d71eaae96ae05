"""A broker that stalls (SIGSTOP for longer than a request timeout, then SIGCONT) does not
abort an ingest: the records in flight are sent again, one status line says so, and the
topic ends up with every event and tick. Library error floods are summarised."""

from __future__ import annotations

import io
import logging
import os
import signal
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import streamkit
import structlog

from bench.synthetic_log import LogShape, write_log
from processors.codecs import serde
from processors.drivers.log_setup import LibraryFlood
from processors.streaming.broker import EmbeddedBroker, free_port
from processors.streaming.ingest import ingest
from processors.streaming.progress import Progress
from processors.streaming.topics import Topics
from processors.vocabulary.events import DayClosed

STALL = 20.0  # seconds: longer than the producer's 15 s request timeout


class StallAt(Progress):
    """Stops the broker process when the ingest has read `at` events, resumes it later."""

    def __init__(self, pid: int, at: int) -> None:
        super().__init__([], stream=io.StringIO())
        self.pid, self.at, self.stalled = pid, at, False

    def saw(self, path: str, line: int | None, events: int) -> None:
        if not self.stalled and events >= self.at:
            self.stalled = True
            os.kill(self.pid, signal.SIGSTOP)
            threading.Timer(STALL, os.kill, (self.pid, signal.SIGCONT)).start()


@pytest.mark.broker
async def test_ingest_rides_out_a_broker_stall(tmp_path: Path, topics: Topics) -> None:
    shape = LogShape(supply_points=500, events=30000, days=6, loss_share=0.05, seed=5)
    _, last = write_log(tmp_path / "log", shape)
    broker = EmbeddedBroker(free_port()).start()
    try:
        assert broker.pid is not None
        stall = StallAt(broker.pid, at=2000)
        with structlog.testing.capture_logs() as logs:
            summary = await ingest(
                broker.bootstrap, [tmp_path / "log"], last + timedelta(days=3), topics=topics, progress=stall
            )
        assert stall.stalled
        said = [e["event"] for e in logs if e.get("log_level") == "warning"]
        assert any(s.startswith("broker unreachable since") and s.endswith("retrying") for s in said), said
        assert "broker reachable again" in said
        records = await streamkit.read_topic(broker.bootstrap, topics.input)
        events = [serde.decode_event(r.value) for r in records]
        ids = {e.event_id for e in events if not isinstance(e, DayClosed)}
        assert len(ids) == summary.events  # every event is there (some maybe twice)
        ticks = {e.event_id for e in events if isinstance(e, DayClosed)}
        assert len(ticks) == summary.ticks
    finally:
        if broker.pid is not None and broker.running:
            os.kill(broker.pid, signal.SIGCONT)
        broker.stop()


def test_a_flood_of_library_errors_is_summarised() -> None:
    flood = LibraryFlood(window=60.0)
    logger = logging.getLogger("aiokafka.conn")
    passed = []
    for n in range(500):
        record = logger.makeRecord(
            "aiokafka.conn", logging.ERROR, __file__, 1, "Unable connect to %r", (n,), None
        )
        if flood.filter(record):
            passed.append(record.getMessage())
    assert len(passed) == 1
    assert flood.suppressed == {("aiokafka.conn", "Unable connect to %r"): 499}
    later = logger.makeRecord("aiokafka.conn", logging.ERROR, __file__, 1, "Unable connect to %r", (9,), None)
    flood.started -= 61  # the window has passed: the next line goes out with the count
    assert flood.filter(later)
    assert "499 more like it" in later.getMessage()
    other = logger.makeRecord("aiohttp.server", logging.ERROR, __file__, 1, "boom", (), None)
    assert flood.filter(other)  # only aiokafka is summarised
