"""The worker's throughput under dashboard load: the same back-fill folded with no
client, then with N clients polling the page's JSON endpoints as fast as they can.

    .venv/bin/python bench/dashboard_load.py [--clients 50] [--events N] [--supply-points N]

The dashboard shares the worker's event loop (processors/streaming/stack.py), so each
request's cost is taken from folding; `processors/web/app.py` keeps each JSON answer for
a second per URL, which bounds that cost whatever the audience. The clients run in their
own process (they must not share the worker's loop or its GIL). Each run uses a fresh
consumer group on the same ingested topics, and reports events/s from start to the last
of replay's commands; the target is >= 80% of the unloaded rate with 50 clients.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic_log import LogShape, write_log
from processors.drivers.replay import replay
from processors.ops.recorder import OpsRecorder
from processors.settings import Settings
from processors.streaming.broker import EmbeddedBroker
from processors.streaming.ingest import ingest
from processors.streaming.topics import Topics
from processors.streaming.worker import Worker
from processors.vocabulary.commands import Command
from processors.web import app as web_app
from processors.web.app import bound_port, start_dashboard

PATHS = ["/api/health", "/api/states", "/api/deadlines", "/api/risk", "/api/commands/daily", "/metrics"]
CLIENTS = """
import asyncio, sys, aiohttp
url, clients = sys.argv[1], int(sys.argv[2])
paths = sys.argv[3:]
async def client(session, i):
    n = 0
    while True:
        try:
            async with session.get(url + paths[(i + n) % len(paths)]) as r:
                await r.read()
        except aiohttp.ClientError:
            await asyncio.sleep(0.05)
        n += 1
async def main():
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as s:
        await asyncio.gather(*(client(s, i) for i in range(clients)))
asyncio.run(main())
"""


async def fold_once(
    broker: str, topics: Topics, group: str, expected: int, events: int, clients: int
) -> float:
    """events/s of one worker from start to replay's last command, with `clients` polling."""
    ops = OpsRecorder()
    worker = Worker(
        broker, replace(Settings(), topic_prefix=topics.prefix, group=group), use_clock=False, ops=ops
    )
    runner = await start_dashboard(ops, worker.engine_view(), port=0)
    load = None
    if clients:
        url = f"http://127.0.0.1:{bound_port(runner)}"
        load = subprocess.Popen([sys.executable, "-c", CLIENTS, url, str(clients), *PATHS])
        await asyncio.sleep(1)
    started = time.perf_counter()
    await worker.start()
    task = asyncio.create_task(worker.run())
    try:
        while worker.stats.commands < expected:
            await asyncio.sleep(0.05)
        return events / (time.perf_counter() - started)
    finally:
        if load is not None:
            load.kill()
            load.wait()
        worker.stop_soon()
        await task
        await worker.close()
        await runner.cleanup()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--events", type=int, default=60000)
    parser.add_argument("--supply-points", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--no-cache", action="store_true", help="answer every request afresh (the dashboard before issue 17)"
    )
    args = parser.parse_args()
    if args.no_cache:
        web_app.cached = lambda handler, seconds=0.0: handler
    folder = Path(tempfile.mkdtemp()) / "log"
    _, last = write_log(folder, LogShape(args.supply_points, args.events, 20, 0.05, seed=13))
    until = last + timedelta(days=45)
    expected = sum(1 for c in replay([folder], until) if isinstance(c, Command))
    broker = EmbeddedBroker().start()
    try:
        topics = Topics("load-")
        await ingest(broker.bootstrap, [folder], until, topics=topics)
        rates: dict[int, list[float]] = {0: [], args.clients: []}
        for run in range(args.repeat):  # alternated, so drift on a shared machine hits both
            for clients, found in rates.items():
                rate = await fold_once(
                    broker.bootstrap, topics, f"load-{clients}-{run}", expected, args.events, clients
                )
                found.append(rate)
                print(f"run {run}: {clients} clients: {rate:,.0f} events/s", flush=True)
        unloaded, loaded = max(rates[0]), max(rates[args.clients])
        cache = "no cache" if args.no_cache else "1 s cache"
        print(
            f"RESULT ({cache}) unloaded {unloaded:,.0f} events/s, "
            f"{args.clients} clients {loaded:,.0f} events/s: "
            f"{loaded / unloaded:.0%} of the unloaded rate (best of {args.repeat})"
        )
    finally:
        broker.stop()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
