"""The D0010 / D0086 fast path reads exactly what the generic reader reads.

Every outcome (events, rejections with their line, field and reason, the file report)
must be the same, in the same order, with the fast path as without it: on every DTC
fixture, on long generated files (past the fast path's buffer and its switch to the
generic reader), and on randomly mutated files.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from flow_helpers import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reader_fuzz import TOPS, mutate, mutation, recount

from flows.catalogue import CATALOGUE
from flows.dtc import Context, Outcome, parse_header, read_dtc
from flows.fast_readings import _TEMPLATES, _VALUE_OF, FAST_PATHS, _Templates
from flows.reader import MAPPERS
from flows.rejections import FileReport, FileStatus, RejectedRecord
from processors.vocabulary.events import DomainEvent, MeterReadingsReceived
from processors.vocabulary.mpan import check_digit

DTC_FIXTURES = sorted(path.name for path in FIXTURES.iterdir() if path.read_bytes()[:30].startswith(b"ZHV|"))
HEADER = "ZHV|F000000001|D0010002|D|UDMS|X|MRCY|20240301120000||||OPER|\n"


def both(path: Path) -> tuple[list[Outcome], list[Outcome]]:
    return list(read_dtc(path, MAPPERS, None, FAST_PATHS)), list(read_dtc(path, MAPPERS, None, None))


def generated(path: Path, groups: int, line_end: str = "\n", extra: str = "") -> Path:
    """A D0010 of `groups` MPAN groups of the common shape (each with `extra` records)."""
    body = []
    for group in range(groups):
        first12 = f"12{group:010d}"
        body.append(f"026|{first12}{check_digit(first12)}|V|")
        body.append(f"028|M{group:09d}|R|")
        for register in ("01", "02"):
            body.append(f"030|{register}|20240229000000|{group}.5||||N|")
            body.append("032|00|T|")
        body.extend(extra.splitlines())
    tops = sum(1 for record in body if record.startswith("026|"))
    text = HEADER + "".join(record + line_end for record in body)
    path.write_text(text + f"ZPT|F000000001|{len(body)}||{tops}|20240301120500|{line_end}", newline="")
    return path


@pytest.mark.parametrize("name", DTC_FIXTURES)
def test_every_fixture_reads_the_same_with_and_without_the_fast_path(name: str) -> None:
    fast, generic = both(FIXTURES / name)
    assert fast == generic


@pytest.mark.parametrize(
    ("line_end", "extra"),
    [
        ("\n", ""),
        ("\r\n", ""),  # every group misses the fast path: the rest goes record by record
        ("\n", "033|01|\n"),  # a site visit in every group
        ("\n", "030|03|20240331010000|1.0||||N|\n"),  # a clock time that does not exist (BST)
        ("\n", "028|M1|B|\n"),  # a reading type outside its code list (Z is a change of tenancy)
    ],
)
def test_long_files_read_the_same_with_and_without_the_fast_path(
    tmp_path: Path, line_end: str, extra: str
) -> None:
    path = generated(tmp_path / "long.d0010", 30_000, line_end, extra)  # past the fast path's buffer
    fast, generic = both(path)
    assert fast == generic
    assert len(fast) > 30_000


def test_groups_the_fast_path_cannot_read_amid_runs_read_the_same(tmp_path: Path) -> None:
    """Runs that stop part-way (a check digit, a time that does not exist) or miss whole
    (a code outside its list) and go on group by group from there give the generic
    reader's outcomes, in order."""
    path = generated(tmp_path / "spoilt.d0010", 5_000)
    lines = path.read_text().split("\n")
    for at in range(40, len(lines) - 2, 997):  # every 997th line, wherever it falls in a group
        record = lines[at]
        if record.startswith("026|"):
            lines[at] = record[:16] + str((int(record[16]) + 1) % 10) + record[17:]
        elif record.startswith("030|"):
            lines[at] = record.replace("20240229000000", "20240331013000")
        else:
            lines[at] = record.replace("|R|", "|B|").replace("|T|", "|X|")
    path.write_text("\n".join(lines))
    fast, generic = both(path)
    assert fast == generic
    assert sum(isinstance(outcome, RejectedRecord) for outcome in fast) == len(range(40, len(lines) - 2, 997))


def _counted(outcomes: list[Outcome]) -> tuple[int, int]:
    """(events, rejected records) among a file's outcomes, counted one by one."""
    body = outcomes[:-1]
    rejected = sum(isinstance(outcome, RejectedRecord) for outcome in body)
    return len(body) - rejected, rejected


