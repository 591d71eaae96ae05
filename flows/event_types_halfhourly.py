"""The JSON-lines event types of half-hourly consumption and smart tariffs (SPEC 9).

`TYPES` is the field table, as for part one; `BUILDERS` build the events whose checks
span fields (a day's period count, a day in the future of the event, a tariff's rates
for its product, a dispatch that ends before it starts) and rename the JSON fields that
the envelope already uses (`day`, `source`).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flows.json_fields import (
    Problem,
    Spec,
    amount,
    checked_date,
    checked_instant,
    checked_mpan,
    code,
    flag,
    instant,
    iso_date,
    mpan,
    obj,
    text,
)
from processors.vocabulary.events import (
    ConsumptionSource,
    ConsumptionTrackerRemoved,
    ConsumptionTrackerSet,
    DeviceDispatch,
    Direction,
    DispatchKind,
    DomainEvent,
    HalfHourlyConsumption,
    SmartProduct,
    SmartRates,
    Source,
    TariffAgreementStarted,
    TrackerPeriod,
    uk_day,
)
from processors.vocabulary.kwh import known_values, remember
from processors.vocabulary.periods import periods_in_day

_TEXT = {str}


def half_hour_values(value: Any) -> tuple[Decimal | None, ...]:
    """A list of kWh values, null where missing; each a non-negative number."""
    if not isinstance(value, list):
        raise ValueError(f"expected a list of kWh values (null where missing), got {value!r}")
    known = known_values(value)  # the common case: texts already read (processors.vocabulary.kwh)
    if known is not None:
        return known
    present = [item for item in value if item is not None]
    if set(map(type, present)) <= _TEXT:  # texts, read in bulk
        try:
            numbers = list(map(Decimal, present))
            if not numbers or (min(numbers) >= 0 and max(numbers).is_finite()):
                remember(present, numbers)
                if len(numbers) == len(value):
                    return tuple(numbers)
                given = iter(numbers)
                return tuple(None if item is None else next(given) for item in value)
        except ArithmeticError:
            pass  # NaN, or text that is not a number: the general path names the period
    out: list[Decimal | None] = []
    bad: list[str] = []
    for number, item in enumerate(value, start=1):
        if item is None:
            out.append(None)
            continue
        try:
            out.append(amount(item))
        except ValueError as exc:
            bad.append(f"period {number}: {exc}")
    if bad:
        raise ValueError("; ".join(bad[:3]) + (f" (and {len(bad) - 3} more)" if len(bad) > 3 else ""))
    return tuple(out)


def mpan_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list of MPAN cores (empty: all of the account's), got {value!r}")
    found: list[str] = []
    for item in value:
        try:
            found.append(mpan(item))
        except ValueError as exc:
            raise ValueError(f"{item!r}: {exc}") from None
    return tuple(found)


_RATES = obj(
    SmartRates,
    {
        "peak": Spec(amount),
        "off_peak": Spec(amount, required=False),
        "export_peak": Spec(amount, required=False),
        "export_off_peak": Spec(amount, required=False),
    },
)
_RATES_NEEDED = {
    SmartProduct.FLAT: (),
    SmartProduct.IO_GO: ("off_peak",),
    SmartProduct.IO_FLUX: ("off_peak", "export_peak", "export_off_peak"),
}

TYPES: dict[str, tuple[type[DomainEvent], dict[str, Spec]]] = {
    "consumption.half_hourly": (
        HalfHourlyConsumption,
        {
            "mpan": Spec(mpan),
            "day": Spec(iso_date),
            "direction": Spec(code(Direction)),
            "values": Spec(half_hour_values),
            "source": Spec(code(ConsumptionSource)),
        },
    ),
    "tariff.agreement_started": (
        TariffAgreementStarted,
        {
            "mpan": Spec(mpan),
            "product": Spec(code(SmartProduct)),
            "valid_from": Spec(iso_date),
            "rates": Spec(_RATES),
        },
    ),
    "device.dispatch": (
        DeviceDispatch,
        {
            "mpan": Spec(mpan),
            "device_id": Spec(text),
            "start": Spec(instant),
            "end": Spec(instant),
            "kind": Spec(code(DispatchKind)),
            "completed": Spec(flag),
        },
    ),
    "consumption.tracker_set": (
        ConsumptionTrackerSet,
        {
            "tracker_id": Spec(text),
            "account_id": Spec(text),
            "mpans": Spec(mpan_list),
            "period": Spec(code(TrackerPeriod)),
            "limit_kwh": Spec(amount),
        },
    ),
    "consumption.tracker_removed": (
        ConsumptionTrackerRemoved,
        {"tracker_id": Spec(text), "account_id": Spec(text)},
    ),
}


def _half_hourly(values: dict[str, Any], source: Source) -> DomainEvent:
    day = values.pop("day")
    readings = values["values"]
    expected = periods_in_day(day)
    if len(readings) != expected:
        raise Problem(
            "values",
            f"{day.isoformat()} has {expected} settlement periods, got {len(readings)} values",
        )
    occurred_day = uk_day(values["occurred_at"])
    if day > occurred_day:
        raise Problem(
            "day",
            f"{day.isoformat()} is in the future of the event (occurred on {occurred_day.isoformat()})",
        )
    data_source = values.pop("source")
    return HalfHourlyConsumption(**values, consumption_day=day, data_source=data_source, source=source)


def _tariff(values: dict[str, Any], source: Source) -> DomainEvent:
    rates: SmartRates = values["rates"]
    product: SmartProduct = values["product"]
    missing = [name for name in _RATES_NEEDED[product] if getattr(rates, name) is None]
    if missing:
        raise Problem("rates", f"{product.value} needs rates {', '.join(missing)}")
    return TariffAgreementStarted(**values, source=source)


def _dispatch(values: dict[str, Any], source: Source) -> DomainEvent:
    if values["end"] <= values["start"]:
        raise Problem("end", f"the dispatch ends ({values['end'].isoformat()}) before it starts")
    return DeviceDispatch(**values, source=source)


_HALF_HOURLY_FIELDS = frozenset(
    ("type", "event_id", "occurred_at", "mpan", "day", "direction", "values", "source")
)
_DIRECTIONS = {member.value: member for member in Direction}
_SOURCES = {member.value: member for member in ConsumptionSource}


def fast_half_hourly(data: dict[str, Any], source: Source) -> HalfHourlyConsumption | None:
    """A `consumption.half_hourly` line that has no problem, read without the field tables;
    None for anything else, which then goes the general way (`parse_event`) and is refused
    there with its usual reasons. The same checks by the same parsers (those of single
    fields cached: a log repeats its sites and days) and the values read by the same
    `half_hour_values` (docs/decisions.md D33)."""
    if data.keys() != _HALF_HOURLY_FIELDS:
        return None
    try:
        event_id, readings = data["event_id"], data["values"]
        direction, data_source = _DIRECTIONS.get(data["direction"]), _SOURCES.get(data["source"])
        if type(event_id) is not str or not event_id.strip() or type(readings) is not list:
            return None
        if direction is None or data_source is None:
            return None
        occurred_at = checked_instant(data["occurred_at"])
        day = checked_date(data["day"])
        site = checked_mpan(data["mpan"])
        if len(readings) != periods_in_day(day) or day > uk_day(occurred_at):
            return None
        values = half_hour_values(readings)
    except (ValueError, TypeError, ArithmeticError):
        return None
    return HalfHourlyConsumption(
        event_id=event_id,
        occurred_at=occurred_at,
        mpan=site,
        consumption_day=day,
        direction=direction,
        values=values,
        data_source=data_source,
        source=source,
    )


FAST: dict[str, Callable[[dict[str, Any], Source], DomainEvent | None]] = {
    "consumption.half_hourly": fast_half_hourly,
}
"""Types read first by a specialised converter that returns None unless the line is clean;
a clean line holds no float and no nested object (`flows.messages.FAST`)."""

BUILDERS: dict[str, Callable[[dict[str, Any], Source], DomainEvent]] = {
    "consumption.half_hourly": _half_hourly,
    "tariff.agreement_started": _tariff,
    "device.dispatch": _dispatch,
}
