"""A worker with the ops dashboard beside it, in one event loop, until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from processors.core.policy import DEFAULT_POLICY, Policy
from processors.ops.recorder import OpsRecorder
from processors.streaming.worker import Worker
from processors.web.app import bound_port, start_dashboard

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
    on_ready: Callable[[str | None, list[int]], None] | None = None,
) -> int:
    """Run a worker, and the dashboard when `port` is not None, until SIGINT/SIGTERM;
    the worker keeps its states in RocksDB under `state_dir` when given, else in memory.
    `on_ready(dashboard_url, partitions)` is called once, when the worker has been
    assigned its partitions (and rebuilt their states), with the dashboard already up."""
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
    announce: asyncio.Task[None] | None = None
    try:
        url: str | None = None
        if ops is not None and port is not None:
            host = os.environ.get(DASHBOARD_HOST_ENV, "127.0.0.1")
            runner = await start_dashboard(ops, worker.engine_view(), host, port)
            url = f"http://{host}:{bound_port(runner)}/"
            if on_ready is None:
                print(f"meterflow: dashboard on {url}", file=sys.stderr, flush=True)
        await worker.start()
        if ops is not None:
            ops.mark_started()
        if on_ready is not None:
            announce = asyncio.create_task(_when_ready(worker, url, on_ready))
        await worker.run()
    finally:
        if announce is not None:
            announce.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await worker.close()
        if runner is not None:
            await runner.cleanup()
    return 0


async def _when_ready(
    worker: Worker, url: str | None, on_ready: Callable[[str | None, list[int]], None]
) -> None:
    await worker.ready.wait()
    on_ready(url, sorted(worker.folded))
