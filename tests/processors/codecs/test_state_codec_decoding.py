"""The state decoder's fast paths (D43) give what the plain `json.loads` path gave: any
state round-trips, white space around the JSON still reads, and bad text is refused with
`json.loads`' own reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from record_strategies import values_of

from processors.codecs.state_codec import _CLASSES, StateDecodeError, decode_state, encode_state


def _buildable() -> list[type[Any]]:
    """The state classes whose field hints the record strategies can fill."""
    found = []
    for cls in _CLASSES.values():
        try:
            values_of(cls)
        except TypeError:
            continue
        found.append(cls)
    return found


BUILDABLE = _buildable()


def test_most_state_classes_are_covered() -> None:
    assert len(BUILDABLE) >= len(_CLASSES) // 2


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(BUILDABLE).flatmap(values_of))
def test_any_state_round_trips_to_an_equal_object_of_its_class(state: Any) -> None:
    back = decode_state(encode_state(state))
    assert back == state
    assert type(back) is type(state)
    assert encode_state(back) == encode_state(state)


@given(
    st.sampled_from(BUILDABLE).flatmap(values_of),
    st.sampled_from(["", " ", "\n", "\t \r\n"]),
    st.sampled_from(["", " ", "\n", "\t \r\n"]),
)
def test_white_space_around_the_json_still_reads(state: Any, before: str, after: str) -> None:
    data = encode_state(state)
    padded = data[:1] + before.encode() + data[1:] + after.encode()
    assert decode_state(padded) == state


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'\x01{"$c":"EngineMeta","f":{}}x', "not valid JSON: Extra data: line 1 column 27"),
        (b'\x01{"$c":"EngineMeta","f":{}} {}', "not valid JSON: Extra data"),
        (b'\x01\xef\xbb\xbf{"$c":"EngineMeta","f":{}}', "not valid JSON: Unexpected UTF-8 BOM"),
        (b'\x01{"$c":"EngineMeta","f":{"last_closed_day":"x', "not valid JSON: Unterminated string"),
        (b"\x01 ", "not valid JSON: Expecting value: line 1 column 2"),
        (b"\x01\xff", "not valid JSON: 'utf-8' codec can't decode"),
        (b'\x01{"$c":"LossEpisode","f":{}}', "does not fit its class: .*missing"),
        (b'\x01{"$c":"EngineMeta","f":{"last_closed_day":{"$d":"2024-13-01"}}}', "does not fit"),
        (b'\x01{"$c":"EngineMeta","f":{"last_closed_day":{"$t":[{"y":1}]}}}', "untagged object"),
        (b'\x01{"$c":["EngineMeta"]}', "does not fit its class: unhashable"),
    ],
)
def test_bad_text_is_refused_with_json_loads_reason(data: bytes, reason: str) -> None:
    with pytest.raises(StateDecodeError, match=reason):
        decode_state(data)


def test_plain_values_in_lists_and_tuples_stay_as_they_are() -> None:
    data = b'\x01{"$t":[1,"a",null,true,[2,{"$n":"1.50"}],{"$d":"2024-02-29"}]}'
    assert decode_state(data) == (1, "a", None, True, [2, Decimal("1.50")], date(2024, 2, 29))
