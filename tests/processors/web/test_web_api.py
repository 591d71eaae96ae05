"""The dashboard's JSON endpoints and /metrics, over a real aiohttp server on loopback."""

from __future__ import annotations

from collections import Counter
from typing import Any

import aiohttp
from aiohttp import web
from ops_portfolio import STRANGER, mpan, portfolio_lines
from prometheus_client.parser import text_string_to_metric_families
from web_world import World

from processors.web import create_web_app

DISPUTED = mpan(1009)  # a traditional meter switched away on 2024-02-28, no CoS reading: disputed on SSD+31


async def get(url: str, expect: int = 200) -> Any:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == expect, await response.text()
        return await response.json()


async def test_health_shows_what_the_worker_reported(dashboard_url: str, world: World) -> None:
    health = await get(f"{dashboard_url}/api/health")
    assert health["input_events_total"] == 89
    assert health["derived_events_total"] == 1 + 49  # the export hand-off; each registration's to its account
    assert health["days_closed"] == 90
    assert health["tick_records_total"] == 90
    assert health["commands_total"] == 19  # 16, and 3 refunds not paid in 10 working days
    assert health["lag"] == {"meterflow-events[0]": 12, "meterflow-events[1]": 0}
    assert health["lag_total"] == 12
    assert health["rebalances"] == 1
    assert health["rejected_total"] == 2
    assert health["anomalies_total"] == 1
    assert health["today"] == "2024-03-31"
    assert health["uptime_seconds"] == 7.0 * 182  # the world's clock: 7 s per item of the log
    inputs = {i["input"]: i for i in health["inputs"]}
    assert inputs["switch.secured"]["events"] == 14
    newest = max(x["occurred_at"] for x in portfolio_lines(48) if x["type"] == "switch.secured")
    assert inputs["switch.secured"]["last_event_time"] == newest.replace("Z", "+00:00")
    assert health["files"] == {"read": 1}


async def test_states_count_supply_points_by_label(dashboard_url: str, world: World) -> None:
    states = await get(f"{dashboard_url}/api/states")
    scan = Counter(world.engine.label_of(states) for _, states in world.engine.subjects())
    assert states["counts"] == dict(scan)
    assert states["total"] == 51 + 49  # the 49 registrations' accounts are keys too
    assert states["counts"]["account_open"] == 49
    assert states["counts"]["disputed"] == 1
    assert states["counts"]["move_out_pending"] == 2


async def test_deadlines_of_the_next_fourteen_days(dashboard_url: str) -> None:
    deadlines = await get(f"{dashboard_url}/api/deadlines")
    assert deadlines["as_of"] == "2024-03-31"
    assert (deadlines["first"], deadlines["last"]) == ("2024-04-01", "2024-04-14")
    # the portfolio pays no refunds: each final bill's refund standard is also due
    refunds = [i for i in deadlines["items"] if i["kind"].endswith("_refund_late")]
    assert len(refunds) == 3
    assert [i for i in deadlines["items"] if i not in refunds] == [
        {"due_on": "2024-04-10", "kind": "cos_estimate", "subject": DISPUTED},
        {"due_on": "2024-04-13", "kind": "move_out_estimate", "subject": mpan(1014)},
    ]
    assert deadlines["kinds"] == {
        "cos_estimate": 1,
        "move_out_estimate": 1,
        "cos_refund_late": 2,
        "move_out_refund_late": 1,
    }
    assert len(deadlines["days"]) == 14
    assert deadlines["days"][9] == {  # the MPANs behind each cell, for the calendar's list
        "day": "2024-04-10",
        "counts": {"cos_estimate": 1},
        "subjects": {"cos_estimate": [DISPUTED]},
    }
    week = await get(f"{dashboard_url}/api/deadlines?days=7")
    assert len(week["days"]) == 7
    assert week["total"] == sum(1 for i in refunds if i["due_on"] <= "2024-04-07")
    await get(f"{dashboard_url}/api/deadlines?days=soon", expect=400)


async def test_risk_counts_missed_and_coming_due_final_bills(dashboard_url: str) -> None:
    risk = await get(f"{dashboard_url}/api/risk")
    assert risk["as_of"] == "2024-03-31"
    assert [(m["mpan"], m["due_on"], m["issued_on"]) for m in risk["final_bills"]["missed"]] == [
        (mpan(1999), "2024-03-14", "2024-03-20")
    ]
    assert [(c["mpan"], c["due_on"]) for c in risk["final_bills"]["coming_due"]] == [(DISPUTED, "2024-04-10")]
    assert risk["exposure_pounds"] == 30
    assert risk["refunds"]["coming_due_count"] == 3
    assert risk["refunds"]["past_due_count"] == 2


async def test_rejections_newest_first_with_file_line_reason_and_raw(
    dashboard_url: str, world: World
) -> None:
    rejections = await get(f"{dashboard_url}/api/rejections")
    assert rejections["total"] == 2
    first, second = rejections["items"]
    assert (first["path"], first["line"], first["raw"]) == (str(world.path), 91, "this line is not JSON")
    assert "not valid JSON" in first["reason"]
    assert second["line"] == 90
    assert second["field"] == "mpan"
    assert "1200000010001" in second["raw"]
    assert len((await get(f"{dashboard_url}/api/rejections?limit=1"))["items"]) == 1


