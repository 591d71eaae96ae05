"""`repr` of an input, the text its conflict digest is taken of, written faster (D46).

`input_digest` (processors.core.conflicts) hashes `repr(inp)`, and digests are kept in
stored states, so the text must stay exactly the dataclass repr. It is the larger part
of the digest's cost, which is paid for every state-changing input (a bill, an opened
account): the repr of a dataclass goes through a recursion guard per object, and a
`date`'s repr is built anew each time although the days of a log repeat. Here each
input class gets a function written from its fields, like the dataclass's own repr
(`Class(field=value!r, ...)`, the fields it shows, in order) but with no guard (inputs
hold no cycles: frozen dataclasses of texts, numbers, dates and tuples) and with each
day's text remembered. Nested dataclasses (a bill's charges, a reading) are written the
same way; any other value, and any class whose repr is not the dataclass's own, by `repr`.
tests/processors/core/test_input_text.py compares the two for every input class.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import date
from typing import Any

_KEPT_DATES = 4096
_DATE_TEXTS: dict[date, str] = {}
"""The repr of each `date` seen lately: an exact date only, so no value of another type
(nor one equal to a date but shown otherwise) ever gets a remembered text."""

_TEXTS: dict[type, Callable[[Any], str]] = {}
"""Per class, the function that writes its repr (`repr` itself for most types)."""


def input_text(value: Any) -> str:
    """`repr(value)`, the same text, faster for dataclasses whose repr is generated."""
    cls = type(value)
    text = _TEXTS.get(cls)
    if text is None:
        text = _TEXTS[cls] = _writer(cls)
    return text(value)


def _date_text(value: Any) -> str:
    """`repr` of a field declared a date (or None), remembered for an exact date."""
    text = repr(value)
    if type(value) is date:
        if len(_DATE_TEXTS) >= _KEPT_DATES:
            _DATE_TEXTS.clear()
        _DATE_TEXTS[value] = text
    return text


def _tuple_text(items: Any) -> str:
    """`repr` of a field declared a tuple, its items written by `input_text`."""
    if type(items) is not tuple:
        return repr(items)
    if len(items) == 1:
        return f"({input_text(items[0])},)"
    return f"({', '.join(map(input_text, items))})"


def _generated_repr(cls: type) -> bool:
    """Whether `cls` is a dataclass whose `__repr__` is the one dataclasses wrote for it (a
    function wrapped by its recursion guard), not one of its own or inherited."""
    params = getattr(cls, "__dataclass_params__", None)
    own = cls.__dict__.get("__repr__")
    return params is not None and params.repr and hasattr(own, "__wrapped__")


def _members(hint: Any) -> tuple[Any, ...]:
    """The types of `X | Y` (or `Optional[X]`), or `(hint,)`."""
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        return typing.get_args(hint)
    return (hint,)


def _part(name: str, hint: Any) -> str:
    """The f-string part that writes field `name` of `o`, as the dataclass repr would."""
    value = f"o.{name}"
    kinds = set(_members(hint)) - {type(None)}
    if kinds == {date}:
        return f"{{_DATE_TEXTS.get({value}) or _date_text({value})}}"
    if typing.get_origin(hint) is tuple:
        return f"{{_tuple_text({value})}}"
    if len(kinds) == 1 and dataclasses.is_dataclass(next(iter(kinds))):
        return f"{{input_text({value})}}"
    return f"{{{value}!r}}"


def _writer(cls: type) -> Callable[[Any], str]:
    if not _generated_repr(cls):
        return repr
    try:
        hints = typing.get_type_hints(cls)
    except (NameError, TypeError):
        return repr
    shown = [f for f in dataclasses.fields(cls) if f.repr]
    parts = ", ".join(f"{f.name}={_part(f.name, hints.get(f.name))}" for f in shown)
    source = f'def text(o):\n    return {cls.__qualname__!r} + f"({parts})"\n'
    scope: dict[str, Any] = {
        "_DATE_TEXTS": _DATE_TEXTS,
        "_date_text": _date_text,
        "_tuple_text": _tuple_text,
        "input_text": input_text,
    }
    exec(source, scope)  # the source is written above from the class's own field names
    text: Callable[[Any], str] = scope["text"]
    return text
