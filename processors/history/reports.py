"""The consumption portal's answers (SPEC 9): a site's or a portfolio's consumption over a
range at a resolution, as JSON-ready dicts and as CSV. A missing period is null (an
empty CSV cell), never zero."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from processors.history.store import ConsumptionStore, Point, Resolution, kwh_text
from processors.vocabulary.events import Direction


class QueryError(ValueError):
    """A query that cannot be answered as asked; the message says which parameter."""


def parse_range(first: str | None, last: str | None, resolution: str | None) -> tuple[date, date, Resolution]:
    """`from`, `to` (ISO dates, inclusive) and `resolution` (half_hour, hour, day)."""
    try:
        start = date.fromisoformat(first or "")
    except ValueError:
        raise QueryError(f"from must be an ISO date YYYY-MM-DD, not {first!r}") from None
    try:
        end = date.fromisoformat(last or "")
    except ValueError:
        raise QueryError(f"to must be an ISO date YYYY-MM-DD, not {last!r}") from None
    if end < start:
        raise QueryError(f"to ({end}) is before from ({start})")
    if (end - start).days > 3660:
        raise QueryError("a range is at most ten years")
    try:
        res = Resolution(resolution or Resolution.HALF_HOUR)
    except ValueError:
        raise QueryError(
            f"resolution must be one of {', '.join(r.value for r in Resolution)}, not {resolution!r}"
        ) from None
    return start, end, res


def parse_direction(direction: str | None) -> str:
    try:
        return str(Direction(direction or Direction.IMPORT))
    except ValueError:
        raise QueryError(f"direction must be import or export, not {direction!r}") from None


def _points(points: list[Point]) -> list[dict[str, Any]]:
    return [{"start": p.start.isoformat(), "kwh": kwh_text(p.kwh), "missing": p.missing} for p in points]


def site_report(
    store: ConsumptionStore, mpan: str, *, first: date, last: date, resolution: Resolution, direction: str
) -> dict[str, Any]:
    points = store.series([mpan], first, last, resolution, direction)
    return {
        "mpan": mpan,
        "account_id": store.account_of(mpan),
        "from": first.isoformat(),
        "to": last.isoformat(),
        "resolution": str(resolution),
        "direction": direction,
        "unit": "kWh",
        "points": _points(points),
    }


def portfolio_report(
    store: ConsumptionStore,
    account_id: str,
    *,
    first: date,
    last: date,
    resolution: Resolution,
    direction: str,
) -> dict[str, Any]:
    """The account's sites summed; `missing_sites` lists sites with no data in the range."""
    mpans = store.sites_of(account_id)
    points = store.series(mpans, first, last, resolution, direction) if mpans else []
    with_data = store.sites_with_data(mpans, first, last, direction)
    return {
        "account_id": account_id,
        "sites": mpans,
        "missing_sites": [m for m in mpans if m not in with_data],
        "from": first.isoformat(),
        "to": last.isoformat(),
        "resolution": str(resolution),
        "direction": direction,
        "unit": "kWh",
        "points": _points(points),
    }


def report_csv(report: dict[str, Any]) -> str:
    """start,kwh,missing: one row per point, an empty kwh cell where nothing is present."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["start", "kwh", "missing"])
    for point in report["points"]:
        writer.writerow([point["start"], "" if point["kwh"] is None else point["kwh"], point["missing"]])
    return out.getvalue()
