"""The reader's fast constructors build exactly what the dataclass constructors build."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import pytest

from flows.build import constructor
from processors.vocabulary.events import (
    MeterReadings,
    ReadingMethod,
    ReadingType,
    RegisterReading,
    SiteVisit,
    ValidationResult,
)


def test_same_object_as_the_dataclass_constructor() -> None:
    kwargs = {
        "register_id": "01",
        "read_at": datetime(2024, 2, 29),
        "value": Decimal("56311.0"),
        "reading_method": ReadingMethod.NOT_VIEWED,
        "validation": ValidationResult(reason_code="00", valid=True),
    }
    fast = constructor(RegisterReading)(**kwargs)
    slow = RegisterReading(**kwargs)  # type: ignore[arg-type]
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert fast.site_visits == () and fast.md_resets is None  # defaults applied
    meter = constructor(MeterReadings)(meter_id="M", reading_type=ReadingType.ROUTINE, registers=(fast,))
    assert meter == MeterReadings(meter_id="M", reading_type=ReadingType.ROUTINE, registers=(slow,))


def test_the_built_objects_stay_frozen_and_keyword_only() -> None:
    visit = constructor(SiteVisit)(check_code="42")
    with pytest.raises(AttributeError):
        visit.check_code = "01"  # type: ignore[misc]
    with pytest.raises(TypeError):
        constructor(SiteVisit)("42")
    with pytest.raises(TypeError):
        constructor(SiteVisit)()  # check_code is required


def test_classes_whose_construction_does_more_are_refused() -> None:
    @dataclass(frozen=True, slots=True)
    class Checked:
        n: int

        def __post_init__(self) -> None:
            if self.n < 0:
                raise ValueError("negative")

    @dataclass(frozen=True, slots=True)
    class Listed:
        items: list[int] = field(default_factory=list)

    @dataclass(frozen=True)
    class Unslotted:
        n: int

    for cls in (Checked, Listed, Unslotted):
        with pytest.raises(TypeError):
            constructor(cls)
