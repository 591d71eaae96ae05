"""The JSON-lines event types of gas prepayment reconciliation (SPEC 10)."""

from __future__ import annotations

import re
from typing import Any

from flows.json_fields import Spec, amount, code, iso_date, list_of, obj, text
from processors.vocabulary.events import (
    DomainEvent,
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

_MPRN = re.compile(r"\d{6,10}")


def mprn(value: Any) -> str:
    """A meter point reference number: 6 to 10 digits, as a string."""
    if not isinstance(value, str) or not _MPRN.fullmatch(value):
        raise ValueError(f"an MPRN is a string of 6 to 10 digits, got {value!r}")
    return value


_METER = obj(GasMeter, {"meter_id": Spec(text), "mode": Spec(code(GasMeterMode))})

TYPES: dict[str, tuple[type[DomainEvent], dict[str, Spec]]] = {
    "gas.supply_point.registered": (
        GasSupplyPointRegistered,
        {
            "mprn": Spec(mprn),
            "ldz": Spec(code(Ldz)),
            "shipper_id": Spec(text),
            "network": Spec(code(GasNetwork)),
            "aq_kwh": Spec(amount),
            "meters": Spec(list_of(_METER)),
            "effective_from": Spec(iso_date),
        },
    ),
    "gas.meter.mode_changed": (
        GasMeterModeChanged,
        {
            "mprn": Spec(mprn),
            "meter_id": Spec(text),
            "mode": Spec(code(GasMeterMode)),
            "on": Spec(iso_date),
        },
    ),
    "gas.meter.exchanged": (
        GasMeterExchanged,
        {
            "mprn": Spec(mprn),
            "old_meter_id": Spec(text),
            "new_meter": Spec(_METER),
            "on": Spec(iso_date),
        },
    ),
    "gas.aq.revised": (
        GasAqRevised,
        {"mprn": Spec(mprn), "aq_kwh": Spec(amount), "effective_from": Spec(iso_date)},
    ),
    "gas.shipper.changed": (
        GasShipperChanged,
        {"mprn": Spec(mprn), "shipper_id": Spec(text), "on": Spec(iso_date)},
    ),
    "gas.prepay_snapshot.received": (
        GasPrepaySnapshotReceived,
        {"ldz": Spec(code(Ldz)), "taken_on": Spec(iso_date), "mprns": Spec(list_of(mprn))},
    ),
    "gas.allocation.daily": (
        GasAllocationDaily,
        {
            "mprn": Spec(mprn),
            "day": Spec(iso_date, attr="gas_day"),
            "standard_kwh": Spec(amount),
            "prepay_kwh": Spec(amount),
        },
    ),
    "gas.sap.published": (
        SapPublished,
        {"day": Spec(iso_date, attr="gas_day"), "price": Spec(amount)},
    ),
}
