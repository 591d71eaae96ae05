"""Outcomes across processes (`replay --jobs N`'s follow-ups and outputs), pickled so that
rebuilding them is cheap.

A frozen slotted dataclass pickles by default through its generated `__setstate__`,
which sets each field with `object.__setattr__` (and looks the fields up every time):
unpickling a D0010 event would cost about as much as reading it. `dumps` instead reduces
every slotted dataclass that `processors.vocabulary.construction.constructor` can build to its positional
constructor and its field values; everything else pickles as usual. The constructor
travels by name (`build__<module>__<class>`, made on first use by this module's
`__getattr__` in whichever process unpickles), so rebuilding an object is one call.
One `dumps` call carries a batch, so objects shared within it (the file's `DtcFile`, the
shared site visits and validation results, enum members) travel once.
"""

from __future__ import annotations

import dataclasses
import importlib
import io
import pickle
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from processors.vocabulary.construction import constructor

_PREFIX = "build:"  # not an identifier: it never clashes with a name of this module
# Per class: its positional builder and a getter of its field values; None: pickle as usual.
_plans: dict[type, tuple[Callable[..., Any], Callable[[Any], tuple[Any, ...]]] | None] = {}


def _builder(cls: type) -> Callable[..., Any]:
    """The positional constructor of `cls`, importable as `flows.transfer.<its name>`."""
    name = f"{_PREFIX}{cls.__module__.replace('.', ':')}:{cls.__qualname__}"
    found: Callable[..., Any] | None = globals().get(name)
    if found is None:
        found = constructor(cls, positional=True)
        found.__module__ = __name__
        found.__qualname__ = found.__name__ = name
        globals()[name] = found
    return found


def __getattr__(name: str) -> Any:
    """A builder named by a pickle from another process: made here from its class."""
    if not name.startswith(_PREFIX):
        raise AttributeError(name)
    *module, qualname = name.removeprefix(_PREFIX).split(":")
    cls = getattr(importlib.import_module(".".join(module)), qualname, None)
    if not isinstance(cls, type):
        raise AttributeError(name)
    return _builder(cls)


def _plan(cls: type) -> tuple[Callable[..., Any], Callable[[Any], tuple[Any, ...]]] | None:
    if cls not in _plans:
        plan = None
        if dataclasses.is_dataclass(cls):
            names = [spec.name for spec in dataclasses.fields(cls)]
            try:
                get = attrgetter(*names)
                plan = (_builder(cls), get if len(names) > 1 else (lambda obj, one=get: (one(obj),)))
            except TypeError:  # not a slotted dataclass the constructor can build
                plan = None
        _plans[cls] = plan
    return _plans[cls]


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        cls = type(obj)
        plan = _plans[cls] if cls in _plans else _plan(cls)
        if plan is None:
            return NotImplemented
        return plan[0], plan[1](obj)


def dumps(items: list[Any]) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(items)
    return buffer.getvalue()


def loads(data: bytes) -> list[Any]:
    items: list[Any] = pickle.loads(data)
    return items
