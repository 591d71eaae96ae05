"""The cyclic garbage collector, set for processes that fold a log and load states.

A fold allocates far more objects than it frees as garbage cycles (events, inputs and
commands are short-lived but acyclic; states live for the run), so CPython's default
young-generation threshold (700 allocations) runs a collection every few hundred events
that finds almost nothing. Measured on the 200k-reading log with bills (docs/decisions.md
D44): 809 young collections and 8.0 s CPU with the default, 23 and 7.4 s with 50,000,
the same peak memory. Loading a snapshot is the extreme case: millions of small objects
and nothing freed, so recovery pauses the collector for the load (D43: about a quarter of
the decoding's CPU). Reference counting still frees everything acyclic at once; only the
search for cycles runs less often.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 50_000
"""Allocations (net of frees) between young-generation collections."""


def collect_less_often() -> None:
    """Raise the young generation's threshold to YOUNG_THRESHOLD (never lower it), keeping
    the older generations' ratios."""
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, old)


def thaw() -> None:
    """Give what `gc_paused(freeze=True)` froze back to the collector: at a revocation, the
    states and engines of the partitions given away may sit in cycles that only a
    collection frees, and frozen objects are never searched (the next recovery freezes
    what it loads again, after its first collection)."""
    gc.unfreeze()


@contextmanager
def gc_paused(*, freeze: bool = False) -> Iterator[None]:
    """No cyclic collection inside the block; the collector is left as it was found.

    `freeze` (when the collector was running): a full collection first, then, at the
    block's normal end, everything alive is moved to the permanent generation
    (`gc.freeze`), so neither the first collection after the block nor any later one walks
    what the block loaded again: recovered states live for the run and hold no cycles
    (D43). Without the first collection, garbage cycles waiting to be collected (an
    engine dropped at a rebalance, with its states) would be frozen with them and never
    freed; what the block itself leaves in cycles is, so it must leave little (D62)."""
    was_enabled = gc.isenabled()
    if freeze and was_enabled:
        gc.collect()
    gc.disable()
    try:
        yield
        if freeze and was_enabled:
            gc.freeze()
    finally:
        if was_enabled:
            gc.enable()
