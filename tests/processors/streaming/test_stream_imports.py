"""The streaming package's import graph (scripts/import_graph.py, over the AST) has no
cycle, and the worker's units import down to the floor, never back up to the worker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import flows
from flows import reader, rejections
from scripts.import_graph import cycles, import_graph

ROOT = Path(__file__).resolve().parents[3]

UNITS = ("loop", "recovery", "local_state", "state_store", "processor", "lockstep", "stack")


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_streaming_package_has_no_import_cycle() -> None:
    graph = import_graph()
    assert "processors.streaming.worker" in graph
    assert [c for c in cycles(graph) if any(m.startswith("processors.streaming.") for m in c)] == []


def test_the_worker_units_do_not_import_the_worker() -> None:
    graph = import_graph()
    for unit in UNITS:
        imported = graph[f"processors.streaming.{unit}"]
        assert not imported & {"processors.streaming.worker", "processors.streaming.up"}, unit


_WORKER_MODULES = """
import sys
import processors.streaming.worker
print(sorted(name for name in ("aiohttp", "rocksdict", "processors.web.app") if name in sys.modules))
"""


def test_a_worker_without_a_dashboard_or_state_dir_loads_neither_aiohttp_nor_rocksdict() -> None:
    """Each costs the process megabytes it never uses (D58): they load with what needs them."""
    done = subprocess.run(
        [sys.executable, "-c", _WORKER_MODULES], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["[]"]


_WORKER_FLOWS = """
import sys
import processors.streaming.worker
from processors.streaming import clock
clock.tick_for(clock.last_closed_day())
heavy = ("flows.dtc", "flows.reader", "flows.catalogue", "processors.drivers.event_order")
print(sorted(name for name in heavy if name in sys.modules))
"""


def test_a_worker_loads_neither_the_dtc_reader_nor_its_catalogue() -> None:
    """It needs `flows.rejections` and `flows.event_checks`; the package's names load when
    asked for (D79), and the clock's end of day lives with the events."""
    done = subprocess.run(
        [sys.executable, "-c", _WORKER_FLOWS], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["[]"]


def test_the_flows_package_still_gives_its_names() -> None:
    assert flows.read_file is reader.read_file
    assert flows.RejectedRecord is rejections.RejectedRecord
    assert set(flows.__all__) <= set(dir(flows))
    for name in flows.__all__:
        assert getattr(flows, name) is not None
