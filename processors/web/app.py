"""The operations dashboard over HTTP: the page, its JSON endpoints and /metrics.

Every view of the page has a JSON endpoint behind it:

    GET /                          the page (static/index.html, charts in plain SVG, no CDN)
    GET /api/health                lag per partition, events/s, commands/s, inputs, up-time, rebalances
    GET /api/states                supply points by state label
    GET /api/deadlines?days=14     deadlines due after the last closed day, by kind and day
    GET /api/risk?days=14          final bills past six weeks, refunds due (GS compensation)
    GET /api/rejections?limit=100  rejected records, newest first (file, line, reason, raw)
    GET /api/anomalies?limit=100   anomalies, newest first (and the event's file and line)
    GET /api/files?limit=100       input file reports, newest first
    GET /api/commands/daily?days=30  commands per type per day
    GET /api/commands/recent?limit=50  the latest commands, as JSON commands
    GET /api/throughput            events, commands and lag per 10 seconds, the last hour
    GET /api/supply-points/{mpan}  one supply point: state, timeline, pending deadlines
    GET /api/gas                   gas prepayment reconciliation: eligible points and this
                                   month's list per LDZ, expected value per month
    GET /api/accounts?days=30      write-offs by reason, backbilling risks due, business bills
                                   late or awaiting approval
    GET /metrics                   Prometheus text format

Every response carries a Content-Security-Policy (scripts and styles from the page's own
origin only, no framing), X-Frame-Options DENY and nosniff. A request whose Host header
is not the bound address, a loopback name or one of the configured names
(METERFLOW_DASHBOARD_NAMES) is refused with 421, so a DNS-rebinding page cannot read the
dashboard. With a token (METERFLOW_DASHBOARD_TOKEN) every request needs it: an
`Authorization: Bearer` header, or `?token=` once, which sets an HttpOnly, SameSite=Strict
cookie the page's own requests then carry.

The page shares the worker's event loop, so what it costs must not grow with its
audience: every JSON answer (and /metrics) is kept for `CACHE_SECONDS` per URL, and any
number of clients polling cost the worker at most one computation of each per second.

Every URL the page uses is relative, so the dashboard can be served at the root of its
own server (`create_web_app`, `start_dashboard`) or mounted under a prefix of another
aiohttp application (`app.add_subapp("/dashboard/", create_web_app(ops, engine))`).
"""

from __future__ import annotations

import hmac
import json
import re
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

from aiohttp import web

from processors.core.policy import DEFAULT_POLICY, Policy, regulated_changes, regulated_fields
from processors.ops.accounts import accounts_report
from processors.ops.metrics import CONTENT_TYPE, render_metrics
from processors.ops.queries import (
    deadline_counts,
    deadlines_report,
    gas_report,
    supply_point_report,
    today_of,
)
from processors.ops.recorder import OpsRecorder
from processors.ops.views import EngineView

STATIC_DIR = Path(__file__).parent / "static"
DEFAULT_PORT = 6080

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
TOKEN_COOKIE = "meterflow_token"
CACHE_SECONDS = 1.0
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_MPAN = re.compile(r"^\d{13}$")
_dumps = partial(json.dumps, default=str)


def _json(data: Any, status: int = 200) -> web.Response:
    response = web.json_response(data, status=status, dumps=_dumps)
    response.headers["Cache-Control"] = "no-store"
    return response