@pytest.mark.parametrize("name", DTC_FIXTURES)
def test_each_fixtures_report_counts_the_outcomes_it_follows(name: str) -> None:
    """The readers count what they yield (`Context.counts`), not `read_dtc`: the report's
    counts are still those of the outcomes before it, with the fast path and without."""
    for outcomes in both(FIXTURES / name):
        report = outcomes[-1]
        assert isinstance(report, FileReport)
        if report.status in {FileStatus.READ, FileStatus.TEST_DATA}:
            assert (report.events, report.rejected) == _counted(outcomes)


def test_a_files_report_counts_fast_generic_and_rejected_outcomes(tmp_path: Path) -> None:
    """Runs read whole, runs that stop part-way (a check digit, a time that does not
    exist), groups read record by record, rejected records and an empty line: the report
    counts each outcome once, by whichever reader made it."""
    path = generated(tmp_path / "mixed.d0010", 3_000)
    lines = path.read_text().split("\n")
    # Group g's MPAN record is line 1 + 6g: one spoilt group amid each buffer's ~500.
    check = lines[1 + 6 * 250]
    lines[1 + 6 * 250] = check[:16] + str((int(check[16]) + 1) % 10) + check[17:]  # stops a run
    lines[3 + 6 * 750] = lines[3 + 6 * 750].replace("20240229000000", "20240331013000")  # stops a run
    lines[2 + 6 * 1250] = lines[2 + 6 * 1250].replace("|R|", "|B|")  # the run is not read
    check = lines[1 + 6 * 1750]
    lines[1 + 6 * 1750] = check[:16] + str((int(check[16]) + 1) % 10) + check[17:]
    lines.insert(6 * 2250, "")  # an empty line: a rejection of its own, not counted by the trailer
    path.write_text("\n".join(lines))
    fast, generic = both(path)
    assert fast == generic
    events, rejected = _counted(fast)
    assert (events, rejected) == (2_998, 5)  # the two check digits take their groups
    report = fast[-1]
    assert isinstance(report, FileReport)
    assert (report.events, report.rejected) == (events, rejected)


def test_a_group_longer_than_the_buffer_limit_reads_the_same(tmp_path: Path) -> None:
    many = "030|01|20240229000000|1.5||||N|\n" * 40_000  # one group of 1.3 MB: record by record
    fast, generic = both(generated(tmp_path / "big.d0010", 3, "\n", many))
    assert fast == generic
    assert len(fast) == 4


CONTEXT = Context(file=parse_header(HEADER.rstrip("\n")), path="f", test_data=False)


def fast_result(text: str, line: int = 2) -> tuple[list[DomainEvent], int]:
    """The events the D0010 fast path yields for `text`, and what it returns."""
    reading = FAST_PATHS["D0010002"].read(text, 0, len(text), line, CONTEXT)
    events = []
    while True:
        try:
            events.append(next(reading))
        except StopIteration as stop:
            return events, stop.value


def fast_read(text: str, line: int = 2) -> tuple[list[DomainEvent], int | None]:
    """The events the D0010 fast path yields for `text`, and None when it read every
    group (its line count checked to be `text`'s), else how many groups it read before
    the one it could not."""
    events, got = fast_result(text, line)
    if got >= 0:
        assert got == text.count("\n")
        return events, None
    return events, -1 - got


def group_text(first12: str, digit: str | None = None, extra: str = "") -> str:
    mpan = first12 + (str(check_digit(first12)) if digit is None else digit)
    return f"026|{mpan}|V|\n028|M1|R|\n030|01|20240229000000|12.5||||N|\n032|00|T|\n{extra}"


def test_a_common_group_takes_the_fast_path_and_an_unusual_one_does_not() -> None:
    events, read_before = fast_read(group_text("120000000000"))
    assert read_before is None and len(events) == 1
    event = events[0]
    assert isinstance(event, MeterReadingsReceived)
    assert event.meters[0].registers[0].validation is not None
    assert fast_read(group_text("120000000000", extra="033|01|\n")) == ([], 0)
    assert CATALOGUE["D0010002"].by_code["033"].role == "site_visit"


