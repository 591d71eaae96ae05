"""Register readings as the rules see them, built once from any reading event.

Several machines act on the same readings (a D0010 may bill a smart loss and credit an
export), so the conversion from the vocabulary's reading events lives here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

from processors.vocabulary.commands import BillingReading
from processors.vocabulary.events import (
    UK,
    BscValidationStatus,
    MeterReadings,
    ReadingType,
    SmartMeterReadingTaken,
)

ACTUAL_READING_TYPES = frozenset(
    {
        ReadingType.ACTUAL_COS,
        ReadingType.CUSTOMER_OWN,
        ReadingType.FINAL,
        ReadingType.INITIAL,
        ReadingType.MAR,
        ReadingType.PREPAYMENT,
        ReadingType.MODIFIED_BY_DC,
        ReadingType.ROUTINE,
        ReadingType.SPECIAL,
        ReadingType.SUPPLIER_AGREED_SWITCH,
        ReadingType.ACTUAL_CHANGE_OF_TENANCY,
    }
)
"""D0010 reading types that are actual readings (not deemed, estimated, withdrawn, test or
migration readings): the ones that may bill a smart loss or correct an estimated bill.
`X` is the supplier-agreed switch reading taken remotely from a smart meter: the very
reading a smart loss is billed or sent to the DC with."""

_MIDNIGHT = time(0, 0, 0)
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadingValue:
    """One register reading, normalised. `read_on` is its effective day: a reading stamped
    23:59:59 (HH midnight) counts for the next day; `midnight` says it was stamped at a day
    boundary (00:00:00 or 23:59:59); `actual` that it is not deemed or estimated."""

    value: Decimal
    read_on: date
    midnight: bool
    actual: bool
    meter_id: str | None = None
    register_id: str | None = None
    unfit: str | None = None
    """Why the reading is not fit to bill (DOMAIN.md "Reading quality"), None when it is."""

    @property
    def register_key(self) -> tuple[str | None, str | None]:
        """Which register of which meter the reading is of."""
        return (self.meter_id, self.register_id)

    def billing(self, source: str) -> BillingReading:
        return BillingReading(
            value=self.value,
            read_on=self.read_on,
            source=source,
            meter_id=self.meter_id,
            register_id=self.register_id,
        )


def unfit_reason(
    status: BscValidationStatus | None, reading_type: ReadingType, flag: bool | None, valid: bool | None
) -> str | None:
    """Why a flow reading is unfit to bill: withdrawn, failed BSC validation, a suspect
    meter reading flag, or a failed validation result (032 / 07A); None when fit."""
    reasons: list[str] = []
    if reading_type == ReadingType.WITHDRAWN:
        reasons.append("withdrawn (reading type W)")
    if status == BscValidationStatus.FAILED:
        reasons.append("failed BSC validation (status F)")
    if flag is False:
        reasons.append("meter reading flag F (suspect)")
    if valid is False:
        reasons.append("failed validation (meter reading status F)")
    return "; ".join(reasons) or None


def reading_values(
    meters: tuple[MeterReadings, ...], status: BscValidationStatus | None = None
) -> tuple[ReadingValue, ...]:
    """The register readings of a D0010 or D0086, in flow order, each with its fitness."""
    out: list[ReadingValue] = []
    for meter in meters:
        actual = meter.reading_type in ACTUAL_READING_TYPES
        for register in meter.registers:
            validation = register.validation
            at = register.read_at
            clock = at.time().replace(microsecond=0, tzinfo=None)
            day = at.date()
            if clock.hour == 23 and clock.minute == 59 and clock.second == 59:
                day, midnight = day + _ONE_DAY, True
            else:
                midnight = clock == _MIDNIGHT
            out.append(
                ReadingValue(
                    value=register.value,
                    read_on=day,
                    midnight=midnight,
                    actual=actual,
                    meter_id=meter.meter_id,
                    register_id=register.register_id,
                    unfit=unfit_reason(
                        status,
                        meter.reading_type,
                        register.reading_flag,
                        None if validation is None else validation.valid,
                    ),
                )
            )
    return tuple(out)


def smart_reading_values(event: SmartMeterReadingTaken) -> tuple[ReadingValue, ...]:
    """Our own smart meter read: actual, for the UK day of `read_at` (a read at UK midnight
    is the reading that starts that day)."""
    local = event.read_at.astimezone(UK)
    midnight = local.time().replace(microsecond=0) == _MIDNIGHT
    return tuple(
        ReadingValue(
            value=r.value,
            read_on=local.date(),
            midnight=midnight,
            actual=True,
            meter_id=event.meter_id,
            register_id=r.register_id,
        )
        for r in event.registers
    )


def customer_reading_value(
    value: Decimal, read_on: date, meter_id: str | None, register_id: str | None
) -> ReadingValue:
    """A customer's reading: actual, for the start of its day."""
    return ReadingValue(
        value=value, read_on=read_on, midnight=True, actual=True, meter_id=meter_id, register_id=register_id
    )
