"""Each supported flow mapped to its domain event, with every field of the flow kept."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

from flow_helpers import FIXTURES, Read

from flows import peek_dtc_header
from flows.catalogue import CATALOGUE
from processors.vocabulary.events import (
    AppointedAgent,
    BscValidationStatus,
    CosReadingDisputed,
    CosReadingRejectionCode,
    CosReadingsNotified,
    MeterReadingsReceived,
    OldSupplierRegistrationNotified,
    ProposedReadingStatus,
    ReadingMethod,
    ReadingNotObtained,
    ReadingType,
    RegistrationConfirmed,
    RelatedMpan,
    SiteVisit,
    Source,
    ValidationResult,
)

Reader = Callable[[str], Read]


def test_d0010_keeps_every_field(read: Reader) -> None:
    first, second = read("d0010_valid.txt").events
    assert isinstance(first, MeterReadingsReceived)
    assert first.event_id == "UDMS/F000000001/2"
    assert first.source == Source(path=first.source.path, line=2)  # type: ignore[union-attr]
    assert first.occurred_at == datetime(2024, 3, 1, 12, 0, tzinfo=first.occurred_at.tzinfo)
    assert first.occurred_at.utcoffset() == timedelta(0)
    assert first.day == date(2024, 3, 1)
    assert first.file.flow == "D0010" and first.file.version == "002"
    assert (first.file.from_role, first.file.from_mpid, first.file.to_role, first.file.to_mpid) == (
        "D",
        "UDMS",
        "X",
        "MRCY",
    )
    assert first.mpan == "1200023305967" and first.partition_key == "1200023305967"
    assert first.validation_status is BscValidationStatus.VALIDATED
    assert first.site_visits == (
        SiteVisit(check_code="42", additional_information="site capable of exporting"),
    )
    meter, customer = first.meters
    assert (meter.meter_id, meter.reading_type) == ("F75A 00802", ReadingType.ROUTINE)
    one, two = meter.registers
    assert one.register_id == "01"
    assert one.read_at == datetime(2024, 2, 29)
    assert one.value == Decimal("56311.0")
    assert one.reading_method is ReadingMethod.NOT_VIEWED
    assert one.validation == ValidationResult(reason_code="00", valid=True)
    assert one.site_visits == (SiteVisit(check_code="01"),)
    assert two.value == Decimal("1022.5") and two.site_visits == ()
    assert customer.reading_type is ReadingType.CUSTOMER_OWN
    assert customer.site_visits == (SiteVisit(check_code="05", additional_information="customer read"),)
    (md,) = customer.registers
    assert (md.md_reset_at, md.md_resets, md.reading_flag) == (datetime(2024, 2, 1), 3, True)
    assert md.reading_method is ReadingMethod.VIEWED_ON_SITE and md.validation is None
    assert isinstance(second, MeterReadingsReceived)
    assert second.validation_status is BscValidationStatus.NOT_VALIDATED
    hh = second.meters[0]
    assert hh.reading_type is ReadingType.SUPPLIER_AGREED_SWITCH
    assert [r.read_at for r in hh.registers] == [datetime(2024, 2, 29, 23, 59, 59)] * 2


def test_events_equal_those_built_the_ordinary_way(read: Reader) -> None:
    """The fast constructors build the same objects as the dataclass constructors."""
    event = read("d0010_valid.txt").events[0]
    assert isinstance(event, MeterReadingsReceived)
    register = event.meters[0].registers[0]
    rebuilt = type(register)(
        register_id=register.register_id,
        read_at=register.read_at,
        value=register.value,
        reading_method=register.reading_method,
        validation=register.validation,
        site_visits=register.site_visits,
    )
    assert rebuilt == register and hash(rebuilt) == hash(register)


def test_d0086_is_a_cos_reading_notification(read: Reader) -> None:
    (event,) = read("d0086_valid.txt").events
    assert isinstance(event, CosReadingsNotified)
    assert event.event_id == "UDMS/C000000042/2"
    assert event.site_visits == (SiteVisit(check_code="42"),)
    (meter,) = event.meters
    assert meter.reading_type is ReadingType.DEEMED
    assert meter.site_visits == (SiteVisit(check_code="01"),)
    first, second = meter.registers
    assert first.validation == ValidationResult(reason_code="00", valid=True)
    assert first.site_visits == (SiteVisit(check_code="02", additional_information="deemed"),)
    assert (second.value, second.validation) == (Decimal("1030.0"), None)


def test_d0300_keeps_address_meters_and_registers(read: Reader) -> None:
    first, second = read("d0300_valid.txt").events
    assert isinstance(first, CosReadingDisputed)
    assert (first.mpan, first.process_code, first.ssd) == ("1200023305967", "D", date(2024, 3, 1))
    assert first.address_lines == ("Flat 2", "10 High Street", "", "", "", "", "", "LONDON", "")
    assert first.postcode == "SW1A 1AA"
    assert first.additional_information == "customer disputes opening read"
    assert first.rejection_reason is None
    (meter,) = first.meters
    assert (meter.meter_id, meter.initiating_flow) == ("F75A 00802", 1)
    low, other = meter.registers
    assert low.reading == Decimal("56400.0") and low.reading_type is ReadingType.ACTUAL_COS
    assert low.rejection_code is CosReadingRejectionCode.TOO_LOW
    assert (
        low.proposed_reading == Decimal("56100.0") and low.proposed_status is ProposedReadingStatus.PROPOSED
    )
    assert other.rejection_code is None
    assert isinstance(second, CosReadingDisputed)
    (missing,) = second.meters
    assert missing.meter_id is None and missing.initiating_flow == 2
    (requested,) = missing.registers
    assert requested.register_id == "" and requested.reading is None
    assert requested.proposed_status is ProposedReadingStatus.REQUESTED


def test_d0300_without_an_address_is_rejected(read: Reader) -> None:
    result = read("d0300_no_address.txt")
    (rejection,) = result.rejections
    assert (rejection.line, rejection.field, rejection.children) == (2, "address", 2)
    assert result.events == []


def test_d0300_with_trailing_optional_fields_left_off(read: Reader) -> None:
    (event,) = read("d0300_short_records.txt").events
    assert isinstance(event, CosReadingDisputed)
    assert event.additional_information is None and event.rejection_reason is None


def test_d0004_attempts_and_site_visits(read: Reader) -> None:
    first, second = read("d0004_valid.txt").events
    assert isinstance(first, ReadingNotObtained)
    (attempt,) = first.attempts
    assert (attempt.meter_id, attempt.reading_type) == ("F75A 00802", ReadingType.ROUTINE)
    assert attempt.attempted_at == datetime(2024, 3, 1, 14, 15)
    assert attempt.site_visits == (
        SiteVisit(check_code="03", additional_information="no access: dog"),
        SiteVisit(check_code="07"),
    )
    assert isinstance(second, ReadingNotObtained)
    assert second.attempts[0].site_visits == (SiteVisit(check_code="01"),)  # optional text left off


def test_d0217_one_event_per_registration(read: Reader) -> None:
    first, second = read("d0217_valid.txt").events
    assert isinstance(first, RegistrationConfirmed)
    assert first.event_id == "EELC/R000000555/3"  # the 492 record, not the shared 754
    assert first.file_sequence_number == "000000000042"
    assert (first.instruction_number, first.instruction_type, first.mpan) == (
        "100000000001",
        "REGI",
        "1200023305967",
    )
    assert (first.deemed_received_on, first.ssd) == (date(2024, 2, 15), date(2024, 3, 1))
    assert first.address_lines[:2] == ("Flat 2", "10 High Street") and first.address_lines[7] == "LONDON"
    assert first.postcode == "SW1A 1AA"
    assert (first.llfc_id, first.gsp_group, first.energisation_status, first.measurement_class) == (
        "021",
        "_C",
        "E",
        "A",
    )
    assert (first.meter_timeswitch_class, first.profile_class, first.standard_settlement_configuration) == (
        "845",
        "01",
        "0393",
    )
    assert first.data_aggregator == AppointedAgent(mpid="EELC", agent_type="A")
    assert first.data_collector == AppointedAgent(mpid="UDMS", agent_type="N")
    assert first.meter_operator == AppointedAgent(mpid="LOND", agent_type="M")
    assert (first.smets_version, first.smso_id, first.smso_effective_from) == (
        "SMETS2",
        "DCC1",
        date(2023, 1, 1),
    )
    assert (first.ihd_status, first.ihd_status_date) == ("I", date(2023, 1, 5))
    assert (first.dcc_service_flag, first.dcc_service_date) == ("A", date(2023, 1, 6))
    assert first.related_mpan_indicator == "T"
    assert first.related_mpans == (RelatedMpan(primary_mpan="1200023305967", secondary_mpan="1200023305976"),)
    assert isinstance(second, RegistrationConfirmed)
    assert second.data_aggregator is None and second.llfc_id is None and second.gsp_group == "_B"
    assert second.related_mpans == () and second.related_mpan_indicator == "F"


def test_d0260_old_supplier_details(read: Reader) -> None:
    (event,) = read("d0260_valid.txt").events
    assert isinstance(event, OldSupplierRegistrationNotified)
    assert event.event_id == "EELC/R000000556/3"
    assert (event.file_sequence_number, event.mpan, event.ssd, event.old_supplier) == (
        "000000000043",
        "1200023305967",
        date(2024, 3, 1),
        "BGAS",
    )
    assert event.meter_operator == AppointedAgent(mpid="LOND", agent_type="M")
    assert (event.smso_effective_from, event.ihd_status_date) == (date(2023, 1, 1), date(2023, 1, 5))
    assert event.related_mpans == (RelatedMpan(primary_mpan="1200023305967", secondary_mpan="1200023305976"),)


def test_every_catalogue_field_reaches_the_event(read: Reader) -> None:
    """No field dropped: each group's field count matches what the mappers consume."""
    counts = {ref: {g.code: len(g.fields) for g in s.groups} for ref, s in CATALOGUE.items()}
    assert counts["D0217002"]["492"] == 38  # DTC 15.4 D0217 v002 (36 accepted: test_layouts.py)
    assert counts["D0260002"]["758"] == 22
    assert counts["D0300001"] == {"58C": 15, "59C": 2, "60C": 6}
    assert counts["D0010002"]["030"] == 7


def test_peek_reads_only_the_header() -> None:
    header = peek_dtc_header(FIXTURES / "d0010_truncated.txt")
    assert header is not None and header.key == "UDMS/F000000001"
    assert header.created_at.isoformat() == "2024-03-01T12:00:00+00:00"
    assert peek_dtc_header(FIXTURES / "binary_junk.bin") is None
    assert peek_dtc_header(FIXTURES / "empty.txt") is None
    assert peek_dtc_header(FIXTURES / "no such file") is None
