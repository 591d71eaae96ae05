"""The half-hourly history: an embedded DuckDB database fit for range and portfolio queries.

Written by the shell (the replay driver, `meterflow consumption`), never by the pure core:
`observe` takes the domain events as they pass (a site-day's values, a site's account
from its registration), buffers them and writes them in batches. One row per site, day
and direction holds the day's values as a list (46, 48 or 50; NULL where missing), so a
year of a site is 365 rows and a portfolio query is one scan (docs/decisions.md D25). A
resend fills what the stored values missed; a null never erases a value.

Queries give every period, hour or day of the range, with the gaps: a missing period
is `None` (JSON null, an empty CSV cell), never zero; an hour or day sums its present
values and counts its missing ones (`None` when none is present).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

from processors.vocabulary.events import Direction, DomainEvent, HalfHourlyConsumption, SupplyPointRegistered
from processors.vocabulary.periods import period_starts

_SCHEMA = """
CREATE TABLE IF NOT EXISTS consumption (
    mpan VARCHAR NOT NULL,
    direction VARCHAR NOT NULL,
    day DATE NOT NULL,
    kwh DECIMAL(18, 6)[] NOT NULL,
    PRIMARY KEY (mpan, direction, day)
);
CREATE TABLE IF NOT EXISTS sites (mpan VARCHAR PRIMARY KEY, account_id VARCHAR NOT NULL);
"""
_MERGE = """
INSERT INTO consumption BY NAME
SELECT s.mpan, s.direction, s.day,
    CASE WHEN c.kwh IS NULL OR len(c.kwh) != len(s.kwh) THEN s.kwh
    ELSE list_transform(range(1, len(s.kwh) + 1), lambda i: coalesce(s.kwh[i], c.kwh[i])) END AS kwh
