"""The walk's fast paths (D71) give what the tag order `$n`, `$d`, `$t`, `$c` gives: a
class object with another tag is that tag's, a day text shares one date object, and a
day that is not text is refused with `fromisoformat`'s own reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from processors.codecs.state_codec import StateDecodeError, _decode_json, decode_state, encode_state
from processors.core.machines.supply_point.state import SupplyPointState


def test_a_class_object_with_another_tag_is_that_tags() -> None:
    assert decode_state(b'\x01{"$c":"SupplyPointState","$n":"1.5"}') == Decimal("1.5")
    assert decode_state(b'\x01{"$c":"SupplyPointState","f":{},"$d":"2024-01-02"}') == date(2024, 1, 2)


def test_equal_days_decode_to_one_shared_date() -> None:
    one = decode_state(encode_state(SupplyPointState(ssd=date(2022, 11, 27), account_id="A1")))
    two = decode_state(encode_state(SupplyPointState(ssd=date(2022, 11, 27), account_id="A2")))
    assert one.ssd == date(2022, 11, 27) and one.ssd is two.ssd


@pytest.mark.parametrize(
    "data",
    [
        b'\x01{"$c":"SupplyPointState","f":{"ssd":{"$d":5}}}',
        b'\x01{"$c":"SupplyPointState","f":{"ssd":{"$d":"2024-13-01"}}}',
        b'\x01{"$d":["2024-01-01"]}',
    ],
)
def test_a_bad_day_is_refused_as_before(data: bytes) -> None:
    with pytest.raises(StateDecodeError) as fast:
        decode_state(data)
    with pytest.raises(StateDecodeError) as reference:
        _decode_json(data)
    assert str(fast.value) == str(reference.value)
