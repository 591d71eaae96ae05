"""The cyclic garbage collector paused while a partition's states are built in bulk.

Loading a snapshot allocates millions of small objects (the states' dataclasses, tuples,
dates) and frees none, so the collector's generation thresholds trip over and over and
each collection walks every state loaded so far, for nothing: the states hold no cycles.
Pausing it for the load saved about a quarter of the decoding's CPU time (docs/decisions.md
D41). Reference counting still frees what a load drops; the collector runs again after.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic collection inside the block; the collector is left as it was found."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