FROM staging s
LEFT JOIN consumption c ON c.mpan = s.mpan AND c.direction = s.direction AND c.day = s.day
ON CONFLICT DO UPDATE SET kwh = excluded.kwh
"""
_THOUSANDTH = Decimal("0.001")
BATCH = 20_000


class Resolution(StrEnum):
    HALF_HOUR = "half_hour"
    HOUR = "hour"
    DAY = "day"


@dataclass(frozen=True, slots=True)
class Point:
    """One period, hour or day: its start (UTC), kWh over its present values (None when
    none is present) and how many of its settlement periods are missing."""

    start: datetime
    kwh: Decimal | None
    missing: int


def kwh_text(value: Decimal | None) -> str | None:
    """kWh as a decimal string with at least three places (`"0.120"`), exact."""
    if value is None:
        return None
    rounded = value.quantize(_THOUSANDTH)
    return str(rounded if rounded == value else value.normalize())


class ConsumptionStore:
    """The DuckDB store; `path` a file (kept across runs) or ":memory:"."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        import duckdb  # noqa: PLC0415 - imported when a store is opened: `meterflow replay` rarely opens one

        self.path = str(path)
        self._con = duckdb.connect(self.path)
        self._con.execute(_SCHEMA)
        self._con.execute(
            "CREATE TEMP TABLE IF NOT EXISTS staging "
            "(mpan VARCHAR, direction VARCHAR, day DATE, kwh DECIMAL(18, 6)[])"
        )
        self._days: dict[tuple[str, str, date], list[str | None]] = {}
        self._sites: dict[str, str] = {}

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """For queries written directly against the store (benchmarks, investigations)."""
        self.flush()
        return self._con

    # -- writing --

    def observe(self, event: DomainEvent) -> None:
        """Take what the store keeps from one domain event (others are ignored)."""
        kind = type(event)
        if kind is HalfHourlyConsumption:
            assert isinstance(event, HalfHourlyConsumption)
            key = (event.mpan, str(event.direction), event.consumption_day)
            new = [None if v is None else str(v) for v in event.values]
            old = self._days.get(key)
            if old is not None and len(old) == len(new):
                new = [n if n is not None else o for n, o in zip(new, old, strict=True)]
            self._days[key] = new
            if len(self._days) >= BATCH:
                self.flush()
        elif kind is SupplyPointRegistered:
            assert isinstance(event, SupplyPointRegistered)
            self._sites[event.mpan] = event.account_id

    def observe_all(self, events: Iterable[Any]) -> None:
        for event in events:
            if isinstance(event, DomainEvent):
                self.observe(event)
        self.flush()

    def flush(self) -> None:
        con = self._con
        if self._days:
            keys = list(self._days)
            con.execute("DELETE FROM staging")
            con.execute(
                "INSERT INTO staging SELECT unnest($1), unnest($2), unnest($3), unnest($4)::DECIMAL(18, 6)[]",
                [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys], list(self._days.values())],
            )
            con.execute(_MERGE)
            self._days.clear()
        if self._sites:
            con.execute(
                "INSERT OR REPLACE INTO sites SELECT unnest($1), unnest($2)",
                [list(self._sites), list(self._sites.values())],
            )
            self._sites.clear()

    def close(self) -> None:
        self.flush()
        self._con.close()

    # -- reading --

    def sites_of(self, account_id: str) -> list[str]:
        rows = self.connection.execute(
            "SELECT mpan FROM sites WHERE account_id = ? ORDER BY mpan", [account_id]
        ).fetchall()
        return [r[0] for r in rows]

    def account_of(self, mpan: str) -> str | None:
        row = self.connection.execute("SELECT account_id FROM sites WHERE mpan = ?", [mpan]).fetchone()
        return None if row is None else str(row[0])

    def sites_with_data(
        self, mpans: list[str], first: date, last: date, direction: str = Direction.IMPORT
    ) -> set[str]:
        rows = self.connection.execute(
            "SELECT DISTINCT mpan FROM consumption WHERE mpan IN (SELECT unnest($1)) "
            "AND direction = $2 AND day BETWEEN $3 AND $4",
            [mpans, str(direction), first, last],
        ).fetchall()
        return {r[0] for r in rows}

    def days(
        self, mpans: list[str], first: date, last: date, direction: str = Direction.IMPORT
    ) -> dict[date, list[list[Decimal | None]]]:
        """Each day's value lists of the sites (one list per site with data that day)."""
        rows = self.connection.execute(
            "SELECT day, kwh FROM consumption WHERE mpan IN (SELECT unnest($1)) "
            "AND direction = $2 AND day BETWEEN $3 AND $4",
            [mpans, str(direction), first, last],
        ).fetchall()
        out: dict[date, list[list[Decimal | None]]] = {}
        for day, kwh in rows:
            out.setdefault(day, []).append(kwh)
        return out

    def daily_totals(
        self, mpans: list[str], first: date, last: date, direction: str = Direction.IMPORT
    ) -> dict[date, tuple[Decimal | None, int, int]]:
        """(sum of present values, missing periods, sites with data) per day, in SQL."""
        rows = self.connection.execute(
            "SELECT day, sum(list_sum(kwh)), sum(len(list_filter(kwh, lambda x: x IS NULL))), count(*) "
            "FROM consumption WHERE mpan IN (SELECT unnest($1)) AND direction = $2 "
            "AND day BETWEEN $3 AND $4 GROUP BY day",
            [mpans, str(direction), first, last],
        ).fetchall()
        return {day: (total, int(missing), int(sites)) for day, total, missing, sites in rows}

    def series(
        self,
        mpans: list[str],
        first: date,
        last: date,
        resolution: Resolution,
        direction: str = Direction.IMPORT,
    ) -> list[Point]:
        """The sites' summed consumption over [first, last] at `resolution`, with its gaps:
        a site with no data for a day counts all that day's periods missing."""
        points: list[Point] = []
        sites = len(mpans)
        if resolution == Resolution.DAY:
            totals = self.daily_totals(mpans, first, last, direction)
            for day in _days(first, last):
                starts = period_starts(day)
                day_total, day_missing, present_sites = totals.get(day, (None, 0, 0))
                day_missing += (sites - present_sites) * len(starts)
                points.append(
                    Point(starts[0], day_total if day_missing < sites * len(starts) else None, day_missing)
                )
            return points
        by_day = self.days(mpans, first, last, direction)
        step = 1 if resolution == Resolution.HALF_HOUR else 2
        for day in _days(first, last):
            starts = period_starts(day)
            lists = by_day.get(day, [])
            absent = sites - len(lists)
            for i in range(0, len(starts), step):
                total: Decimal | None = None
                missing = absent * step
                for values in lists:
                    for value in values[i : i + step]:
                        if value is None:
                            missing += 1
                        else:
                            total = value if total is None else total + value
                points.append(Point(starts[i], total, missing))
        return points


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
