from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from flows.catalogue import D0010, RecordError
from flows.fields import (
    parse_bool,
    parse_clock_time,
    parse_date,
    parse_decimal,
    parse_int,
    parse_uk_timestamp,
    text_parser,
)
from processors.vocabulary.events import UK


def test_dates_and_times_read_as_written() -> None:
    assert parse_date("20240229") == date(2024, 2, 29)
    assert parse_clock_time("20240229235959") == datetime(2024, 2, 29, 23, 59, 59)


@pytest.mark.parametrize(
    ("text", "words"),
    [("20230229", "not a calendar date"), ("20240230", "not a calendar date"), ("2024-02-01", "8 digits")],
)
def test_bad_dates(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("20240230000000", "not a valid date-time"),
        ("20240229250000", "not a valid date-time"),
        ("20240229236000", "not a valid date-time"),
        ("2024022900000", "14 digits"),
        ("2024022900000a", "14 digits"),
    ],
)
def test_bad_date_times(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_clock_time(text)


def test_a_time_skipped_by_the_spring_clock_change_is_an_error() -> None:
    with pytest.raises(ValueError, match="does not exist in UK local time"):
        parse_clock_time("20240331013000")
    assert parse_clock_time("20240331005959") == datetime(2024, 3, 31, 0, 59, 59)
    assert parse_clock_time("20240331020000") == datetime(2024, 3, 31, 2, 0)


def test_an_ambiguous_autumn_time_is_its_first_occurrence_in_bst() -> None:
    first = parse_uk_timestamp("20241027013000")
    assert first.utcoffset() == timedelta(hours=1)
    assert first.astimezone(UK).fold == 0
    assert parse_uk_timestamp("20241027023000").utcoffset() == timedelta(0)


def test_header_timestamps_are_aware_uk_times() -> None:
    summer = parse_uk_timestamp("20240701003000")
    assert summer.utcoffset() == timedelta(hours=1)
    assert summer.tzinfo is UK


@pytest.mark.parametrize("text", ["563I1.0", "1e5", "-3.0", "1.2.3", "NaN", "١٢"])
def test_readings_that_are_not_numbers(text: str) -> None:
    with pytest.raises(ValueError, match="non-negative decimal"):
        parse_decimal(text)


def test_readings_are_exact_decimals() -> None:
    assert str(parse_decimal("56311.0")) == "56311.0"
    assert str(parse_decimal("7")) == "7"


def test_booleans_and_counts() -> None:
    assert parse_bool("T") is True
    assert parse_bool("F") is False
    with pytest.raises(ValueError, match="T or F"):
        parse_bool("Y")
    assert parse_int("003") == 3
    with pytest.raises(ValueError, match="whole number"):
        parse_int("3.0")


def test_text_fields_have_a_width_and_no_control_characters() -> None:
    meter_id = text_parser(10)
    assert meter_id("F75A 00802") == "F75A 00802"
    with pytest.raises(ValueError, match="at most 10 characters"):
        meter_id("F75A 008021")
    with pytest.raises(ValueError, match="control characters"):
        meter_id("F75\x00")
    assert D0010.by_code["028"].parse(["028", "F75A 00802", "R"])[0] == "F75A 00802"
    with pytest.raises(RecordError, match="control characters") as info:
        D0010.by_code["028"].parse(["028", "F75\x07", "R"])
    assert info.value.field == "meter id"
