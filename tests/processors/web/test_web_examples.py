"""The dashboard over the engine fed the bundled examples: its JSON agrees with
`meterflow replay` of the same folders (the same commands, rejections and anomalies)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from flows.rejections import RejectedRecord
from processors.core.engine import Engine
from processors.drivers.event_order import event_time_log
from processors.drivers.replay import replay
from processors.ops import OpsRecorder, feed
from processors.vocabulary.anomalies import Anomaly
from processors.vocabulary.commands import COMMAND_TYPES, Command
from processors.web import bound_port, start_dashboard

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
PATHS = [EXAMPLES / "flows", EXAMPLES / "events"]
UNTIL = date(2025, 3, 31)


@pytest.fixture
async def examples_url() -> AsyncIterator[str]:
    engine, ops = Engine(), OpsRecorder()
    feed(engine, ops, event_time_log(PATHS, UNTIL))
    runner = await start_dashboard(ops, engine, port=0)
    try:
        yield f"http://127.0.0.1:{bound_port(runner)}"
    finally:
        await runner.cleanup()


async def get(url: str) -> Any:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def test_examples_dashboard_agrees_with_replay(examples_url: str) -> None:
    replayed = list(replay(PATHS, UNTIL))
    commands = Counter(c.type for c in replayed if isinstance(c, Command))
    rejected = [r for r in replayed if isinstance(r, RejectedRecord)]
    anomalies = [a for a in replayed if isinstance(a, Anomaly)]

    daily = await get(f"{examples_url}/api/commands/daily?days=400")
    assert daily["totals"] == dict(commands)
    assert set(daily["totals"]) == set(COMMAND_TYPES)  # the examples issue every command type
    health = await get(f"{examples_url}/api/health")
    assert health["commands_total"] == sum(commands.values())
    assert health["today"] == "2025-03-31"
    assert health["files"] == {"duplicate": 1, "read": 19, "test_data": 1}
    # the "supply points" tile counts MPANs, not the accounts and gas sites beside them
    assert health["keys"] == {"account": 28, "ldz": 3, "mpan": 30, "mprn": 5}
    assert health["supply_points"] == 30
    states = await get(f"{examples_url}/api/states")
    assert states["keyspaces"] == health["keys"] and states["total"] == sum(health["keys"].values())

    rejections = await get(f"{examples_url}/api/rejections")
    assert [(r["path"], r["line"], r["raw"], r["reason"]) for r in rejections["items"]] == [
        (r.path, r.line, r.raw, r.reason) for r in rejected
    ]
    assert rejections["items"][0]["raw"] == "026|1200023305968|V|"
    shown = await get(f"{examples_url}/api/anomalies")
    assert [(a["subject"], a["kind"]) for a in shown["items"]] == [(a.subject, a.kind) for a in anomalies]
    assert shown["items"][0]["path"].endswith("UDMS_D0086_20250114.txt")


async def test_examples_supply_point_story(examples_url: str) -> None:
    point = await get(f"{examples_url}/api/supply-points/1400123456786")
    assert point["label"] == "final_billed"
    story = [(e["kind"], e["type"]) for e in point["timeline"]]
    assert story.index(("command", "RaiseCoSDispute")) < story.index(("command", "IssueEstimatedFinalBill"))
    assert story[-3:] == [
        ("command", "IssueCorrectedFinalBill"),
        ("command", "SettleFinalBalance"),
        ("event", "RefundPaid"),
    ]
    test_data = [e for e in point["timeline"] if e["summary"].startswith("[test data]")]
    assert [e["type"] for e in test_data] == ["D0086"]
    export = await get(f"{examples_url}/api/supply-points/2099000111220")
    assert {"ConfigureExport", "StartExportCredit", "EndExportTariff"} <= {
        e["type"] for e in export["timeline"]
    }
