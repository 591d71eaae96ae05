"""Builders of half-hourly events for the given-when-then tests of the rating and tracker
machines."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from processors.vocabulary.events import (
    ConsumptionSource,
    ConsumptionTrackerRemoved,
    ConsumptionTrackerSet,
    DeviceDispatch,
    Direction,
    DispatchKind,
    HalfHourlyConsumption,
    SmartProduct,
    SmartRates,
    TariffAgreementStarted,
    TrackerPeriod,
)
from processors.vocabulary.periods import periods_in_day
from tests.processors.scenarios.gwt_core import at

_ids = itertools.count(1)

GO_RATES = SmartRates(peak=Decimal("24.50"), off_peak=Decimal("7.00"))
FLUX_RATES = SmartRates(
    peak=Decimal("30"), off_peak=Decimal("20"), export_peak=Decimal("25"), export_off_peak=Decimal("5")
)
FLAT_RATES = SmartRates(peak=Decimal("25"))


def _id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def flat_values(day: date, kwh: str = "1", missing: Sequence[int] = ()) -> tuple[Decimal | None, ...]:
    """`kwh` in every period of the day, None in the `missing` (1-based) periods."""
    return tuple(None if i in missing else Decimal(kwh) for i in range(1, periods_in_day(day) + 1))


def half_hourly(
    mpan: str,
    day: date,
    values: Sequence[Decimal | None] | None = None,
    *,
    on: date | None = None,
    direction: str = "import",
    **kw: Any,
) -> HalfHourlyConsumption:
    """The day's values, delivered (by default) the next morning."""
    return HalfHourlyConsumption(
        event_id=kw.get("event_id", _id("hh")),
        occurred_at=at(on or day + timedelta(days=1), 7),
        mpan=mpan,
        consumption_day=day,
        direction=Direction(direction),
        values=tuple(values) if values is not None else flat_values(day),
        data_source=ConsumptionSource.SMART,
    )


def tariff(
    mpan: str, product: str, valid_from: date, on: date | None = None, **kw: Any
) -> TariffAgreementStarted:
    rates = {"IO_GO": GO_RATES, "IO_FLUX": FLUX_RATES, "FLAT": FLAT_RATES}[product]
    return TariffAgreementStarted(
        event_id=kw.get("event_id", _id("tariff")),
        occurred_at=at(on or valid_from, 8),
        mpan=mpan,
        product=SmartProduct(product),
        valid_from=valid_from,
        rates=kw.get("rates", rates),
    )


def dispatch(
    mpan: str,
    start: datetime,
    end: datetime,
    *,
    kind: str = "smart",
    completed: bool = True,
    on: datetime | None = None,
    **kw: Any,
) -> DeviceDispatch:
    """A dispatch [start, end) (aware datetimes), reported at its end unless `on` says."""
    return DeviceDispatch(
        event_id=kw.get("event_id", _id("dispatch")),
        occurred_at=on or end,
        mpan=mpan,
        device_id="EV-1",
        start=start.astimezone(UTC),
        end=end.astimezone(UTC),
        kind=DispatchKind(kind),
        completed=completed,
    )


def tracker_set(
    account_id: str, period: str, limit: str, on: date, mpans: Sequence[str] = (), **kw: Any
) -> ConsumptionTrackerSet:
    return ConsumptionTrackerSet(
        event_id=kw.get("event_id", _id("tracker")),
        occurred_at=at(on, 8),
        tracker_id=kw.get("tracker_id", "T-1"),
        account_id=account_id,
        mpans=tuple(mpans),
        period=TrackerPeriod(period),
        limit_kwh=Decimal(limit),
    )


def tracker_removed(account_id: str, on: date, tracker_id: str = "T-1") -> ConsumptionTrackerRemoved:
    return ConsumptionTrackerRemoved(
        event_id=_id("tracker-removed"), occurred_at=at(on, 8), tracker_id=tracker_id, account_id=account_id
    )
