"""Outcomes across processes: reader outcomes pickled so that rebuilding them is cheap.

A frozen slotted dataclass pickles by default through its generated `__setstate__`,
which sets each field with `object.__setattr__` (and looks the fields up every time):
unpickling a D0010 event would cost about as much as reading it. `dumps` instead reduces
every slotted dataclass that `flows.build.constructor` can build to (its class, its field
values), rebuilt by that positional constructor; everything else pickles as usual. One
`dumps` call carries a batch, so objects shared within it (the file's `DtcFile`, the
shared site visits and validation results, enum members) travel once.
"""

from __future__ import annotations

import dataclasses
import io
import pickle
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from flows.build import constructor

# Per class: its positional builder and a getter of its field values; None: pickle as usual.
_plans: dict[type, tuple[Callable[..., Any], Callable[[Any], Any]] | None] = {}


def _plan(cls: type) -> tuple[Callable[..., Any], Callable[[Any], Any]] | None:
    if cls not in _plans:
        plan = None
        if dataclasses.is_dataclass(cls):
            names = [spec.name for spec in dataclasses.fields(cls)]
            try:
                getter = attrgetter(*names)
                plan = (constructor(cls, positional=True), getter if len(names) > 1 else _one(getter))
            except TypeError:  # not a slotted dataclass the constructor can build
                plan = None
        _plans[cls] = plan
    return _plans[cls]


def _one(getter: Callable[[Any], Any]) -> Callable[[Any], tuple[Any, ...]]:
    return lambda obj: (getter(obj),)


def rebuild(cls: type, values: tuple[Any, ...]) -> Any:
    """The object of `cls` with these field values (the unpickling side)."""
    plan = _plans.get(cls) or _plan(cls)
    assert plan is not None, cls
    return plan[0](*values)


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        cls = type(obj)
        plan = _plans[cls] if cls in _plans else _plan(cls)
        if plan is None:
            return NotImplemented
        return rebuild, (cls, plan[1](obj))


def dumps(items: list[Any]) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(items)
    return buffer.getvalue()


def loads(data: bytes) -> list[Any]:
    items: list[Any] = pickle.loads(data)
    return items
