"""kWh texts read once: a remembered text gives the Decimal a parse gives (value, sign and
exponent), a day's compact text is the same whether its values were remembered or not,
and nothing unchecked or unseen is handed out."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from processors.vocabulary.kwh import RememberedKwh, has_gap, values_text


def _parsed(items: list[str | None]) -> tuple[Decimal | None, ...]:
    return tuple(None if item is None else Decimal(item) for item in items)


def test_a_text_is_known_only_once_remembered() -> None:
    kwh = RememberedKwh()
    items = ["0.250", None, "1.5"]
    assert kwh.known_values(items) is None
    kwh.remember(["0.250", "1.5"], [Decimal("0.250"), Decimal("1.5")])
    known = kwh.known_values(items)
    assert known == _parsed(items)
    assert known is not None
    assert [str(v) for v in known if v is not None] == ["0.250", "1.5"]  # exponents kept


def test_one_unseen_text_or_a_value_that_is_not_a_text_makes_the_whole_list_unknown() -> None:
    kwh = RememberedKwh()
    kwh.remember(["0.5"], [Decimal("0.5")])
    assert kwh.known_values(["0.5", "0.6"]) is None
    assert kwh.known_values(["0.5", 0]) is None
    assert kwh.known_values(["0.5", Decimal("0.5")]) is None
    assert kwh.known_values(["0.5", ["0.5"]]) is None
    assert kwh.known_values(["0.5", ""]) is None  # an empty text is not a missing value


def test_the_same_text_gives_the_same_decimal_object() -> None:
    kwh = RememberedKwh()
    first = Decimal("0.731")
    kwh.remember(["0.731"], [first])
    again = kwh.known_values(["0.731", "0.731"])
    assert again is not None and again[0] is first and again[1] is first


def test_nothing_more_is_remembered_past_the_limit() -> None:
    kwh = RememberedKwh(limit=2)
    kwh.remember(["1", "2", "3"], [Decimal(1), Decimal(2), Decimal(3)])
    assert kwh.known_values(["1", "2"]) == (Decimal(1), Decimal(2))
    assert kwh.known_values(["3"]) is None


def test_the_compact_text_reads_back_to_the_same_values_remembered_or_not() -> None:
    remembered, fresh = RememberedKwh(), RememberedKwh()
    items = ["0.250", None, "1.5E+2", "0", None, "2.000"]
    present = [i for i in items if i is not None]
    remembered.remember(present, [Decimal(i) for i in present])
    values = remembered.known_values(items)
    assert values is not None
    text = values_text(values)
    assert text == values_text(_parsed(items)) == "0.250,,1.5E+2,0,,2.000"
    for kwh in (remembered, fresh):
        back = kwh.text_values(text)
        assert back == values
        assert [str(v) for v in back] == ["0.250", "None", "1.5E+2", "0", "None", "2.000"]
    assert fresh.text_values("0.1,0.20") == (Decimal("0.1"), Decimal("0.20"))


def test_a_text_written_otherwise_than_its_decimal_is_not_remembered() -> None:
    """Only a text that is its Decimal's own is remembered: a day read from other texts is
    parsed each time, and its compact text is that of its Decimals."""
    kwh = RememberedKwh()
    kwh.remember([" 1.5", "1.50e0", "0.25"], [Decimal(" 1.5"), Decimal("1.50e0"), Decimal("0.25")])
    assert kwh.known_values([" 1.5", "1.50e0"]) is None
    assert kwh.known_values(["1.5"]) is None
    assert kwh.known_values(["0.25"]) == (Decimal("0.25"),)
    assert values_text((Decimal(" 1.5"), Decimal("1.50e0"))) == "1.5,1.50"
    assert [str(v) for v in kwh.text_values("1.5,1.50")] == ["1.5", "1.50"]


def test_a_remembered_day_has_the_compact_text_of_its_values() -> None:
    kwh = RememberedKwh()
    items = ["0.250", None, "1.5E+2", "0", None, "2.000"]
    present = [i for i in items if i is not None]
    kwh.remember(present, [Decimal(i) for i in present])
    values = kwh.known_values(items)
    assert values is not None
    assert kwh.day_text(values) == values_text(values) == "0.250,,1.5E+2,0,,2.000"
    whole = kwh.known_values(present)
    assert whole is not None and kwh.day_text(whole) == "0.250,1.5E+2,0,2.000"


def test_a_day_text_is_found_only_for_the_tuple_handed_out_and_only_once() -> None:
    kwh = RememberedKwh()
    kwh.remember(["0.5", "0.7"], [Decimal("0.5"), Decimal("0.7")])
    values = kwh.known_values(["0.5", "0.7"])
    assert values is not None
    equal = (Decimal("0.50"), Decimal("0.7"))  # equal values, other texts
    assert equal == values
    assert kwh.day_text(equal) == "0.50,0.7"
    assert kwh.day_text(values) == "0.5,0.7"
    assert kwh.day_text(values) == "0.5,0.7"  # written from the values the second time


def test_days_waiting_for_their_text_are_bounded() -> None:
    kwh = RememberedKwh(day_limit=2)
    kwh.remember(["1", "2"], [Decimal(1), Decimal(2)])
    days = [kwh.known_values(["1", "2"]) for _ in range(3)]
    assert all(day is not None for day in days)
    assert len(kwh._days) == 1  # the third found the memory full and emptied it
    assert [kwh.day_text(day) for day in days if day is not None] == ["1,2", "1,2", "1,2"]
    assert not kwh._days


def test_a_compact_text_read_back_is_remembered() -> None:
    """A state's texts were checked when their values came in (the worker reads values
    from Avro, not from texts): reading one back teaches the memory its values."""
    kwh = RememberedKwh()
    assert kwh.text_values("0.125,,3") == (Decimal("0.125"), None, Decimal(3))
    assert kwh.known_values(["0.125", None, "3"]) == (Decimal("0.125"), None, Decimal(3))


def test_a_text_just_written_reads_back_to_its_values_until_the_memory_fills() -> None:
    kwh = RememberedKwh(written_limit=2)
    first, second, third = (Decimal("0.10"), None), (Decimal(1),), (Decimal("2.5"), Decimal(0))
    for values in (first, second, third):
        kwh.wrote(values_text(values), values)
    assert kwh.text_values("2.5,0") is third  # the third emptied the full memory first
    for text, values in (("0.10,", first), ("1", second)):
        back = kwh.text_values(text)  # no longer kept: parsed
        assert back == values and back is not values
    assert str(kwh.text_values("0.10,")[0]) == "0.10"


_TEXTS = st.one_of(
    st.decimals(min_value=0, max_value=10**6, allow_nan=False, allow_infinity=False).map(str),
    st.decimals(min_value=0, max_value=10**6, allow_nan=False, allow_infinity=False).map(
        lambda d: f"{d:e}"
    ),  # written otherwise than its Decimal
    st.sampled_from(["0", "0.000", "1E+2", "00.5", ".5", "5.", "+1", "0.50"]),
)


@given(st.lists(st.one_of(st.none(), _TEXTS), min_size=1, max_size=50), st.integers(min_value=1, max_value=3))
@settings(max_examples=300, deadline=None)
def test_whatever_path_a_day_takes_its_values_and_text_are_those_of_decimal(
    items: list[str | None], reads: int
) -> None:
    """Read once or again, remembered or not, the values are the Decimals of the texts
    (same digits and exponent) and the compact text is that of those Decimals."""
    kwh = RememberedKwh()
    parsed = _parsed(items)
    expected_text = values_text(parsed)
    for _ in range(reads):
        values = kwh.known_values(items)
        if values is None:  # as the reader does: parse, then remember what passed
            values = parsed
            present = [i for i in items if i is not None]
            kwh.remember(present, [Decimal(i) for i in present])
        assert [str(v) for v in values] == [str(v) for v in parsed]
        text = kwh.day_text(values)
        assert text == expected_text
        kwh.wrote(text, values)
        assert [str(v) for v in kwh.text_values(text)] == [str(v) for v in parsed]
        assert [str(v) for v in RememberedKwh().text_values(text)] == [str(v) for v in parsed]


@settings(max_examples=300)
@given(
    st.lists(
        st.none() | st.decimals(min_value=0, max_value=10**6, allow_nan=False, places=3),
        min_size=1,
        max_size=50,
    ),
    st.booleans(),
)
def test_a_day_text_has_a_gap_exactly_when_a_value_is_missing(
    values: list[Decimal | None], remembered: bool
) -> None:
    kwh = RememberedKwh()
    items = [None if v is None else str(v) for v in values]
    if remembered:  # the reader's texts joined, as `day_text` hands them out
        kwh.remember([i for i in items if i is not None], [v for v in values if v is not None])
        known = kwh.known_values(items)
        assert known is not None
        text = kwh.day_text(known)
    else:
        text = values_text(tuple(values))
    assert has_gap(text) == (None in values)