async def test_anomalies_name_the_point_and_the_source(dashboard_url: str, world: World) -> None:
    anomalies = await get(f"{dashboard_url}/api/anomalies")
    assert anomalies["total"] == 1
    [item] = anomalies["items"]
    assert item["subject"] == STRANGER
    assert item["kind"] == "unknown_supply_point"
    assert (item["path"], item["line"], item["event_type"]) == (str(world.path), 87, "switch.secured")
    assert item["event"] == "ssd=2024-04-01, gaining_supplier=BGAS"


async def test_one_supply_point_by_mpan(dashboard_url: str) -> None:
    point = await get(f"{dashboard_url}/api/supply-points/{DISPUTED}")
    assert point["label"] == "disputed"
    assert point["state"]["loss"]["disputed"] is True
    assert [(e["kind"], e["type"], e["day"]) for e in point["timeline"]] == [
        ("event", "supply_point.registered", "2024-01-04"),
        ("event", "switch.secured", "2024-02-14"),
        ("command", "RaiseCoSDispute", "2024-03-30"),
    ]
    assert point["pending_deadlines"] == [
        {"due_on": "2024-04-10", "kind": "cos_estimate", "subject": DISPUTED}
    ]
    spaced = await get(f"{dashboard_url}/api/supply-points/{DISPUTED[:2]}%20{DISPUTED[2:]}")
    assert spaced["mpan"] == DISPUTED
    missing = await get(f"{dashboard_url}/api/supply-points/1000000000009", expect=404)
    assert "1000000000009" in missing["error"]
    bad = await get(f"{dashboard_url}/api/supply-points/12345", expect=400)
    assert "13 digits" in bad["error"]


async def test_commands_per_type_per_day(dashboard_url: str) -> None:
    daily = await get(f"{dashboard_url}/api/commands/daily")
    assert daily["totals"] == {
        "ApplyForExportMpan": 1,
        "IssueEstimatedFinalBill": 3,
        "IssueFinalBill": 3,
        "PayGuaranteedStandardCompensation": 3,
        "RaiseCoSDispute": 2,
        "RegisterExportMpan": 1,
        "SettleFinalBalance": 6,
    }
    assert sum(sum(d["counts"].values()) for d in daily["days"]) == 19
    assert [d["day"] for d in daily["days"]] == sorted(d["day"] for d in daily["days"])
    assert daily["days"][-1]["counts"] == {"RaiseCoSDispute": 1}
    recent = await get(f"{dashboard_url}/api/commands/recent?limit=1")
    assert recent["items"][0]["mpan"] == DISPUTED


async def test_throughput_series(dashboard_url: str) -> None:
    series = await get(f"{dashboard_url}/api/throughput")
    assert series["step_seconds"] == 10.0
    assert sum(p["events"] for p in series["points"]) == 89  # input events
    assert sum(p["commands"] for p in series["points"]) == 19
    assert series["points"][-1]["lag"] == 12
    assert series["points"][0]["lag"] is None or series["points"][0]["lag"] > 12


async def test_metrics_parse_with_prometheus_client(dashboard_url: str) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"{dashboard_url}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await response.text()
    values = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert values[("meterflow_deadlines_due", (("kind", "cos_estimate"),))] == 1
    assert values[("meterflow_deadlines_due", (("kind", "move_out_estimate"),))] == 1
    assert values[("meterflow_commands_total", (("type", "SettleFinalBalance"),))] == 6
    assert values[("meterflow_consumer_lag", (("partition", "meterflow-events[0]"),))] == 12
    assert values[("meterflow_supply_points", (("state", "disputed"),))] == 1
    assert values[("meterflow_rejected_records_total", (("scope", "message"),))] == 2
    assert values[("meterflow_anomalies_total", (("kind", "unknown_supply_point"),))] == 1
    assert values[("meterflow_compensation_exposure_pounds", ())] == 30


async def test_page_and_its_assets_are_served_without_any_cdn(dashboard_url: str) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{dashboard_url}/") as response:
            html = await response.text()
            assert response.status == 200
        for asset in ("static/dashboard.css", "static/charts.js", "static/dashboard.js"):
            assert asset in html
            async with session.get(f"{dashboard_url}/{asset}") as response:
                assert response.status == 200
                body = (await response.text()).replace("http://www.w3.org/2000/svg", "")  # a namespace name
                assert "http://" not in body and "https://" not in body
    assert "https://" not in html and "http://" not in html


async def test_mounted_under_a_prefix_of_another_app(world: World) -> None:
    host = web.Application()
    host.add_subapp("/dashboard/", create_web_app(world.ops, world.engine))
    runner = web.AppRunner(host)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        states = await get(f"http://127.0.0.1:{port}/dashboard/api/states")
        assert states["total"] == 51 + 49
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/dashboard/") as r,
        ):
            assert r.status == 200
            assert "meterflow" in await r.text()
    finally:
        await runner.cleanup()


async def test_policy_lists_the_regulated_numbers_and_what_this_run_changes(dashboard_url: str) -> None:
    policy = await get(f"{dashboard_url}/api/policy")
    keys = {r["key"] for r in policy["regulated"]}
    assert {"estimated_final_bill_days", "refund_working_days", "guaranteed_standard_amount"} <= keys
    assert policy["changes"] == []
    assert (await get(f"{dashboard_url}/api/health"))["policy_changes"] == []
