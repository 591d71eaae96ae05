"""The type helpers every codec reads dataclasses through."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

import pytest

from processors.codecs.type_hints import (
    MISSING,
    Scalar,
    UnsupportedHint,
    field_defaults,
    field_hints,
    field_names,
    is_dataclass_type,
    is_enum_type,
    item_type,
    optional_inner,
    scalar_of,
)
from processors.vocabulary.commands import FinalBillReason


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    name: str
    read_on: date
    value: Decimal | None = None
    tags: tuple[str, ...] = ()
    seen: list[int] = dataclasses.field(default_factory=list)


def test_field_hints_resolve_the_annotation_strings_in_field_order() -> None:
    assert field_hints(Sample) == (
        ("name", str),
        ("read_on", date),
        ("value", Decimal | None),
        ("tags", tuple[str, ...]),
        ("seen", list[int]),
    )
    assert field_names(Sample) == ("name", "read_on", "value", "tags", "seen")


def test_field_hints_are_worked_out_once_per_class() -> None:
    assert field_hints(Sample) is field_hints(Sample)


def test_field_defaults_give_a_factory_s_value_and_missing_for_required_fields() -> None:
    assert field_defaults(Sample) == (
        ("name", MISSING),
        ("read_on", MISSING),
        ("value", None),
        ("tags", ()),
        ("seen", []),
    )


def test_optional_inner_unwraps_only_x_or_none() -> None:
    assert optional_inner(Decimal | None) is Decimal
    assert optional_inner(Optional[date]) is date  # noqa: UP045 - the old spelling means the same
    assert optional_inner(str) is None
    with pytest.raises(UnsupportedHint, match=r"only X \| None unions"):
        optional_inner(int | str)
    with pytest.raises(UnsupportedHint):
        optional_inner(int | str | None)


def test_item_type_of_variable_tuples_and_lists_only() -> None:
    assert item_type(tuple[str, ...]) is str
    assert item_type(list[int]) is int
    assert item_type(str) is None
    with pytest.raises(UnsupportedHint, match=r"tuple\[X, \.\.\.\]"):
        item_type(tuple[date, int])


def test_unsupported_hints_are_type_errors() -> None:
    assert issubclass(UnsupportedHint, TypeError)


def test_scalars_are_told_apart_by_identity_not_subclass() -> None:
    assert scalar_of(date) is Scalar.DATE
    assert scalar_of(datetime) is Scalar.DATETIME  # a date subclass, its own scalar
    assert scalar_of(bool) is Scalar.BOOL  # an int subclass, its own scalar
    assert scalar_of(int) is Scalar.INT
    assert scalar_of(Decimal) is Scalar.DECIMAL
    assert scalar_of(str) is Scalar.STR
    assert scalar_of(FinalBillReason) is None  # a str enum is an enum, not a string
    assert scalar_of(Decimal | None) is None
    assert scalar_of(Sample) is None


def test_enum_and_dataclass_types() -> None:
    assert is_enum_type(FinalBillReason)
    assert not is_enum_type(FinalBillReason.COS)
    assert not is_enum_type(str)
    assert is_dataclass_type(Sample)
    assert not is_dataclass_type(Sample(name="a", read_on=date(2024, 1, 1)))
    assert not is_dataclass_type(tuple[str, ...])
