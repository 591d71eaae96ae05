"""The fast path of the common D0010 / D0086 MPAN group, read in C by two regexes.

Almost every MPAN group of a real D0010 or D0086 has one shape: an MPAN record, then
meter records each with register readings, each reading with or without its
validation result, no site visits, `\n` line endings, fields in their usual forms. The
generic reader (`flows.dtc`) spends most of its time in its per-record Python loop;
here one `findall` cuts a run of whole groups (all those of the reader's buffer, or one)
into one tuple of field texts per reading, with its meter's and its group's fields when
it is their first (a group of one meter and one reading is one tuple), at C speed, so
Python runs once per reading, not once per record and field, and once per run, not per
group.

`findall` skips what it does not match, so its pattern ends with a row for any other
line (a tuple of empty texts): each match starts at a line start (`^`, MULTILINE) and
ends with a newline, and no field admits one, so matches are whole lines that do not
overlap, and with that last row every line of the run is in one. A run is taken only
when none is that row and the first opens a group; its rows are then exactly those an
anchored match after each would find. No row spans two groups (a row's lines after its
reading are its validation result, never an MPAN record), so a run reads as its groups
one by one would; when any of its groups misses, `read` returns how many it read before
(`flows.dtc.missed`) and the caller (`flows.dtc._regions`) tries the rest one by one. A
run read whole returns its line count, worked out from its rows: the caller does not
count its lines again.

It never decides that a record is bad: whatever the patterns do not accept (a site
visit, a `\\r\\n`, an empty required field, a code outside its list, an MPAN whose check
digit fails, a date-time that does not exist) makes `read` stop (`missed`), and the group
goes through the generic reader, which accepts or rejects it with its own messages.
The patterns are narrower than the catalogue (printable ASCII only, for instance),
never wider: what they accept, the generic reader reads to the same values.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Sequence
from decimal import Context as DecimalContext
from enum import StrEnum
from operator import itemgetter
from typing import Any

from flows.catalogue import CATALOGUE, FlowStructure, Group
from flows.d0010 import EventBuilder, readings_event, validation_result
from flows.dtc import Context, FastPath, missed
from flows.fields import parse_clock_time
from processors.vocabulary.construction import constructor, templated
from processors.vocabulary.events import (
    CosReadingsNotified,
    MeterReadings,
    MeterReadingsReceived,
    RegisterReading,
)
from processors.vocabulary.events.dtc import DtcEvent
from processors.vocabulary.mpan import CHECK_RUNS

# Printable ASCII but the field separator `|`: a text field that str.isprintable accepts.
_TEXT = "[ -{}~]"
_new_reading = templated(RegisterReading, "value")
_new_meter = constructor(MeterReadings, positional=True)
_FLAGS: dict[str, bool | None] = {"": None, "T": True, "F": False}
# The MPAN check digit by table (`mpan.CHECK_RUNS`): the first 12 digits in four runs of 3.
_CHECK_DIGITS = tuple(str(total % 10) for total in range(11))  # weighted sum mod 11 -> its digit
# A reading's value text (at most 10 digits, `_patterns`) to its Decimal: the same value,
# digits and exponent as `Decimal(text)` (exact at this precision, so no rounding and no
# flag), without `Decimal`'s argument parsing and look-up of the thread's context.
_VALUE_OF = DecimalContext(prec=28).create_decimal


def _codes(codes: type[StrEnum] | None) -> str:
    """A code list as a pattern that accepts exactly its codes: a set of characters when
    every code is one character (one test, no branches), else an alternation."""
    assert codes is not None
    values = [member.value for member in codes]
    if all(len(value) == 1 for value in values):
        return f"[{''.join(re.escape(value) for value in values)}]"
    return f"(?:{'|'.join(re.escape(value) for value in values)})"


def _width(group: Group, name: str) -> int:
    width = group.fields[group.index(name)].width
    assert width is not None
    return width


def _members(structure: FlowStructure, name: str) -> dict[str, Any]:
    """The code list of field `name` (wherever it is in the flow): code -> member."""
    codes = next(spec.codes for group in structure.groups for spec in group.fields if spec.name == name)
    assert codes is not None
    return {member.value: member for member in codes}


def _patterns(structure: FlowStructure) -> tuple[str, re.Pattern[str]]:
    """The MPAN group's code and the pattern of its rows (MPAN, meter or reading)."""
    roles = {group.role: group for group in structure.groups if group.role != "site_visit"}
    mpan, meter, register, validation = roles["mpan"], roles["meter"], roles["register"], roles["validation"]
    reading = register.fields[register.index("register reading")]
    assert (reading.width, reading.decimals) == (9, 1), "the value pattern is NUM(9,1)'s"
    status = _codes(mpan.fields[mpan.index("BSC validation status")].codes)
    reading_type = _codes(meter.fields[meter.index("reading type")].codes)
    method = _codes(register.fields[register.index("reading method")].codes)
    # Runs of one class are possessive (`{m,n}+`, no backtracking: what follows each is a
    # `|`, outside the class, so giving characters back could never match), and optional
    # parts are alternations with an empty branch (`(?:x|)`: `re` compiles `(?:x)?` to its
    # general repeat): the same rows, about a sixth fewer instructions in `findall`.
    meter_id = f"{_TEXT}{{1,{_width(meter, 'meter id')}}}+"
    register_id = f"{_TEXT}{{1,{_width(register, 'meter register id')}}}+"
    reason = f"{_TEXT}{{1,{_width(validation, 'meter reading reason code')}}}+"
    resets = f"[0-9]{{0,{_width(register, 'number of MD resets')}}}+"  # optional: none to all
    value = "[0-9]{1,9}+(?:\\.[0-9]|)"
    # Each row is one reading, with the MPAN record and the meter record before it when
    # it is its group's or its meter's first (`026|...|\n028|...|\n030|...`): the
    # records of a group of one meter and one reading are one row, one tuple, one turn
    # of `read`'s loop. Groups: (MPAN, status) of the MPAN record, (meter id, reading
    # type) of the meter record, then the reading as three texts: its key (meter register
    # id and date-time, `01|20240201000000`), its value and its tail (the optional MD
    # reset time, number of resets and reading flag, the method, and its validation
    # result when it has one, `|||N|\n032|00|T|`): keys and tails repeat, and are read
    # once each (`_Templates`). An MPAN record comes only with a meter record. Any other
    # line is a row of no group (the last alternative), so that `findall` skips nothing:
    # a run is read only when no such row is found (`_UNREAD`).
    row = (
        f"(?:(?:{mpan.code}\\|([0-9]{{13}})\\|({status})\\|\\n|)"
        f"{meter.code}\\|({meter_id})\\|({reading_type})\\|\\n|)"
        f"{register.code}\\|({register_id}\\|[0-9]{{14}})\\|({value})"
        f"\\|((?:[0-9]{{14}}|)\\|{resets}\\|[TF]?+\\|{method}\\|"
        f"(?:\\n{validation.code}\\|{reason}\\|[TF]\\||))\\n"
        "|[^\\n]*+\\n"
    )
    return mpan.code, re.compile(f"^(?:{row})", re.ASCII | re.MULTILINE)


