"""Half-hourly benchmark (issue 13): rating in replay against an orjson-only parse of the same
JSON lines, the portfolio query through the API against the same aggregation written
directly against the store, DuckDB against RocksDB as the history store, store size per
site-year, peak memory. The contract floor (`contract_floor`) is the least any Python
replay must do per line, so the replay's ratio can be read against what is possible.

    .venv/bin/python -m bench.halfhourly [--sites 10000] [--days 30] [--portfolio-sites 1000]

Each part runs in its own process so its peak memory (max RSS) is its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import resource
import struct
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from aiohttp.test_utils import TestClient, TestServer
from rocksdict import Options, Rdict

from processors.collector import collect_less_often
from processors.drivers.replay import replay
from processors.history.store import ConsumptionStore
from processors.vocabulary.commands import Command, RateHalfHourlyConsumption, command_id_for
from processors.vocabulary.events import (
    UK,
    ConsumptionSource,
    Direction,
    HalfHourlyConsumption,
    MeterKind,
    SupplyPointRegistered,
)
from processors.vocabulary.mpan import check_digit
from processors.vocabulary.periods import periods_in_day
from processors.web.consumption import create_consumption_app

FIRST_DAY = date(2025, 4, 1)
PRODUCTS = ("IO_GO", "IO_FLUX", "FLAT")
RATES = {
    "IO_GO": {"peak": "24.50", "off_peak": "7.00"},
    "IO_FLUX": {"peak": "33.80", "off_peak": "20.28", "export_peak": "29.35", "export_off_peak": "8.47"},
    "FLAT": {"peak": "24.86"},
}


def _mpan(n: int) -> str:

    body = f"{10 + n % 14:02d}{n:010d}"
    return body + str(check_digit(body))


def write_log(path: Path, sites: int, days: int, seed: int = 13) -> int:
    """Registrations, tariffs and `days` days of import values (IO_FLUX sites also export)
    for `sites` sites, in event-time order; a few values missing. Returns the line count."""

    rng = random.Random(seed)
    lines = 0
    with path.open("w") as out:
        for n in range(sites):  # registrations, then tariffs: the log stays in time order
            out.write(
                json.dumps(
                    {
                        "type": "supply_point.registered",
                        "event_id": f"reg-{n}",
                        "occurred_at": "2025-03-20T09:00:00Z",
                        "mpan": _mpan(n),
                        "account_id": f"A-{n // 10}",
                        "meter_kind": "smart_hh",
                        "ssd": "2025-03-20",
                    }
                )
                + "\n"
            )
        for n in range(sites):
            product = PRODUCTS[n % 3]
            out.write(
                json.dumps(
                    {
                        "type": "tariff.agreement_started",
                        "event_id": f"tariff-{n}",
                        "occurred_at": "2025-03-21T09:00:00Z",
                        "mpan": _mpan(n),
                        "product": product,
                        "valid_from": "2025-03-21",
                        "rates": RATES[product],
                    }
                )
                + "\n"
            )
        lines += 2 * sites
        for d in range(days):
            day = FIRST_DAY + timedelta(days=d)
            count = periods_in_day(day)
            occurred = f"{(day + timedelta(days=1)).isoformat()}T06:30:00Z"
            for n in range(sites):
                mpan = _mpan(n)
                directions = ("import", "export") if n % 3 == 1 else ("import",)
                for direction in directions:
                    values: list[str | None] = [f"{rng.random() * 1.5:.3f}" for _ in range(count)]
                    if rng.random() < 0.02:
                        values[rng.randrange(count)] = None
                    out.write(
                        json.dumps(
                            {
                                "type": "consumption.half_hourly",
                                "event_id": f"hh-{n}-{day.isoformat()}-{direction}",
                                "occurred_at": occurred,
                                "mpan": mpan,
                                "day": day.isoformat(),
                                "direction": direction,
                                "values": values,
                                "source": "smart",
                            }
                        )
                        + "\n"
                    )
                    lines += 1
    return lines


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _in_process(fn: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    with multiprocessing.get_context("fork").Pool(1) as pool:
        return pool.apply(fn, args)


def baseline(path: str) -> dict[str, Any]:

    start, cpu = time.perf_counter(), time.process_time()
    lines = 0
    with open(path, "rb") as handle:
        for line in handle:
            orjson.loads(line)
            lines += 1
    seconds = time.perf_counter() - start
    return {
        "lines": lines,
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu,
        "lines_per_s": lines / seconds,
        "peak_mb": _peak_mb(),
    }


_FLOOR_OFF_PEAK = frozenset([*range(11), 47])
"""A fixed off-peak band: the floor rates every day alike (no tariff, dispatch or clock)."""


def contract_floor(path: str) -> dict[str, Any]:
    """A lower bound, not a product path: per half-hourly line, what SPEC 9 leaves no way
    around (parse the JSON line, read and check every value's decimal string, not negative,
    missing ones listed; sum two bands exactly; price them; make the site-day's command
    with its id, by `command_id_for` as the product does), and nothing else: no event
    object, engine, state, tariff, dispatch, tracker, store or output. `total_kwh` (every
    value summed) lets a test hold it to the commands' totals."""
    start, cpu = time.perf_counter(), time.process_time()
    made: list[tuple[Any, ...]] = []
    total = Decimal(0)
    lines = 0
    off_rate, peak_rate, places = Decimal("7.00"), Decimal("24.50"), Decimal("0.0001")
    with open(path, "rb") as handle:
        for line in handle:
            record = orjson.loads(line)
            if record["type"] != "consumption.half_hourly":
                continue
            off = peak = Decimal(0)
            missing = []
            for period, text in enumerate(record["values"]):
                if text is None:
                    missing.append(period)
                    continue
                value = Decimal(text)
                if value < 0 or not value.is_finite():
                    raise ValueError(f"{record['event_id']}: value {text!r}")
                if period in _FLOOR_OFF_PEAK:
                    off += value
                else:
                    peak += value
            total += off + peak
            lines += 1
            if record["direction"] != "import":
                continue  # an export day is in its import day's command, as the product's is
            made.append(
                (
                    command_id_for(record["mpan"], RateHalfHourlyConsumption.TYPE, record["event_id"]),
                    record["mpan"],
                    record["day"],
                    off,
                    peak,
                    (off * off_rate).quantize(places),
                    (peak * peak_rate).quantize(places),
                    missing,
                )
            )
    seconds = time.perf_counter() - start
    return {
        "lines": lines,
        "commands": len(made),
        "total_kwh": str(total),
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu,
        "peak_mb": _peak_mb(),
    }


