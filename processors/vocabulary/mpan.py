"""MPAN cores: the 13-digit key of a supply point (FLOWS.md 7).

The first two digits are the distributor id (10-23 are the 14 GB distribution areas,
higher ids are independent networks); the last is a check digit over the first twelve.
The distributor decides the country, and so the bank holidays that working-day deadlines
skip: Scotland for 17 (North of Scotland) and 18 (South of Scotland).
"""

from __future__ import annotations

from enum import StrEnum

CHECK_WEIGHTS = (3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43)
"""The check digit's weights of the first 12 digits (the check digit is the weighted sum
mod 11 mod 10)."""
_RUN = 3
_DIGITS = "0123456789"


def _run_table(weights: tuple[int, ...]) -> dict[str, int]:
    """Every run of three digits -> its weighted sum, built by whole runs (one product of
    the three digit ranges) rather than digit by digit: a tenth of the import's cost."""
    first, second, third = weights
    return {
        a + b + c: x + y + z
        for a, x in zip(_DIGITS, range(0, 10 * first, first), strict=True)
        for b, y in zip(_DIGITS, range(0, 10 * second, second), strict=True)
        for c, z in zip(_DIGITS, range(0, 10 * third, third), strict=True)
    }


assert len(CHECK_WEIGHTS) == 4 * _RUN, "the first 12 digits are cut in four runs of 3"
CHECK_RUNS: tuple[dict[str, int], ...] = tuple(
    _run_table(CHECK_WEIGHTS[at : at + _RUN]) for at in range(0, len(CHECK_WEIGHTS), _RUN)
)
"""The weighted sum of the first 12 digits by table: four runs of 3 digits, each looked up
in its table (1,000 entries each), cost about half of summing the 12 digits one by one
(the reader's D0010 fast path and every event the worker reads test it)."""
_R0, _R1, _R2, _R3 = CHECK_RUNS
_SCOTTISH_DISTRIBUTORS = frozenset({"17", "18"})


class Country(StrEnum):
    ENGLAND_AND_WALES = "england_and_wales"
    SCOTLAND = "scotland"


class InvalidMpan(ValueError):
    """The text is not an MPAN core; the message says why in words a person can act on."""


def check_digit(first12: str) -> int:
    """The check digit of an MPAN core from its first 12 digits."""
    if len(first12) != 12 or not (first12.isascii() and first12.isdigit()):
        raise InvalidMpan(f"need the first 12 digits of an MPAN core, got {first12!r}")
    return _check_digit_of_digits(first12)


def _check_digit_of_digits(text: str) -> int:
    """`check_digit` of the first 12 characters of `text`, known to be ASCII digits (its
    callers have just tested them: the test is not made twice)."""
    return (_R0[text[:3]] + _R1[text[3:6]] + _R2[text[6:9]] + _R3[text[9:12]]) % 11 % 10


def parse_mpan(text: str) -> str:
    """The MPAN core in `text`, checked: 13 digits whose last is the check digit."""
    if len(text) != 13 or not (text.isascii() and text.isdigit()):
        raise InvalidMpan(f"an MPAN core is 13 digits, got {text!r}")
    expected = _check_digit_of_digits(text)
    if ord(text[12]) - 48 != expected:
        raise InvalidMpan(f"MPAN core {text} fails its check digit (last digit should be {expected})")
    return text


def is_valid_mpan(text: str) -> bool:
    """Whether `text` is an MPAN core (what `parse_mpan` accepts), tested without raising:
    the quick test of every event the worker reads (`flows.event_checks`) calls it."""
    return (
        len(text) == 13
        and text.isascii()
        and text.isdigit()
        and ord(text[12]) - 48 == _check_digit_of_digits(text)
    )


def distributor_id(mpan: str) -> str:
    """The distributor id: the first two digits of the MPAN core."""
    return parse_mpan(mpan)[:2]


def country_of(mpan: str) -> Country:
    """The country whose bank holidays apply to the supply point (Scotland for 17 and 18)."""
    return Country.SCOTLAND if distributor_id(mpan) in _SCOTTISH_DISTRIBUTORS else Country.ENGLAND_AND_WALES