_UNREAD = ("",) * 7  # the row of a line that no other row matches (no group takes part)


class _Templates(dict[str, "_KeyTemplates"]):
    """Tail of a reading row -> key of the row -> every field of its RegisterReading but
    the value, read once per distinct (key, tail) (at most `_TEMPLATES` tails and keys): two
    look-ups of one text each cost about half of one of a (key, tail) tuple, which must
    be built and hashed. Raises ValueError for a date-time that does not exist, as
    `parse_clock_time` does."""

    def __init__(self, structure: FlowStructure) -> None:
        super().__init__()
        self.methods = _members(structure, "reading method")
        self.kept = 0

    def __missing__(self, tail: str) -> _KeyTemplates:
        self.make_room()
        by_key = self[tail] = _KeyTemplates(self, tail)
        return by_key

    def make_room(self) -> None:
        """Count one more tail or template, dropping all of them first when full (a dict
        of one tail already handed out keeps its entry until its row is read)."""
        if self.kept >= _TEMPLATES:
            self.clear()
            self.kept = 0
        self.kept += 1


class _KeyTemplates(dict[str, tuple[Any, ...]]):
    """The templates of one tail, by key (`_Templates`)."""

    def __init__(self, templates: _Templates, tail: str) -> None:
        super().__init__()
        self.templates = templates
        self.tail = tail

    def __missing__(self, key: str) -> tuple[Any, ...]:
        register_id, read_at = key.split("|")
        md_at, resets, flagged, method, *checked = self.tail.split("|")
        template = (
            register_id,
            parse_clock_time(read_at),
            self.templates.methods[method],
            parse_clock_time(md_at) if md_at else None,
            int(resets) if resets else None,
            _FLAGS[flagged],
            validation_result((checked[1], checked[2] == "T")) if len(checked) > 1 else None,
            (),
        )
        self.templates.make_room()
        self[key] = template
        return template


_TEMPLATES = 4096
# MPANs recur from file to file (a supply point is read again and again): each one's
# check digit is worked out once while at most this many are kept.
_CHECKED = 1 << 16


def _rows_end(text: str, start: int, end: int) -> int:
    """Where the group's rows end: before its last line when that is the file's trailer
    (pass 1 proved it the last record), else at `end`; -1 when the rows would end inside
    a line (the last of a file without a final newline), which no row matches."""
    last = text.rfind("\n", start, end - 1) + 1
    if last > start and text.startswith("ZPT|", last):
        return last
    return end if text.endswith("\n", start, end) else -1


