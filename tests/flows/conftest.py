"""The `read` fixture: read a fixture file by name (see flow_helpers)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flow_helpers import FIXTURES, Read, read_all


@pytest.fixture
def read() -> Callable[[str], Read]:
    """Read a fixture file by name."""
    return lambda name: read_all(FIXTURES / name)