def test_a_run_of_groups_stops_at_the_first_it_cannot_read() -> None:
    good = group_text("120000000001")
    wrong_digit = group_text("120000000002", digit=str((check_digit("120000000002") + 1) % 10))
    events, read_before = fast_read(good + good + wrong_digit + good, line=10)
    assert read_before == 2  # the caller reads the third group by itself, then the rest
    assert [event.source.line for event in events if event.source] == [10, 14]
    gap = good.replace("20240229000000", "20240331013000")  # clocks went forward: no such time
    assert fast_read(good + gap + good)[1] == 1
    assert fast_read(good + good + group_text("120000000003"))[1] is None
    # A line no row pattern reads (a site visit), anywhere in the run: none is read.
    assert fast_read(good + good + good + "033|01|\n") == ([], 0)


def test_a_meter_without_readings_sends_its_group_to_the_generic_reader(tmp_path: Path) -> None:
    """Each row is a reading (with its meter and MPAN records when it is their first): a
    meter record with no reading after it is in no row, so its run is not read and its
    group is the generic reader's; the file reads as the generic reader reads it."""
    good = group_text("120000000001")
    bare_meter = group_text("120000000002").replace("028|M1|R|\n", "028|M0|R|\n028|M1|R|\n")
    assert fast_read(good + bare_meter + good) == ([], 0)
    assert fast_read(bare_meter) == ([], 0)
    text = good + bare_meter + good
    path = tmp_path / "bare-meter.d0010"
    path.write_text(HEADER + text + f"ZPT|F000000001|{text.count(chr(10))}||3|20240301120500|\n")
    fast, generic = both(path)
    assert fast == generic
    assert sum(isinstance(outcome, MeterReadingsReceived) for outcome in fast) >= 2


@settings(max_examples=200, deadline=None)
@given(first12=st.text("0123456789", min_size=12, max_size=12), digit=st.sampled_from("0123456789"))
def test_the_check_digit_by_table_is_the_mpan_check_digit(first12: str, digit: str) -> None:
    _, read_before = fast_read(group_text(first12, digit))
    assert (read_before is None) == (int(digit) == check_digit(first12))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    source=st.sampled_from(["d0010_valid.txt", "d0086_valid.txt", "d0010_crlf.txt"]),
    changes=st.lists(mutation, min_size=1, max_size=4),
    fix_counts=st.booleans(),
)
def test_mutated_files_read_the_same_with_and_without_the_fast_path(
    tmp_path_factory: pytest.TempPathFactory, source: str, changes: list[tuple[object, ...]], fix_counts: bool
) -> None:
    lines = (FIXTURES / source).read_bytes().rstrip(b"\n").split(b"\n")
    flow = lines[0].split(b"|")[2][:5].decode()
    for change in changes:
        lines = mutate(lines, change)
    if fix_counts:
        lines = recount(lines, TOPS[flow])
    path = tmp_path_factory.mktemp("fast") / "mutated.txt"
    path.write_bytes(b"\n".join(lines) + b"\n")
    fast, generic = both(path)
    assert fast == generic


def test_readings_of_every_tail_read_as_the_generic_reader_reads_them(tmp_path: Path) -> None:
    """MD reset time, resets and flag, with and without a validation result, keys and
    tails repeated across groups (read once, shared): the fast path reads every group,
    to the generic reader's values."""
    tails = ["||||N|", "|20240201000000|2|T|P|\n032|02|F|", "|20240202000000||F|N|", "|||T|N|\n032|00|T|"]
    body = []
    for group in range(40):
        first12 = f"12{group:010d}"
        body.append(f"026|{first12}{check_digit(first12)}|V|\n028|M{group}|R|\n")
        for register, tail in zip(("01", "02", "03"), tails[group % 4 :] + tails[: group % 4], strict=False):
            body.append(f"030|{register}|20240229000000|{group}.5{tail}\n")
    text = "".join(body)
    events, read_before = fast_read(text)
    assert read_before is None and len(events) == 40
    lines = text.count("\n")
    path = tmp_path / "tails.d0010"
    path.write_text(HEADER + text + f"ZPT|F000000001|{lines}||40|20240301120500|\n")
    fast, generic = both(path)
    assert fast == generic and len(fast) == 41  # the events and the file report
    assert [event.meters for event in events] == [event.meters for event in fast[:40]]  # type: ignore[attr-defined]
    resets = {reading.md_resets for event in events for meter in event.meters for reading in meter.registers}  # type: ignore[attr-defined]
    assert resets == {None, 2}


