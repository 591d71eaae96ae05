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
The plan of each class is worked out once, with a quick test of its own: the usual event
(plain texts, an aware instant, valid MPAN cores, a date, a flag or a member where the
table reads one) is passed by it without the JSON form being built; anything else goes
through the full checks, which alone say what is wrong.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from flows.json_fields import Problem, Problems, Spec, amount, fields_of, flag, instant, iso_date, mpan, text
from flows.messages import BUILDERS, TYPES
from processors.vocabulary.events import DayClosed, DomainEvent
from processors.vocabulary.json_values import json_value
from processors.vocabulary.mpan import is_valid_mpan

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
# (a quick test that passes only events the full checks find nothing in, the full checks)
Plan = tuple[Callable[[Any], bool], Callable[[Any], list[Problem]]]
_PLANS: dict[type, Plan] = {}


def check_event(event: DomainEvent) -> None:
    """Raise Problems (every problem, each naming its field) when the reader would have
    refused `event`'s content."""
    kind = type(event)
    plan = _PLANS.get(kind)
    if plan is None:
        plan = _PLANS[kind] = _plan(kind)
    quick, full = plan
    if quick(event):
        return
    problems = full(event)
    if problems:
        raise Problems(problems)


def _plan(kind: type[DomainEvent]) -> Plan:
    table = _TABLES.get(kind) or {}
    specs = {**_ENVELOPE, **table}
    native = [
        (name, spec, spec.parse in _ISO) for name, spec in specs.items() if spec.parse in _NATIVE + _ISO
    ]
    as_json = {name: spec for name, spec in specs.items() if spec.parse not in _NATIVE + _ISO}
    nested = [] if table or kind is DayClosed else _mpan_fields(kind)
    return _quick(native, as_json, nested), _full(native, as_json, nested)


def _full(
    native: list[tuple[str, Spec, bool]], as_json: dict[str, Spec], nested: list[str]
) -> Callable[[Any], list[Problem]]:
    """Every problem of an event: the JSON-lines reader's parsers on its fields."""

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


def _quick(
    native: list[tuple[str, Spec, bool]], as_json: dict[str, Spec], nested: list[str]
) -> Callable[[Any], bool]:
    """True only for an event `_full` finds nothing in; False sends it to `_full`.
    Each test below accepts a value only where its parser's verdict is known to be yes:
    - a text: a non-blank str; an MPAN: a valid core (`_MPAN_CORE`); an instant: an
      aware datetime (what `_full` asks of one); an amount: its parser's own verdict;
    - read from the JSON form: a date where `iso_date` reads it (a date's ISO text always
      is one), a bool where `flag` does, an enum member whose value the field's parser
      took before (each member's verdict is remembered: there are few);
    - a nested MPAN field holding a str (a valid core, if its name says MPAN).
    The test is compiled per class, its fields read and tested inline: it runs for every
    event the worker reads, and a loop over (field, test) pairs cost twice as much."""
    checks: list[tuple[str, str | Callable[[Any], bool], bool]] = []
    for name, spec, iso in native:
        checks.append((spec.attr or name, _native_test(spec.parse, iso), spec.required))
    for name, spec in as_json.items():
        checks.append((spec.attr or name, _json_test(name, spec), spec.required))
    for name in nested:
        checks.append((name, _MPAN_CORE if _is_mpan_name(name) else _TEXT, False))
    return _compiled(checks)


# Inline tests of a value `v` (expressions), for the compiled quick test.
_TEXT = "type(v) is str and bool(v.strip())"
_AWARE = "type(v) is datetime and v.tzinfo is not None"
# what `mpan` accepts, without its exception: 13 ASCII digits, the last the check digit
# of the first twelve
_MPAN_CORE = "type(v) is str and is_valid_mpan(v)"


def _compiled(checks: list[tuple[str, str | Callable[[Any], bool], bool]]) -> Callable[[Any], bool]:
    """The function `passes(event)` of `checks` (attribute, inline test or function,
    required): False at the first value missing where required or failing its test."""
    namespace: dict[str, Any] = {"date": date, "datetime": datetime, "is_valid_mpan": is_valid_mpan}
    lines = ["def passes(event):"]
    for index, (attr, test, required) in enumerate(checks):
        if not attr.isidentifier():
            raise ValueError(f"not an attribute name: {attr!r}")
        if callable(test):
            namespace[f"test_{index}"] = test
        expression = f"test_{index}(v)" if callable(test) else test
        lines.append(f"    v = event.{attr}")
        if required:
            lines.append(f"    if v is None or not ({expression}):")
        else:
            lines.append(f"    if v is not None and not ({expression}):")
        lines.append("        return False")
    lines.append("    return True")
    # the source holds only field names (identifiers, checked) and the fixed tests above
    exec(compile("\n".join(lines) + "\n", "<event_checks quick test>", "exec"), namespace)
    passes: Callable[[Any], bool] = namespace["passes"]
    return passes


def _native_test(parse: Callable[[Any], Any], iso: bool) -> str | Callable[[Any], bool]:
    if iso:
        return _AWARE
    if parse is mpan:
        return _MPAN_CORE
    if parse is text:
        return _TEXT
    return _parses(parse)


def _json_test(name: str, spec: Spec) -> str | Callable[[Any], bool]:
    """A quick yes for a field `_full` reads from its JSON form."""
    if spec.parse is iso_date:
        return "type(v) is date"
    if spec.parse is flag:
        return "type(v) is bool"
    verdicts: dict[Enum, bool] = {}
    table = {name: Spec(spec.parse, spec.required)}

    def member(value: Any) -> bool:
        if not isinstance(value, Enum):
            return False
        known = verdicts.get(value)
        if known is None:
            try:
                fields_of({name: json_value(value)}, table, "")
                known = True
            except Problems:
                known = False
            verdicts[value] = known
        return known

    return member


def _parses(parse: Callable[[Any], Any]) -> Callable[[Any], bool]:
    def test(value: Any) -> bool:
        try:
            parse(value)
        except (ValueError, AttributeError):
            return False
        return True

    return test


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
