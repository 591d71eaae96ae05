"""A closing day's band sums worked out as one batch are those of the Decimal path, digit
for digit and exponent for exponent, under any precision, with missing periods, values of
other precisions or exponents, and clock-change days (46 and 50 periods); a day the batch
cannot prove is left to the Decimal path."""

from __future__ import annotations

from decimal import Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from processors.core.machines import half_hourly_batch
from processors.core.machines.half_hourly import _bands, rate_values
from processors.core.machines.half_hourly_batch import BATCH_FROM, BandSums
from processors.vocabulary.kwh import Values, values_text

_ONE = Decimal(1)
_RATE = Decimal("24.50")

_milli = st.decimals(min_value=0, max_value=10**9, allow_nan=False, allow_infinity=False, places=3)
_other = st.one_of(
    st.decimals(min_value=0, max_value=10**12, allow_nan=False, allow_infinity=False),
    st.sampled_from([Decimal("0E-30"), Decimal("1E+5"), Decimal("0.1000"), Decimal("7"), Decimal("0.25")]),
)


@st.composite
def _day(draw: st.DrawFn) -> tuple[Values, frozenset[int]]:
    count = draw(st.sampled_from([46, 48, 48, 50]))
    clean = draw(st.booleans())
    value = st.one_of(st.none(), _milli, _other) if not clean else _milli
    values = tuple(draw(st.lists(value, min_size=count, max_size=count)))
    off = frozenset(draw(st.sets(st.integers(1, 50))))
    return values, off


def _decimal_path(values: Values, off: frozenset[int]) -> tuple[str, str]:
    """Each band's present values summed in period order from Decimal zero, as `rate_values`
    sums them without a batch."""
    pick_off, pick_peak = _bands(off, len(values))
    return (
        str(sum([v for v in pick_off(values) if v is not None], Decimal(0))),
        str(sum([v for v in pick_peak(values) if v is not None], Decimal(0))),
    )


def _filler(n: int) -> tuple[Values, frozenset[int]]:
    return tuple(Decimal(f"0.{(n * 37 + i) % 1000:03d}") for i in range(48)), frozenset({1, 2, 47})


@settings(max_examples=150, deadline=None)
@given(st.lists(_day(), min_size=1, max_size=12), st.integers(6, 40))
def test_the_batch_sums_are_the_decimal_sums_or_left_to_them(
    drawn: list[tuple[Values, frozenset[int]]], precision: int
) -> None:
    days = drawn + [_filler(n) for n in range(BATCH_FROM)]  # a batch large enough to be summed
    batch = BandSums()
    with localcontext() as context:
        context.prec = precision
        batch.prepare([(values, values_text(values), off) for values, off in days])
        for values, off in days:
            taken = batch.take(values, off)
            expected = _decimal_path(values, off)
            if taken is not None:
                assert (str(taken[0]), str(taken[1])) == expected
            elif precision >= 28 and all(v is not None and v.as_tuple().exponent == -3 for v in values):
                raise AssertionError(f"a day of three-decimal values was not summed: {values_text(values)}")


def test_a_day_is_taken_once_for_its_own_values_and_off_peak_set() -> None:
    day = tuple(Decimal(f"{n % 7}.{n:03d}") for n in range(48))
    off = frozenset(range(1, 15))
    days = [(tuple(Decimal(str(v)) for v in day), off) for _ in range(BATCH_FROM)]
    batch = BandSums()
    batch.prepare([(values, values_text(values), o) for values, o in days])
    first, second = days[0][0], days[1][0]
    assert batch.take(first, frozenset(range(1, 16))) is None  # another off-peak set
    assert batch.take(second, off) == (sum(second[:14], Decimal(0)), sum(second[14:], Decimal(0)))
    assert batch.take(second, off) is None  # once
    assert batch.take(day, off) is None  # equal values, another tuple
    few = BandSums()
    few.prepare([(values, values_text(values), o) for values, o in days[: BATCH_FROM - 1]])
    assert few.take(days[2][0], off) is None  # a small batch is left to the Decimal path


def test_an_empty_band_is_decimal_zero_and_a_zero_band_keeps_its_exponent() -> None:
    zeros = tuple(Decimal("0.000") for _ in range(48))
    days = [
        (zeros if n else tuple(Decimal("0.000") for _ in range(48)), frozenset()) for n in range(BATCH_FROM)
    ]
    batch = BandSums()
    batch.prepare([(values, values_text(values), off) for values, off in days])
    taken = batch.take(days[0][0], frozenset())
    assert taken is not None and (str(taken[0]), str(taken[1])) == ("0", "0.000")


def test_the_rating_uses_the_batch_sums_of_its_own_values() -> None:
    days = [_filler(n) for n in range(BATCH_FROM)]
    half_hourly_batch.BAND_SUMS.prepare([(values, values_text(values), off) for values, off in days])
    values, off = days[5]
    rated = rate_values(values, (), off, _RATE, _ONE)
    assert (str(rated.off_peak_kwh), str(rated.peak_kwh)) == _decimal_path(values, off)
    assert rated.peak_cost == (rated.peak_kwh * _RATE).quantize(Decimal("0.0001"))
    assert half_hourly_batch.BAND_SUMS.take(values, off) is None  # taken by the rating
