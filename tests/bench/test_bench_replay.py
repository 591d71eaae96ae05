"""bench/replay.py's phases measure what `meterflow` does: the collector set as the CLI
sets it (docs/decisions.md D44, D45), and every event of the log folded."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from bench.replay import Shape, generate, run_phase
from processors.collector import YOUNG_THRESHOLD


@pytest.mark.usefixtures("default_collector")
def test_replay_phase_collects_as_the_cli_does(tmp_path: Path) -> None:
    shape = Shape(readings=300, points=30, days=10, accounts=True)
    made = generate(tmp_path, shape)
    measured = run_phase("replay", tmp_path, shape.until)
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    assert measured["events"] >= made["readings"]
    assert measured["outputs"] > 0
