"""bench/replay.py's phases measure what `meterflow` does: the collector set as the CLI
sets it (docs/decisions.md D44, D45), and every event of the log folded."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from bench.replay import Shape, generate, jobs_bound, run_phase
from processors.collector import YOUNG_THRESHOLD


@pytest.mark.usefixtures("default_collector")
def test_replay_phase_collects_as_the_cli_does(tmp_path: Path) -> None:
    shape = Shape(readings=300, points=30, days=10, accounts=True)
    made = generate(tmp_path, shape)
    measured = run_phase("replay", tmp_path, shape.until)
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    assert measured["events"] >= made["readings"]
    assert measured["outputs"] > 0


def test_the_jobs_bound_is_taken_from_the_busiest_worker(tmp_path: Path) -> None:
    shape = Shape(readings=2000, points=200, days=10)
    generate(tmp_path, shape)
    bound = jobs_bound(tmp_path, shape.until, 2)
    each = bound["jobs_2_each_worker_cpu_seconds"]
    assert len(each) == 2 and all(seconds > 0 for seconds in each)
    floor = max(bound["jobs_2_main_cpu_seconds"] + max(each), sum(each) / 2)
    assert bound["jobs_2_bound_on_idle_cores"] == pytest.approx(bound["jobs_1_cpu_seconds"] / floor, rel=0.1)
