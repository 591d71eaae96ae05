"""MPAN cores: the 13-digit key of a supply point (FLOWS.md 7).

The first two digits are the distributor id (10-23 are the 14 GB distribution areas,
higher ids are independent networks); the last is a check digit over the first twelve.
The distributor decides the country, and so the bank holidays that working-day deadlines
skip: Scotland for 17 (North of Scotland) and 18 (South of Scotland).
"""

from __future__ import annotations

from enum import StrEnum
from operator import mul

CHECK_WEIGHTS = (3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43)
"""The check digit's weights of the first 12 digits (the check digit is the weighted sum
mod 11 mod 10)."""
_ZEROS = 48 * sum(CHECK_WEIGHTS)
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
    # The digits' ASCII codes are 48 + digit: one C-level pass, then remove the 48s.
    total: int = sum(map(mul, first12.encode(), CHECK_WEIGHTS)) - _ZEROS
    return total % 11 % 10


def parse_mpan(text: str) -> str:
    """The MPAN core in `text`, checked: 13 digits whose last is the check digit."""
    if len(text) != 13 or not (text.isascii() and text.isdigit()):
        raise InvalidMpan(f"an MPAN core is 13 digits, got {text!r}")
    expected = check_digit(text[:12])
    if int(text[12]) != expected:
        raise InvalidMpan(f"MPAN core {text} fails its check digit (last digit should be {expected})")
    return text


def is_valid_mpan(text: str) -> bool:
    try:
        parse_mpan(text)
    except InvalidMpan:
        return False
    return True


def distributor_id(mpan: str) -> str:
    """The distributor id: the first two digits of the MPAN core."""
    return parse_mpan(mpan)[:2]


def country_of(mpan: str) -> Country:
    """The country whose bank holidays apply to the supply point (Scotland for 17 and 18)."""
    return Country.SCOTLAND if distributor_id(mpan) in _SCOTTISH_DISTRIBUTORS else Country.ENGLAND_AND_WALES
