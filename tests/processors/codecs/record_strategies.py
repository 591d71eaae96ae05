"""Hypothesis values of any type the records use, built from the type hints alone, for the
serde round trips (`plain`) and the generated codecs' comparison with fastavro (`edges`:
long and non-ASCII text, any decimal, every representable datetime in several zones)."""

from __future__ import annotations

import dataclasses
import enum
import typing
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from processors.codecs import serde
from processors.vocabulary.events import UK

ZONES = [UTC, UK, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]


def optional_inner(hint: Any) -> Any | None:
    """X of `X | None`; None for any other hint."""
    args = typing.get_args(hint)
    if type(None) in args and len(args) == 2:
        return next(a for a in args if a is not type(None))
    return None


def _datetimes(field_name: str, edges: bool) -> st.SearchStrategy[datetime]:
    if not edges:
        low, high = datetime(1990, 1, 1), datetime(2090, 1, 1)
        if field_name in serde.AWARE_DATETIME_FIELDS:
            # Instants decode as UTC; UK clock times are covered by the serde tests (an
            # ambiguous UK time never compares equal to another zone's, PEP 495).
            return st.datetimes(min_value=low, max_value=high, timezones=st.just(UTC))
        return st.datetimes(min_value=low, max_value=high)
    low, high = datetime(1, 1, 2), datetime(9999, 12, 30)
    naive = st.datetimes(min_value=low, max_value=high)
    aware = st.datetimes(min_value=low, max_value=high, timezones=st.sampled_from(ZONES))
    if field_name in serde.AWARE_DATETIME_FIELDS:  # naive ones are read in local time
        # Bounded by construction, not filtered: a filter over years 1-9999 refuses ~97 % of
        # the naive draws, and a class with three instants (DeviceDispatch) then failed
        # Hypothesis' filter_too_much health check at random.
        local = st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(2199, 12, 31, 23, 59, 59))
        return aware | local
    return naive | aware


def values_of(hint: Any, field_name: str = "", *, edges: bool = False) -> st.SearchStrategy[Any]:
    """Any value of a field's declared type (`field_name` tells instants from clock times)."""
    inner = optional_inner(hint)
    if inner is not None:
        return st.none() | values_of(inner, field_name, edges=edges)
    if typing.get_origin(hint) is tuple:
        items = values_of(typing.get_args(hint)[0], field_name, edges=edges)
        return st.lists(items, max_size=3 if edges else 2).map(tuple)
    if hint is bool:
        return st.booleans()
    if hint is int:
        return st.integers(min_value=-(2**63), max_value=2**63 - 1)
    if hint is Decimal:
        if edges:
            return st.decimals(allow_nan=False)
        bounded = {"min_value": -(10**9), "max_value": 10**9}
        return st.decimals(allow_nan=False, allow_infinity=False, places=3, **bounded)
    if hint is datetime:
        return _datetimes(field_name, edges)
    if hint is date:
        return st.dates()
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return st.sampled_from(list(hint))
    if hint is str:
        return st.text(max_size=80 if edges else 12)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        fields = {
            f.name: values_of(hints[f.name], _field_name(hint, f.name), edges=edges)
            for f in dataclasses.fields(hint)
        }
        return st.builds(hint, **fields)
    raise TypeError(f"no strategy for {hint!r}")


def _field_name(cls: type, name: str) -> str:
    """The name serde decides a datetime's kind by: `Class.field` where it names one."""
    qualified = f"{cls.__name__}.{name}"
    return qualified if qualified in serde.AWARE_DATETIME_FIELDS else name
