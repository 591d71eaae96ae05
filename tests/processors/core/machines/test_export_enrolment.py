"""Given-when-then scenarios of export enrolment, across the import and export MPAN keys."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from gwt_core import (
    ENG,
    EXPORT,
    Scenario,
    at,
    customer_reading,
    d0010,
    d0217,
    export_allocated,
    export_cancelled,
    export_refused,
    export_submitted,
    midnight,
    moved_out,
    registered,
)

from processors.vocabulary.events import (
    CertificateScheme,
    DayClosed,
    ExportTariff,
    GenerationCertificate,
    SmartMeterStatus,
)
from processors.vocabulary.events.internal import ExportMpanLinked, ExportTariffEnded

APPLIED_ON = date(2024, 3, 1)
ALLOCATED_ON = date(2024, 3, 15)
REGISTERED_ON = date(2024, 3, 22)
EXPORT_SSD = date(2024, 3, 25)


def import_point() -> list:
    return [registered(ENG, "smart_nhh", date(2023, 1, 1))]


def enrolled(first_reading_on: date | None = date(2024, 3, 27)) -> list:
    events = [
        *import_point(),
        export_submitted("APP-1", ENG, on=APPLIED_ON),
        export_allocated("APP-1", ENG, EXPORT, on=ALLOCATED_ON),
        d0217(EXPORT, EXPORT_SSD, on=REGISTERED_ON),
    ]
    if first_reading_on is not None:
        events.append(d0010(EXPORT, midnight(first_reading_on), on=first_reading_on, value="12.5"))
    return events


def test_eligible_application_runs_through_to_crediting() -> None:
    s = Scenario().play(enrolled(), until=date(2024, 4, 1))
    assert s.timeline() == [
        ("ApplyForExportMpan", APPLIED_ON),
        ("RegisterExportMpan", ALLOCATED_ON),
        ("ConfigureExport", REGISTERED_ON),
        ("RequestFirstExportReading", REGISTERED_ON),
        ("StartExportCredit", date(2024, 3, 27)),
    ]
    assert s.one("ApplyForExportMpan").import_mpan == ENG
    register = s.one("RegisterExportMpan")
    assert (register.application_id, register.export_mpan, register.import_mpan) == ("APP-1", EXPORT, ENG)
    configure = s.one("ConfigureExport")
    assert (configure.export_mpan, configure.import_mpan, configure.ssd) == (EXPORT, ENG, EXPORT_SSD)
    credit = s.one("StartExportCredit")
    assert (credit.export_mpan, credit.tariff, credit.reading.value) == (EXPORT, "SEG", Decimal("12.5"))
    label = s.engine.subject_label
    assert label(EXPORT) == "export_crediting"
    assert label(ENG) == "export_registered"


def test_first_export_reading_can_be_a_customer_photo_reading() -> None:
    events = [
        *enrolled(first_reading_on=None),
        customer_reading(EXPORT, date(2024, 3, 28), on=date(2024, 3, 28)),
    ]
    events.append(customer_reading(EXPORT, date(2024, 3, 29), on=date(2024, 3, 29), photo=True, value="3.5"))
    s = Scenario().play(events, until=date(2024, 4, 1))
    credit = s.one("StartExportCredit")
    assert (credit.issued_on, credit.reading.source, credit.reading.value) == (
        date(2024, 3, 29),
        "customer",
        3.5,
    )


def test_allocation_hands_the_link_to_the_export_mpan_with_a_deterministic_follow_up() -> None:
    s = Scenario()
    s.play([*import_point(), export_submitted("APP-1", ENG, on=APPLIED_ON)], until=APPLIED_ON)
    allocation = export_allocated("APP-1", ENG, EXPORT, on=ALLOCATED_ON, event_id="alloc-x")
    assert s.engine.handle(allocation).commands == []
    result = s.engine.handle(DayClosed.for_day(ALLOCATED_ON, allocation.occurred_at))
    assert [c.type for c in result.commands] == ["RegisterExportMpan"]
    [link] = result.follow_ups
    assert isinstance(link, ExportMpanLinked)
    assert (link.mpan, link.partition_key, link.import_mpan, link.tariff) == (EXPORT, EXPORT, ENG, "SEG")
    assert link.event_id == f"alloc-x>export_linked/{EXPORT}"
    assert link.day == ALLOCATED_ON


@pytest.mark.parametrize(
    ("overrides", "codes"),
    [
        ({"domestic": False}, ["not_domestic"]),
        ({"in_gb": False}, ["outside_gb"]),
        ({"brand_eligible": False}, ["brand_ineligible"]),
        ({"technology": "diesel_generator"}, ["technology_ineligible"]),
        ({"capacity_kw": Decimal("5000.1")}, ["capacity_over_limit"]),
        ({"technology": "micro_chp", "capacity_kw": Decimal("50.5")}, ["capacity_over_limit"]),
        ({"mcs_certificate": None}, ["no_certificate"]),
        (
            {
                "mcs_certificate": GenerationCertificate(
                    number="X", scheme=CertificateScheme.FLEXI_ORB, address="2 Low Rd", mpan=ENG
                )
            },
            ["certificate_mismatch"],
        ),
        (
            {
                "mcs_certificate": GenerationCertificate(
                    number="X", scheme=CertificateScheme.MCS, address="1 High St, Leeds", mpan=EXPORT
                )
            },
            ["certificate_mismatch"],
        ),
        ({"dno_notification": None}, ["no_dno_notification"]),
        ({"fit_export_payments": True}, ["fit_export_payments"]),
        ({"other_export_support": True}, ["other_export_support"]),
        ({"smart_meter": SmartMeterStatus(working=False, connected=True)}, ["smart_meter_not_working"]),
        ({"smart_meter": SmartMeterStatus(working=True, connected=False)}, ["smart_meter_not_connected"]),
        (
            {"tariff": ExportTariff.FLUX, "smart_meter": SmartMeterStatus(working=True, connected=False)},
            ["smart_meter_not_connected"],
        ),
        (
            {
                "domestic": False,
                "in_gb": False,
                "smart_meter": SmartMeterStatus(working=False, connected=False),
            },
            ["not_domestic", "outside_gb", "smart_meter_not_working", "smart_meter_not_connected"],
        ),
    ],
)
def test_every_rejection_code(overrides: dict, codes: list[str]) -> None:
    s = Scenario().play(
        [*import_point(), export_submitted("APP-1", ENG, on=APPLIED_ON, **overrides)], until=APPLIED_ON
    )
    reject = s.one("RejectExportApplication")
    assert [str(r) for r in reject.reasons] == codes
    assert (reject.application_id, reject.import_mpan) == ("APP-1", ENG)
    assert s.of_type("ApplyForExportMpan") == []


def test_seg_with_manual_export_reads_may_have_an_unconnected_meter() -> None:
    app = export_submitted(
        "APP-1",
        ENG,
        on=APPLIED_ON,
        manual_export_reads=True,
        smart_meter=SmartMeterStatus(working=True, connected=False),
        capacity_kw=Decimal(5000),
        address="1 high st leeds",
    )
    s = Scenario().play([*import_point(), app], until=APPLIED_ON)
    assert [t for t, _ in s.timeline()] == ["ApplyForExportMpan"]


def test_no_export_mpan_after_28_days_escalates_once() -> None:
    s = Scenario().play(
        [*import_point(), export_submitted("APP-1", ENG, on=APPLIED_ON)], until=date(2024, 5, 30)
    )
    escalation = s.one("EscalateExportMpanDelay")
    assert (escalation.issued_on, escalation.requested_on) == (APPLIED_ON + timedelta(days=28), APPLIED_ON)


def test_allocation_on_day_28_is_in_time() -> None:
    events = [
        *import_point(),
        export_submitted("APP-1", ENG, on=APPLIED_ON),
        export_allocated("APP-1", ENG, EXPORT, on=APPLIED_ON + timedelta(days=28)),
    ]
    s = Scenario().play(events, until=date(2024, 5, 30))
    assert s.of_type("EscalateExportMpanDelay") == []


def test_refusal_stops_the_escalation() -> None:
    events = [*import_point(), export_submitted("APP-1", ENG, on=APPLIED_ON)]
    events.append(export_refused("APP-1", ENG, on=date(2024, 3, 10)))
    s = Scenario().play(events, until=date(2024, 5, 30))
    assert [t for t, _ in s.timeline()] == ["ApplyForExportMpan"]


def test_cancellation_in_cooling_off_before_registration_withdraws_the_application() -> None:
    events = [
        *import_point(),
        export_submitted("APP-1", ENG, on=APPLIED_ON),
        export_allocated("APP-1", ENG, EXPORT, on=date(2024, 3, 8)),
        export_cancelled("APP-1", ENG, on=date(2024, 3, 10)),
        d0217(EXPORT, EXPORT_SSD, on=REGISTERED_ON),
    ]
    s = Scenario().play(events, until=date(2024, 5, 30))
    assert [t for t, _ in s.timeline()] == [
        "ApplyForExportMpan",
        "RegisterExportMpan",
        "WithdrawExportApplication",
    ]
    assert s.one("WithdrawExportApplication").application_id == "APP-1"


def test_cancellation_after_enrolment_ends_the_tariff_and_stops_the_90_day_clock() -> None:
    events = [*enrolled(), export_cancelled("APP-1", ENG, on=date(2024, 4, 10))]
    s = Scenario().play(events, until=date(2024, 8, 30))
    end = s.one("EndExportTariff")
    assert (end.export_mpan, end.end_date, end.reason, end.issued_on) == (
        EXPORT,
        date(2024, 4, 10),
        "cancelled",
        date(2024, 4, 10),
    )
    assert s.of_type("SwitchToManualExportReadings") == []
    assert s.engine.subject_label(EXPORT) == "export_ended"


def test_cancellation_within_14_days_of_applying_is_a_cooling_off_end() -> None:
    events = enrolled()[:-1]
    events[2] = export_allocated("APP-1", ENG, EXPORT, on=date(2024, 3, 4))
    events[3] = d0217(EXPORT, date(2024, 3, 9), on=date(2024, 3, 8))
    events.append(export_cancelled("APP-1", ENG, on=APPLIED_ON + timedelta(days=14)))
    s = Scenario().play(events, until=date(2024, 4, 1))
    assert s.one("EndExportTariff").reason == "cooling_off"


def test_cancelling_a_rejected_application_is_an_anomaly() -> None:
    events = [*import_point(), export_submitted("APP-1", ENG, on=APPLIED_ON, domestic=False)]
    events.append(export_cancelled("APP-1", ENG, on=date(2024, 3, 3)))
    s = Scenario().play(events, until=date(2024, 3, 5))
    assert [t for t, _ in s.timeline()] == ["RejectExportApplication"]
    assert s.anomaly_kinds() == ["export_application_closed"]


def test_more_than_90_days_without_export_readings_switches_to_manual_readings_on_day_91() -> None:
    """Issue 11 item 4: "more than 90 days" fires on day 91, as the dispute fires on day 31."""
    events = [*enrolled(), d0010(EXPORT, midnight(date(2024, 4, 5)), on=date(2024, 4, 6))]
    s = Scenario().play(events, until=date(2024, 8, 30))
    manual = s.one("SwitchToManualExportReadings")
    assert (manual.issued_on, manual.last_reading_on) == (
        date(2024, 4, 5) + timedelta(days=91),
        date(2024, 4, 5),
    )
    assert s.engine.subject_label(EXPORT) == "export_manual"


def test_move_out_ends_the_export_tariff_on_the_move_out_day() -> None:
    events = [*enrolled(), moved_out(ENG, date(2024, 5, 31), on=date(2024, 5, 20))]
    s = Scenario().play(events, until=date(2024, 6, 5))
    end = s.one("EndExportTariff")
    assert (end.export_mpan, end.end_date, end.reason, end.issued_on) == (
        EXPORT,
        date(2024, 5, 31),
        "move_out",
        date(2024, 5, 20),
    )
    assert s.of_type("SwitchToManualExportReadings") == []


def test_move_out_before_registration_withdraws_the_application() -> None:
    events = [*import_point(), export_submitted("APP-1", ENG, on=APPLIED_ON)]
    events.append(moved_out(ENG, date(2024, 3, 20), on=date(2024, 3, 10)))
    s = Scenario().play(events, until=date(2024, 4, 1))
    assert [t for t, _ in s.timeline()] == ["ApplyForExportMpan", "WithdrawExportApplication"]


def test_unknown_application_events_are_anomalies() -> None:
    events = [*import_point(), export_allocated("APP-9", ENG, EXPORT, on=APPLIED_ON)]
    s = Scenario().play(events, until=APPLIED_ON)
    assert s.commands == []
    assert s.anomaly_kinds() == ["unknown_export_application"]


def test_a_d0217_that_arrives_before_the_link_is_acted_on_when_the_link_arrives() -> None:
    s = Scenario().play(import_point(), until=date(2024, 3, 1))
    registration = d0217(EXPORT, EXPORT_SSD, on=date(2024, 3, 5), event_id="d217-early")
    s.play([registration], until=date(2024, 3, 5))
    assert s.commands == []
    link = ExportMpanLinked(
        event_id="alloc>export_linked",
        occurred_at=at(date(2024, 3, 6)),
        mpan=EXPORT,
        application_id="APP-1",
        import_mpan=ENG,
        tariff="FLUX",
    )
    s.play([link], until=date(2024, 3, 6))
    configure = s.one("ConfigureExport")
    assert (configure.cause, configure.ssd, configure.issued_on) == (
        "d217-early",
        EXPORT_SSD,
        date(2024, 3, 6),
    )
    assert s.one("RequestFirstExportReading").cause == "d217-early"


def test_export_side_ends_the_tariff_when_the_import_side_did_not_know_it_was_configured() -> None:
    s = Scenario().play(enrolled(), until=date(2024, 4, 1))
    ended = ExportTariffEnded(
        event_id="cancel-x>export_ended",
        occurred_at=at(date(2024, 4, 2)),
        mpan=EXPORT,
        application_id="APP-1",
        import_mpan=ENG,
        end_date=date(2024, 4, 2),
        reason="cancelled",
        command_issued=False,
    )
    s.play([ended, ended], until=date(2024, 4, 2))
    end = s.one("EndExportTariff")
    assert (end.export_mpan, end.end_date, end.reason, end.cause) == (
        EXPORT,
        date(2024, 4, 2),
        "cancelled",
        ended.event_id,
    )
    s.pass_days_through(date(2024, 9, 1))
    assert s.of_type("SwitchToManualExportReadings") == []


def test_export_readings_before_the_export_ssd_do_not_start_crediting() -> None:
    events = [
        *enrolled(first_reading_on=None),
        d0010(EXPORT, midnight(date(2024, 3, 24)), on=date(2024, 3, 24)),
    ]
    s = Scenario().play(events, until=date(2024, 3, 30))
    assert s.of_type("StartExportCredit") == []
