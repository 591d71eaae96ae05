"""The dashboard refuses other Host names (DNS rebinding), sends CSP, X-Frame-Options and
nosniff, and with a token answers only to requests that carry it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from web_world import World

from processors.web import app as web_app
from processors.web import bound_port, start_dashboard

TOKEN = "Zx9-long-random-token"


@pytest.fixture
async def guarded_url(world: World) -> AsyncIterator[str]:
    runner: web.AppRunner = await start_dashboard(
        world.ops, world.engine, port=0, token=TOKEN, names=("ops.example",)
    )
    try:
        yield f"http://127.0.0.1:{bound_port(runner)}"
    finally:
        await runner.cleanup()


async def status_of(url: str, **headers: str) -> tuple[int, dict[str, str]]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        await response.read()
        return response.status, dict(response.headers)


async def test_a_foreign_host_header_is_refused(dashboard_url: str) -> None:
    port = dashboard_url.rsplit(":", 1)[1]
    status, _ = await status_of(f"{dashboard_url}/api/health", Host=f"attacker.example:{port}")
    assert status == 421
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost"):
        assert (await status_of(f"{dashboard_url}/api/health", Host=host))[0] == 200, host


async def test_every_response_has_the_security_headers(dashboard_url: str) -> None:
    for path in ("/", "/api/health", "/static/dashboard.js", "/api/supply-points/nope", "/missing"):
        _, headers = await status_of(f"{dashboard_url}{path}")
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        assert "script-src 'self'" in headers["Content-Security-Policy"], path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["X-Content-Type-Options"] == "nosniff", path


async def test_a_token_is_required_when_set(guarded_url: str) -> None:
    health = f"{guarded_url}/api/health"
    status, headers = await status_of(health)
    assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer")
    assert headers["X-Frame-Options"] == "DENY"
    assert (await status_of(health, Authorization="Bearer wrong"))[0] == 401
    assert (await status_of(health, Authorization=f"Bearer {TOKEN}"))[0] == 200
    assert (await status_of(f"{guarded_url}/metrics", Authorization=f"Bearer {TOKEN}"))[0] == 200
    port = guarded_url.rsplit(":", 1)[1]
    named = await status_of(health, Host=f"ops.example:{port}", Authorization=f"Bearer {TOKEN}")
    assert named[0] == 200  # a configured name


async def test_the_token_in_the_url_sets_a_cookie_the_page_then_uses(guarded_url: str) -> None:
    jar = aiohttp.CookieJar(unsafe=True)  # keep cookies of an IP-address host, as browsers do
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        async with session.get(f"{guarded_url}/?token={TOKEN}") as first:
            assert first.status == 200
            cookie = first.cookies["meterflow_token"]
            assert cookie["httponly"] and cookie["samesite"] == "Strict"
        async with session.get(f"{guarded_url}/api/health") as then:  # the cookie alone
            assert then.status == 200
    async with aiohttp.ClientSession() as stranger, stranger.get(f"{guarded_url}/?token=guess") as denied:
        assert denied.status == 401


async def test_fifty_clients_cost_one_computation_per_second(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page shares the worker's loop: its audience must not multiply its cost."""
    calls = 0
    real = web_app.deadlines_report

    def counted(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(web_app, "deadlines_report", counted)
    runner = await start_dashboard(world.ops, world.engine, port=0)
    url = f"http://127.0.0.1:{bound_port(runner)}/api/deadlines"
    try:
        async with aiohttp.ClientSession() as session:

            async def one() -> object:
                async with session.get(url) as response:
                    assert response.status == 200
                    return await response.json()

            answers = await asyncio.gather(*(one() for _ in range(50)))
        assert calls == 1
        assert all(a == answers[0] for a in answers)
    finally:
        await runner.cleanup()
