"""JSON-lines events (SPEC 2.2) to domain events, validated field by field.

One JSON object per line. Every problem with a line (not JSON, unknown type, a missing
required field, a wrong type, a date that is not ISO `YYYY-MM-DD`, an unknown code, an
MPAN whose check digit fails, a field that is not part of the type) is reported in one
RejectedRecord for that line: `field` names the first field at fault and `reason` lists
every problem, each with its field. Unknown fields are refused rather than ignored so
nothing is silently dropped. Blank lines (ASCII whitespace only) are skipped.

A line is read at most MAX_RECORD_BYTES at a time, so a file with no newline costs bounded
memory (a longer line is rejected and skipped in bounded reads); a key said twice in one
object is a rejection naming both values (JSON parsers keep the last in silence); and any
other failure to read one line (a value nested too deep, ...) is that line's rejection.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import orjson

from flows import (
    event_types,
    event_types_accounts,
    event_types_gas,
    event_types_halfhourly,
    event_types_rules,
)
from flows.json_fields import Problem, Problems, Spec, checked_instant, fields_of, instant, remembered, text
from flows.limits import MAX_RECORD_BYTES, skip_rest_of_line, too_long
from flows.rejections import FileReport, FileStatus, RejectedRecord, RejectionScope
from processors.vocabulary.events import (
    DomainEvent,
    Source,
)

TYPES: dict[str, tuple[type[DomainEvent], dict[str, Spec]]] = {
    **event_types.TYPES,
    **event_types_gas.TYPES,
    **event_types_halfhourly.TYPES,
    **event_types_accounts.TYPES,
    **event_types_rules.TYPES,
}
"""Every JSON-lines event type: one line per area's table."""

BUILDERS: dict[str, Callable[[dict[str, Any], Source], DomainEvent]] = {
    **event_types_halfhourly.BUILDERS,
}
"""The types whose events are built by a function of their checked fields (checks that
span fields, JSON names the envelope already uses); it raises Problem. One line per area."""

_OPTIONAL_NULLABLE = {"mcs_certificate", "dno_notification"}
_ENVELOPE = {"type", "event_id", "occurred_at"}


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _keys_unless_float(value: Any) -> int:
    """How many object keys a parsed dict or list holds, or -1 when a float is anywhere in
    it (one walk, one type check per item, for both questions)."""
    is_dict = type(value) is dict
    items = value.values() if is_dict else value
    kinds = set(map(type, items))
    if float in kinds:
        return -1
    keys = len(value) if is_dict else 0
    if dict in kinds or list in kinds:
        for item in items:
            if type(item) in _NESTED:
                inner = _keys_unless_float(item)
                if inner < 0:
                    return -1
                keys += inner
    return keys


_NESTED = (dict, list)


def _loads(line_text: str, source: Source) -> Any:
    """The line's JSON: orjson's reading when it is exact (it reads a number with a fraction
    or an exponent as a float), else the standard parser's with such numbers as Decimal from
    their text; a line orjson refuses is read (or refused, with its message) by the latter.
    A clean line of a type in `FAST` comes back as its event already."""
    try:
        data = orjson.loads(line_text)
    except orjson.JSONDecodeError:
        pass
    else:
        if type(data) is dict:
            kind: Any = data.get("type")
            fast = FAST.get(kind) if type(kind) is str else None
            event = None if fast is None else fast(data, source)
            if event is not None:  # no float; objects inside only in the types of FAST_KEYS
                count = FAST_KEYS.get(kind)
                _check_keys(line_text, len(data) if count is None else count(data))
                return event
            if (keys := _keys_unless_float(data)) >= 0:
                _check_keys(line_text, keys)
                return data
    try:
        data = json.loads(line_text, parse_float=Decimal, parse_constant=_no_constants)
    except ValueError as exc:
        raise Problem("", f"not valid JSON ({exc})") from None
    except RecursionError:
        raise Problem("", "not valid JSON (a value nested too deep to read)") from None
    if type(data) in _NESTED:
        _check_keys(line_text, _keys_unless_float(data))  # no floats here: Decimal
    return data


