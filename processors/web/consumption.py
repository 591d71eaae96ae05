"""The consumption portal's endpoints (SPEC 9), over a consumption store:

    GET /api/consumption/{mpan}?from=&to=&resolution=half_hour|hour|day[&direction=]
    GET /api/consumption/{mpan}.csv?...
    GET /api/portfolio/{account_id}?from=&to=&resolution=...
    GET /api/portfolio/{account_id}.csv?...

JSON as `meterflow consumption` prints it; a missing period is null, never zero. Kept in
its own module so the dashboard's routes and this portal mount independently
(`add_consumption_routes(app, store)`).
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from processors.history.reports import (
    QueryError,
    parse_direction,
    parse_range,
    portfolio_report,
    report_csv,
    site_report,
)
from processors.history.store import ConsumptionStore
from processors.vocabulary.mpan import is_valid_mpan

STORE_KEY = web.AppKey("consumption_store", ConsumptionStore)


def _answer(report: dict[str, Any], csv: bool) -> web.Response:
    if csv:
        return web.Response(text=report_csv(report), content_type="text/csv")
    return web.json_response(report, dumps=json.dumps)


def _bad(reason: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"error": reason}), content_type="application/json")


def _split(name: str) -> tuple[str, bool]:
    return (name[:-4], True) if name.endswith(".csv") else (name, False)


async def consumption(request: web.Request) -> web.Response:
    mpan, csv = _split(request.match_info["mpan"])
    if not is_valid_mpan(mpan):
        raise _bad(f"{mpan!r} is not a valid MPAN core")
    try:
        first, last, resolution = parse_range(
            request.query.get("from"), request.query.get("to"), request.query.get("resolution")
        )
        direction = parse_direction(request.query.get("direction"))
    except QueryError as exc:
        raise _bad(str(exc)) from None
    store = request.app[STORE_KEY]
    return _answer(
        site_report(store, mpan, first=first, last=last, resolution=resolution, direction=direction), csv
    )


async def portfolio(request: web.Request) -> web.Response:
    account_id, csv = _split(request.match_info["account_id"])
    try:
        first, last, resolution = parse_range(
            request.query.get("from"), request.query.get("to"), request.query.get("resolution")
        )
        direction = parse_direction(request.query.get("direction"))
    except QueryError as exc:
        raise _bad(str(exc)) from None
    store = request.app[STORE_KEY]
    return _answer(
        portfolio_report(
            store, account_id, first=first, last=last, resolution=resolution, direction=direction
        ),
        csv,
    )


def add_consumption_routes(app: web.Application, store: ConsumptionStore) -> None:
    app[STORE_KEY] = store
    app.router.add_get("/api/consumption/{mpan}", consumption)
    app.router.add_get("/api/portfolio/{account_id}", portfolio)


def create_consumption_app(store: ConsumptionStore) -> web.Application:
    app = web.Application()
    add_consumption_routes(app, store)
    return app
