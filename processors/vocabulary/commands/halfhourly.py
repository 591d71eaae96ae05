"""Half-hourly rating, missing consumption and tracker commands (SPEC 9).

The JSON field `import` is a Python keyword: the dataclasses hold it as `import_` and
write it as `import` (`to_json`), so replay and `tail` show SPEC 9's names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from processors.vocabulary.commands.base import Command


@dataclass(frozen=True, slots=True, kw_only=True)
class RatedEnergy:
    """One direction of a rated day: kWh and cost (pence; export: the amount credited)."""

    off_peak_kwh: Decimal
    peak_kwh: Decimal
    off_peak_cost: Decimal
    peak_cost: Decimal


def _spec_names(out: dict[str, Any]) -> dict[str, Any]:
    return {("import" if name == "import_" else name): value for name, value in out.items()}


@dataclass(frozen=True, slots=True, kw_only=True)
class RateHalfHourlyConsumption(Command):
    TYPE: ClassVar[str] = "RateHalfHourlyConsumption"
    mpan: str
    day: date
    product: str
    import_: RatedEnergy
    export: RatedEnergy | None = None
    missing_periods: tuple[int, ...] = field(default=())
    """The import's missing periods (1-based), never rated."""
    export_missing_periods: tuple[int, ...] = field(default=())
    """IO_FLUX: the export's missing periods."""

    def to_json(self) -> dict[str, Any]:
        return _spec_names(Command.to_json(self))


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrectHalfHourlyRating(Command):
    TYPE: ClassVar[str] = "CorrectHalfHourlyRating"
    mpan: str
    day: date
    product: str
    import_: RatedEnergy
    replaces: str
    export: RatedEnergy | None = None
    missing_periods: tuple[int, ...] = field(default=())
    export_missing_periods: tuple[int, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return _spec_names(Command.to_json(self))


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportMissingConsumption(Command):
    TYPE: ClassVar[str] = "ReportMissingConsumption"
    mpan: str
    day: date
    direction: str
    missing_periods: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class NotifyConsumptionExceeded(Command):
    TYPE: ClassVar[str] = "NotifyConsumptionExceeded"
    tracker_id: str
    account_id: str
    period_start: date
    period_end: date
    used_kwh: Decimal
    limit_kwh: Decimal
    complete: bool


COMMANDS: tuple[type[Command], ...] = (
    RateHalfHourlyConsumption,
    CorrectHalfHourlyRating,
    ReportMissingConsumption,
    NotifyConsumptionExceeded,
)
