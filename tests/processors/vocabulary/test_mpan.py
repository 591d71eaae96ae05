from __future__ import annotations

import pytest

from processors.vocabulary.mpan import (
    Country,
    InvalidMpan,
    check_digit,
    country_of,
    distributor_id,
    is_valid_mpan,
    parse_mpan,
)


def test_check_digit_of_the_catalogue_example() -> None:
    assert check_digit("120002330596") == 7
    assert is_valid_mpan("1200023305967")
    assert not is_valid_mpan("1234567890123")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1200023305968", "check digit (last digit should be 7)"),
        ("120002330596", "13 digits"),
        ("12000233059677", "13 digits"),
        ("12000233O5967", "13 digits"),
        ("", "13 digits"),
        ("١٢٠٠٠٢٣٣٠٥٩٦٧", "13 digits"),  # Arabic-Indic digits are digits to Python, not to MPAS
    ],
)
def test_invalid_mpans_say_why(text: str, words: str) -> None:
    with pytest.raises(InvalidMpan) as info:
        parse_mpan(text)
    assert words in str(info.value)
    assert not is_valid_mpan(text)


def test_country_follows_the_distributor() -> None:
    scottish = [f"{d}{n:010d}" for d in ("17", "18") for n in range(3)]
    for first12 in scottish:
        mpan = first12 + str(check_digit(first12))
        assert country_of(mpan) is Country.SCOTLAND
        assert distributor_id(mpan) == first12[:2]
    assert country_of("1200023305967") is Country.ENGLAND_AND_WALES
    assert distributor_id("1200023305967") == "12"


def test_country_of_an_invalid_mpan_is_an_error() -> None:
    with pytest.raises(InvalidMpan):
        country_of("1700000000000")
