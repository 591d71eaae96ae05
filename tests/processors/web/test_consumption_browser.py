"""The consumption panel in a real headless chromium: a site's and a portfolio's chart
shows a bar for each point with data and a marked gap for each point without, as the
JSON says."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from playwright.async_api import async_playwright
from test_web_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from web_world import World

from processors.history.store import ConsumptionStore
from processors.web import bound_port
from processors.web.app import create_web_app
from processors.web.consumption import add_consumption_routes
from tests.processors.core.machines.halfhourly_builders import flat_values, half_hourly
from tests.processors.scenarios.gwt_core import make_mpan, registered

SHOP = make_mpan("11", 951)
OFFICE = make_mpan("11", 952)
DAY = date(2025, 3, 30)  # 46 periods

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium"
    ),
]


@pytest.fixture
async def portal_url(world: World) -> AsyncIterator[str]:
    store = ConsumptionStore()
    store.observe_all(
        [
            registered(SHOP, "smart_hh", date(2025, 1, 1), account_id="A-PORTAL"),
            registered(OFFICE, "smart_hh", date(2025, 1, 1), account_id="A-PORTAL"),
            half_hourly(SHOP, DAY, flat_values(DAY, "0.4", missing=(10, 11, 12))),
            half_hourly(OFFICE, DAY, flat_values(DAY, "0.2")),
        ]
    )
    app = create_web_app(world.ops, world.engine)
    add_consumption_routes(app, store)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{bound_port(runner)}"
    finally:
        await runner.cleanup()
        store.close()


async def get_json(url: str, **params: str) -> Any:
    async with aiohttp.ClientSession() as session, session.get(url, params=params) as response:
        assert response.status == 200
        return await response.json()


async def test_the_panel_charts_a_site_and_a_portfolio_with_their_gaps(portal_url: str) -> None:
    site = await get_json(
        f"{portal_url}/api/consumption/{SHOP}", **{"from": "2025-03-30", "to": "2025-03-30"}
    )
    gaps = sum(1 for p in site["points"] if p["kwh"] is None)
    assert gaps == 3
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = await browser.new_page(viewport={"width": 1440, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.goto(f"{portal_url}/")
            await page.get_by_test_id("hh-subject").fill(SHOP)
            await page.get_by_test_id("hh-from").fill("2025-03-30")
            await page.get_by_test_id("hh-to").fill("2025-03-30")
            await page.get_by_test_id("hh-show").click()
            await page.wait_for_selector(f'#hh-panel[data-loaded="{SHOP}"]')
            assert await page.locator("#hh-chart rect.gap").count() == gaps
            assert await page.locator("#hh-chart rect.bar").count() == len(site["points"]) - gaps
            assert "3 gaps" in await page.get_by_test_id("hh-summary").inner_text()

            await page.get_by_test_id("hh-subject").fill("A-PORTAL")
            await page.get_by_test_id("hh-to").fill("2025-03-31")
            await page.get_by_test_id("hh-resolution").select_option("day")
            await page.get_by_test_id("hh-show").click()
            await page.wait_for_selector('#hh-panel[data-loaded="A-PORTAL"]')
            portfolio = await get_json(
                f"{portal_url}/api/portfolio/A-PORTAL",
                **{"from": "2025-03-30", "to": "2025-03-31", "resolution": "day"},
            )
            # 30 Mar has data (three periods missing: a partial bar); 31 Mar has none: a gap.
            assert [p["kwh"] is None for p in portfolio["points"]] == [False, True]
            assert await page.locator("#hh-chart rect.bar.partial").count() == 1
            assert await page.locator("#hh-chart rect.gap").count() == 1
            assert "2 sites" in await page.get_by_test_id("hh-summary").inner_text()
            ARTIFACTS.mkdir(exist_ok=True)
            await page.locator("#hh-panel").screenshot(path=str(ARTIFACTS / Path("consumption.png")))

            await page.get_by_test_id("hh-subject").fill(SHOP)
            await page.get_by_test_id("hh-to").fill("2025-03-01")
            await page.get_by_test_id("hh-show").click()
            await page.wait_for_selector(f'#hh-panel[data-loaded="{SHOP}"]')
            assert "before from" in await page.get_by_test_id("hh-error").inner_text()
            assert errors == []
        finally:
            await browser.close()
