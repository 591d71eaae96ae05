"""The reader's checks, applied to an event that did not come through the reader.

Events reach the input topic from other producers too. The worker decodes their Avro,
which proves only the types; this module runs the same field parsers the JSON-lines
reader runs (`flows/json_fields.py`, the MPAN check digit of `processors/vocabulary/mpan.py`)
on the decoded event, so a message the reader would have rejected is rejected, with the
field named, instead of folded:
- a JSON-lines event type: every field of its table (`messages.TYPES`), read from the
  event's JSON form, plus the envelope (`event_id` text, `occurred_at` with its offset);
- any other event (DTC flows, hand-offs): the envelope, and every MPAN field (named
  `mpan` or `*_mpan`, nested records and lists included) through the reader's MPAN parser.
The plan of each class is worked out once.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any

from flows.json_fields import Problem, Problems, Spec, amount, fields_of, instant, mpan, text
from flows.messages import BUILDERS, TYPES
from processors.vocabulary.events import DayClosed, DomainEvent
from processors.vocabulary.json_values import json_value

_ENVELOPE = {"event_id": Spec(text), "occurred_at": Spec(instant)}
_TABLES: dict[type[DomainEvent], dict[str, Spec]] = {
    cls: table for name, (cls, table) in TYPES.items() if name not in BUILDERS
}
"""The field tables read back from an event's attributes (`Spec.attr`, else the JSON name).
A type with a builder of its own (its fields and attributes do not map one to one) gets
the checks of any other event: the envelope and its MPANs."""
# Parsers that take the decoded value as it is, or its ISO text (the others take its JSON form).
_NATIVE = (mpan, text, amount)
_ISO = (instant,)
_PLANS: dict[type, Callable[[Any], list[Problem]]] = {}


def check_event(event: DomainEvent) -> None:
    """Raise Problems (every problem, each naming its field) when the reader would have
    refused `event`'s content."""
    kind = type(event)
    plan = _PLANS.get(kind)
    if plan is None:
        plan = _PLANS[kind] = _plan(kind)
    problems = plan(event)
    if problems:
        raise Problems(problems)


def _plan(kind: type[DomainEvent]) -> Callable[[Any], list[Problem]]:
    table = _TABLES.get(kind) or {}
    specs = {**_ENVELOPE, **table}
    native = [
        (name, spec, spec.parse in _ISO) for name, spec in specs.items() if spec.parse in _NATIVE + _ISO
    ]
    as_json = {name: spec for name, spec in specs.items() if spec.parse not in _NATIVE + _ISO}
    nested = [] if table or kind is DayClosed else _mpan_fields(kind)

    def run(event: Any) -> list[Problem]:
        problems: list[Problem] = []
        for name, spec, iso in native:
            value = getattr(event, spec.attr or name)
            if value is None:
                if spec.required:
                    problems.append(Problem(name, "required field is missing or null"))
                continue
            if iso and getattr(value, "tzinfo", None) is not None:
                continue  # an aware datetime: what `instant` returns for its ISO text
            try:
                spec.parse(value.isoformat() if iso else value)
            except (ValueError, AttributeError) as exc:
                problems.append(Problem(name, str(exc)))
        if as_json:
            try:
                values = {
                    name: json_value(getattr(event, spec.attr or name)) for name, spec in as_json.items()
                }
                fields_of(
                    values, {name: Spec(spec.parse, spec.required) for name, spec in as_json.items()}, ""
                )
            except Problems as exc:
                problems.extend(exc.problems)
        for name in nested:
            problems.extend(_mpan_problems(getattr(event, name), name))
        return problems

    return run


def _is_mpan_name(name: str) -> bool:
    return name == "mpan" or name.endswith("_mpan")


_MPAN_FIELDS: dict[type, list[str]] = {}


def _mpan_fields(kind: type) -> list[str]:
    """The fields of the record class `kind` that hold an MPAN (named `mpan` or `*_mpan`),
    or records or sequences of records that do (worked out once per class)."""
    known = _MPAN_FIELDS.get(kind)
    if known is None:
        known = _MPAN_FIELDS[kind] = _find_mpan_fields(kind)
    return known


def _find_mpan_fields(kind: type) -> list[str]:
    hints = typing.get_type_hints(kind)
    return [
        f.name
        for f in fields(kind)
        if f.name != "source"
        and (_is_mpan_name(f.name) or any(_mpan_fields(r) for r in _records_in(hints[f.name])))
    ]


def _records_in(hint: Any) -> list[type]:
    """The dataclasses a type hint names (in unions, tuples and lists too)."""
    if isinstance(hint, type):
        return [hint] if is_dataclass(hint) else []
    return [r for arg in typing.get_args(hint) for r in _records_in(arg)]


def _mpan_problems(value: Any, path: str) -> list[Problem]:
    """The MPAN problems in `value` (the value at `path`), each at its dotted path."""
    if isinstance(value, str):
        leaf = path.rsplit(".", 1)[-1]
        if _is_mpan_name(leaf):
            try:
                mpan(value)
            except ValueError as exc:
                return [Problem(path, str(exc))]
        return []
    if isinstance(value, tuple | list):
        return [p for i, item in enumerate(value) for p in _mpan_problems(item, f"{path}[{i}]")]
    if is_dataclass(value) and not isinstance(value, type):
        return [
            p
            for name in _mpan_fields(type(value))
            for p in _mpan_problems(getattr(value, name), f"{path}.{name}")
        ]
    return []
