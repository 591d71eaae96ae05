"""The machines the engine routes to: one module (or package) each, registered here.

Adding a machine is its own module(s), one line in `MACHINES`, its rows in
`processors.core.input_order`, and its records in `schemas/` (docs/decisions.md D18).
The order of `MACHINES` is the order in which machines of one keyspace see an input they
share and fire deadlines due on the same day.
"""

from __future__ import annotations

from typing import Any

from processors.core.machine import Machine
from processors.core.machines.accounts import ACCOUNT, ACCOUNT_FEED
from processors.core.machines.consumption_tracker import CONSUMPTION_TRACKER
from processors.core.machines.export_credit import EXPORT_CREDIT
from processors.core.machines.export_enrolment import EXPORT_ENROLMENT
from processors.core.machines.gas import GAS_MACHINES
from processors.core.machines.half_hourly import HALF_HOURLY
from processors.core.machines.supply_point import SUPPLY_POINT

MACHINES: tuple[Machine[Any], ...] = (
    SUPPLY_POINT,
    EXPORT_ENROLMENT,
    EXPORT_CREDIT,
    *GAS_MACHINES,
    HALF_HOURLY,
    CONSUMPTION_TRACKER,
    ACCOUNT_FEED,
    ACCOUNT,
)