_KEY_END = re.compile(r'"\s*:')
"""The end of an object key. Every key of the text matches (and a value holding `":`
may too), so a text with no more matches than the parsed objects have keys has no key
said twice; otherwise the line is read again, pair by pair, to find it."""


_SPACED_KEY_END = re.compile(r'"\s+:')


def _check_keys(line_text: str, keys: int) -> None:
    """Problem naming a key said twice in one object, and both its values; `keys` is how
    many the parsed line holds."""
    if _SPACED_KEY_END.search(line_text) is not None:
        ends = len(_KEY_END.findall(line_text))
    else:  # no key is followed by white space (json.dumps, orjson): every key ends `":`
        ends = line_text.count('":')
    if ends <= keys:
        return
    json.loads(line_text, parse_float=Decimal, object_pairs_hook=_unique_pairs)


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, value in pairs:
        if name in found:
            raise Problem(
                name,
                f"key {name!r} appears twice in one object ({found[name]!r} and {value!r}): "
                "which one is meant is not known",
            )
        found[name] = value
    return found


_NOT_CLEAN = (KeyError, TypeError, ValueError, ArithmeticError)
"""What reading a line that is not clean raises in a converter read from a table."""


def _from_table(
    cls: type[DomainEvent], fields: dict[str, Spec]
) -> Callable[[dict[str, Any], Source], DomainEvent | None] | None:
    """The fast converter of a type whose fields are all required and read by parsers with
    a remembered twin (texts, MPANs, dates, codes), read from its table: the event of a
    line with exactly the type's fields, each read by its parser's twin; None for any
    other line (a field missing, null, unknown, refused), which the table then reads or
    refuses with its reasons. None for the types it does not suit."""
    plan = []
    for name, spec in fields.items():
        parse = remembered(spec.parse)
        if parse is None or not spec.required:
            return None
        plan.append((name, spec.attr or name, parse))
    allowed = frozenset((*_ENVELOPE, *fields))

    def fast(data: dict[str, Any], source: Source) -> DomainEvent | None:
        if data.keys() != allowed:
            return None
        try:
            values = {attr: parse(data[name]) for name, attr, parse in plan}
            return cls(
                event_id=text(data["event_id"]),
                occurred_at=checked_instant(data["occurred_at"]),
                **values,
                source=source,
            )
        except _NOT_CLEAN:
            return None

    return fast


_SPECIALISED = {**event_types_halfhourly.FAST, **event_types_accounts.FAST}
FAST = {
    **{
        kind: fast
        for kind, (cls, fields) in TYPES.items()
        if kind not in BUILDERS and (fast := _from_table(cls, fields)) is not None
    },
    **_SPECIALISED,
}
"""The types with a converter for clean lines (None: read the general way), specialised
(half-hourly data, accounts) or read from the type's table (`_from_table`: registrations,
switches, ...). It is tried before the line is searched for floats: it accepts a line
only when no value in it is a float, and, but for the types of `FAST_KEYS`, no value is a
nested object (its fields are texts and lists of texts), so the keys said twice are
counted at the line's top level alone."""

FAST_KEYS = {**event_types_accounts.KEYS}
"""How many keys a clean line of a `FAST` type with objects inside holds (a bill's charges):
the count the keys said twice are checked against."""

_ENVELOPE_SPECS = {"event_id": Spec(text), "occurred_at": Spec(instant)}


def parse_event(line_text: str, source: Source) -> DomainEvent:
    """One JSON line to its event; raises Problem (one problem) or Problems (several)."""
    data = _loads(line_text, source)
    if isinstance(data, DomainEvent):
        return data
    if not isinstance(data, dict):
        raise Problem("", f"expected one JSON object per line, got {type(data).__name__}")
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in TYPES:
        raise Problem("type", f"unknown event type {kind!r} (expected one of {', '.join(TYPES)})")
    cls, fields = TYPES[kind]
    body = {name: value for name, value in data.items() if name not in _ENVELOPE}
    head = {name: value for name, value in data.items() if name in _ENVELOPE and name != "type"}
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for part, specs in ((head, _ENVELOPE_SPECS), (body, fields)):
        try:
            values.update(fields_of(part, specs, ""))
        except Problems as exc:
            problems.extend(exc.problems)
    if problems:
        raise Problems(problems)
    for name in _OPTIONAL_NULLABLE & fields.keys():
        values.setdefault(name, None)
    build = BUILDERS.get(kind)
    if build is not None:
        return build(values, source)
    return cls(**values, source=source)


