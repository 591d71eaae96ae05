"""Typed parsers for DTC field text, each failing with a reason a person can act on.

A parser takes the non-empty text of one field and returns its value or raises
ValueError whose message is the reason; the caller names the field and the record.
Empty fields never reach a parser: an empty optional field is None and an empty required
field is an error (see `flows.catalogue`).

Date-times are UK local clock times (FLOWS.md 1). A time that does not exist (the hour
skipped when clocks go forward on the last Sunday of March) is an error. A time that
happens twice (the hour repeated when clocks go back in October) is read as its first
occurrence, in BST (`fold=0`): the flow gives no way to tell them apart, and the first
reading is the one a meter reader's clock shows before the change.
Parsed dates and date-times repeat a lot in real files (NHH reads are all at midnight),
so they are cached, in bounded caches so memory stays constant.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from processors.vocabulary.events.base import UK

_CACHE_LIMIT = 4096
_dates: dict[str, date] = {}
_clock_times: dict[str, datetime] = {}

E = TypeVar("E", bound=StrEnum)


def date_cache() -> dict[str, date]:
    """The cache of parsed dates (read-only to callers: a fast path may look up first)."""
    return _dates


def clock_time_cache() -> dict[str, datetime]:
    """The cache of parsed clock times (read-only to callers)."""
    return _clock_times


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def parse_date(text: str) -> date:
    """`ccyymmdd`."""
    found = _dates.get(text)
    if found is not None:
        return found
    if len(text) != 8 or not _digits(text):
        raise ValueError(f"a date is 8 digits ccyymmdd, got {text!r}")
    try:
        value = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a calendar date ({exc})") from None
    if len(_dates) >= _CACHE_LIMIT:
        _dates.clear()
    _dates[text] = value
    return value


def parse_clock_time(text: str) -> datetime:
    """`ccyymmddhhmmss` as a naive UK local clock time that exists (BST checked)."""
    found = _clock_times.get(text)
    if found is not None:
        return found
    if len(text) != 14 or not _digits(text):
        raise ValueError(f"a date-time is 14 digits ccyymmddhhmmss, got {text!r}")
    try:
        value = datetime(
            int(text[:4]), int(text[4:6]), int(text[6:8]), int(text[8:10]), int(text[10:12]), int(text[12:])
        )
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date-time ({exc})") from None
    round_trip = value.replace(tzinfo=UK).astimezone(UTC).astimezone(UK).replace(tzinfo=None)
    if round_trip != value:
        raise ValueError(
            f"{text!r} does not exist in UK local time: clocks went forward from 01:00 to 02:00 that day"
        )
    if len(_clock_times) >= _CACHE_LIMIT:
        _clock_times.clear()
    _clock_times[text] = value
    return value


def parse_uk_timestamp(text: str) -> datetime:
    """`ccyymmddhhmmss` UK local time as an aware datetime (ambiguous times: the BST one)."""
    return parse_clock_time(text).replace(tzinfo=UK)


def parse_decimal(text: str) -> Decimal:
    """A non-negative decimal such as `56311.0` (digits with at most one point)."""
    if not (text.isascii() and text.replace(".", "", 1).isdigit()):
        raise ValueError(f"a reading is a non-negative decimal such as 56311.0, got {text!r}")
    return Decimal(text)


def decimal_parser(digits: int | None, decimals: int | None) -> Callable[[str], Decimal]:
    """A NUM(digits,decimals) item: a non-negative decimal with at most `digits` digits
    before the point and `decimals` after (None: not limited). `NUM(9,1)` allows
    `123456789.5`, not `1234567890.5`."""
    if digits is None and decimals is None:
        return parse_decimal
    shape = f"NUM({digits},{decimals})" if decimals is not None else f"NUM({digits})"

    def parse_bounded(text: str) -> Decimal:
        value = parse_decimal(text)
        whole, _, fraction = text.partition(".")
        if (digits is not None and len(whole) > digits) or (
            decimals is not None and len(fraction) > decimals
        ):
            raise ValueError(
                f"{text!r} does not fit {shape}: at most {digits} digits before the point"
                + (f" and {decimals} after" if decimals is not None else "")
            )
        return value

    return parse_bounded


def parse_int(text: str) -> int:
    if not _digits(text):
        raise ValueError(f"expected a whole number, got {text!r}")
    return int(text)


def int_parser(digits: int | None) -> Callable[[str], int]:
    """A NUM(digits) item: a whole number of at most `digits` digits (None: any)."""
    if digits is None:
        return parse_int

    def parse_bounded(text: str) -> int:
        if len(text) > digits:
            raise ValueError(
                f"{text!r} does not fit NUM({digits}): at most {digits} digit{'s' if digits > 1 else ''}"
            )
        return parse_int(text)

    return parse_bounded


def parse_bool(text: str) -> bool:
    if text == "T":
        return True
    if text == "F":
        return False
    raise ValueError(f"a boolean is T or F, got {text!r}")


def text_parser(width: int | None) -> Callable[[str], str]:
    """Free printable text up to `width` characters (None: any length)."""

    def parse_text(text: str) -> str:
        if width is not None and len(text) > width:
            raise ValueError(f"at most {width} characters, got {len(text)}: {text!r}")
        if not text.isprintable():
            raise ValueError(f"control characters in the text: {text!r}")
        return text

    return parse_text


def enum_parser(cls: type[E]) -> Callable[[str], E]:
    """One code of an industry code list, as its enum member."""
    members = {member.value: member for member in cls}
    allowed = ", ".join(members)

    def parse_code(text: str) -> E:
        found = members.get(text)
        if found is None:
            raise ValueError(f"{text!r} is not a valid {cls.__name__} code (expected one of {allowed})")
        return found

    return parse_code
