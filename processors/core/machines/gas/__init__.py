"""Gas prepayment reconciliation (UNC modification 0451AV): three machines, three keys.

- `point` (by MPRN): the supply point's register entries, its eligibility on the 15th,
  its daily allocations, and each month's expected reconciliation;
- `ldz` (by LDZ): the transporter's snapshot report and our smart-prepayment list;
- `sap` (by `SAP_KEY`): the System Average Price of each day, one price for every LDZ.

They meet only through follow-up events (docs/decisions.md D26): on the 15th a point of
ours sends its candidacy to its LDZ; the LDZ answers the points the snapshot holds (and
our list names); after the month a point asks the SAP key for the month's prices, which
answers with those it has and later with each that arrives.
"""

from processors.core.machines.gas.ldz import GAS_LDZ
from processors.core.machines.gas.point import GAS_POINT
from processors.core.machines.gas.sap import GAS_SAP

GAS_MACHINES = (GAS_POINT, GAS_LDZ, GAS_SAP)
"""Registered together, in this order, in `processors.core.machines.MACHINES`."""

__all__ = ["GAS_LDZ", "GAS_MACHINES", "GAS_POINT", "GAS_SAP"]
