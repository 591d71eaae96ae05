"""A worker with the ops dashboard beside it, in one event loop, until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from aiohttp import web

from processors.core.policy import DEFAULT_POLICY, Policy
from processors.history.store import ConsumptionStore
from processors.ops.recorder import OpsRecorder
from processors.streaming.worker import Worker
from processors.web.app import bound_port, create_web_app
from processors.web.consumption import add_consumption_routes

DASHBOARD_HOST_ENV = "METERFLOW_DASHBOARD_HOST"
DASHBOARD_PORT_ENV = "METERFLOW_DASHBOARD_PORT"
DEFAULT_DASHBOARD_PORT = 6066


def dashboard_port(default: int | None = DEFAULT_DASHBOARD_PORT) -> int | None:
    """The dashboard's port from METERFLOW_DASHBOARD_PORT (None: no dashboard)."""
    text = os.environ.get(DASHBOARD_PORT_ENV, "")
    return int(text) if text.strip() else default


def state_dir_of(args: argparse.Namespace) -> Path | None:
    """The RocksDB folder named by `--state-dir` (or METERFLOW_STATE_DIR); None, memory,
    when it is not given or given empty."""
    given = getattr(args, "state_dir", None)
    return Path(given) if given else None


async def run_stack(
    bootstrap: str,
    *,
    use_clock: bool,
    policy: Policy = DEFAULT_POLICY,
    port: int | None = None,
    state_dir: Path | None = None,
) -> int:
    """Run a worker, and the dashboard when `port` is not None, until SIGINT/SIGTERM;
    the worker keeps its states in RocksDB under `state_dir` when given, else in memory."""
    ops = OpsRecorder() if port is not None else None
    worker = Worker(
        bootstrap,
        policy=policy,
        use_clock=use_clock,
        ops=ops,
        max_batch=int(os.environ.get("METERFLOW_MAX_BATCH", "20000")),
        state_dir=state_dir,
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, worker.stop_soon)
    runner: web.AppRunner | None = None
    history: ConsumptionStore | None = None
    try:
        if ops is not None and port is not None:
            host = os.environ.get(DASHBOARD_HOST_ENV, "127.0.0.1")
            history = consumption_store_of(state_dir)
            observe_history(worker, history)
            app = create_web_app(ops, worker.engine_view())
            add_consumption_routes(app, history)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, host, port).start()
            print(f"meterflow: dashboard on http://{host}:{bound_port(runner)}/", file=sys.stderr, flush=True)
        await worker.start()
        if ops is not None:
            ops.mark_started()
        await worker.run()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await worker.close()
        if runner is not None:
            await runner.cleanup()
        if history is not None:
            history.close()
    return 0


def consumption_store_of(state_dir: Path | None) -> ConsumptionStore:
    """The half-hourly history the portal endpoints read: a DuckDB file beside the states
    (`--state-dir`), else in memory."""
    if state_dir is None:
        return ConsumptionStore()
    state_dir.mkdir(parents=True, exist_ok=True)
    return ConsumptionStore(state_dir / "consumption.duckdb")


def observe_history(worker: Worker, history: ConsumptionStore) -> None:
    """Write each handled batch's events to the history, then let the dashboard see it."""
    inner = worker.observer

    def observe(processors: Any, batch: Any) -> None:
        for _, event, _ in batch.handled:
            history.observe(event)
        history.flush()
        if inner is not None:
            inner(processors, batch)

    worker.observer = observe