@pytest.mark.parametrize("validation", ["032|00|T|\n", ""])
def test_event_lines_when_every_reading_or_none_has_its_validation_result(
    tmp_path: Path, validation: str
) -> None:
    """The lines of the MPAN records are worked out, not counted, in those two cases:
    each event's id and source line are the generic reader's."""
    body = []
    for group in range(300):
        first12 = f"12{group:010d}"
        body.append(f"026|{first12}{check_digit(first12)}|V|\n")
        for meter in range(1 + group % 2):
            body.append(f"028|M{group}{meter}|R|\n")
            body.extend(
                f"030|0{n}|20240229000000|{group}.{n}||||N|\n{validation}" for n in range(group % 3 + 1)
            )
    text = "".join(body)
    events, read_before = fast_read(text)
    assert read_before is None and len(events) == 300
    path = tmp_path / "lines.d0010"
    path.write_text(HEADER + text + f"ZPT|F000000001|{text.count(chr(10))}||300|20240301120500|\n")
    fast, generic = both(path)
    assert fast == generic
    mpan_lines = [2 + at for at, record in enumerate(text.splitlines()) if record.startswith("026|")]
    assert [event.source.line for event in events] == mpan_lines  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "misplaced",
    [
        "028|M1|R|\n032|00|T|\n030|01|20240229000000|1.5||||N|\n",  # after a meter
        "030|01|20240229000000|1.5||||N|\n032|00|T|\n032|01|F|\n",  # a second one
        "030|01|20240229000000|1.5||||N|\n032|0\t|T|\n",  # one the pattern cannot read
    ],
)
def test_validation_results_out_of_place_amid_runs_read_the_same(tmp_path: Path, misplaced: str) -> None:
    """A validation line that no reading took (after a meter, a second one, an unreadable
    one) is a line no row covers: the run is not read, and that group is the generic
    reader's, with its rejection."""
    good = "".join(group_text(f"12000000{group:04d}") for group in range(30))
    usual = "028|M1|R|\n030|01|20240229000000|12.5||||N|\n032|00|T|\n"
    odd = group_text("120000009999").replace(usual, misplaced)
    text = good + odd + good
    events, read_before = fast_read(text)
    assert read_before == 0 and events == []  # the run is not read: the groups go one by one
    path = tmp_path / "misplaced.d0010"
    path.write_text(HEADER + text + f"ZPT|F000000001|{text.count(chr(10))}||61|20240301120500|\n")
    fast, generic = both(path)
    assert fast == generic
    assert any(isinstance(outcome, RejectedRecord) for outcome in fast)


def test_the_readings_templates_stay_bounded_by_tails_and_keys() -> None:
    """A file of ever new tails (MD reset times) and keys keeps at most `_TEMPLATES` of
    them, tails and keys together, and reads each to the same template again."""
    templates = _Templates(CATALOGUE["D0010002"])
    for n in range(3 * _TEMPLATES):
        tail = f"2024020{1 + n % 9}{n % 24:02d}0000|{n % 1000}|T|N|"
        template = templates[tail][f"0{n % 3}|20240201000000"]
        assert template[4] == n % 1000  # the number of MD resets, read from this tail
        assert len(templates) + sum(map(len, templates.values())) <= _TEMPLATES


def test_a_run_returns_its_line_ends_trailer_included() -> None:
    """`read` returns the line ends of its text, the file's trailer after the rows too:
    `_regions` moves its line on by that, without counting the run again."""
    text = "".join(group_text(f"12000000{group:04d}") for group in range(3))
    trailer = "ZPT|F000000001|12||3|20240301120500|\n"
    events, got = fast_result(text + trailer)
    assert len(events) == 3 and got == text.count("\n") + 1
    assert fast_result(text + "ZPT|F000000001|12||3|20240301120500|") == (events, text.count("\n"))


@given(st.from_regex(r"[0-9]{1,9}(\.[0-9])?", fullmatch=True))
@settings(max_examples=400)
def test_a_value_text_reads_to_the_decimal_of_its_text(text: str) -> None:
    """The fast path's values (`_VALUE_OF`, the pattern's at most ten digits) are the
    Decimals the generic reader makes: same digits, exponent and sign."""
    value = _VALUE_OF(text)
    assert type(value) is Decimal
    assert value.as_tuple() == Decimal(text).as_tuple()
    assert _VALUE_OF("999999999.9").as_tuple() == Decimal("999999999.9").as_tuple()