def rating(path: str, until: str, with_store: bool) -> dict[str, Any]:
    """`replay` of the log (its own process: `_in_process`), with the collector set as every
    `meterflow` command sets it (docs/decisions.md D44), so it measures what the CLI does."""
    collect_less_often()
    store = ConsumptionStore() if with_store else None
    start, cpu = time.perf_counter(), time.process_time()
    commands = 0
    for item in replay(
        [Path(path)], date.fromisoformat(until), observe=None if store is None else store.observe
    ):
        if isinstance(item, Command):
            commands += 1
    if store is not None:
        store.flush()
    seconds = time.perf_counter() - start
    return {
        "commands": commands,
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu,
        "peak_mb": _peak_mb(),
    }


def _year_events(sites: int, days: int, seed: int = 7) -> Any:
    rng = random.Random(seed)
    at = datetime(2025, 1, 1, 9, tzinfo=UK)
    for n in range(sites):
        yield SupplyPointRegistered(
            event_id=f"reg-{n}",
            occurred_at=at,
            mpan=_mpan(n),
            account_id="A-PORTFOLIO",
            meter_kind=MeterKind.SMART_HH,
            ssd=date(2025, 1, 1),
        )
    year = date(2025, 1, 1)
    for d in range(days):
        day = year + timedelta(days=d)
        count = periods_in_day(day)
        for n in range(sites):
            values = tuple(
                None if rng.random() < 0.001 else Decimal(f"{rng.random() * 1.5:.3f}") for _ in range(count)
            )
            yield HalfHourlyConsumption(
                event_id=f"hh-{n}-{day}",
                occurred_at=at,
                mpan=_mpan(n),
                consumption_day=day,
                direction=Direction.IMPORT,
                values=values,
                data_source=ConsumptionSource.SMART,
            )


def duckdb_store(folder: str, sites: int, days: int) -> dict[str, Any]:
    """Write a year of `sites` into a DuckDB file; the daily portfolio query through the
    API (aiohttp, over HTTP) and directly in SQL; file size."""

    path = Path(folder) / "history.duckdb"
    store = ConsumptionStore(path)
    start = time.perf_counter()
    store.observe_all(_year_events(sites, days))
    store.close()
    write_s = time.perf_counter() - start
    size = path.stat().st_size
    store = ConsumptionStore(path)
    first, last = date(2025, 1, 1), date(2025, 1, 1) + timedelta(days=days - 1)
    con = store.connection
    mpans = store.sites_of("A-PORTFOLIO")

    def direct() -> list[Any]:
        return con.execute(
            "SELECT day, sum(list_sum(kwh)), sum(len(list_filter(kwh, lambda x: x IS NULL))) "
            "FROM consumption WHERE mpan IN (SELECT mpan FROM sites WHERE account_id = ?) "
            "AND direction = 'import' AND day BETWEEN ? AND ? GROUP BY day ORDER BY day",
            ["A-PORTFOLIO", first, last],
        ).fetchall()

    async def through_api() -> tuple[float, int]:
        async with TestClient(TestServer(create_consumption_app(store))) as client:
            await client.get("/api/portfolio/A-PORTFOLIO", params={"from": str(first), "to": str(first)})
            best = float("inf")
            points = 0
            for _ in range(5):
                t0 = time.perf_counter()
                response = await client.get(
                    "/api/portfolio/A-PORTFOLIO",
                    params={"from": str(first), "to": str(last), "resolution": "day"},
                )
                body = await response.json()
                best = min(best, time.perf_counter() - t0)
                points = len(body["points"])
            return best, points

    direct()
    best_direct = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        rows = direct()
        best_direct = min(best_direct, time.perf_counter() - t0)
    api_s, points = asyncio.run(through_api())
    store.close()
    return {
        "sites": len(mpans),
        "days": days,
        "write_s": write_s,
        "bytes": size,
        "bytes_per_site_year": size / sites * 365 / days,
        "direct_s": best_direct,
        "direct_rows": len(rows),
        "api_s": api_s,
        "api_points": points,
        "peak_mb": _peak_mb(),
    }


