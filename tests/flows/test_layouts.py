"""The layouts to the letter (DTC 15.4; FLOWS.md 2-6): every group's fields in their place,
D0217 492 in both widths, the mandatory multiplicities and the numeric widths.

Each group of the six flows is checked against FLOWS.md's field list, written out here
in FLOWS.md's order: one record per group with a distinct value in every field must
parse to those values in that order, so the catalogue cannot drift from FLOWS.md. Where
FLOWS.md and the DTC catalogue differ, the catalogue wins (docs/rules.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from flow_helpers import Read

from flows.catalogue import CATALOGUE, Group
from processors.vocabulary.events import (
    AppointedAgent,
    BscValidationStatus,
    CosReadingRejectionCode,
    MeterReadingsReceived,
    ProposedReadingStatus,
    ReadingMethod,
    ReadingType,
    RegistrationConfirmed,
    RelatedMpan,
)

Reader = Callable[[str], Read]
MPAN, OTHER_MPAN = "1200023305967", "1200023305976"

# (field name, text in the record, value read)
Spec = tuple[str, str, Any]
SITE_VISIT: list[Spec] = [
    ("site visit check code", "42", "42"),
    ("additional information", "site capable of exporting", "site capable of exporting"),
]
ADDRESS: list[Spec] = [(f"address line {n}", f"line {n}", f"line {n}") for n in range(1, 10)] + [
    ("postcode", "SW1A 1AA", "SW1A 1AA")
]
SETTLEMENT: list[Spec] = [
    ("energisation status", "E", "E"),
    ("measurement class id", "A", "A"),
    ("meter timeswitch code", "845", "845"),
    ("profile class id", "01", "01"),
    ("standard settlement configuration id", "0393", "0393"),
]
AGENTS: list[Spec] = [
    ("data aggregator id", "EELC", "EELC"),
    ("data aggregation type", "A", "A"),
    ("data collector id", "UDMS", "UDMS"),
    ("data collector type", "N", "N"),
    ("meter operator id", "LOND", "LOND"),
    ("meter operator type", "M", "M"),
]
SMART: list[Spec] = [
    ("SMETS version", "SMETS2", "SMETS2"),
    ("smart metering system operator id", "DCC1", "DCC1"),
    ("SMSO effective from date", "20230101", date(2023, 1, 1)),
    ("IHD install status", "I", "I"),
    ("IHD effective from date", "20230105", date(2023, 1, 5)),
]
RELATED: list[Spec] = [("primary MPAN", MPAN, MPAN), ("secondary MPAN", OTHER_MPAN, OTHER_MPAN)]
REGISTRATION_HEAD: list[Spec] = [
    ("instruction number", "000000000017", "000000000017"),
    ("instruction type", "REGI", "REGI"),
    ("MPAN core", MPAN, MPAN),
]


def readings_groups(codes: tuple[str, ...]) -> dict[str, list[Spec]]:
    mpan, visit1, meter, visit2, register, validation, visit3 = codes
    return {
        mpan: [("MPAN core", MPAN, MPAN), ("BSC validation status", "V", BscValidationStatus("V"))],
        visit1: SITE_VISIT,
        meter: [("meter id", "F75A 00802", "F75A 00802"), ("reading type", "R", ReadingType("R"))],
        visit2: SITE_VISIT,
        register: [
            ("meter register id", "01", "01"),
            ("reading date-time", "20240229000000", datetime(2024, 2, 29)),
            ("register reading", "123456789.5", Decimal("123456789.5")),  # NUM(9,1) at its widest
            ("MD reset date-time", "20240201120000", datetime(2024, 2, 1, 12)),
            ("number of MD resets", "999", 999),  # NUM(3) at its widest
            ("meter reading flag", "T", True),
            ("reading method", "P", ReadingMethod("P")),
        ],
        validation: [("meter reading reason code", "00", "00"), ("meter reading status", "F", False)],
        visit3: SITE_VISIT,
    }


FLOWS_MD: dict[str, dict[str, list[Spec]]] = {
    "D0010002": readings_groups(("026", "027", "028", "029", "030", "032", "033")),
    "D0086002": readings_groups(("196", "765", "197", "766", "198", "07A", "199")),
    "D0300001": {
        "58C": [
            ("MPAN core", MPAN, MPAN),
            ("MPAN core process", "D", "D"),
            ("new supplier SSD", "20240301", date(2024, 3, 1)),
            *ADDRESS,
            ("additional information", "customer disputes", "customer disputes"),
            ("record rejection reason", "02", "02"),
        ],
        "59C": [("meter id", "F75A 00802", "F75A 00802"), ("initiating flow indicator", "2", 2)],
        "60C": [
            ("meter register id", "01", "01"),
            ("register reading", "56400.0", Decimal("56400.0")),
            ("reading type", "A", ReadingType("A")),
            ("CoS reading rejection code", "01", CosReadingRejectionCode("01")),
            ("proposed register reading", "56100.0", Decimal("56100.0")),
            ("status of proposed reading", "P", ProposedReadingStatus("P")),
        ],
    },
    "D0004001": {
        "014": [("MPAN core", MPAN, MPAN)],
        "015": [
            ("meter id", "F75A 00802", "F75A 00802"),
            ("reading type", "R", ReadingType("R")),
            ("reading date-time", "20240301141500", datetime(2024, 3, 1, 14, 15)),
        ],
        "016": SITE_VISIT,
    },
    "D0217002": {
        "754": [("file sequence number", "000000000042", "000000000042")],
        "492": [
            *REGISTRATION_HEAD,
            ("deemed received date", "20240215", date(2024, 2, 15)),
            ("SSD", "20240301", date(2024, 3, 1)),
            ("registration transaction number", "0000012345", "0000012345"),
            *ADDRESS,
            ("UPRN", "100023336956", "100023336956"),
            ("line loss factor class id", "021", "021"),
            ("GSP group id", "_C", "_C"),
            *SETTLEMENT,
            *AGENTS,
            *SMART,
            ("DCC service flag", "A", "A"),
            ("DCC service flag effective from date", "20230106", date(2023, 1, 6)),
            ("related MPAN indicator", "T", "T"),
        ],
        "58M": RELATED,
    },
    "D0260002": {
        "757": [("file sequence number", "000000000043", "000000000043")],
        "758": [
            *REGISTRATION_HEAD,
            ("SSD", "20240301", date(2024, 3, 1)),
            ("old supplier id", "BGAS", "BGAS"),
            *SETTLEMENT,
            *AGENTS,
            *SMART,
            ("related MPAN indicator", "T", "T"),
        ],
        "60M": RELATED,
    },
}
GROUPS = [(ref, code) for ref, groups in FLOWS_MD.items() for code in groups]


def test_every_group_of_the_six_flows_is_listed() -> None:
    assert {ref: set(groups) for ref, groups in FLOWS_MD.items()} == {
        ref: {group.code for group in structure.groups} for ref, structure in CATALOGUE.items()
    }


@pytest.mark.parametrize(("ref", "code"), GROUPS, ids=[f"{ref[:5]}-{code}" for ref, code in GROUPS])
def test_each_group_reads_every_field_in_its_place(ref: str, code: str) -> None:
    specs = FLOWS_MD[ref][code]
    group: Group = CATALOGUE[ref].by_code[code]
    assert group.names == tuple(name for name, _, _ in specs)
    parts = f"{code}|{'|'.join(text for _, text, _ in specs)}|".split("|")[:-1]
    assert group.parse(parts) == tuple(value for _, _, value in specs)


def test_d0217_492_in_the_catalogue_width_maps_every_item(read: Reader) -> None:
    first, second = read("d0217_catalogue_width.txt").events
    assert isinstance(first, RegistrationConfirmed) and isinstance(second, RegistrationConfirmed)
    assert (first.ssd, first.registration_transaction_number) == (date(2024, 3, 1), "0000012345")
    assert first.address_lines == ("Flat 2", "10 High Street", "", "", "", "", "", "LONDON", "")
    assert (first.postcode, first.uprn, first.llfc_id, first.gsp_group) == (
        "SW1A 1AA",
        "100023336956",
        "021",
        "_C",
    )
    assert first.data_aggregator == AppointedAgent(mpid="EELC", agent_type="A")
    assert first.meter_operator == AppointedAgent(mpid="LOND", agent_type="M")
    assert (first.dcc_service_flag, first.dcc_service_date) == ("A", date(2023, 1, 6))
    assert first.related_mpans == (RelatedMpan(primary_mpan=MPAN, secondary_mpan=OTHER_MPAN),)
    assert (second.registration_transaction_number, second.uprn, second.gsp_group) == (None, None, "_B")
    assert second.related_mpan_indicator == "F"


def test_d0217_492_without_the_two_dropped_items_reads_the_same_fields(read: Reader) -> None:
    """36 fields (no registration transaction number, no UPRN): every other item in place."""
    wide = read("d0217_catalogue_width.txt").events[0]
    (narrow, _) = read("d0217_valid.txt").events
    assert isinstance(wide, RegistrationConfirmed) and isinstance(narrow, RegistrationConfirmed)
    assert (narrow.registration_transaction_number, narrow.uprn) == (None, None)
    keep = {"event_id", "source", "file", "file_sequence_number", "registration_transaction_number", "uprn"}
    fields = [f.name for f in dataclasses.fields(RegistrationConfirmed) if f.name not in keep]
    assert {name: getattr(narrow, name) for name in fields} == {name: getattr(wide, name) for name in fields}


def test_a_492_of_another_width_is_rejected_naming_both(read: Reader) -> None:
    result = read("d0217_wrong_width.txt")
    (rejection,) = result.rejections
    assert rejection.line == 3 and rejection.group == "492"
    assert "has 37 fields: 38 are defined, or 36 without registration transaction number and UPRN" in (
        rejection.reason
    )
    assert [e.mpan for e in result.events] == ["1900000000013"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "line", "group", "words", "events"),
    [
        ("d0010_no_meter.txt", 2, "026", "026 (MPAN cores) at line 2 has no 028 (meter / reading type)", 1),
        ("d0086_no_meter.txt", 2, "196", "196 (MPAN cores) at line 2 has no 197", 0),
        ("d0004_no_site_visit.txt", 2, "014", "015 (attempted reading details) at line 3 has no 016", 1),
        ("d0217_two_file_sequences.txt", 5, "754", "at most 1 per file, this is number 2", 1),
        ("d0010_two_same_validations.txt", 6, "032", "at most 1 per 030 (register readings) record", 1),
    ],
)
def test_mandatory_multiplicities(
    read: Reader, name: str, line: int, group: str, words: str, events: int
) -> None:
    result = read(name)
    (rejection,) = result.rejections
    assert (rejection.line, rejection.group) == (line, group)
    assert words in rejection.reason
    assert len(result.events) == events
    assert result.report.rejected == 1


def test_an_event_group_without_its_mandatory_child_takes_its_records_with_it(read: Reader) -> None:
    (rejection,) = read("d0010_no_meter.txt").rejections
    assert rejection.children == 1  # the 027 under it


def test_numeric_widths(read: Reader) -> None:
    result = read("d0010_number_widths.txt")
    assert [(r.line, r.field) for r in result.rejections] == [
        (4, "register reading"),
        (6, "register reading"),
        (7, "number of MD resets"),
    ]
    assert "'1234567890.5' does not fit NUM(9,1)" in result.rejections[0].reason
    assert "'56311.25' does not fit NUM(9,1)" in result.rejections[1].reason
    assert "'1000' does not fit NUM(3)" in result.rejections[2].reason
    (event,) = result.events
    assert isinstance(event, MeterReadingsReceived)
    assert [(r.register_id, r.value, r.md_resets) for r in event.meters[0].registers] == [
        ("02", Decimal("123456789.5"), None),
        ("05", Decimal("56311.0"), 999),
    ]


def test_initiating_flow_indicator_is_one_digit(read: Reader) -> None:
    result = read("d0300_initiating_flow_too_wide.txt")
    (rejection,) = result.rejections
    assert (rejection.line, rejection.field) == (3, "initiating flow indicator")
    assert "'12' does not fit NUM(1): at most 1 digit" in rejection.reason


@pytest.mark.parametrize(
    ("name", "shown"),
    [("d0010_short_flow_reference.txt", "'D001002'"), ("d0010_split_flow_reference.txt", "'D0010'")],
)
def test_a_flow_reference_not_8_characters_is_named(read: Reader, name: str, shown: str) -> None:
    result = read(name)
    (rejection,) = result.rejections
    assert rejection.field == "flow reference"
    assert f"flow reference {shown} is not 8 characters" in rejection.reason
    assert "creation timestamp" not in rejection.reason
