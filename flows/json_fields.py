"""The field parsers of JSON-lines events: each names what it expected and what it got.

Every event type's table (`flows/event_types*.py`) is built from these, so a field is
read the same way whatever event carries it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any

from processors.vocabulary.mpan import InvalidMpan, parse_mpan

Parser = Callable[[Any], Any]
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Problem(ValueError):
    """A field that cannot be read: `field` is its dotted path (e.g. `smart_meter.working`)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected non-empty text, got {value!r}")
    return value


def mpan(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"an MPAN core is a string of 13 digits, got {value!r}")
    try:
        return parse_mpan(value)
    except InvalidMpan as exc:
        raise ValueError(str(exc)) from None


def iso_date(value: Any) -> date:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError(f"expected an ISO date YYYY-MM-DD, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a calendar date ({exc})") from None


def instant(value: Any) -> datetime:
    """An ISO 8601 date-time with its UTC offset (`Z` or `+01:00`): event time is never naive."""
    if not isinstance(value, str) or "T" not in value:
        raise ValueError(f"expected an ISO date-time such as 2024-03-01T09:00:00Z, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a valid ISO date-time") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset: add Z or +01:00")
    if not _FIRST_YEAR <= parsed.year <= _LAST_YEAR:
        raise ValueError(
            f"{value!r} is outside the years {_FIRST_YEAR}-{_LAST_YEAR} meterflow takes "
            "(a placeholder date?): its UK day and deadlines could not be worked out"
        )
    return parsed


_FIRST_YEAR, _LAST_YEAR = 1900, 2999
"""The years an instant may fall in: far wider than any market date, and far enough inside
datetime's range that its UK day and the deadlines after it (years at most) exist."""

checked_mpan = lru_cache(maxsize=65536)(mpan)
checked_date = lru_cache(maxsize=4096)(iso_date)
checked_instant = lru_cache(maxsize=4096)(instant)
"""`mpan`, `iso_date` and `instant` remembered for the fast converters of clean lines (a log
repeats its sites, days and times). Only a text is ever accepted by these, and a text is
equal to no other kind of value, so a remembered answer is the answer for that very value."""
_REMEMBERED: dict[Parser, Parser] = {text: text, mpan: checked_mpan, iso_date: checked_date}
"""The parsers `remembered` knows, each with its twin; `code` adds each parser it makes
(its value is a text too: a member's)."""


def amount(value: Any) -> Decimal:
    """A non-negative number (JSON number or numeric string), kept exact."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise ValueError(f"expected a number, got {value!r}")
    try:
        number = Decimal(value) if not isinstance(value, str) else Decimal(value.strip())
    except ArithmeticError:
        raise ValueError(f"expected a number, got {value!r}") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"expected a non-negative number, got {value!r}")
    return number


def signed_amount(value: Any) -> Decimal:
    """A number that may be negative (money: credits, a balance in debit), kept exact."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise ValueError(f"expected a number, got {value!r}")
    try:
        number = Decimal(value) if not isinstance(value, str) else Decimal(value.strip())
    except ArithmeticError:
        raise ValueError(f"expected a number, got {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"expected a finite number, got {value!r}")
    return number


def flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def code(cls: type[StrEnum]) -> Parser:
    allowed = ", ".join(member.value for member in cls)

    def parse_code(value: Any) -> StrEnum:
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"expected one of {allowed}, got {value!r}") from None

    _REMEMBERED[parse_code] = lru_cache(maxsize=256)(parse_code)
    return parse_code


def remembered(parse: Parser) -> Parser | None:
    """`parse` as a fast converter of clean lines reads a field with it: the same answers,
    remembered where a log repeats them (MPANs, dates, codes); None for a parser that
    has no such twin (numbers, flags, lists, objects: kept to the field table)."""
    return _REMEMBERED.get(parse)


def list_of(item: Parser, *, min_items: int = 0) -> Parser:
    """A JSON list read item by item into a tuple, a bad item named by its index
    (`mprns.2`, `registers.1.value`); fewer than `min_items` items is a problem too."""

    def parse_list(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise ValueError(f"expected a list, got {value!r}")
        if len(value) < min_items:
            raise ValueError(f"expected a list of at least {min_items} item(s), got {value!r}")
        problems: list[Problem] = []
        items: list[Any] = []
        for index, raw in enumerate(value):
            try:
                items.append(item(raw))
            except Problems as nested:
                problems.extend(Problem(f"{index}.{p.field}", p.reason) for p in nested.problems)
            except ValueError as exc:
                problems.append(Problem(str(index), str(exc)))
        if problems:
            raise Problems(problems)
        return tuple(items)

    return parse_list


@dataclass(frozen=True)
class Spec:
    """A field of a JSON event: its parser, whether it must be present and not null, and
    the attribute it fills when that is not its JSON name (e.g. `day` would hide the
    event's own event-time `day`)."""

    parse: Parser
    required: bool = True
    attr: str | None = None
    """The event's attribute, when it differs from the JSON name (a JSON `source` must not
    shadow the envelope's `DomainEvent.source`)."""


def obj(cls: Callable[..., Any], fields: dict[str, Spec]) -> Parser:
    """A nested JSON object read into `cls`, every problem named by its dotted path."""

    def parse_object(value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError(f"expected an object with {', '.join(fields)}, got {value!r}")
        return cls(**fields_of(value, fields, ""))

    return parse_object


def fields_of(data: dict[str, Any], fields: dict[str, Spec], prefix: str) -> dict[str, Any]:
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for name in data:
        if name not in fields:
            problems.append(Problem(prefix + name, f"unknown field (expected {', '.join(fields)})"))
    for name, spec in fields.items():
        raw = data.get(name)
        if raw is None:
            if spec.required:
                problems.append(Problem(prefix + name, "required field is missing or null"))
            continue
        try:
            values[spec.attr or name] = spec.parse(raw)
        except Problems as nested:
            problems.extend(Problem(prefix + name + "." + p.field, p.reason) for p in nested.problems)
        except ValueError as exc:
            problems.append(Problem(prefix + name, str(exc)))
    if problems:
        raise Problems(problems)
    return values


class Problems(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems
