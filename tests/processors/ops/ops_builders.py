"""Events and commands built directly, for the ops tests (no reader, no engine needed)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from processors.vocabulary.commands import (
    BillingReading,
    ConfigureExport,
    FinalBillReason,
    IssueEstimatedFinalBill,
    IssueFinalBill,
    RaiseCoSDispute,
    SettleFinalBalance,
    command_id_for,
)
from processors.vocabulary.events import (
    BscValidationStatus,
    CosReadingsNotified,
    DayClosed,
    DtcFile,
    MeterReadings,
    ReadingMethod,
    ReadingType,
    RegisterReading,
    Source,
    SwitchSecured,
    SwitchWithdrawn,
)

MPAN = "1200023305967"
OTHER = "1900001234566"


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def secured(mpan: str, ssd: date, on: date, event_id: str | None = None) -> SwitchSecured:
    return SwitchSecured(
        event_id=event_id or f"secured/{mpan}/{ssd}",
        occurred_at=at(on),
        source=Source(path="events/css.jsonl", line=3),
        mpan=mpan,
        ssd=ssd,
        gaining_supplier="BGAS",
    )


def withdrawn(mpan: str, ssd: date, on: date) -> SwitchWithdrawn:
    return SwitchWithdrawn(event_id=f"withdrawn/{mpan}/{ssd}", occurred_at=at(on), mpan=mpan, ssd=ssd)


def tick(day: date) -> DayClosed:
    return DayClosed.for_day(day, at(day, 23))


def d0086(mpan: str, on: date, value: str = "12345", line: int = 4) -> CosReadingsNotified:
    file = DtcFile(
        file_id="F0001",
        flow="D0086",
        version="002",
        from_role="D",
        from_mpid="UDMS",
        to_role="X",
        to_mpid="OCTO",
        created_at=at(on),
    )
    return CosReadingsNotified(
        event_id=f"UDMS/F0001/{line}",
        occurred_at=at(on),
        source=Source(path="flows/d0086_cos.txt", line=line),
        file=file,
        mpan=mpan,
        validation_status=BscValidationStatus.VALIDATED,
        meters=(
            MeterReadings(
                meter_id="S95A012345",
                reading_type=ReadingType.ACTUAL_COS,
                registers=(
                    RegisterReading(
                        register_id="01",
                        read_at=datetime.combine(on, time()),
                        value=Decimal(value),
                        reading_method=ReadingMethod.VIEWED_ON_SITE,
                    ),
                ),
            ),
        ),
    )


def final_bill(
    mpan: str, issued_on: date, cause: str = "cause", estimated: bool = False
) -> IssueFinalBill | IssueEstimatedFinalBill:
    if estimated:
        return IssueEstimatedFinalBill(
            command_id=command_id_for(mpan, "IssueEstimatedFinalBill", cause),
            issued_on=issued_on,
            cause=cause,
            mpan=mpan,
            reason=FinalBillReason.COS,
            final_date=issued_on,
        )
    return IssueFinalBill(
        command_id=command_id_for(mpan, "IssueFinalBill", cause),
        issued_on=issued_on,
        cause=cause,
        mpan=mpan,
        reason=FinalBillReason.COS,
        final_date=issued_on,
        reading=BillingReading(value=Decimal("12345"), read_on=issued_on, source="D0086"),
    )


def settle(mpan: str, issued_on: date, due_by: date, final_bill_id: str = "fb") -> SettleFinalBalance:
    return SettleFinalBalance(
        command_id=command_id_for(mpan, "SettleFinalBalance", final_bill_id),
        issued_on=issued_on,
        cause=final_bill_id,
        mpan=mpan,
        final_bill=final_bill_id,
        refund_due_by=due_by,
    )


def dispute(mpan: str, issued_on: date) -> RaiseCoSDispute:
    cause = f"deadline/cos_dispute/{mpan}/{issued_on}"
    return RaiseCoSDispute(
        command_id=command_id_for(mpan, "RaiseCoSDispute", cause),
        issued_on=issued_on,
        cause=cause,
        mpan=mpan,
        ssd=issued_on,
        gaining_supplier="BGAS",
    )


def configure_export(import_mpan: str, export_mpan: str, issued_on: date) -> ConfigureExport:
    return ConfigureExport(
        command_id=command_id_for(export_mpan, "ConfigureExport", "d0217"),
        issued_on=issued_on,
        cause="d0217",
        export_mpan=export_mpan,
        import_mpan=import_mpan,
        ssd=issued_on,
    )
