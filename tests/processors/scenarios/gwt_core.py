"""Given-when-then for the core: build events, let days pass, read the commands.

`Scenario` drives an `Engine` the way replay does: events in event-time order, a day
tick after each day, follow-ups fed back at once.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from processors.core.engine import Engine, Outcome
from processors.core.policy import DEFAULT_POLICY, Policy
from processors.vocabulary.anomalies import Anomaly
from processors.vocabulary.commands import Command
from processors.vocabulary.events import (
    UK,
    AccountPaymentCleared,
    AccountPaymentOverdue,
    BscValidationStatus,
    CertificateScheme,
    CosReadingDisputed,
    CosReadingRejectionCode,
    CosReadingsNotified,
    CustomerMovedOut,
    CustomerReadingReceived,
    DayClosed,
    DisputedMeter,
    DisputedRegister,
    DnoNotification,
    DomainEvent,
    DtcFile,
    ExportApplicationCancelled,
    ExportApplicationSubmitted,
    ExportMpanAllocated,
    ExportMpanRefused,
    ExportTariff,
    GenerationCertificate,
    MeterKind,
    MeterReadings,
    MeterReadingsReceived,
    OldSupplierRegistrationNotified,
    ProposedReadingStatus,
    ReadingAttempt,
    ReadingMethod,
    ReadingNotObtained,
    ReadingType,
    RefundPaid,
    RegisterReading,
    RegistrationConfirmed,
    RelatedMpan,
    SmartMeterReadingTaken,
    SmartMeterStatus,
    SmartRegisterValue,
    SupplyPointRegistered,
    SwitchSecured,
    SwitchWithdrawn,
    ValidationResult,
)
from processors.vocabulary.mpan import check_digit

_ids = itertools.count(1)


def make_mpan(distributor: str, serial: int) -> str:
    """A valid MPAN core for distributor `distributor` (two digits)."""
    first12 = f"{distributor}{serial:010d}"
    return first12 + str(check_digit(first12))


ENG = make_mpan("10", 1)
ENG2 = make_mpan("12", 2)
SCT = make_mpan("17", 3)
EXPORT = make_mpan("10", 900)


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UK)


def _id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def _file(day: date, flow: str, test: bool = False) -> DtcFile:
    return DtcFile(
        file_id=_id("F"),
        flow=flow,
        version="001",
        from_role="D",
        from_mpid="DCOL",
        to_role="X",
        to_mpid="SUPP",
        created_at=at(day),
        test_flag="TEST" if test else "OPER",
    )


def registered(mpan: str, kind: str, ssd: date, on: date | None = None, **kw: Any) -> SupplyPointRegistered:
    return SupplyPointRegistered(
        event_id=kw.get("event_id", _id("reg")),
        occurred_at=at(on or ssd),
        mpan=mpan,
        account_id=kw.get("account_id", "A-1"),
        meter_kind=MeterKind(kind),
        ssd=ssd,
    )


def secured(mpan: str, ssd: date, on: date, gaining: str = "GAIN", **kw: Any) -> SwitchSecured:
    return SwitchSecured(
        event_id=kw.get("event_id", _id("sec")),
        occurred_at=at(on),
        mpan=mpan,
        ssd=ssd,
        gaining_supplier=gaining,
    )


def withdrawn(mpan: str, ssd: date, on: date, **kw: Any) -> SwitchWithdrawn:
    return SwitchWithdrawn(event_id=kw.get("event_id", _id("wd")), occurred_at=at(on), mpan=mpan, ssd=ssd)


def moved_out(mpan: str, move_out: date, on: date, **kw: Any) -> CustomerMovedOut:
    return CustomerMovedOut(
        event_id=kw.get("event_id", _id("mo")),
        occurred_at=at(on),
        mpan=mpan,
        account_id="A-1",
        move_out_date=move_out,
    )


def customer_reading(
    mpan: str, read_on: date, on: date, value: str = "1234", photo: bool = False, **kw: Any
) -> CustomerReadingReceived:
    return CustomerReadingReceived(
        event_id=kw.get("event_id", _id("cr")),
        occurred_at=at(on),
        mpan=mpan,
        read_on=read_on,
        value=Decimal(value),
        meter_id="M1",
        register_id="1",
        photo=photo,
    )


def _meters(read_at: datetime, value: str, reading_type: str) -> tuple[MeterReadings, ...]:
    return (
        MeterReadings(
            meter_id="M1",
            reading_type=ReadingType(reading_type),
            registers=(
                RegisterReading(
                    register_id="1",
                    read_at=read_at,
                    value=Decimal(value),
                    reading_method=ReadingMethod.NOT_VIEWED,
                ),
            ),
        ),
    )


def d0010(
    mpan: str,
    read_at: datetime,
    on: date,
    value: str = "5000",
    reading_type: str = "R",
    test: bool = False,
    **kw: Any,
) -> MeterReadingsReceived:
    """A D0010 group; `read_at` is the naive UK clock time of the reading."""
    f = _file(on, "D0010", test)
    return MeterReadingsReceived(
        event_id=kw.get("event_id", f"DCOL/{f.file_id}/2"),
        occurred_at=at(on),
        file=f,
        test_data=f.is_test_data,
        mpan=mpan,
        validation_status=BscValidationStatus.VALIDATED,
        meters=_meters(read_at, value, reading_type),
    )


def d0086(
    mpan: str,
    read_at: datetime,
    on: date,
    value: str = "4321",
    status: str = "V",
    test: bool = False,
    **kw: Any,
) -> CosReadingsNotified:
    f = _file(on, "D0086", test)
    return CosReadingsNotified(
        event_id=kw.get("event_id", f"DCOL/{f.file_id}/2"),
        occurred_at=at(on),
        file=f,
        test_data=f.is_test_data,
        mpan=mpan,
        validation_status=BscValidationStatus(status),
        meters=_meters(read_at, value, "A"),
    )


def d0217(
    mpan: str, ssd: date, on: date, related: tuple[tuple[str, str], ...] = (), **kw: Any
) -> RegistrationConfirmed:
    f = _file(on, "D0217")
    return RegistrationConfirmed(
        event_id=kw.get("event_id", f"MRA/{f.file_id}/3"),
        occurred_at=at(on),
        file=f,
        file_sequence_number="1",
        instruction_number="1",
        instruction_type="REG",
        mpan=mpan,
        deemed_received_on=None,
        ssd=ssd,
        related_mpans=tuple(RelatedMpan(primary_mpan=a, secondary_mpan=b) for a, b in related),
    )


def export_submitted(
    application_id: str, import_mpan: str, on: date, **overrides: Any
) -> ExportApplicationSubmitted:
    """An eligible application; override any field to make it ineligible."""
    fields: dict[str, Any] = {
        "event_id": _id("app"),
        "occurred_at": at(on),
        "application_id": application_id,
        "import_mpan": import_mpan,
        "account_id": "A-1",
        "tariff": ExportTariff.SEG,
        "technology": "solar_pv",
        "capacity_kw": Decimal("4.0"),
        "domestic": True,
        "in_gb": True,
        "brand_eligible": True,
        "mcs_certificate": GenerationCertificate(
            number="MCS-1", scheme=CertificateScheme.MCS, address="1 High St, Leeds", mpan=import_mpan
        ),
        "dno_notification": DnoNotification.G98,
        "fit_export_payments": False,
        "other_export_support": False,
        "smart_meter": SmartMeterStatus(working=True, connected=True),
        "address": "1 High St, Leeds",
        "manual_export_reads": False,
    }
    fields.update(overrides)
    return ExportApplicationSubmitted(**fields)


def export_cancelled(
    application_id: str, import_mpan: str, on: date, **kw: Any
) -> ExportApplicationCancelled:
    return ExportApplicationCancelled(
        event_id=kw.get("event_id", _id("cancel")),
        occurred_at=at(on),
        application_id=application_id,
        import_mpan=import_mpan,
    )


def export_allocated(
    application_id: str, import_mpan: str, export_mpan: str, on: date, **kw: Any
) -> ExportMpanAllocated:
    return ExportMpanAllocated(
        event_id=kw.get("event_id", _id("alloc")),
        occurred_at=at(on),
        application_id=application_id,
        import_mpan=import_mpan,
        export_mpan=export_mpan,
    )


def export_refused(application_id: str, import_mpan: str, on: date, **kw: Any) -> ExportMpanRefused:
    return ExportMpanRefused(
        event_id=kw.get("event_id", _id("refuse")),
        occurred_at=at(on),
        application_id=application_id,
        import_mpan=import_mpan,
        reason="network constraint",
    )


def registers(
    read_at: datetime, values: dict[str, str], flag: bool | None = None, valid: bool | None = None
) -> tuple[RegisterReading, ...]:
    """Register readings (register id -> value) at `read_at`, with an optional meter reading
    flag and 032 / 07A validation status."""
    return tuple(
        RegisterReading(
            register_id=register_id,
            read_at=read_at,
            value=Decimal(value),
            reading_method=ReadingMethod.NOT_VIEWED,
            reading_flag=flag,
            validation=None if valid is None else ValidationResult(reason_code="00", valid=valid),
        )
        for register_id, value in values.items()
    )


def d0010_registers(
    mpan: str,
    on: date,
    regs: tuple[RegisterReading, ...],
    reading_type: str = "R",
    status: str = "V",
    meter_id: str = "M1",
) -> MeterReadingsReceived:
    """A D0010 group of one meter with several registers (and its quality marks)."""
    f = _file(on, "D0010")
    return MeterReadingsReceived(
        event_id=f"DCOL/{f.file_id}/2",
        occurred_at=at(on),
        file=f,
        mpan=mpan,
        validation_status=BscValidationStatus(status),
        meters=(MeterReadings(meter_id=meter_id, reading_type=ReadingType(reading_type), registers=regs),),
    )


def d0086_registers(
    mpan: str, on: date, regs: tuple[RegisterReading, ...], reading_type: str = "A", status: str = "V"
) -> CosReadingsNotified:
    """A D0086 group of one meter with several registers (and its quality marks)."""
    f = _file(on, "D0086")
    return CosReadingsNotified(
        event_id=f"DCOL/{f.file_id}/2",
        occurred_at=at(on),
        file=f,
        mpan=mpan,
        validation_status=BscValidationStatus(status),
        meters=(MeterReadings(meter_id="M1", reading_type=ReadingType(reading_type), registers=regs),),
    )


def smart_reading(
    mpan: str, read_on: date, on: date, values: dict[str, str] | None = None
) -> SmartMeterReadingTaken:
    """Our own smart meter read at the UK midnight that starts `read_on`."""
    return SmartMeterReadingTaken(
        event_id=_id("smart"),
        occurred_at=at(on),
        mpan=mpan,
        read_at=datetime.combine(read_on, time(0), tzinfo=UK),
        meter_id="M1",
        registers=tuple(
            SmartRegisterValue(register_id=k, value=Decimal(v)) for k, v in (values or {"1": "100"}).items()
        ),
    )


def d0300(
    mpan: str,
    ssd: date,
    on: date,
    status: str,
    proposed: dict[str, str] | None = None,
    code: str | None = "01",
) -> CosReadingDisputed:
    """An inbound D0300 about the CoS on `ssd`: `proposed` register id -> proposed reading."""
    f = _file(on, "D0300")
    regs = tuple(
        DisputedRegister(
            register_id=register_id,
            reading=None,
            reading_type=ReadingType.OLD_SUPPLIER_ESTIMATED_COS,
            rejection_code=None if code is None else CosReadingRejectionCode(code),
            proposed_reading=Decimal(value),
            proposed_status=ProposedReadingStatus(status),
        )
        for register_id, value in (proposed or {}).items()
    ) or (
        DisputedRegister(
            register_id="1",
            reading=None,
            reading_type=None,
            rejection_code=None,
            proposed_reading=None,
            proposed_status=ProposedReadingStatus(status),
        ),
    )
    return CosReadingDisputed(
        event_id=f"GAIN/{f.file_id}/2",
        occurred_at=at(on),
        file=f,
        mpan=mpan,
        process_code="D",
        ssd=ssd,
        address_lines=("1 High St", "", "", "", "", "", "", "", ""),
        postcode="LS1 1AA",
        meters=(DisputedMeter(meter_id="M1", initiating_flow=1, registers=regs),),
    )


def d0004(mpan: str, on: date, attempted: date | None = None) -> ReadingNotObtained:
    f = _file(on, "D0004")
    return ReadingNotObtained(
        event_id=f"DCOL/{f.file_id}/2",
        occurred_at=at(on),
        file=f,
        mpan=mpan,
        attempts=(
            ReadingAttempt(
                meter_id="M1",
                reading_type=ReadingType.ROUTINE,
                attempted_at=datetime.combine(attempted or on, time(10)),
            ),
        ),
    )


def d0260(
    mpan: str, ssd: date, on: date, related: tuple[tuple[str, str], ...] = ()
) -> OldSupplierRegistrationNotified:
    f = _file(on, "D0260")
    return OldSupplierRegistrationNotified(
        event_id=f"MRA/{f.file_id}/3",
        occurred_at=at(on),
        file=f,
        file_sequence_number="1",
        instruction_number="1",
        instruction_type="REGI",
        mpan=mpan,
        ssd=ssd,
        old_supplier="OLDS",
        related_mpans=tuple(RelatedMpan(primary_mpan=a, secondary_mpan=b) for a, b in related),
    )


def refund_paid(mpan: str, final_bill: str, on: date, amount: str = "12.34") -> RefundPaid:
    return RefundPaid(
        event_id=_id("refund"),
        occurred_at=at(on),
        mpan=mpan,
        final_bill=final_bill,
        paid_on=on,
        amount=Decimal(amount),
    )


def payment_overdue(account_id: str, on: date) -> AccountPaymentOverdue:
    return AccountPaymentOverdue(event_id=_id("overdue"), occurred_at=at(on), account_id=account_id, on=on)


def payment_cleared(account_id: str, on: date) -> AccountPaymentCleared:
    return AccountPaymentCleared(event_id=_id("cleared"), occurred_at=at(on), account_id=account_id, on=on)


def midnight(day: date) -> datetime:
    """NHH stamping of a reading on `day` (naive UK clock)."""
    return datetime.combine(day, time(0, 0, 0))


def hh_midnight(day: date) -> datetime:
    """HH stamping of the midnight that starts `day`: 23:59:59 of the day before."""
    return datetime.combine(day - timedelta(days=1), time(23, 59, 59))


class Scenario:
    """An engine driven like replay, recording everything it issues."""

    def __init__(self, policy: Policy = DEFAULT_POLICY, engine: Engine | None = None) -> None:
        self.engine = engine if engine is not None else Engine(policy)
        self.commands: list[Command] = []
        self.anomalies: list[Anomaly] = []

    def feed(self, event: DomainEvent) -> Outcome:
        outcome = self.engine.handle(event)
        self.commands.extend(outcome.commands)
        self.anomalies.extend(outcome.anomalies)
        for follow_up in outcome.follow_ups:
            self.feed(follow_up)
        return outcome

    def tick(self, day: date) -> None:
        self.feed(DayClosed.for_day(day, at(day, 23)))

    def given(self, *events: DomainEvent) -> Scenario:
        for event in events:
            self.feed(event)
        return self

    def pass_days_through(self, last: date) -> Scenario:
        """Close every day up to `last`, one tick a day."""
        start = self.engine.last_closed_day
        day = last if start is None else start + timedelta(days=1)
        while day <= last:
            self.tick(day)
            day += timedelta(days=1)
        return self

    def play(self, events: Iterable[DomainEvent], until: date) -> Scenario:
        """Events in event-time order (stable), a tick after each day through `until`."""
        ordered = sorted(events, key=lambda e: e.day)
        if not ordered:
            return self.pass_days_through(until)
        day = ordered[0].day if self.engine.last_closed_day is None else self.engine.last_closed_day
        index = 0
        while day <= until:
            while index < len(ordered) and ordered[index].day <= day:
                self.feed(ordered[index])
                index += 1
            self.tick(day)
            day += timedelta(days=1)
        return self

    def of_type(self, command_type: str) -> list[Command]:
        return [c for c in self.commands if c.type == command_type]

    def one(self, command_type: str) -> Any:
        found = self.of_type(command_type)
        assert len(found) == 1, (
            f"expected one {command_type}, got {[(c.type, c.issued_on) for c in self.commands]}"
        )
        return found[0]

    def timeline(self, ignoring: Iterable[str] = ()) -> list[tuple[str, date]]:
        """(type, issued_on) of every command, but those of the types `ignoring`."""
        skip = set(ignoring)
        return [(c.type, c.issued_on) for c in self.commands if c.type not in skip]

    def anomaly_kinds(self) -> list[str]:
        return [a.kind for a in self.anomalies]