def rocksdb_store(folder: str, sites: int, days: int) -> dict[str, Any]:
    """The alternative: RocksDB (rocksdict), one key per site-day, values packed as
    float64 with NaN for missing; the same daily portfolio aggregation by prefix scans."""

    path = Path(folder) / "history.rocks"
    db = Rdict(str(path), Options(raw_mode=True))
    start = time.perf_counter()
    mpans: list[str] = []
    for event in _year_events(sites, days):
        if not hasattr(event, "values"):
            mpans.append(event.mpan)
            continue
        packed = struct.pack(
            f"<{len(event.values)}d", *(float("nan") if v is None else float(v) for v in event.values)
        )
        db[f"{event.mpan}|import|{event.consumption_day.isoformat()}".encode()] = packed
    db.flush()
    db.close()
    write_s = time.perf_counter() - start
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    db = Rdict(str(path), Options(raw_mode=True))
    first = date(2025, 1, 1)
    last = first + timedelta(days=days - 1)
    t0 = time.perf_counter()
    totals: dict[str, float] = {}
    for mpan in mpans:
        lower = f"{mpan}|import|{first.isoformat()}".encode()
        upper = f"{mpan}|import|{last.isoformat()}~".encode()
        it = db.iter()
        it.seek(lower)
        while it.valid() and it.key() < upper:
            raw = it.value()
            values = struct.unpack(f"<{len(raw) // 8}d", raw)
            day = it.key().decode().rsplit("|", 1)[1]
            totals[day] = totals.get(day, 0.0) + sum(v for v in values if v == v)
            it.next()
    query_s = time.perf_counter() - t0
    db.close()
    return {
        "write_s": write_s,
        "bytes": size,
        "bytes_per_site_year": size / sites * 365 / days,
        "query_s": query_s,
        "days": len(totals),
        "peak_mb": _peak_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--portfolio-sites", type=int, default=1_000)
    parser.add_argument("--portfolio-days", type=int, default=365)
    args = parser.parse_args()
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "halfhourly.jsonl"
        t0 = time.perf_counter()
        lines = write_log(log, args.sites, args.days)
        report["log"] = {
            "sites": args.sites,
            "days": args.days,
            "lines": lines,
            "bytes": log.stat().st_size,
            "generate_s": time.perf_counter() - t0,
        }
        until = (FIRST_DAY + timedelta(days=args.days)).isoformat()
        report["baseline_orjson"] = _in_process(baseline, str(log))
        report["contract_floor"] = _in_process(contract_floor, str(log))
        report["replay_rating"] = _in_process(rating, str(log), until, False)
        report["replay_rating_and_store"] = _in_process(rating, str(log), until, True)
        base = report["baseline_orjson"]["seconds"]
        report["replay_vs_baseline"] = base / report["replay_rating"]["seconds"]
        report["replay_and_store_vs_baseline"] = base / report["replay_rating_and_store"]["seconds"]
        # CPU time too: on a shared machine, wall time measures the neighbours (D33)
        base_cpu = report["baseline_orjson"]["cpu_seconds"]
        report["replay_vs_baseline_cpu"] = base_cpu / report["replay_rating"]["cpu_seconds"]
        report["floor_vs_baseline_cpu"] = base_cpu / report["contract_floor"]["cpu_seconds"]
        report["replay_vs_floor_cpu"] = (
            report["contract_floor"]["cpu_seconds"] / report["replay_rating"]["cpu_seconds"]
        )
        log.unlink()
        report["duckdb"] = _in_process(duckdb_store, folder, args.portfolio_sites, args.portfolio_days)
        report["rocksdb"] = _in_process(rocksdb_store, folder, args.portfolio_sites, args.portfolio_days)
        report["api_vs_direct"] = report["duckdb"]["api_s"] / report["duckdb"]["direct_s"]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
