"""Gas prepayment reconciliation events (SPEC 10, UNC modification 0451AV).

Gas supply points are keyed by MPRN; the transporter's snapshot report by LDZ; the System
Average Price is one price a day for the whole network, so its events share one key,
`SAP_KEY`. The follow-ups at the end carry what one key learns to another (docs/rules.md,
"Gas prepayment reconciliation"): a point's candidacy to its LDZ, the LDZ's answer, a
point's request for a month's prices and the prices themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from processors.vocabulary.events.base import DomainEvent

SAP_KEY = "GB"
"""The key of the System Average Price: one price a day for every LDZ."""


class GasMeterMode(StrEnum):
    CREDIT = "credit"
    PREPAYMENT = "prepayment"
    SMART_CREDIT = "smart_credit"
    SMART_PREPAYMENT = "smart_prepayment"


PREPAYMENT_MODES = frozenset({GasMeterMode.PREPAYMENT, GasMeterMode.SMART_PREPAYMENT})


class GasNetwork(StrEnum):
    LARGE_TRANSPORTER = "large_transporter"
    IGT = "igt"


class Ldz(StrEnum):
    """The local distribution zones of Great Britain's gas network."""

    EA = "EA"
    EM = "EM"
    NE = "NE"
    NO = "NO"
    NT = "NT"
    NW = "NW"
    SC = "SC"
    SE = "SE"
    SO = "SO"
    SW = "SW"
    WM = "WM"
    WN = "WN"
    WS = "WS"


@dataclass(frozen=True, slots=True, kw_only=True)
class GasMeter:
    meter_id: str
    mode: GasMeterMode


@dataclass(frozen=True, slots=True, kw_only=True)
class GasPointEvent(DomainEvent):
    """Base of the events of one gas supply point: keyed by its MPRN."""

    mprn: str

    @property
    def partition_key(self) -> str:
        return self.mprn


@dataclass(frozen=True, slots=True, kw_only=True)
class GasSupplyPointRegistered(GasPointEvent):
    """The supply point as the Supply Point Register holds it from `effective_from`."""

    ldz: Ldz
    shipper_id: str
    network: GasNetwork
    aq_kwh: Decimal
    meters: tuple[GasMeter, ...]
    effective_from: date


@dataclass(frozen=True, slots=True, kw_only=True)
class GasMeterModeChanged(GasPointEvent):
    meter_id: str
    mode: GasMeterMode
    on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class GasMeterExchanged(GasPointEvent):
    old_meter_id: str
    new_meter: GasMeter
    on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class GasAqRevised(GasPointEvent):
    aq_kwh: Decimal
    effective_from: date


@dataclass(frozen=True, slots=True, kw_only=True)
class GasShipperChanged(GasPointEvent):
    """`shipper_id` is the registered user from `on`."""

    shipper_id: str
    on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class GasAllocationDaily(GasPointEvent):
    """One gas day's allocation on the standard (EUC1) and the eligible-SSP profile
    (JSON field `day`; `gas_day` here, as `day` is every event's event-time day)."""

    gas_day: date
    standard_kwh: Decimal
    prepay_kwh: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class GasPrepaySnapshotReceived(DomainEvent):
    """The transporter's report of the 15th for one LDZ: the points it shows with a
    prepayment or smart meter."""

    ldz: Ldz
    taken_on: date
    mprns: tuple[str, ...]

    @property
    def partition_key(self) -> str:
        return str(self.ldz)


@dataclass(frozen=True, slots=True, kw_only=True)
class SapPublished(DomainEvent):
    """The System Average Price of one gas day, in pence per kWh (JSON field `day`)."""

    gas_day: date
    price: Decimal

    @property
    def partition_key(self) -> str:
        return SAP_KEY


# --- follow-ups between the keys ---------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class GasPrepayCandidate(DomainEvent):
    """To the LDZ: on the 15th this point of ours met every condition but the snapshot;
    `smart` when one of its meters is a smart meter (it then goes on the list)."""

    DERIVED: ClassVar[bool] = True

    ldz: Ldz
    mprn: str
    month: str
    smart: bool

    @property
    def partition_key(self) -> str:
        return str(self.ldz)


@dataclass(frozen=True, slots=True, kw_only=True)
class GasPrepayEligible(GasPointEvent):
    """To the MPRN: the LDZ found it in the snapshot (and on our list when smart): it is
    an eligible SSP for `month`."""

    DERIVED: ClassVar[bool] = True

    ldz: Ldz
    month: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SapWanted(DomainEvent):
    """To the SAP key: this MPRN needs the prices of `month` (now and as they arrive)."""

    DERIVED: ClassVar[bool] = True

    mprn: str
    month: str

    @property
    def partition_key(self) -> str:
        return SAP_KEY


@dataclass(frozen=True, slots=True, kw_only=True)
class SapPrice:
    """One gas day's SAP in pence per kWh."""

    gas_day: date
    price: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class SapPrices(GasPointEvent):
    """To the MPRN: every SAP of `month` known so far."""

    DERIVED: ClassVar[bool] = True

    month: str
    prices: tuple[SapPrice, ...]
