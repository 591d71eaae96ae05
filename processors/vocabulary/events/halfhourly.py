"""Half-hourly consumption, smart tariffs, device dispatches and consumption trackers (SPEC 9).

Consumption, tariffs and dispatches are keyed by MPAN core; trackers belong to accounts
and are keyed by `account_id`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from processors.vocabulary.events.base import DomainEvent


class Direction(StrEnum):
    IMPORT = "import"
    EXPORT = "export"


class ConsumptionSource(StrEnum):
    SMART = "smart"
    AMR = "amr"
    HHDC = "hhdc"


class SmartProduct(StrEnum):
    IO_GO = "IO_GO"
    IO_FLUX = "IO_FLUX"
    FLAT = "FLAT"


class DispatchKind(StrEnum):
    SMART = "smart"
    BUMP = "bump"


class TrackerPeriod(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True, slots=True, kw_only=True)
class HalfHourlyConsumption(DomainEvent):
    """A day's half-hourly values for `mpan` in one `direction`: one per settlement period
    of `consumption_day` (46, 48 or 50), kWh, None where missing. The JSON names the day
    `day` and the source `source` (both names the envelope already uses)."""

    mpan: str
    consumption_day: date
    direction: Direction
    values: tuple[Decimal | None, ...]
    data_source: ConsumptionSource


@dataclass(frozen=True, slots=True, kw_only=True)
class SmartRates:
    """p/kWh. FLAT uses `peak` alone; IO_FLUX adds the export rates."""

    peak: Decimal
    off_peak: Decimal | None = None
    export_peak: Decimal | None = None
    export_off_peak: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TariffAgreementStarted(DomainEvent):
    """`mpan` is on smart tariff `product` with `rates` from `valid_from`."""

    mpan: str
    product: SmartProduct
    valid_from: date
    rates: SmartRates


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceDispatch(DomainEvent):
    """A smart-charging (or bump) slot of a device at `mpan`, [start, end) UTC; only a
    `completed` one changes a rating."""

    mpan: str
    device_id: str
    start: datetime
    end: datetime
    kind: DispatchKind
    completed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsumptionTrackerSet(DomainEvent):
    """A tracker of the account's import over `period` (`mpans` empty: all of the account's)."""

    tracker_id: str
    account_id: str
    mpans: tuple[str, ...]
    period: TrackerPeriod
    limit_kwh: Decimal

    @property
    def partition_key(self) -> str:
        return self.account_id


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsumptionTrackerRemoved(DomainEvent):
    tracker_id: str
    account_id: str

    @property
    def partition_key(self) -> str:
        return self.account_id


# --- follow-ups: from an MPAN's half-hourly machine to its account's trackers ----------


@dataclass(frozen=True, slots=True, kw_only=True)
class DailyImportTotalled(DomainEvent):
    """To the account (`account_id`, from the MPAN's registration): the import of `mpan`
    on `consumption_day` sums to `import_kwh` over its present values, `missing_periods`
    of them missing. It is also how the account learns which MPANs are its sites."""

    DERIVED: ClassVar[bool] = True

    account_id: str
    mpan: str
    consumption_day: date
    import_kwh: Decimal
    missing_periods: int

    @property
    def partition_key(self) -> str:
        return self.account_id
