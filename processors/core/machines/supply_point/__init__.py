"""The supply point machine (keyed by MPAN core): loss, move-out, final bills, disputes, DC chase.

Each domain event it takes becomes a small `Input` (`inputs`: what the rules need, nothing
more), applied to the `SupplyPointState` of its MPAN (`state`) by the transitions of
`switching` (registration, switches, move-outs), `cos_readings` (readings for a loss or a
move-out) and `disputes` (disputes, readings not obtained, refunds), which share the bills
of `billing`; `deadlines` says what a state waits for and fires when it does not come, and
`machine` is the machine as the engine sees it. States are small mutable slots objects owned
by the state store; every transition is idempotent by state (it checks what the state
already did, and the engine keeps the ids of the few state-changing inputs in `recent`), so
a repeated input is a no-op without remembering every event id. The rules and their edges
are written down in docs/rules.md.
"""

from processors.core.machines.supply_point.billing import more_than_days
from processors.core.machines.supply_point.inputs import (
    CosReadingIn,
    CustomerReadingIn,
    DisputeIn,
    MeterReadingsIn,
    MovedOutIn,
    NotReadIn,
    RefundPaidIn,
    RegisteredIn,
    RegistrationDetailsIn,
    RelatedSecuredIn,
    RelatedWithdrawnIn,
    SecuredIn,
    SmartReadingIn,
    WithdrawnIn,
)
from processors.core.machines.supply_point.machine import (
    SUPPLY_POINT,
    SupplyPointMachine,
    customer_reading_input,
    meter_readings_input,
    moved_out_input,
)
from processors.core.machines.supply_point.state import (
    COS_DISPUTE,
    COS_ESTIMATE,
    COS_REFUND_LATE,
    DC_CHASE,
    MOVE_OUT_ESTIMATE,
    MOVE_OUT_REFUND_LATE,
    FinalBilling,
    LossEpisode,
    MoveOutEpisode,
    SupplyPointDeadline,
    SupplyPointState,
)

__all__ = [
    "COS_DISPUTE",
    "COS_ESTIMATE",
    "COS_REFUND_LATE",
    "DC_CHASE",
    "MOVE_OUT_ESTIMATE",
    "MOVE_OUT_REFUND_LATE",
    "SUPPLY_POINT",
    "CosReadingIn",
    "CustomerReadingIn",
    "DisputeIn",
    "FinalBilling",
    "LossEpisode",
    "MeterReadingsIn",
    "MoveOutEpisode",
    "MovedOutIn",
    "NotReadIn",
    "RefundPaidIn",
    "RegisteredIn",
    "RegistrationDetailsIn",
    "RelatedSecuredIn",
    "RelatedWithdrawnIn",
    "SecuredIn",
    "SmartReadingIn",
    "SupplyPointDeadline",
    "SupplyPointMachine",
    "SupplyPointState",
    "WithdrawnIn",
    "customer_reading_input",
    "meter_readings_input",
    "more_than_days",
    "moved_out_input",
]
