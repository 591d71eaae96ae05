"""`meterflow consumption`: a site's or an account's consumption over files or a store.

    meterflow consumption MPAN --from D --to D [--resolution half_hour|hour|day] [--csv] PATH...
    meterflow consumption --account ID --from D --to D ... --store FILE

Over PATHs (the inputs of `meterflow replay`: files or folders) it reads the events into
an in-memory store first; over `--store FILE` (written by `meterflow replay --store FILE`)
it answers at once, which is what to use for a year of a portfolio. JSON by default (the
shape of the web API), CSV with `--csv`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from processors.drivers.event_order import event_time_log
from processors.history.reports import (
    QueryError,
    parse_direction,
    parse_range,
    portfolio_report,
    report_csv,
    site_report,
)
from processors.history.store import ConsumptionStore, Resolution
from processors.vocabulary.mpan import is_valid_mpan

EXIT_OK = 0
EXIT_CANNOT_RUN = 2


@contextmanager
def open_store(path: Path | str) -> Iterator[ConsumptionStore]:
    store = ConsumptionStore(path)
    try:
        yield store
    finally:
        store.close()


def add_consumption_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "consumption",
        help="a site's or an account's half-hourly consumption over files or a store (JSON or CSV)",
        description="A site's (MPAN) or an account's (--account) consumption from --from to --to, "
        "read from input files (as replay reads them) or from a store written by replay --store.",
    )
    parser.add_argument(
        "args",
        nargs="*",
        metavar="MPAN|PATH",
        help="the MPAN (unless --account), then input files or folders",
    )
    parser.add_argument("--account", metavar="ID", help="an account's portfolio of sites")
    parser.add_argument("--from", dest="first", required=True, metavar="DATE", help="first day (YYYY-MM-DD)")
    parser.add_argument("--to", dest="last", required=True, metavar="DATE", help="last day (YYYY-MM-DD)")
    parser.add_argument(
        "--resolution",
        default=Resolution.HALF_HOUR.value,
        choices=[r.value for r in Resolution],
        help="half_hour (the default), hour or day: a period's kWh is the sum of its present values",
    )
    parser.add_argument(
        "--direction", default="import", choices=["import", "export"], help="import (the default) or export"
    )
    parser.add_argument("--csv", action="store_true", help="CSV (start,kwh,missing) instead of JSON")
    parser.add_argument("--store", type=Path, metavar="FILE", help="a store written by replay --store")


def run_consumption(args: argparse.Namespace) -> int:
    positional = list(args.args)
    mpan = None
    if args.account is None:
        if not positional or not is_valid_mpan(positional[0]):
            return _fail("name a site (a valid 13-digit MPAN core) or an account (--account ID)")
        mpan = positional.pop(0)
    paths = [Path(p) for p in positional]
    if not paths and args.store is None:
        return _fail("give the input files or folders, or --store FILE")
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        return _fail(f"no such file or folder: {', '.join(missing)}")
    if args.store is not None and not paths and not args.store.is_file():
        return _fail(f"no such store: {args.store} (write one with meterflow replay --store)")
    try:
        first, last, resolution = parse_range(args.first, args.last, args.resolution)
        direction = parse_direction(args.direction)
    except QueryError as exc:
        return _fail(str(exc))
    with open_store(args.store if args.store is not None else ":memory:") as store:
        if paths:
            store.observe_all(event_time_log(paths, None))
        if mpan is not None:
            report = site_report(
                store, mpan, first=first, last=last, resolution=resolution, direction=direction
            )
        else:
            report = portfolio_report(
                store, str(args.account), first=first, last=last, resolution=resolution, direction=direction
            )
    sys.stdout.write(report_csv(report) if args.csv else json.dumps(report) + "\n")
    return EXIT_OK


def _fail(reason: str) -> int:
    print(f"meterflow consumption: {reason}", file=sys.stderr)
    return EXIT_CANNOT_RUN