Triage = Callable[[bytes], Any]
"""Per raw line (not blank): True to read and count it, False to read it uncounted, or
anything else to yield in its place unread (`replay --jobs N`: another worker's line)."""


def read_messages(path: Path, triage: Triage | None = None) -> Iterator[Any]:
    """Every event and rejection of a JSON-lines file, then its FileReport. With `triage`,
    only the lines it says are read, and only those it counts are in the report."""
    events = rejected = 0
    counted = True
    str_path = str(path)
    with path.open("rb") as handle:
        for number, raw in enumerate(iter(partial(handle.readline, MAX_RECORD_BYTES + 1), b""), start=1):
            if triage is not None and raw.strip():
                counted = triage(raw)
                if counted is not True and counted is not False:
                    yield counted
                    continue
            if len(raw) > MAX_RECORD_BYTES and too_long(raw):
                rejected += counted
                yield RejectedRecord(
                    path=str_path,
                    line=number,
                    field=None,
                    raw=raw[:200].decode("utf-8", "replace"),
                    reason=(
                        f"the line is {len(raw) + skip_rest_of_line(handle):,} bytes long: "
                        f"at most {MAX_RECORD_BYTES:,} are read as one record (a file with no line "
                        "breaks, or binary data?)"
                    ),
                    scope=RejectionScope.MESSAGE,
                )
                continue
            if not raw.strip():
                continue  # blank (ASCII whitespace only)
            try:
                line_text = raw.decode("utf-8").strip().removeprefix("\ufeff")
            except UnicodeDecodeError:
                rejected += counted
                yield RejectedRecord(
                    path=str_path,
                    line=number,
                    field=None,
                    raw=raw.decode("utf-8", "replace"),
                    reason="not UTF-8 text (corrupt or binary data)",
                    scope=RejectionScope.MESSAGE,
                )
                continue
            try:
                event = parse_event(line_text, Source(path=str_path, line=number))
            except Exception as exc:  # any failure to read one line is that line's rejection
                rejected += counted
                problems = _problems(exc)
                kind = _type_of(line_text)
                yield RejectedRecord(
                    path=str_path,
                    line=number,
                    field=problems[0].field or None,
                    raw=line_text,
                    reason="; ".join(str(p) if p.field else p.reason for p in problems),
                    scope=RejectionScope.MESSAGE,
                    flow=kind,
                )
                continue
            events += counted
            yield event
    yield json_report(str_path, events, rejected)


def json_report(path: str, events: int, rejected: int) -> FileReport:
    """A JSON-lines file's report from its counts."""
    if rejected and not events:  # nothing of it could be used: said as a rejected file, not "read"
        return FileReport(
            path=path,
            status=FileStatus.REJECTED,
            flow="json",
            rejected=rejected,
            detail=f"every line was rejected ({rejected:,}): no event could be read",
        )
    return FileReport(path=path, status=FileStatus.READ, flow="json", events=events, rejected=rejected)


def _problems(exc: Exception) -> list[Problem]:
    if isinstance(exc, Problems):
        return exc.problems
    if isinstance(exc, Problem):
        return [exc]
    if isinstance(exc, RecursionError):
        return [Problem("", "not valid JSON (a value nested too deep to read)")]
    return [Problem("", f"the line could not be read: {type(exc).__name__}: {exc}")]


def _type_of(line_text: str) -> str | None:
    try:
        data = orjson.loads(line_text)
    except (orjson.JSONDecodeError, RecursionError):
        return None
    kind = data.get("type") if isinstance(data, dict) else None
    return kind if isinstance(kind, str) else None
