"""The CLI's processes collect cycles less often than CPython's default (D44), and recovery
pauses the collector only while it loads states, always restarting it (D43), freezing
what it loaded after collecting what waited (D62)."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from processors.collector import YOUNG_THRESHOLD, collect_less_often, gc_paused, thaw

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def restored_threshold() -> Iterator[None]:
    before = gc.get_threshold()
    try:
        yield
    finally:
        gc.set_threshold(*before)


@pytest.mark.usefixtures("restored_threshold")
def test_the_young_threshold_is_raised_and_the_older_ratios_kept() -> None:
    gc.set_threshold(700, 10, 10)
    collect_less_often()
    assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)


@pytest.mark.usefixtures("restored_threshold")
def test_a_higher_threshold_is_never_lowered() -> None:
    gc.set_threshold(YOUNG_THRESHOLD * 2, 5, 3)
    collect_less_often()
    assert gc.get_threshold() == (YOUNG_THRESHOLD * 2, 5, 3)


def test_a_replay_runs_with_the_raised_threshold() -> None:
    """`meterflow replay` as a user runs it: its process folds with the raised threshold."""
    code = (
        "import gc, sys; from processors.drivers.cli import main; "
        f"status = main(['replay', {str(EXAMPLES / 'events')!r}, '--until', '2025-03-31', '--quiet']); "
        "print(gc.get_threshold()[0], file=sys.stderr); sys.exit(status)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == str(YOUNG_THRESHOLD)


@pytest.fixture
def collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.usefixtures("collector_restored")
def test_the_collector_is_off_inside_and_on_again_after() -> None:
    gc.enable()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_restored")
def test_the_collector_comes_back_when_the_load_fails() -> None:
    gc.enable()
    with pytest.raises(ValueError, match="bad snapshot"), gc_paused():
        raise ValueError("bad snapshot")
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_restored")
def test_a_collector_switched_off_by_the_caller_stays_off() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


class _Node:
    """An object the collector tracks, able to hold a cycle."""

    me: object = None


@pytest.mark.usefixtures("collector_restored")
def test_a_freezing_pause_collects_waiting_cycles_first_and_freezes_what_it_loaded() -> None:
    gc.enable()
    cycle = _Node()
    cycle.me = cycle
    waiting = weakref.ref(cycle)
    del cycle
    frozen_before = gc.get_freeze_count()
    try:
        with gc_paused(freeze=True):
            assert waiting() is None  # collected before the pause, not frozen with the load
            loaded = [_Node() for _ in range(500)]
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen_before + len(loaded)
    finally:
        gc.unfreeze()


@pytest.mark.usefixtures("collector_restored")
def test_a_failed_load_freezes_nothing() -> None:
    gc.enable()
    gc.unfreeze()
    with pytest.raises(ValueError, match="bad snapshot"), gc_paused(freeze=True):
        raise ValueError("bad snapshot")
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


class _Cyclic:
    """An object in a reference cycle with itself, which only the collector frees."""

    def __init__(self) -> None:
        self.me = self


def test_thaw_gives_frozen_objects_back_to_the_collector() -> None:
    """A revocation thaws what recovery froze, so the given-away partitions' cycles are
    found by the next collection instead of living for the run."""
    gc.unfreeze()
    try:
        with gc_paused(freeze=True):
            loaded = _Cyclic()
        witness = weakref.ref(loaded)
        del loaded
        gc.collect()
        assert witness() is not None  # frozen: no collection searches it
        thaw()
        assert gc.get_freeze_count() == 0
        gc.collect()
        assert witness() is None
    finally:
        gc.unfreeze()
