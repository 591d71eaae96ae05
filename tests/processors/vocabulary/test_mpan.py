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


def _weighted_check_digit(first12: str) -> int:
    """The check digit by its definition, digit by digit (the tables must agree with it)."""
    return (
        sum(int(d) * w for d, w in zip(first12, (3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43), strict=True))
        % 11
        % 10
    )


def test_the_check_digit_tables_agree_with_the_weighted_sum() -> None:
    """`check_digit`, `parse_mpan` and `is_valid_mpan` look the sum up by runs of three
    digits (`CHECK_RUNS`): every digit in every place, and every last digit, decided alike."""
    texts = ["000000000000", "999999999999", "120002330596"]
    texts += [f"{'0' * at}{d}{'0' * (11 - at)}" for at in range(12) for d in "123456789"]
    texts += [f"{n * 7919 % 10**12:012d}" for n in range(2000)]
    for first12 in texts:
        expected = _weighted_check_digit(first12)
        assert check_digit(first12) == expected
        for last in "0123456789":
            valid = int(last) == expected
            assert is_valid_mpan(first12 + last) is valid, first12 + last
            if valid:
                assert parse_mpan(first12 + last) == first12 + last
            else:
                with pytest.raises(InvalidMpan, match=f"should be {expected}"):
                    parse_mpan(first12 + last)
