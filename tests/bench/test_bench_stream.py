"""bench/stream.py rates every row by the events of the log it took, not by what it folded
besides (meterflow's hand-offs and day ticks), so its ratios compare the same work (D50)."""

from __future__ import annotations

from bench.stream import folded_rate, rate


def test_a_meterflow_row_is_rated_by_the_events_of_the_log() -> None:
    meterflow = {"events": 579_899, "inputs": 400_000, "seconds": 10.0}
    assert rate(meterflow) == 40_000
    assert folded_rate(meterflow) == 57_989.9


def test_a_baseline_row_folds_only_the_log() -> None:
    aiokafka = {"events": 400_000, "seconds": 8.0}
    assert rate(aiokafka) == folded_rate(aiokafka) == 50_000