def _int_query(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    """A bounded integer query parameter; a bad value is the client's error (400)."""
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise web.HTTPBadRequest(
            text=_dumps({"error": f"{name} must be a whole number, not {raw!r}"}),
            content_type="application/json",
        ) from None
    return min(max(value, low), high)


class DashboardViews:
    """The request handlers, over one OpsRecorder and the engine's read side."""

    def __init__(self, ops: OpsRecorder, engine: EngineView) -> None:
        self.ops = ops
        self.engine = engine

    async def index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-store"})

    async def health(self, request: web.Request) -> web.Response:
        body = self.ops.health()
        today = today_of(self.engine, self.ops)
        body["today"] = today.isoformat() if today else None
        body["policy_changes"] = regulated_changes(self._policy())
        return _json(body)

    def _policy(self) -> Policy:
        policy = getattr(self.engine, "policy", None)
        return policy if isinstance(policy, Policy) else DEFAULT_POLICY

    async def policy(self, request: web.Request) -> web.Response:
        """The regulation-backed numbers and which of them this run changes (D23)."""
        return _json({"regulated": regulated_fields(), "changes": regulated_changes(self._policy())})

    async def states(self, request: web.Request) -> web.Response:
        return _json(self.ops.states())

    async def deadlines(self, request: web.Request) -> web.Response:
        days = _int_query(request, "days", 14, 1, 90)
        return _json(deadlines_report(self.engine, self.ops, days))

    async def risk(self, request: web.Request) -> web.Response:
        days = _int_query(request, "days", 14, 1, 90)
        return _json(self.ops.risk.report(today_of(self.engine, self.ops), horizon_days=days))

    async def rejections(self, request: web.Request) -> web.Response:
        limit = _int_query(request, "limit", 100, 0, 1000)
        return _json({"total": self.ops.rejected_total, "items": self.ops.recent_rejections(limit)})

    async def anomalies(self, request: web.Request) -> web.Response:
        limit = _int_query(request, "limit", 100, 0, 1000)
        return _json(
            {
                "total": sum(self.ops.anomalies_by_kind.values()),
                "kinds": dict(self.ops.anomalies_by_kind),
                "items": self.ops.recent_anomalies(limit),
            }
        )

    async def files(self, request: web.Request) -> web.Response:
        limit = _int_query(request, "limit", 100, 0, 1000)
        return _json({"statuses": dict(self.ops.files_by_status), "items": self.ops.recent_files(limit)})

    async def commands_daily(self, request: web.Request) -> web.Response:
        return _json(self.ops.daily_commands(_int_query(request, "days", 30, 1, 400)))

    async def commands_recent(self, request: web.Request) -> web.Response:
        limit = _int_query(request, "limit", 50, 0, 1000)
        return _json({"total": self.ops.commands_total, "items": self.ops.latest_commands(limit)})

    async def throughput(self, request: web.Request) -> web.Response:
        return _json(self.ops.throughput())

    async def supply_point(self, request: web.Request) -> web.Response:
        mpan = re.sub(r"\s+", "", request.match_info["mpan"])
        if not _MPAN.match(mpan):
            return _json({"error": f"an MPAN core is 13 digits; {mpan!r} is not one"}, status=400)
        report = supply_point_report(self.engine, self.ops, mpan)
        if report is None:
            return _json(
                {"error": f"no supply point {mpan} is known to this worker", "mpan": mpan}, status=404
            )
        return _json(report)

    async def gas(self, request: web.Request) -> web.Response:
        return _json(gas_report(self.engine, self.ops))

    async def accounts(self, request: web.Request) -> web.Response:
        days = _int_query(request, "days", 30, 1, 90)
        return _json(accounts_report(self.ops.accounts, self.engine, today_of(self.engine, self.ops), days))

    async def metrics(self, request: web.Request) -> web.Response:
        text = render_metrics(self.ops, deadline_counts(self.engine, self.ops))
        return web.Response(body=text.encode(), headers={"Content-Type": CONTENT_TYPE})


def cached(handler: Handler, seconds: float = CACHE_SECONDS) -> Handler:
    """`handler` with its answers kept `seconds` per path and query (a monotonic clock)."""
    kept: dict[str, tuple[float, int, bytes, dict[str, str]]] = {}

    async def answer(request: web.Request) -> web.StreamResponse:
        now = time.monotonic()
        hit = kept.get(request.path_qs)
        if hit is None or hit[0] <= now:
            response = await handler(request)
            if not isinstance(response, web.Response) or not isinstance(response.body, bytes):
                return response
            if len(kept) > 256:
                kept.clear()
            hit = kept[request.path_qs] = (
                now + seconds,
                response.status,
                response.body,
                dict(response.headers),
            )
        _, status, body, headers = hit
        return web.Response(status=status, body=body, headers=headers)

    return answer


def add_dashboard_routes(app: web.Application, ops: OpsRecorder, engine: EngineView) -> None:
    """Register the dashboard's routes on `app` (before it starts); the JSON endpoints and
    /metrics are `cached`."""
    views = DashboardViews(ops, engine)
    routes: list[tuple[str, Handler]] = [
        ("/", views.index),
        ("/api/health", views.health),
        ("/api/states", views.states),
        ("/api/deadlines", views.deadlines),
        ("/api/risk", views.risk),
        ("/api/rejections", views.rejections),
        ("/api/anomalies", views.anomalies),
        ("/api/files", views.files),
        ("/api/commands/daily", views.commands_daily),
        ("/api/commands/recent", views.commands_recent),
        ("/api/throughput", views.throughput),
        ("/api/policy", views.policy),
        ("/api/supply-points/{mpan}", views.supply_point),
        ("/api/gas", views.gas),
        ("/api/accounts", views.accounts),
        ("/metrics", views.metrics),
    ]
    for path, handler in routes:
        app.router.add_get(path, handler if path == "/" else cached(handler))
    app.router.add_static("/static/", STATIC_DIR, append_version=False)


def _host_name(header: str) -> str:
    """The host of a Host header, without its port ("[::1]:6066" -> "::1")."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def allowed_hosts(bound: str, names: tuple[str, ...] = ()) -> frozenset[str]:
    """The Host names the dashboard answers to: its bound address (unless a wildcard), the
    loopback names and `names`."""
    hosts = set(LOOPBACK_NAMES) | {n.lower() for n in names}
    if bound not in ("", "0.0.0.0", "::"):
        hosts.add(bound.lower().strip("[]"))
    return frozenset(hosts)


def guard(hosts: frozenset[str] | None, token: str | None) -> Any:
    """The middleware that checks Host (when `hosts` is given) and the token (when set),
    and adds the security headers to every response."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if hosts is not None and _host_name(request.headers.get("Host", "")) not in hosts:
            response: web.StreamResponse = web.Response(
                status=421, text="meterflow: this dashboard does not answer to that host name\n"
            )
        elif token is not None and not _authorised(request, token):
            response = web.Response(
                status=401,
                text="meterflow: this dashboard needs its token (Authorization: Bearer ..., or ?token=...)\n",
                headers={"WWW-Authenticate": 'Bearer realm="meterflow"'},
            )
        else:
            try:
                response = await handler(request)
            except web.HTTPException as exc:  # 400s and 404s get the headers too
                exc.headers.update(SECURITY_HEADERS)
                raise
            if token is not None and _matches(request.query.get("token"), token):
                response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Strict", path="/")
        response.headers.update(SECURITY_HEADERS)
        return response

    return middleware


def _matches(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def _authorised(request: web.Request, token: str) -> bool:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and _matches(value.strip(), token):
        return True
    return _matches(request.cookies.get(TOKEN_COOKIE), token) or _matches(request.query.get("token"), token)


def create_web_app(
    ops: OpsRecorder,
    engine: EngineView,
    *,
    hosts: frozenset[str] | None = None,
    token: str | None = None,
) -> web.Application:
    """The dashboard as its own aiohttp application (serve it, or mount it as a sub-app).
    `hosts`: the Host names it answers to (None: any, for a mounted sub-app whose parent
    checks); `token`: required of every request when set. The security headers are always
    sent."""
    app = web.Application(middlewares=[guard(hosts, token)])
    add_dashboard_routes(app, ops, engine)
    return app


async def start_dashboard(
    ops: OpsRecorder,
    engine: EngineView,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    *,
    extend: Callable[[web.Application], None] | None = None,
    token: str | None = None,
    names: tuple[str, ...] = (),
) -> web.AppRunner:
    """Serve the dashboard on `host:port` inside the running event loop (port 0: any free
    port), with the routes `extend` adds, answering only to `host`, loopback names and
    `names`, and requiring `token` when given. Stop it with `await runner.cleanup()`."""
    app = create_web_app(ops, engine, hosts=allowed_hosts(host, names), token=token)
    if extend is not None:
        extend(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return runner


def bound_port(runner: web.AppRunner) -> int:
    """The TCP port a started dashboard listens on (useful with port 0)."""
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    raise RuntimeError("the dashboard is not listening on a TCP port")
