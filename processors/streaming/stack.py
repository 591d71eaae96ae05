"""A service (the worker) with the ops dashboard beside it, in one event loop, until
SIGINT/SIGTERM. It knows the worker only by the `Service` interface, so the worker's
module can start it without the two importing each other.

A signal asks the service to finish its batch and stop; if it has not within
`STOP_GRACE` seconds (a broker gone, a recovery waiting on it), its run is cancelled,
which commits nothing it had not committed already; a second signal cancels at once.
The close that follows is bounded by the service itself."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from processors.ops.recorder import OpsRecorder
from processors.ops.views import EngineView

if TYPE_CHECKING:
    from aiohttp import web

STOP_GRACE = 3.0


class Service(Protocol):
    """What the stack needs of a worker: its life cycle and a view of its Engines."""

    async def start(self) -> None: ...

    async def run(self) -> None: ...

    def stop_soon(self) -> None: ...

    async def close(self) -> None: ...

    def engine_view(self) -> EngineView: ...

    @property
    def ready(self) -> asyncio.Event:
        """Set once the service holds its partitions (and has rebuilt their states)."""
        ...

    @property
    def folded(self) -> dict[int, int]: ...


async def run_stack(
    service: Service,
    ops: OpsRecorder | None,
    *,
    host: str,
    port: int | None,
    on_ready: Callable[[str | None, list[int]], None] | None = None,
    extend_app: Callable[[web.Application], None] | None = None,
    token: str | None = None,
    names: tuple[str, ...] = (),
) -> int:
    """Run `service`, and the dashboard over `ops` on host:port when `port` is not None
    (0: any free port), until SIGINT/SIGTERM; then stop both. `on_ready(dashboard_url,
    partitions)` is called once, when the service holds its partitions, with the dashboard
    already up (else a "dashboard on" line is printed when it starts). `extend_app` adds
    routes to the dashboard's application (the consumption portal's, say); `token` and
    `names`: the dashboard's bearer token and the extra host names it answers to."""
    loop = asyncio.get_running_loop()
    running: asyncio.Task[None] | None = None
    signalled: list[float] = []

    def on_signal() -> None:
        service.stop_soon()
        signalled.append(loop.time())
        if running is None:
            return
        if len(signalled) > 1:
            running.cancel()
        else:
            loop.call_later(STOP_GRACE, running.cancel)

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    runner: web.AppRunner | None = None
    announce: asyncio.Task[None] | None = None
    try:
        url: str | None = None
        if ops is not None and port is not None:
            # aiohttp only with a dashboard: a worker without one is ~10 MB smaller (D58)
            from processors.web.app import bound_port, start_dashboard  # noqa: PLC0415

            runner = await start_dashboard(
                ops, service.engine_view(), host, port, extend=extend_app, token=token, names=names
            )
            url = f"http://{host}:{bound_port(runner)}/"
            if on_ready is None:
                print(f"meterflow: dashboard on {url}", file=sys.stderr, flush=True)
        await service.start()
        if ops is not None:
            ops.mark_started()
        if on_ready is not None:
            announce = asyncio.create_task(_when_ready(service, url, on_ready))
        running = asyncio.create_task(service.run())
        if signalled:  # a signal came while starting: stop_soon is set, run returns at once
            loop.call_later(STOP_GRACE, running.cancel)
        try:
            await running
        except asyncio.CancelledError:
            if not signalled:
                raise  # cancelled from outside, not by a signal
    finally:
        if announce is not None:
            announce.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await service.close()
        if runner is not None:
            await runner.cleanup()
    return 0


async def _when_ready(
    service: Service, url: str | None, on_ready: Callable[[str | None, list[int]], None]
) -> None:
    await service.ready.wait()
    on_ready(url, sorted(service.folded))
