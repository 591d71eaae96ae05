"""The accounts panel: its JSON over the engine fed the examples, and the page in chromium."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import async_playwright
from test_web_browser import CHROMIUM, CHROMIUM_ARGS

from processors.core.engine import Engine
from processors.drivers.event_order import event_time_log
from processors.ops import OpsRecorder, feed
from processors.web import bound_port, start_dashboard

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
PATHS = [EXAMPLES / "flows", EXAMPLES / "events"]


async def serve(until: date) -> tuple[str, Any]:
    engine, ops = Engine(), OpsRecorder()
    feed(engine, ops, event_time_log(PATHS, until))
    runner = await start_dashboard(ops, engine, port=0)
    return f"http://127.0.0.1:{bound_port(runner)}", runner


@pytest.fixture
async def end_of_march() -> AsyncIterator[str]:
    url, runner = await serve(date(2025, 3, 31))
    try:
        yield url
    finally:
        await runner.cleanup()


@pytest.fixture
async def mid_january() -> AsyncIterator[str]:
    url, runner = await serve(date(2025, 1, 10))
    try:
        yield url
    finally:
        await runner.cleanup()


async def get(url: str) -> Any:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200, await response.text()
        return await response.json()


WRITE_OFFS = {
    "count": 2,
    "amount": "375.46",
    "reasons": {
        "no_adequacy_review": {"count": 1, "amount": "303.46"},
        "not_billed": {"count": 1, "amount": "303.46"},
        "rebilled_higher": {"count": 1, "amount": "72.00"},
        "underestimated": {"count": 1, "amount": "72.00"},
    },
}


async def test_write_offs_approvals_and_late_bills_at_the_end_of_march(end_of_march: str) -> None:
    data = await get(f"{end_of_march}/api/accounts")
    assert data["as_of"] == "2025-03-31"
    assert data["write_offs"] == WRITE_OFFS
    assert data["awaiting_approval"] == [
        {
            "account_id": "B-500001",
            "document_id": "INV-500001-0002",
            "amount": "3412.80",
            "issued_on": "2025-02-04",
        }
    ]
    assert data["late_bills"] == [
        {"account_id": "B-500001", "bill_date": "2025-01-01", "chased_on": "2025-01-15"}
    ]
    assert data["warnings_issued"] == 4


async def test_risks_and_invoices_coming_due_in_mid_january(mid_january: str) -> None:
    data = await get(f"{mid_january}/api/accounts")
    assert data["risks_due"] == [
        {"due_on": "2025-02-01", "kind": "adequacy_review", "account_id": "D-200377"}
    ]
    assert data["invoices_due"] == [
        {"due_on": "2025-01-15", "kind": "business_bill_chase", "account_id": "B-500001"}
    ]
    assert data["late_bills"] == [] and data["awaiting_approval"] == []
    short = await get(f"{mid_january}/api/accounts?days=7")
    assert short["risks_due"] == [] and short["days"] == 7


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")
async def test_the_accounts_panel_shows_the_json() -> None:
    url, runner = await serve(date(2025, 1, 20))
    try:
        data = await get(f"{url}/api/accounts")
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            try:
                page = await browser.new_page(viewport={"width": 1440, "height": 900})
                errors: list[str] = []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                await page.goto(url + "/")
                panel = page.get_by_test_id("accounts")
                # a selector, not wait_for_function: the page's CSP forbids evaluating a string
                await page.wait_for_selector("#accounts-panel[data-loaded]")
                assert await page.get_by_test_id("accounts-writeoffs").inner_text() == "2 · £375.46"
                assert await page.get_by_test_id("accounts-risks").inner_text() == str(len(data["risks_due"]))
                assert await page.get_by_test_id("accounts-late").inner_text() == "1"
                assert await page.get_by_test_id("accounts-approvals").inner_text() == "0"
                reasons = await page.get_by_test_id("accounts-reasons").locator("tbody tr").all_inner_texts()
                assert [r.split("\t") for r in reasons] == [
                    ["No payment adequacy review", "1", "£303.46"],
                    ["Not billed for over a year", "1", "£303.46"],
                    ["Rebilled higher", "1", "£72.00"],
                    ["Underestimated", "1", "£72.00"],
                ]
                items = await page.get_by_test_id("accounts-items").locator("tbody tr").all_inner_texts()
                assert [i.split("\t")[:3] for i in items] == [
                    ["B-500001", "Business bill late", "2025-01-15"],
                    ["D-200377", "Adequacy review", "2025-02-01"],
                ]
                await panel.scroll_into_view_if_needed()
                await panel.screenshot(
                    path=str(Path(__file__).resolve().parents[3] / "test-artifacts" / "accounts.png")
                )
                assert errors == []
            finally:
                await browser.close()
    finally:
        await runner.cleanup()
