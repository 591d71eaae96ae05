"""What the bench tests share: a collector left at the interpreter's default, so a test can
see a bench phase set it as the CLI does (docs/decisions.md D44)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest


@pytest.fixture
def default_collector() -> Iterator[None]:
    """The interpreter's default thresholds for the test, and whatever was set before after it."""
    before = gc.get_threshold()
    gc.set_threshold(700, before[1], before[2])
    try:
        yield
    finally:
        gc.set_threshold(*before)
