"""The dashboard page in a real headless chromium: the numbers people see are the JSON's,
an MPAN search shows its timeline, and a screenshot is kept as a test artifact."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from ops_portfolio import STRANGER, mpan
from playwright.async_api import async_playwright
from web_world import World

from flows.rejections import RejectedRecord
from processors.web import bound_port, start_dashboard
from processors.web.app import CACHE_SECONDS

DISPUTED = mpan(1009)
HOSTILE = '999|<img src=x onerror="document.title=1"><b>bold</b>|'

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium"
    ),
]


async def get_json(url: str) -> Any:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        return await response.json()


def number(text: str) -> float:
    """A number as the page shows it ("1,234", "£30")."""
    return float(re.sub(r"[^0-9.\-]", "", text))


async def test_dashboard_page_matches_the_json_and_shows_a_supply_point(
    dashboard_url: str, world: World
) -> None:
    world.ops.record_rejection(  # the field has its own column, not repeated after the reason
        RejectedRecord(
            path="flows/d0010.txt",
            line=6,
            field="MPAN core",
            raw="026|1200023305968|V|",
            reason="MPAN core 1200023305968 fails its check digit (last digit should be 7)",
        )
    )
    world.ops.record_rejection(  # raw text is shown as text, never as markup
        RejectedRecord(path="flows/odd.txt", line=3, field=None, raw=HOSTILE, reason="unknown group <b>")
    )
    health = await get_json(f"{dashboard_url}/api/health")
    states = await get_json(f"{dashboard_url}/api/states")
    deadlines = await get_json(f"{dashboard_url}/api/deadlines")
    risk = await get_json(f"{dashboard_url}/api/risk")
    rejections = await get_json(f"{dashboard_url}/api/rejections")
    point = await get_json(f"{dashboard_url}/api/supply-points/{DISPUTED}")

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = await browser.new_page(viewport={"width": 1440, "height": 900})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.goto(f"{dashboard_url}/")
            await page.wait_for_selector("body[data-renders]")

            async def shown(test_id: str) -> float:
                return number(await page.get_by_test_id(test_id).inner_text())

            assert await shown("kpi-events") == health["input_events_total"]
            assert await shown("kpi-derived") == health["derived_events_total"]
            assert await shown("kpi-days") == health["days_closed"]
            assert await shown("kpi-commands") == health["commands_total"]
            assert await shown("kpi-lag") == health["lag_total"]
            assert await shown("kpi-rejected") == health["rejected_total"]
            assert await shown("kpi-anomalies") == health["anomalies_total"]
            assert await shown("kpi-points") == health["supply_points"] == states["keyspaces"].get("mpan", 0)
            keys = await page.get_by_test_id("states-total").inner_text()
            assert keys.startswith(f"{health['supply_points']:,} supply points"), keys
            assert await page.get_by_test_id("today").inner_text() == health["today"]
            for label, count in states["counts"].items():
                assert number(await page.locator(f'[data-value-for="{label}"]').text_content() or "") == count
            assert number(await page.locator('[data-total="all"]').inner_text()) == deadlines["total"]
            for kind, count in deadlines["kinds"].items():
                assert number(await page.locator(f'[data-total="{kind}"]').inner_text()) == count
            assert await shown("risk-final-missed") == risk["final_bills"]["missed_count"]
            assert await shown("risk-final-soon") == risk["final_bills"]["coming_due_count"]
            assert await shown("risk-exposure") == risk["exposure_pounds"]
            rows = page.locator("#rejections-table tbody tr")
            assert await rows.count() == len(rejections["items"])
            first_row = await rows.first.inner_text()
            assert HOSTILE in first_row
            assert await page.locator("#rejections-table img, #rejections-table b").count() == 0
            assert await page.title() == "meterflow · operations"  # the onerror never ran
            assert rejections["items"][0]["reason"] in first_row
            assert rejections["items"][0]["raw"] in first_row
            fields = await page.locator("#rejections-table tbody td.field").all_inner_texts()
            assert fields == [item["field"] or "–" for item in rejections["items"]]
            assert STRANGER in await page.get_by_test_id("anomalies-table").inner_text()
            assert await page.locator("#chart-daily svg rect[data-type]").count() >= 1
            latest = page.locator("#commands-table tbody tr")
            assert await latest.count() == min(8, health["commands_total"])
            assert DISPUTED in await latest.first.inner_text()  # the newest command: the dispute

            await page.get_by_test_id("search-input").fill(DISPUTED)
            await page.get_by_test_id("search-button").click()
            await page.wait_for_selector(f'#sp-panel[data-loaded="{DISPUTED}"]')
            assert await page.get_by_test_id("sp-label").inner_text() == "Disputed"
            await page.get_by_test_id("sp-json").locator("summary").click()  # the JSON is behind a toggle
            items = page.locator("#sp-timeline li")
            assert await items.count() == len(point["timeline"]) + len(point["pending_deadlines"])
            timeline_text = await page.get_by_test_id("sp-timeline").inner_text()
            assert "RaiseCoSDispute" in timeline_text
            assert "Estimated final bills (switch)" in timeline_text  # its pending deadline
            assert "switch.secured" in timeline_text
            dots = page.locator("#sp-timeline-chart circle")
            assert await dots.count() == len(point["timeline"]) + len(point["pending_deadlines"])

            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

            await page.get_by_test_id("search-input").fill("1000000000009")
            await page.get_by_test_id("search-button").click()
            await page.wait_for_selector('#sp-panel[data-loaded="1000000000009"]')
            assert "1000000000009" in await page.get_by_test_id("sp-error").inner_text()
            assert [e for e in errors if "404" not in e] == []
        finally:
            await browser.close()


async def open_page(p: Any, url: str) -> tuple[Any, Any, list[str]]:
    browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    page = await browser.new_page(viewport={"width": 1440, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(url)
    await page.wait_for_selector("body[data-renders]")
    return browser, page, errors


async def test_the_page_lists_what_it_counts_and_says_states_in_words(
    dashboard_url: str, world: World
) -> None:
    risk = await get_json(f"{dashboard_url}/api/risk")
    deadlines = await get_json(f"{dashboard_url}/api/deadlines")
    point = await get_json(f"{dashboard_url}/api/supply-points/{DISPUTED}")
    daily = await get_json(f"{dashboard_url}/api/commands/daily")
    assert risk["refunds"]["past_due_count"] > 0, "the world must hold a passed refund deadline"
    async with async_playwright() as p:
        browser, page, errors = await open_page(p, f"{dashboard_url}/")
        try:
            # 8: every row each risk card counts, each linked to its supply point
            cards = {
                "final-missed": risk["final_bills"]["missed"],
                "final-soon": risk["final_bills"]["coming_due"],
                "refund-past": risk["refunds"]["past_due"],
                "refund-soon": risk["refunds"]["coming_due"],
            }
            counts = {
                "final-missed": "risk-final-missed",
                "final-soon": "risk-final-soon",
                "refund-past": "risk-refund-past",
                "refund-soon": "risk-refund-soon",
            }
            for card, rows in cards.items():
                shown = page.locator(f'#risk-table tr[data-card="{card}"]')
                assert (
                    await shown.count()
                    == len(rows)
                    == number(await page.get_by_test_id(counts[card]).inner_text())
                )
                links = await shown.locator("a.mpan").evaluate_all(
                    "els => els.map(e => e.getAttribute('href'))"
                )
                assert links == [f"#mpan={row['mpan']}" for row in rows]

            # 9: the MPANs behind a calendar cell, on hover and on a click
            day = next(d for d in deadlines["days"] if d["counts"])
            kind = next(iter(day["counts"]))
            cell = page.locator(f'#deadlines-heat td.cell[data-day="{day["day"]}"][data-kind="{kind}"]')
            title = await cell.get_attribute("title") or ""
            assert all(m in title for m in day["subjects"][kind])
            await cell.click()
            listed = await page.locator("#deadline-cell-list a.mpan").all_inner_texts()
            assert listed == day["subjects"][kind]
            await page.locator("#deadline-cell-list a.mpan").first.click()
            await page.wait_for_selector(f'#sp-panel[data-loaded="{listed[0]}"]')

            # 11: the badge follows lag and recent activity; anomaly kinds in words
            assert await page.get_by_test_id("status-pill").get_attribute("data-state") == "processing"
            assert "Unknown supply point" in await page.get_by_test_id("anomalies-table").inner_text()

            # 12: the commands chart puts each day at its date: bars are as far apart as their days
            xs: dict[str, float] = {}
            for rect in await page.locator("#chart-daily svg rect[data-day]").all():
                day_of = await rect.get_attribute("data-day") or ""
                xs[day_of] = (
                    float(await rect.get_attribute("x") or 0)
                    + float(await rect.get_attribute("width") or 0) / 2
                )
            chosen = [d["day"] for d in daily["days"]]
            assert sorted(xs) == chosen
            first, second, last = (date.fromisoformat(d) for d in (chosen[0], chosen[1], chosen[-1]))
            per_day = (xs[chosen[-1]] - xs[chosen[0]]) / (last - first).days
            assert abs((xs[chosen[1]] - xs[chosen[0]]) - per_day * (second - first).days) < 1.0

            # 10: a supply point's state in words, the JSON behind a toggle, newest first
            await page.goto(f"{dashboard_url}/#mpan={DISPUTED}")
            await page.wait_for_selector(f'#sp-panel[data-loaded="{DISPUTED}"]')
            words = page.get_by_test_id("sp-words")
            assert await words.locator('dd[data-field="stage"]').inner_text() == "Disputed"
            text = await words.inner_text()
            assert "Loss" in text and "Gaining supplier" in text and "BGAS" in text
            assert "Last switch notice" in text and "priority" in text  # the tuple's parts named
            assert '["' not in text and "{" not in text  # no raw JSON in the words
            assert not await page.get_by_test_id("sp-state").is_visible()
            await page.get_by_test_id("sp-json").locator("summary").click()
            assert await page.get_by_test_id("sp-state").is_visible()
            assert '"loss"' in await page.get_by_test_id("sp-state").inner_text()
            shown_days = await page.locator("#sp-timeline li").evaluate_all(
                "els => els.map(e => e.dataset.day)"
            )
            assert shown_days == sorted(shown_days, reverse=True)  # newest (the deadlines ahead) first
            assert shown_days[0] == max(d["due_on"] for d in point["pending_deadlines"])
            assert errors == []

            # 11: caught up and quiet is idle, whatever the last minute's rate says
            world.ops.record_lag("meterflow-events[0]", 0)
            world.clock.now += 60  # a minute without an event
            await asyncio.sleep(CACHE_SECONDS + 0.1)  # the answers of the last second are kept
            await page.reload()
            await page.wait_for_selector("body[data-renders]")
            pill = page.get_by_test_id("status-pill")
            assert await pill.get_attribute("data-state") == "idle"
            assert "caught up, last event 67 s ago" in (await pill.get_attribute("title") or "")
        finally:
            await browser.close()


async def test_the_page_works_behind_a_token(world: World) -> None:
    token = "browser-token-7f3a"
    runner = await start_dashboard(world.ops, world.engine, port=0, token=token)
    url = f"http://127.0.0.1:{bound_port(runner)}"
    try:
        async with aiohttp.ClientSession() as session:
            headers = {"Authorization": f"Bearer {token}"}
            async with session.get(f"{url}/api/health", headers=headers) as response:
                health = await response.json()
        async with async_playwright() as p:
            browser, page, errors = await open_page(p, f"{url}/?token={token}")
            try:  # every API call of the page carried the cookie; CSP refused nothing
                assert (
                    number(await page.get_by_test_id("kpi-events").inner_text())
                    == health["input_events_total"]
                )
                await page.goto(f"{url}/")  # the cookie alone, no token in the address
                await page.wait_for_selector("body[data-renders]")
                assert (
                    number(await page.get_by_test_id("kpi-commands").inner_text()) == health["commands_total"]
                )
                assert errors == []
                other = await browser.new_page()
                denied = await other.goto(f"{url}/")
                assert denied is not None and denied.status == 401
            finally:
                await browser.close()
    finally:
        await runner.cleanup()


async def test_a_changed_regulated_number_is_shown_on_the_page(world: World) -> None:
    plain = await start_dashboard(world.ops, world.engine, port=0)
    try:
        async with async_playwright() as p:
            browser, page, errors = await open_page(p, f"http://127.0.0.1:{bound_port(plain)}/")
            try:
                assert not await page.get_by_test_id("policy-banner").is_visible()
            finally:
                await browser.close()
    finally:
        await plain.cleanup()
    world.engine.policy = replace(world.engine.policy, estimated_final_bill_days=50)
    runner = await start_dashboard(world.ops, world.engine, port=0)
    try:
        async with async_playwright() as p:
            browser, page, errors = await open_page(p, f"http://127.0.0.1:{bound_port(runner)}/")
            try:
                banner = page.get_by_test_id("policy-banner")
                assert await banner.is_visible()
                text = await banner.inner_text()
                assert "estimated_final_bill_days 50 (default 42" in text
                assert errors == []
            finally:
                await browser.close()
    finally:
        await runner.cleanup()
