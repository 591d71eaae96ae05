"""A supply point's state in words, for the operations team, whatever machine holds it.

States are dataclasses of the machines in `processors/core/machines/` (and more are
coming: accounts, half-hourly, gas), so nothing here names a field. Each field becomes
a fact: its name humanised ("last_switch_notice" -> "Last switch notice"), dates as dates,
nested dataclasses as groups of their own facts, lists of held inputs counted and named.
A tuple's parts are named when the machine says what they are: in the field's metadata
(`field(metadata={"parts": ("day", "priority", "event id")})`) or, as the machines do
today, in the field's docstring ("The canonical order key (day, priority, event id) of
...": the first parenthesised list with as many names as the tuple has parts). The
docstring's first sentence is kept as the fact's hint. Unset fields (None, empty, False)
are left out: the JSON behind the page's toggle shows everything.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import re
import textwrap
from collections.abc import Mapping
from dataclasses import Field, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any

# Words written as the industry writes them, whatever case a name gives them.
_WORDS = {
    "cos": "CoS",
    "mpan": "MPAN",
    "mpans": "MPANs",
    "ssd": "SSD",
    "dc": "DC",
    "dno": "DNO",
    "id": "ID",
    "ids": "IDs",
    "hh": "HH",
    "nhh": "NHH",
    "gs": "GS",
    "kwh": "kWh",
}
_FLOW = re.compile(r"^d\d{4}$")
_MAX_DEPTH = 4
_MAX_ITEMS = 20


def humanise(name: str) -> str:
    """`no_loss_for_cos_reading` -> "No loss for CoS reading"; `SecuredIn` -> "Secured in"."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name))
    words = [w for w in re.split(r"[\s_.\-]+", spaced) if w]
    out = []
    for i, word in enumerate(words):
        lower = word.lower()
        if lower in _WORDS:
            out.append(_WORDS[lower])
        elif _FLOW.match(lower):
            out.append(lower.upper())
        else:
            out.append(lower.capitalize() if i == 0 else lower)
    return " ".join(out)


def _inline(name: str) -> str:
    """A name humanised for the middle of a sentence: "event ID", "SSD", "read on"."""
    words = humanise(name)
    first = words.split(" ", 1)[0]
    return words if first in _WORDS.values() or first.isupper() else words[:1].lower() + words[1:]


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def _scalar(value: Any) -> str:
    if isinstance(value, Enum):
        return humanise(str(value.value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return f"{_day(value)} {value:%H:%M}"
    if isinstance(value, date):
        return _day(value)
    if isinstance(value, Decimal | int | float | str):
        return str(value)
    return repr(value)


def _unset(value: Any) -> bool:
    return (
        value is None
        or value is False
        or (isinstance(value, tuple | list | set | frozenset | dict) and not value)
    )


@cache
def _field_docs(cls: type) -> dict[str, str]:
    """The attribute docstrings of a dataclass and its bases (a string right after a field)."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):
            continue
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for node, following in itertools.pairwise(body):
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                docs[node.target.id] = " ".join(following.value.value.split())
    return docs


def _parts(spec: Field[Any], doc: str, size: int) -> list[str] | None:
    """The names of a tuple field's parts, when the machine gives them."""
    given = spec.metadata.get("parts") if spec.metadata else None
    if given is not None and len(given) == size:
        return [str(p) for p in given]
    for group in re.findall(r"\(([^()]+)\)", doc):
        names = [n.strip() for n in group.split(",")]
        if len(names) == size and all(names):
            return names
    return None


def _hint(doc: str) -> str | None:
    if not doc:
        return None
    first = re.split(r"(?<=[.:])\s", doc, maxsplit=1)[0]
    return first.rstrip(":")


def _item_name(value: Any) -> str:
    """A held input or a nested record in a few words: its kind and its first date."""
    name = humanise(type(value).__name__)
    if is_dataclass(value) and not isinstance(value, type):
        for spec in fields(value):
            inner = getattr(value, spec.name)
            if isinstance(inner, date):
                return f"{name} ({_inline(spec.name)} {_scalar(inner)})"
    return name


def _value(spec: Field[Any], value: Any, doc: str, depth: int) -> dict[str, Any]:
    if is_dataclass(value) and not isinstance(value, type):
        return {"group": describe_record(value, depth + 1)}
    if isinstance(value, tuple) and value and not any(isinstance(v, tuple | list) for v in value):
        names = _parts(spec, doc, len(value))
        if names is not None:
            return {
                "text": ", ".join(f"{_inline(n)} {_scalar(v)}" for n, v in zip(names, value, strict=True))
            }
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        shown = [_item_name(v) if is_dataclass(v) else _scalar(v) for v in items[:_MAX_ITEMS]]
        more = f" and {len(items) - _MAX_ITEMS} more" if len(items) > _MAX_ITEMS else ""
        return {"text": "; ".join(shown) + more, "count": len(items)}
    if isinstance(value, Mapping):
        return {
            "text": "; ".join(f"{humanise(str(k))} {_scalar(v)}" for k, v in list(value.items())[:_MAX_ITEMS])
        }
    return {"text": _scalar(value)}


def describe_record(record: Any, depth: int = 0) -> list[dict[str, Any]]:
    """The set facts of one dataclass: [{"name", "text" | "group", "hint"?}, ...]."""
    if depth > _MAX_DEPTH or not is_dataclass(record) or isinstance(record, type):
        return [{"name": humanise(type(record).__name__), "text": _scalar(record)}]
    docs = _field_docs(type(record))
    facts: list[dict[str, Any]] = []
    for spec in fields(record):
        value = getattr(record, spec.name)
        if _unset(value) or spec.metadata.get("shown") is False:  # unset, or bookkeeping no one reads
            continue
        doc = docs.get(spec.name, "")
        fact: dict[str, Any] = {"field": spec.name, "name": humanise(spec.name)}
        fact.update(_value(spec, value, doc, depth))
        hint = _hint(doc)
        if hint:
            fact["hint"] = hint
        facts.append(fact)
    return facts


def describe_state(state: Any, label: str | None) -> dict[str, Any] | None:
    """A state in words: its stage (the machine's label, humanised) and its facts; a
    mapping of states (one per machine) gives one group per machine. None for no state."""
    if state is None:
        return None
    if isinstance(state, Mapping):
        facts = [
            {"field": str(k), "name": humanise(str(k)), "group": describe_record(v)}
            for k, v in state.items()
            if v is not None
        ]
    else:
        facts = describe_record(state)
    return {
        "stage": humanise(label) if label else None,
        "kind": humanise(type(state).__name__),
        "facts": facts,
    }
