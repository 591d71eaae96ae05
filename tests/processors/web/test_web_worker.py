"""The dashboard served over a real worker on the embedded broker: after `meterflow ingest`
of the portfolio, its JSON answers agree with a replay of the same log."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from ops_portfolio import STRANGER, mpan, write_portfolio
from web_world import UNTIL

from processors.core.engine import Engine
from processors.drivers.event_order import event_time_log
from processors.ops import OpsRecorder, feed
from processors.ops.queries import deadlines_report
from processors.settings import settings_from_environment
from processors.streaming.worker import Worker
from processors.web import bound_port, start_dashboard

pytestmark = pytest.mark.broker

REPO = Path(__file__).resolve().parents[3]
DISPUTED = mpan(1009)


async def ingest(paths: list[Path], env: dict[str, str]) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; from processors.drivers.cli import main; sys.exit(main())",
        "ingest",
        *map(str, paths),
        "--until",
        UNTIL.isoformat(),
        env={**os.environ, **env},
        cwd=REPO,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 240)
    assert process.returncode == 0, err.decode()[-2000:]


async def get(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def test_dashboard_over_a_worker_on_the_real_broker(
    broker: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = f"web{uuid.uuid4().hex[:8]}-"
    env = {
        "METERFLOW_TOPIC_PREFIX": prefix,
        "METERFLOW_GROUP": f"{prefix}workers",
        "METERFLOW_SESSION_TIMEOUT_MS": "3000",
        "METERFLOW_BROKER": broker,
        "METERFLOW_HOME": str(tmp_path / "home"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    path = write_portfolio(tmp_path)
    replayed_engine, replayed = Engine(), OpsRecorder()
    feed(replayed_engine, replayed, event_time_log([path], UNTIL))

    await ingest([path], env)
    ops = OpsRecorder()
    worker = Worker(broker, replace(settings_from_environment(), max_batch=7), use_clock=False, ops=ops)
    await worker.start()
    running = asyncio.create_task(worker.run())
    runner = await start_dashboard(ops, worker.engine_view(), port=0)
    url = f"http://127.0.0.1:{bound_port(runner)}"
    try:
        async with aiohttp.ClientSession() as session:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 180
            while True:
                health = await get(session, f"{url}/api/health")
                if (
                    health["input_events_total"] >= replayed.input_events_total
                    and health["commands_total"] >= replayed.commands_total
                    and health["today"] == UNTIL.isoformat()
                ):
                    break
                assert loop.time() < deadline, f"the worker did not catch up: {health}"
                await asyncio.sleep(0.3)
            # at-least-once: a redone batch shows its events again (the engine ignores them)
            assert health["input_events_total"] >= replayed.input_events_total
            # one story in the numbers: hand-offs counted once (not again when their copy comes
            # round the input topic), days closed once (not once per partition)
            assert replayed.derived_events_total > 0, "the portfolio must hold an export hand-off"
            assert health["derived_events_total"] == replayed.derived_events_total
            assert health["days_closed"] == replayed.days_closed
            assert health["tick_records_total"] >= replayed.days_closed * len(worker.processors)
            assert health["commands_total"] == replayed.commands_total
            assert health["today"] == UNTIL.isoformat()
            assert set(health["lag"]) == {str(p) for p in worker.processors}

            daily = await get(session, f"{url}/api/commands/daily")
            assert daily["totals"] == replayed.daily_commands()["totals"]

            deadlines = await get(session, f"{url}/api/deadlines")
            assert deadlines["items"] == deadlines_report(replayed_engine, replayed)["items"]

            states = await get(session, f"{url}/api/states")
            assert states["counts"] == dict(Counter(replayed.state_counts)), (
                "state counts drifted from the engine's: the worker must feed the recorder with "
                "processors.ops.batch_observer / record_batch, which relabel every key a batch wrote "
                "(inputs held until their day closes, calendar-dependent labels)"
            )

            point = await get(session, f"{url}/api/supply-points/{DISPUTED}")
            assert point["label"] == "disputed"
            assert [e["type"] for e in point["timeline"] if e["kind"] == "command"] == ["RaiseCoSDispute"]

            anomalies = await get(session, f"{url}/api/anomalies")
            assert [a["subject"] for a in anomalies["items"]] == [STRANGER]

            risk = await get(session, f"{url}/api/risk")
            assert risk["final_bills"]["missed_count"] == 1

            # what `meterflow ingest` rejected reaches the worker's dashboard via its topic
            assert replayed.rejected_total > 0, "the portfolio must hold malformed lines"
            wanted = replayed.rejected_total
            while (rejections := await get(session, f"{url}/api/rejections"))["total"] < wanted:
                assert loop.time() < deadline, f"rejections did not reach the dashboard: {rejections}"
                await asyncio.sleep(0.3)
            assert rejections["total"] == replayed.rejected_total
            seen = {(r["path"], r["line"], r["field"], r["reason"]) for r in rejections["items"]}
            expected = {(r["path"], r["line"], r["field"], r["reason"]) for r in replayed.recent_rejections()}
            assert seen == expected

            # every input file reaches /api/files as in replay: read, duplicate and test data
            files = await get(session, f"{url}/api/files")
            assert files["statuses"] == dict(replayed.files_by_status)
            flows = REPO / "examples" / "flows"
            special = [
                "UDMS_D0086_20241025.txt",
                "UDMS_D0086_20241025_resent.txt",
                "UDMS_D0086_TEST_20241105.txt",
            ]
            await ingest([flows / name for name in special], env)
            while (files := await get(session, f"{url}/api/files"))["statuses"].get("test_data", 0) < 1:
                assert loop.time() < deadline, (
                    f"the ingest's file reports did not reach the dashboard: {files}"
                )
                await asyncio.sleep(0.3)
            by_name = {Path(item["path"]).name: item["status"] for item in files["items"]}
            assert {name: by_name[name] for name in special} == dict(
                zip(special, ["read", "duplicate", "test_data"], strict=True)
            )
    finally:
        worker.stop_soon()
        await asyncio.wait_for(running, 60)
        await worker.close()
        await runner.cleanup()