def fast_path(structure: FlowStructure, event_type: type[DtcEvent]) -> FastPath:
    """The fast path of `structure`'s MPAN groups, building `event_type` events."""
    code, rows = _patterns(structure)
    findall = rows.findall
    mark = f"\n{code}|"
    for_file = readings_event(event_type)
    statuses = _members(structure, "BSC validation status")
    reading_types = _members(structure, "reading type")
    templates = _Templates(structure)
    decimal = _VALUE_OF
    new_reading = _new_reading
    new_meter = _new_meter
    first, second, third, fourth = CHECK_RUNS
    check_digits = _CHECK_DIGITS
    tail_of = itemgetter(6)
    empty: tuple[()] = ()
    files: list[Any] = [None, None]  # the last context and its event builder
    checked: set[str] = set()  # MPANs whose check digit is right (at most _CHECKED)

    def read(  # noqa: PLR0917 - positional on the hot path
        text: str, start: int, end: int, line: int, context: Context, lines: Sequence[int] | None = None, /
    ) -> Generator[DtcEvent, None, int]:
        stop = _rows_end(text, start, end)
        if stop < 0:
            return missed(0)
        found = findall(text, start, stop)
        if not found or not found[0][0] or _UNREAD in found:
            return missed(0)  # no row opens a group first, or a line of no row: read one by one
        # Every row is one reading; its validation result is in its tail, after a newline.
        # A reading's lines: 2 when every reading has its validation result, 1 when none
        # has; 0 when some have, and the lines before each MPAN record are counted.
        validated = "".join(map(tail_of, found)).count("\n")
        step = 2 if validated == len(found) else 1 if validated == 0 else 0
        at_text = start  # where the open group's MPAN record starts (when step is 0)
        if files[0] is not context:
            files[:] = context, for_file(context)
        build: EventBuilder = files[1]
        counts = context.counts
        done = 0  # groups whose events were yielded
        mpan_open = status_open = ""  # the open group's MPAN ("" before the first) and status
        meter_open = kind_open = ""  # the open meter's id and reading type
        line_open = line
        covered = 0  # lines matched before the current row
        meter_rows = 0  # rows that open a meter: each one line more
        meters: tuple[MeterReadings, ...] = empty
        registers: list[RegisterReading] = []
        # The last row's tail and its templates: tails repeat row after row, and a text
        # compared with the last one costs less than its hash (a new text each row) and
        # look-up. Held for this run only, so at most the run's keys are added to it
        # after `templates` drops it (`_Templates.make_room`).
        tail_open = found[0][6]
        by_key = templates[tail_open]
        try:
            for mpan, status, meter_id, kind, key, value, tail in found:
                if tail != tail_open:
                    tail_open = tail
                    by_key = templates[tail]
                if not meter_id:
                    registers.append(new_reading(by_key[key], decimal(value)))
                    continue
                if meter_open:
                    meters += (new_meter(meter_open, reading_types[kind_open], tuple(registers), empty),)
                    covered += len(registers) * step
                if mpan:
                    if mpan_open:
                        yield build(line_open, mpan_open, statuses[status_open], meters, empty)
                        done += 1
                        meters = empty
                        if not step:
                            # Every line of the run is a row's, so the next MPAN record is
                            # the next line that starts with the group's code.
                            nxt = text.find(mark, at_text) + 1
                            covered = line_open - line + text.count("\n", at_text, nxt)
                            at_text = nxt
                    if mpan not in checked:
                        runs = first[mpan[:3]] + second[mpan[3:6]] + third[mpan[6:9]] + fourth[mpan[9:12]]
                        if check_digits[runs % 11] != mpan[12]:
                            counts[0] += done
                            return missed(done)  # the generic reader says which digit it should be
                        if len(checked) >= _CHECKED:
                            checked.clear()
                        checked.add(mpan)
                    mpan_open, status_open = mpan, status
                    line_open = line + covered if lines is None else lines[done]
                    covered += 1
                meter_open, kind_open = meter_id, kind
                meter_rows += 1
                covered += 1
                registers = [new_reading(by_key[key], decimal(value))]
        except ValueError:
            counts[0] += done
            return missed(done)  # the generic reader says why
        meters += (new_meter(meter_open, reading_types[kind_open], tuple(registers), empty),)
        yield build(line_open, mpan_open, statuses[status_open], meters, empty)
        counts[0] += done + 1  # the file's events (`Context.counts`)
        # The run's lines, from its rows (every line is in one): a reading line each, its
        # validation result's, its meter's and its group's when it opens them (`done + 1`
        # groups), and the trailer's after the rows: the caller need not count them again.
        lines_read = len(found) + validated + meter_rows + done + 1
        return lines_read if stop == end else lines_read + text.count("\n", stop, end)

    return FastPath(code, read)


FAST_PATHS: dict[str, FastPath] = {
    "D0010002": fast_path(CATALOGUE["D0010002"], MeterReadingsReceived),
    "D0086002": fast_path(CATALOGUE["D0086002"], CosReadingsNotified),
}
