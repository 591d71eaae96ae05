"""The fast path of the common D0010 / D0086 MPAN group, read in C by two regexes.

Almost every MPAN group of a real D0010 or D0086 has one shape: an MPAN record, then
meter records each with register readings, each reading with or without its
validation result, no site visits, `\\n` line endings, fields in their usual forms. The
generic reader (`flows.dtc`) spends most of its time in its per-record Python loop;
here one regex checks that a whole group has that shape (`fullmatch` over its text)
and another cuts it into one tuple of field texts per meter or reading (`findall`),
both at C speed, so Python runs once per reading, not once per record and field.

It never decides that a record is bad: whatever the patterns do not accept (a site
visit, a `\\r\\n`, an empty required field, a code outside its list, an MPAN whose check
digit fails, a date-time that does not exist) makes `read` return None, and the group
goes through the generic reader, which accepts or rejects it with its own messages.
The patterns are narrower than the catalogue (printable ASCII only, for instance),
never wider: what they accept, the generic reader reads to the same values.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flows.build import constructor
from flows.catalogue import CATALOGUE, FlowStructure, Group
from flows.d0010 import EventBuilder, readings_event, validation_result
from flows.dtc import Context, FastPath
from flows.fields import clock_time_cache, parse_clock_time
from processors.vocabulary.events import (
    CosReadingsNotified,
    MeterReadings,
    MeterReadingsReceived,
    RegisterReading,
)
from processors.vocabulary.events.dtc import DtcEvent
from processors.vocabulary.mpan import check_digit

# Printable ASCII but the field separator `|`: a text field that str.isprintable accepts.
_TEXT = "[ -{}~]"
_new_reading = constructor(RegisterReading, positional=True)
_new_meter = constructor(MeterReadings, positional=True)
_FLAGS: dict[str, bool | None] = {"": None, "T": True, "F": False}


def _codes(codes: type[StrEnum] | None) -> str:
    """A code list as an alternation of its codes: a code the pattern accepts is a member."""
    assert codes is not None
    return "|".join(re.escape(member.value) for member in codes)


def _width(group: Group, name: str) -> int:
    width = group.fields[group.index(name)].width
    assert width is not None
    return width


def _members(structure: FlowStructure, name: str) -> dict[str, Any]:
    """The code list of field `name` (wherever it is in the flow): code -> member."""
    codes = next(spec.codes for group in structure.groups for spec in group.fields if spec.name == name)
    assert codes is not None
    return {member.value: member for member in codes}


def _patterns(structure: FlowStructure) -> tuple[str, re.Pattern[str], re.Pattern[str]]:
    """The MPAN group's code, the pattern of its MPAN record, the pattern of its rows."""
    roles = {group.role: group for group in structure.groups if group.role != "site_visit"}
    mpan, meter, register, validation = roles["mpan"], roles["meter"], roles["register"], roles["validation"]
    reading = register.fields[register.index("register reading")]
    assert (reading.width, reading.decimals) == (9, 1), "the value pattern is NUM(9,1)'s"
    status = _codes(mpan.fields[mpan.index("BSC validation status")].codes)
    reading_type = _codes(meter.fields[meter.index("reading type")].codes)
    method = _codes(register.fields[register.index("reading method")].codes)
    meter_id = f"{_TEXT}{{1,{_width(meter, 'meter id')}}}"
    register_id = f"{_TEXT}{{1,{_width(register, 'meter register id')}}}"
    reason = f"{_TEXT}{{1,{_width(validation, 'meter reading reason code')}}}"
    resets = f"[0-9]{{1,{_width(register, 'number of MD resets')}}}"
    value = "[0-9]{1,9}(?:\\.[0-9])?"
    # Each row: (meter id, reading type) of a meter record, or the seven fields of a
    # reading and its validation result's two as one text ("" when it has none).
    row = (
        f"{meter.code}\\|({meter_id})\\|({reading_type})\\|\\n"
        f"|{register.code}\\|({register_id})\\|([0-9]{{14}})\\|({value})\\|([0-9]{{14}})?\\|({resets})?"
        f"\\|([TF]?)\\|({method})\\|\\n(?:{validation.code}\\|({reason}\\|[TF])\\|\\n)?"
    )
    first = f"{mpan.code}\\|([0-9]{{13}})\\|({status})\\|\\n"
    return mpan.code, re.compile(first, re.ASCII), re.compile(row, re.ASCII)


def _trailer(text: str, start: int, end: int) -> bool:
    """The rest of the group is the file's trailer (pass 1 proved it the last record)."""
    return text.startswith("ZPT|", start) and text.find("\n", start, end - 1) < 0


def fast_path(structure: FlowStructure, event_type: type[DtcEvent]) -> FastPath:
    """The fast path of `structure`'s MPAN groups, building `event_type` events."""
    code, first, rows = _patterns(structure)
    build: EventBuilder = readings_event(event_type)
    statuses = _members(structure, "BSC validation status")
    reading_types = _members(structure, "reading type")
    methods = _members(structure, "reading method")
    clock = clock_time_cache()
    validations: dict[str, Any] = {}  # "reason|status" -> its shared ValidationResult
    decimal = Decimal
    new_reading = _new_reading
    new_meter = _new_meter
    flags = _FLAGS
    empty: tuple[()] = ()

    def read(text: str, start: int, end: int, line: int, context: Context) -> DtcEvent | None:
        head = first.match(text, start, end)
        if head is None:
            return None
        mpan, status = head.groups()
        match = rows.match
        try:
            if check_digit(mpan[:12]) != int(mpan[12]):  # 13 digits: the pattern checked
                return None
            meters: list[MeterReadings] = []
            registers: list[RegisterReading] = []
            meter: tuple[str, str] | None = None
            done = head.end()
            row = match(text, done, end)
            while row is not None:
                (meter_id, kind, register_id, read_at, value, md_at, md_resets, flag, method, checked) = (
                    row.groups()
                )
                done = row.end()
                row = match(text, done, end)  # anchored where the last row ended
                if meter_id:
                    if meter is not None:
                        meters.append(new_meter(meter[0], reading_types[meter[1]], tuple(registers), empty))
                        registers = []
                    meter = (meter_id, kind)
                    continue
                if meter is None:
                    return None  # a reading before any meter: the generic reader names it
                if checked:
                    result = validations.get(checked)
                    if result is None:
                        if len(validations) >= 256:
                            validations.clear()
                        why, valid = checked.split("|")
                        result = validations[checked] = validation_result((why, valid == "T"))
                else:
                    result = None
                registers.append(
                    new_reading(
                        register_id,
                        clock.get(read_at) or parse_clock_time(read_at),
                        decimal(value),
                        methods[method],
                        (clock.get(md_at) or parse_clock_time(md_at)) if md_at else None,
                        int(md_resets) if md_resets else None,
                        flags[flag],
                        result,
                        empty,
                    )
                )
        except ValueError:
            return None  # the generic reader says why
        if meter is None or (done != end and not _trailer(text, done, end)):
            return None  # no meter, or a record the patterns do not read
        meters.append(new_meter(meter[0], reading_types[meter[1]], tuple(registers), empty))
        return build(context, line, mpan, statuses[status], tuple(meters), empty)

    return FastPath(code, read)


FAST_PATHS: dict[str, FastPath] = {
    "D0010002": fast_path(CATALOGUE["D0010002"], MeterReadingsReceived),
    "D0086002": fast_path(CATALOGUE["D0086002"], CosReadingsNotified),
}
