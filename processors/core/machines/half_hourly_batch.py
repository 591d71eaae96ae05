"""A closing day's half-hourly band sums worked out in one pass across sites, exactly.

The engine hands the half-hourly machine every input it holds for a day before applying
them one by one (`Engine._hand_day`). The sums of each day's off-peak and peak values are
then worked out here in a few numpy calls over the day's value texts joined, as integers
of milli-kWh, when a text's values all have exactly three decimals (proved field by field
over the joined bytes, not by parsing each value in Python), and handed to the rating by
the identity of the values tuple and its off-peak set (`BandSums.take`). The Decimal of
such a sum is the one summing the values' Decimals gives: the same digits, exponent -3,
and `Decimal(0)` for a band with no value. Anything else (a missing value, other
decimals, an exponent, a sum with as many digits as the context's precision) is summed
in Decimal by the rating, as before (docs/decisions.md D56).

numpy is imported on the first batch: a replay without half-hourly data does not load it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, getcontext
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from processors.vocabulary.kwh import has_gap

if TYPE_CHECKING:
    from processors.vocabulary.kwh import Values

BATCH_FROM = 64
"""Fewer inputs than this are summed in Decimal: a numpy pass costs more than it saves."""
_MAX_FIELD = 18
"""The longest value text summed here: 17 digits and the point, so that 50 of them add up
in an int64."""
_ZERO = Decimal(0)
_COMMA, _DOT, _DIGIT_0 = 44, 46, 48

Sums = tuple[int, int]
"""A day's off-peak and peak sums, in milli-kWh."""


@lru_cache(maxsize=1024)
def _band(off_peak: frozenset[int], count: int) -> tuple[Any, int]:
    """Whether each of a day's `count` periods is off-peak (a numpy bool array), and how
    many are."""
    import numpy as np  # noqa: PLC0415 - loaded with the first batch

    mask = np.array([i + 1 in off_peak for i in range(count)], dtype=bool)
    return mask, int(mask.sum())


def milli_sums(
    texts: Sequence[str], off_peaks: Sequence[frozenset[int]], counts: Sequence[int]
) -> list[Sums | None]:
    """Each compact day text's off-peak and peak sums in milli-kWh (`counts`: its number of
    values), or None for a text whose fields are not all digits, a point and three decimals
    (a missing value, another precision, an exponent, a value too long to add up in an
    int64).

    A field is one of those when it is 5 to `_MAX_FIELD` bytes long with the point fourth
    from its end and no other point or byte but digits in it: checked for all the texts at
    once by counting the points (one per field, each field having one where it should) and
    the digits (all the other bytes but the commas), field by field only when that fails."""
    import numpy as np  # noqa: PLC0415 - loaded with the first batch

    joined = ",".join(texts)
    try:
        raw = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    except UnicodeEncodeError:
        return [None] * len(texts)
    comma = raw == _COMMA
    ends = np.append(np.flatnonzero(comma), len(raw))  # of each field (its comma)
    if len(ends) != sum(counts):
        return [None] * len(texts)
    lengths = np.diff(ends, prepend=-1) - 1
    shaped = (lengths >= 5) & (lengths <= _MAX_FIELD) & (raw[np.maximum(ends - 4, 0)] == _DOT)
    digit = (raw - _DIGIT_0) < 10  # the ten digits (a byte below "0" wraps round)
    points = joined.count(".")
    firsts = np.cumsum([0, *counts[:-1]])  # each text's first field
    if not (
        shaped.all() and points == len(ends) and np.count_nonzero(digit) + points + len(ends) - 1 == len(raw)
    ):
        point = raw == _DOT
        other = ~(digit | point | comma)
        points_to = np.cumsum(point, dtype=np.int64)[ends - 1]
        others_to = np.cumsum(other, dtype=np.int64)[ends - 1]
        field_ok = shaped & (np.diff(points_to, prepend=0) == 1) & (np.diff(others_to, prepend=0) == 0)
        bad = np.add.reduceat((~field_ok).astype(np.int64), firsts).tolist()
        kept = [i for i, n in enumerate(bad) if n == 0]
        out: list[Sums | None] = [None] * len(texts)
        if kept:
            picked = [texts[i] for i in kept], [off_peaks[i] for i in kept], [counts[i] for i in kept]
            for i, sums in zip(kept, milli_sums(*picked), strict=True):
                out[i] = sums
        return out
    milli = np.fromstring(joined.replace(".", ""), dtype=np.int64, sep=",")
    off = np.concatenate([_band(o, n)[0] for o, n in zip(off_peaks, counts, strict=True)])
    off_sums = np.add.reduceat(np.where(off, milli, 0), firsts).tolist()
    totals = np.add.reduceat(milli, firsts).tolist()
    return [(o, t - o) for o, t in zip(off_sums, totals, strict=True)]


def _kwh(milli: int, count: int, limit: int) -> Decimal | None:
    """The Decimal sum of `count` values of three decimals summing to `milli` (none: zero),
    or None when it has too many digits for the context (the Decimal sum may round)."""
    if not count:
        return _ZERO
    if milli >= limit:
        return None
    return Decimal(milli).scaleb(-3)


class BandSums:
    """The band sums of one closing day's values, each kept with its values tuple (so its
    id is not reused) and off-peak set until the rating takes it, or the next day's batch."""

    __slots__ = ("_sums",)

    def __init__(self) -> None:
        self._sums: dict[int, tuple[Values, frozenset[int], Decimal, Decimal]] = {}

    def prepare(self, days: Sequence[tuple[Values, str, frozenset[int]]]) -> None:
        """Work out the sums of each (values, their compact text, off-peak set), in place of
        the last day's (those not taken are dropped)."""
        self._sums = sums = {}
        if len(days) < BATCH_FROM:
            return
        limit = 10 ** (getcontext().prec - 1)  # the least number with the context's digits
        days = [day for day in days if not has_gap(day[1])]
        counts = [len(values) for values, _, _ in days]
        found = milli_sums([text for _, text, _ in days], [off for _, _, off in days], counts)
        for (values, _, off), count, milli in zip(days, counts, found, strict=True):
            if milli is None:
                continue
            off_count = _band(off, count)[1]
            off_kwh = _kwh(milli[0], off_count, limit)
            peak_kwh = _kwh(milli[1], count - off_count, limit)
            if off_kwh is not None and peak_kwh is not None:
                sums[id(values)] = (values, off, off_kwh, peak_kwh)

    def take(self, values: Values, off_peak: frozenset[int]) -> tuple[Decimal, Decimal] | None:
        """The (off-peak, peak) kWh of `values` under `off_peak`, when worked out for this
        very tuple and the same set (once), else None."""
        found = self._sums.pop(id(values), None)
        if found is None or found[0] is not values or not (found[1] is off_peak or found[1] == off_peak):
            return None
        return found[2], found[3]


BAND_SUMS = BandSums()
"""The process's one batch of band sums (a closing day's, taken as the day is applied)."""
