"""Fixtures for the dashboard's HTTP tests: a world of supply points and a live server."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ops"))  # the shared ops builders
sys.path.insert(0, str(Path(__file__).resolve().parent))  # web_world

from aiohttp import web
from web_world import World, portfolio_world

from processors.web import bound_port, start_dashboard


@pytest.fixture
def world(tmp_path: Path) -> World:
    return portfolio_world(tmp_path)


@pytest.fixture
async def dashboard_url(world: World) -> AsyncIterator[str]:
    """The world's dashboard served over real TCP on a free loopback port."""
    runner: web.AppRunner = await start_dashboard(world.ops, world.engine, port=0)
    try:
        yield f"http://127.0.0.1:{bound_port(runner)}"
    finally:
        await runner.cleanup()
