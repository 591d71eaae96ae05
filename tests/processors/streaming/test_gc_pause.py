"""Recovery pauses the cyclic collector only while it loads states, and always restarts it."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from processors.streaming.gc_pause import gc_paused


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_off_inside_and_on_again_after() -> None:
    gc.enable()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_comes_back_when_the_load_fails() -> None:
    gc.enable()
    with pytest.raises(ValueError, match="bad snapshot"), gc_paused():
        raise ValueError("bad snapshot")
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()
