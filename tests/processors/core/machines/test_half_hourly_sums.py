"""The day's import total handed to the trackers is the sum of its two rated bands only where
that is exactly what summing its present values gives: the same value and the same exponent
(`DailyImportTotalled.import_kwh` is written as its text)."""

from __future__ import annotations

from decimal import Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from processors.core.machines.half_hourly import _bands_total, rate_values

_ZERO = Decimal(0)

_values = st.lists(
    st.one_of(
        st.none(),
        st.decimals(min_value=0, max_value=10**6, allow_nan=False, allow_infinity=False, places=3),
        st.decimals(min_value=0, max_value=10**12, allow_nan=False, allow_infinity=False),
        st.sampled_from([Decimal("-0"), Decimal("0E-30"), Decimal("1E+5"), Decimal("0.1000")]),
    ),
    min_size=46,
    max_size=50,
)


@settings(max_examples=500)
@given(_values, st.sets(st.integers(1, 50)), st.integers(6, 40))
def test_the_bands_total_is_the_sum_of_the_present_values_or_none(
    values: list[Decimal | None], off_peak: set[int], precision: int
) -> None:
    day = tuple(values)
    missing = tuple(i for i, v in enumerate(day, start=1) if v is None)
    with localcontext() as context:
        context.prec = precision
        rated = rate_values(day, missing, frozenset(off_peak), _ZERO, _ZERO)  # costs 0: kWh only
        total = _bands_total(rated)
        summed = sum([v for v in day if v is not None], _ZERO)
    if total is not None:
        assert str(total) == str(summed)


def test_a_total_that_needs_every_digit_is_summed_value_by_value() -> None:
    day = (Decimal("1" + "0" * 27), Decimal("0.5"), Decimal("0.5"))
    rated = rate_values(day, (), frozenset({1}), _ZERO, _ZERO)
    assert _bands_total(rated) is None
    small = (Decimal("0.125"), Decimal("1.5"), None, Decimal("2"))
    rated = rate_values(small, (3,), frozenset({1}), Decimal(1), Decimal(1))
    assert str(_bands_total(rated)) == "3.625"
