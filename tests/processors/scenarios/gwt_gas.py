"""Given-when-then builders for gas prepayment reconciliation (SPEC 10)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from gwt_core import at

from processors.vocabulary.events import (
    GasAllocationDaily,
    GasAqRevised,
    GasMeter,
    GasMeterExchanged,
    GasMeterMode,
    GasMeterModeChanged,
    GasNetwork,
    GasPrepaySnapshotReceived,
    GasShipperChanged,
    GasSupplyPointRegistered,
    Ldz,
    SapPublished,
)

SMART = "1000000001"
PREPAY = "1000000002"
OTHER = "1000000003"
_ids = itertools.count(1)


def _id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def meter(meter_id: str, mode: str) -> GasMeter:
    return GasMeter(meter_id=meter_id, mode=GasMeterMode(mode))


def gas_registered(
    mprn: str,
    *modes: str,
    on: date = date(2023, 12, 1),
    effective_from: date | None = None,
    shipper: str = "OCTO",
    network: str = "large_transporter",
    aq: str = "9500",
    ldz: str = "NW",
) -> GasSupplyPointRegistered:
    return GasSupplyPointRegistered(
        event_id=_id("greg"),
        occurred_at=at(on),
        mprn=mprn,
        ldz=Ldz(ldz),
        shipper_id=shipper,
        network=GasNetwork(network),
        aq_kwh=Decimal(aq),
        meters=tuple(meter(f"{mprn}-M{n}", mode) for n, mode in enumerate(modes or ("prepayment",), 1)),
        effective_from=effective_from or on,
    )


def mode_changed(mprn: str, mode: str, on: date, meter_id: str | None = None) -> GasMeterModeChanged:
    return GasMeterModeChanged(
        event_id=_id("gmode"),
        occurred_at=at(on),
        mprn=mprn,
        meter_id=meter_id or f"{mprn}-M1",
        mode=GasMeterMode(mode),
        on=on,
    )


def exchanged(mprn: str, mode: str, on: date, new_id: str = "NEW") -> GasMeterExchanged:
    return GasMeterExchanged(
        event_id=_id("gexch"),
        occurred_at=at(on),
        mprn=mprn,
        old_meter_id=f"{mprn}-M1",
        new_meter=meter(new_id, mode),
        on=on,
    )


def aq_revised(mprn: str, aq: str, effective_from: date, on: date | None = None) -> GasAqRevised:
    return GasAqRevised(
        event_id=_id("gaq"),
        occurred_at=at(on or effective_from),
        mprn=mprn,
        aq_kwh=Decimal(aq),
        effective_from=effective_from,
    )


def shipper_changed(mprn: str, shipper: str, on: date) -> GasShipperChanged:
    return GasShipperChanged(event_id=_id("gship"), occurred_at=at(on), mprn=mprn, shipper_id=shipper, on=on)


def snapshot(
    ldz: str, received_on: date, *mprns: str, taken_on: date | None = None
) -> GasPrepaySnapshotReceived:
    return GasPrepaySnapshotReceived(
        event_id=_id("gsnap"),
        occurred_at=at(received_on, 10),
        ldz=Ldz(ldz),
        taken_on=taken_on or received_on,
        mprns=mprns,
    )


def month_days(month: str) -> list[date]:
    start = date(int(month[:4]), int(month[5:7]), 1)
    days = []
    day = start
    while day.month == start.month:
        days.append(day)
        day += timedelta(days=1)
    return days


def allocation(mprn: str, gas_day: date, standard: str, prepay: str, **kw: Any) -> GasAllocationDaily:
    return GasAllocationDaily(
        event_id=kw.get("event_id", _id("galloc")),
        occurred_at=at(kw.get("on", gas_day + timedelta(days=1)), 6),
        mprn=mprn,
        gas_day=gas_day,
        standard_kwh=Decimal(standard),
        prepay_kwh=Decimal(prepay),
    )


def allocations(
    mprn: str, month: str, standard: str = "30", prepay: str = "27", skip: Iterable[date] = ()
) -> list[GasAllocationDaily]:
    skipped = set(skip)
    return [allocation(mprn, d, standard, prepay) for d in month_days(month) if d not in skipped]


def sap(gas_day: date, price: str, on: date | None = None) -> SapPublished:
    return SapPublished(
        event_id=f"sap-{gas_day.isoformat()}-{next(_ids)}",
        occurred_at=at(on or gas_day + timedelta(days=1), 7),
        gas_day=gas_day,
        price=Decimal(price),
    )


def saps(month: str, price: str = "3.5", skip: Iterable[date] = ()) -> list[SapPublished]:
    skipped = set(skip)
    return [sap(d, price) for d in month_days(month) if d not in skipped]
