"""The reader's fast constructors build exactly what the dataclass constructors build."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import pytest

from flows.dtc import parse_header
from processors.codecs.serde import event_classes
from processors.vocabulary.construction import constructor, templated
from processors.vocabulary.events import (
    BscValidationStatus,
    MeterReadings,
    MeterReadingsReceived,
    ReadingMethod,
    ReadingType,
    RegisterReading,
    SiteVisit,
    Source,
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
    assert type(fast) is RegisterReading  # it left its twin, a subclass, for the class
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    with pytest.raises(AttributeError):
        fast.value = Decimal(0)  # type: ignore[misc]
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


def test_a_template_and_the_varying_fields_build_the_same_object() -> None:
    reading = RegisterReading(
        register_id="01",
        read_at=datetime(2024, 2, 29),
        value=Decimal("5.5"),
        reading_method=ReadingMethod.NOT_VIEWED,
        md_resets=2,
    )
    template = ("01", datetime(2024, 2, 29), ReadingMethod.NOT_VIEWED, None, 2, None, None, ())
    built = templated(RegisterReading, "value")(template, Decimal("5.5"))
    assert built == reading and hash(built) == hash(reading) and repr(built) == repr(reading)
    assert type(built) is RegisterReading
    for varying in ((), ("value", "value"), ("nonesuch",)):
        with pytest.raises(TypeError):
            templated(RegisterReading, *varying)


def test_a_derived_class_built_through_its_twin_is_the_class_and_stays_frozen() -> None:
    header = parse_header("ZHV|F1|D0010002|D|UDMS|X|MRCY|20240301120000||||OPER|")
    fields = {
        "event_id": "UDMS/F1/2",
        "occurred_at": header.created_at,
        "source": Source(path="f", line=2),
        "test_data": False,
        "file": header,
        "mpan": "1200000000009",
        "validation_status": BscValidationStatus.VALIDATED,
        "meters": (),
        "site_visits": (),
    }
    built = constructor(MeterReadingsReceived, positional=True, derived=True)(*fields.values())
    slow = MeterReadingsReceived(**fields)  # type: ignore[arg-type]
    assert type(built) is MeterReadingsReceived
    assert built == slow and hash(built) == hash(slow) and repr(built) == repr(slow)
    with pytest.raises(AttributeError):
        built.mpan = "1"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del built.mpan  # type: ignore[misc]
    # The twin is a subclass of the event class, which stays a leaf event class of the schemas.
    assert MeterReadingsReceived in event_classes()
    assert all(cls.__module__.startswith("processors.") for cls in event_classes())
