"""orjson parses states first (D62), and every state still decodes to what `json` gave:
integers beyond 64 bits (which orjson reads as floats) stay exact, floats and what orjson
refuses are decided by `json`, and any text gives `json`'s value or its refusal."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from processors.codecs.state_codec import StateDecodeError, _decode_json, decode_state, encode_state
from processors.core.machines.supply_point.state import SupplyPointState


def _outcome(decode: Any, data: bytes) -> tuple[str, Any]:
    try:
        return "value", decode(data)
    except StateDecodeError as exc:
        return "refused", str(exc)


def _tagged(values: list[Any]) -> bytes:
    return b"\x01" + json.dumps({"$t": values}).encode()


def test_recent_digests_beyond_64_bits_stay_exact() -> None:
    # four remembered ids pack four 64-bit digests into one int of 256 bits
    digests = (2**64 - 1) << 192 | 12345
    state = SupplyPointState(recent=("a", "b", "c", "d"), recent_digests=digests, account_id="A1")
    back = decode_state(encode_state(state))
    assert back == state
    assert type(back.recent_digests) is int and back.recent_digests == digests


@pytest.mark.parametrize("number", [2**64, -(2**63) - 1, 10**40, -(10**30)])
def test_integers_orjson_cannot_hold_decode_as_integers(number: int) -> None:
    back = decode_state(_tagged([number, "x"]))
    assert back == (number, "x")
    assert type(back[0]) is int


def test_floats_are_json_floats() -> None:
    back = decode_state(b'\x01{"$t":[0.1,1e400,-0.0,5e-324]}')
    assert back[0] == 0.1 and back[1] == math.inf and back[3] == 5e-324
    assert math.copysign(1, back[2]) == -1


@pytest.mark.parametrize(
    "data",
    [
        b'\x01{"$t":["\\ud800"]}',  # a lone surrogate: orjson refuses it, json reads it
        b'\x01{"$t":[NaN,Infinity]}',  # json's extensions
        b"\x01\xef\xbb\xbf[]",  # a BOM: both refuse, json says why
        b'\x01{"$t":["\xed\xa0\x80"]}',  # a surrogate in UTF-8: not UTF-8 to Python
    ],
)
def test_what_orjson_refuses_gets_jsons_answer(data: bytes) -> None:
    assert repr(_outcome(decode_state, data)) == repr(_outcome(_decode_json, data))


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(alphabet=st.characters(codec=None)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=12,
)


@given(st.lists(_json_values, max_size=5))
def test_any_json_in_a_state_decodes_as_json_gives_it(values: list[Any]) -> None:
    data = _tagged(values)
    assert repr(_outcome(decode_state, data)) == repr(_outcome(_decode_json, data))


@given(st.binary(max_size=40))
def test_any_bytes_give_jsons_value_or_refusal(tail: bytes) -> None:
    data = b"\x01" + tail
    assert repr(_outcome(decode_state, data)) == repr(_outcome(_decode_json, data))
