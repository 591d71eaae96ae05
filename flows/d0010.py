"""D0010 (meter readings) and D0086 (notification of CoS readings) records to events.

The two flows share one structure under different group codes (FLOWS.md 3), so one
mapper serves both, keyed by the groups' roles. This is the reader's hot path: objects
are built with `processors.vocabulary.construction.constructor`, and the small records that repeat (site
visits, validation results) are shared, immutable, between events.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from typing import Any

from flows.dtc import GROUP, VALUES, Context, Mapper, Node
from processors.vocabulary.construction import constructor
from processors.vocabulary.events import (
    BscValidationStatus,
    CosReadingsNotified,
    MeterReadings,
    MeterReadingsReceived,
    RegisterReading,
    SiteVisit,
    Source,
    ValidationResult,
)
from processors.vocabulary.events.dtc import DtcEvent

_CACHE_LIMIT = 1024
_new_reading = constructor(RegisterReading)
_new_meter = constructor(MeterReadings)
_new_visit = constructor(SiteVisit)
_new_validation = constructor(ValidationResult)
_new_source = constructor(Source, positional=True)
_visits: dict[tuple[Any, ...], SiteVisit] = {}
_validations: dict[tuple[Any, ...], ValidationResult] = {}


def site_visit(values: tuple[Any, ...]) -> SiteVisit:
    """A site visit record (027/029/033, 765/766/199, 016), shared when it repeats."""
    found = _visits.get(values)
    if found is None:
        if len(_visits) >= _CACHE_LIMIT:
            _visits.clear()
        check_code, information = values
        found = _visits[values] = _new_visit(check_code=check_code, additional_information=information)
    return found


def validation_result(values: tuple[Any, ...]) -> ValidationResult:
    """A validation result record (032 / 07A) from its values, shared when it repeats."""
    found = _validations.get(values)
    if found is None:
        if len(_validations) >= _CACHE_LIMIT:
            _validations.clear()
        reason_code, valid = values
        found = _validations[values] = _new_validation(reason_code=reason_code, valid=valid)
    return found


def _meter(node: Node) -> MeterReadings:
    _, _, (meter_id, reading_type), children = node
    registers = []
    visits = []
    validations = _validations
    for group, _, values, grandchildren in children:
        if group.role != "register":
            visits.append(site_visit(values))
            continue
        register_id, read_at, value, md_reset_at, md_resets, flag, method = values
        validation = None
        register_visits: tuple[SiteVisit, ...] = ()
        for child_group, _, child_values, _ in grandchildren:
            if child_group.role == "validation":
                validation = validations.get(child_values) or validation_result(child_values)
            else:
                register_visits += (site_visit(child_values),)
        registers.append(
            _new_reading(
                register_id=register_id,
                read_at=read_at,
                value=value,
                reading_method=method,
                md_reset_at=md_reset_at,
                md_resets=md_resets,
                reading_flag=flag,
                validation=validation,
                site_visits=register_visits,
            )
        )
    return _new_meter(
        meter_id=meter_id, reading_type=reading_type, registers=tuple(registers), site_visits=tuple(visits)
    )


EventBuilder = Callable[
    [int, str, BscValidationStatus, tuple[MeterReadings, ...], tuple[SiteVisit, ...]], DtcEvent
]
_EVENT_FIELDS = (
    "event_id",
    "occurred_at",
    "source",
    "test_data",
    "file",
    "mpan",
    "validation_status",
    "meters",
    "site_visits",
)


def readings_event(event_type: type[DtcEvent]) -> Callable[[Context], EventBuilder]:
    """The builder of a file's (`context`'s) MPAN group events from their read parts
    (the mapper's and the fast path's one way to make them): line of the MPAN record,
    MPAN, status, meters, site visits. What the events of a file share is looked up
    once per file, not once per event."""
    assert tuple(spec.name for spec in fields(event_type)) == _EVENT_FIELDS, "built positionally"
    new_event = constructor(event_type, positional=True, derived=True)
    new_source = _new_source

    def for_file(context: Context) -> EventBuilder:
        prefix, path, file, test_data = context.event_prefix, context.path, context.file, context.test_data
        occurred_at = file.created_at

        def build(
            line: int,
            mpan: str,
            status: BscValidationStatus,
            meters: tuple[MeterReadings, ...],
            visits: tuple[SiteVisit, ...],
        ) -> DtcEvent:
            event: DtcEvent = new_event(
                f"{prefix}{line}",
                occurred_at,
                new_source(path, line),
                test_data,
                file,
                mpan,
                status,
                meters,
                visits,
            )
            return event

        return build

    return for_file


def readings_mapper(event_type: type[DtcEvent]) -> Mapper:
    """The mapper of an MPAN group (026 / 196) to `event_type`."""
    build = readings_event(event_type)

    def map_readings(node: Node, ancestors: Sequence[Node], context: Context) -> DtcEvent:
        _, line, (mpan, status), children = node
        meters = []
        visits = []
        for child in children:
            if child[GROUP].role == "meter":
                meters.append(_meter(child))
            else:
                visits.append(site_visit(child[VALUES]))
        return build(context)(line, mpan, status, tuple(meters), tuple(visits))

    return map_readings


map_d0010 = readings_mapper(MeterReadingsReceived)
map_d0086 = readings_mapper(CosReadingsNotified)
