"""The gas reconciliation panel: its JSON (api/gas) and the page in a real headless chromium."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import async_playwright
from test_web_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

from processors.core.engine import Engine
from processors.drivers.event_order import event_time_log
from processors.ops import OpsRecorder, feed
from processors.web import bound_port, start_dashboard

GAS_EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "events" / "gas.jsonl"


@pytest.fixture
async def gas_url() -> AsyncIterator[str]:
    """A dashboard over the gas example replayed through 31 March 2025."""
    engine, ops = Engine(), OpsRecorder()
    feed(engine, ops, event_time_log([GAS_EXAMPLE], date(2025, 3, 31)))
    runner = await start_dashboard(ops, engine, port=0)
    try:
        yield f"http://127.0.0.1:{bound_port(runner)}"
    finally:
        await runner.cleanup()


async def get_json(url: str) -> Any:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        return await response.json()


async def test_the_gas_json_gives_eligible_points_lists_and_values(gas_url: str) -> None:
    gas = await get_json(f"{gas_url}/api/gas")
    assert (gas["as_of"], gas["month"]) == ("2025-03-31", "2025-03")
    by_ldz = {row["ldz"]: row for row in gas["ldzs"]}
    assert {ldz: row["eligible"] for ldz, row in by_ldz.items()} == {"NW": 1, "WM": 1}
    assert by_ldz["WM"]["list"] == {
        "month": "2025-03",
        "status": "submitted",
        "report_received_on": "2025-03-17",
        "list_day": "2025-03-18",
        "due_by": "2025-03-28",
        "mprns": ["8845120099"],
    }
    months = {row["month"]: row for row in gas["months"]}
    # January: five points, the sum of the five ExpectPrepaymentReconciliation values.
    jan = months["2025-01"]
    assert (jan["eligible"], jan["reconciled"], jan["pending"]) == (5, 5, 0)
    assert Decimal(jan["value"]) == sum(map(Decimal, ["-3.36", "-3.85", "-27.76", "-5.16", "-4.54"]))
    assert (months["2025-02"]["reconciled"], Decimal(months["2025-02"]["value"])) == (2, Decimal("-6.37"))
    assert (months["2025-03"]["eligible"], months["2025-03"]["pending"]) == (2, 2)


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")
async def test_the_gas_panel_shows_the_json(gas_url: str) -> None:
    gas = await get_json(f"{gas_url}/api/gas")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = await browser.new_page(viewport={"width": 1440, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.goto(f"{gas_url}/")
            await page.wait_for_selector('#gas-panel[data-loaded="2025-03-31"]')
            rows = page.locator("#gas-ldz-table tbody tr")
            assert await rows.count() == len(gas["ldzs"])
            for row in gas["ldzs"]:
                text = await page.locator(f'#gas-ldz-table tr[data-ldz="{row["ldz"]}"]').inner_text()
                assert str(row["eligible"]) in text
                assert "submitted on 2025-03-18" in text and "due by 2025-03-28" in text
            wm = await page.locator('#gas-ldz-table tr[data-ldz="WM"]').inner_text()
            assert "1 smart MPRN(s)" in wm
            for row in gas["months"]:
                cells = await page.locator(
                    f'#gas-month-table tr[data-month="{row["month"]}"] td'
                ).all_inner_texts()
                assert cells[:3] == [row["month"], str(row["eligible"]), str(row["reconciled"])]
                value = Decimal(row["value"])
                assert cells[4] == ("-" if value < 0 else "") + f"£{abs(value):,.2f}"
            assert await page.get_by_test_id("gas-hint").inner_text() == "this month: 2025-03"
            ARTIFACTS.mkdir(exist_ok=True)
            await page.locator("#gas-panel").screenshot(path=str(ARTIFACTS / "dashboard-gas.png"))
            assert errors == []
        finally:
            await browser.close()
