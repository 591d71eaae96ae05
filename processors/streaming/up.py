"""`meterflow up [--no-clock] [--dashboard-port N]`: a whole local stack in one process.

Without `--broker` (or METERFLOW_BROKER) it starts the embedded Tansu broker on a free
loopback port and writes its address to `$METERFLOW_HOME/broker` (default
`~/.meterflow/broker`), where `ingest`, `worker` and `tail` find it. Then it runs the
worker and serves the dashboard (processors.web) on `--dashboard-port` (else
METERFLOW_DASHBOARD_PORT, else 6066; METERFLOW_DASHBOARD_HOST, default 127.0.0.1), prints
one "ready" line once the worker holds its partitions, and runs until SIGINT or SIGTERM.

One stack per METERFLOW_HOME (D22). Before it starts anything, `up` takes the lock
`$METERFLOW_HOME/up.lock` (an flock held for its whole life, so a crashed stack never
leaves it taken) and checks that the recorded broker is not alive and that the dashboard
port is free; otherwise it refuses, naming the running stack, and touches nothing. Two
stacks side by side need two homes and two dashboard ports.

The worker keeps its states in memory unless `--state-dir` (or METERFLOW_STATE_DIR) names
a folder for RocksDB. Memory is the right default here: the embedded broker forgets its
log when it stops, so local states could never be reused by the next `up` (their
fingerprints would not match the new log), and RocksDB halves the worker's speed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import fcntl
import json
import os
import socket
import sys
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import structlog

from processors.core.policy import DEFAULT_POLICY, load_policy
from processors.drivers.exit_codes import EXIT_CANNOT_RUN, EXIT_OK
from processors.settings import DEFAULT_DASHBOARD_PORT, EMBEDDED_SESSION_TIMEOUT_MS, Settings
from processors.streaming.broker import (
    BROKER_FILE,
    EmbeddedBroker,
    clear_broker_address,
    write_broker_address,
)
from processors.streaming.errors import report_startup_error
from processors.streaming.worker import serve

log = structlog.get_logger("meterflow.up")

LOCK_FILE = "up.lock"


class StackRefused(RuntimeError):
    """`up` will not start: another stack runs here, or its port is taken."""


def broker_alive(address: str, timeout: float = 1.0) -> bool:
    """True when something accepts TCP connections at `address` (host:port)."""
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def check_port_free(host: str, port: int) -> None:
    """Raise StackRefused when the dashboard could not listen on host:port (0: any port).
    SO_REUSEADDR as aiohttp sets it, so a port merely in TIME_WAIT counts as free."""
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise StackRefused(
                f"the dashboard port is taken: {host}:{port} already has a listener (another stack?); "
                "choose another with --dashboard-port N (0: any free port)"
            ) from None


class StackLock:
    """The one-stack-per-home lock: an flock on `home/up.lock`, whose text says which
    stack holds it (pid, broker, dashboard) for the message a second `up` prints."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.path = home / LOCK_FILE
        self._file: IO[str] | None = None

    def acquire(self) -> StackLock:
        self.home.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = _holder(handle.read())
            handle.close()
            raise StackRefused(
                f"a meterflow stack is already running in {self.home} ({holder}); stop it first, or run "
                "another beside it with its own home and dashboard port: "
                "METERFLOW_HOME=<another folder> meterflow up --dashboard-port <another port>"
            ) from None
        self._file = handle
        self.describe(pid=os.getpid(), state="starting")
        return self

    def describe(self, **facts: Any) -> None:
        """Record what this stack is (only the holder writes the file)."""
        if self._file is None:
            return
        self._file.seek(0)
        self._file.truncate()
        self._file.write(json.dumps(facts))
        self._file.flush()

    def release(self) -> None:
        handle, self._file = self._file, None
        if handle is None:
            return
        with contextlib.suppress(OSError):
            handle.seek(0)
            handle.truncate()
        handle.close()  # closing drops the flock

    def __enter__(self) -> StackLock:
        return self.acquire()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _holder(text: str) -> str:
    try:
        facts = json.loads(text)
    except ValueError:
        return "its details are not recorded yet"
    if not isinstance(facts, dict):
        return "its details are not recorded yet"
    parts = [f"pid {facts['pid']}" if "pid" in facts else ""]
    parts += [f"{name} {facts[name]}" for name in ("broker", "dashboard") if facts.get(name)]
    return ", ".join(p for p in parts if p)


def refuse_live_address(home: Path) -> None:
    """Refuse when `home/broker` names a broker that answers: a stack (or a broker someone
    recorded there) is in use, and overwriting the file would cut the others off it."""
    path = home / BROKER_FILE
    try:
        recorded = path.read_text(encoding="utf-8").strip()
    except OSError:
        return
    if recorded and broker_alive(recorded):
        raise StackRefused(
            f"{path} names a broker that is running ({recorded}); stop that stack first, or run "
            "another beside it: METERFLOW_HOME=<another folder> meterflow up --dashboard-port <another port>"
        )
    if recorded:
        log.info("stale broker address replaced", address_file=str(path), address=recorded)


def ready_line(broker: str, dashboard: str | None, partitions: list[int]) -> str:
    """The one line `up` prints when the stack can take work."""
    where = f"dashboard {dashboard}" if dashboard else "no dashboard"
    owned = ", ".join(map(str, partitions)) or "none"
    return f"meterflow: ready: broker {broker}, {where}, partitions {owned} assigned; Ctrl-C stops"


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Entry point of `meterflow up`."""
    explicit = settings.broker
    policy = DEFAULT_POLICY
    if getattr(args, "policy", None):
        policy = load_policy(args.policy)
    given_port = getattr(args, "dashboard_port", None)
    if given_port is not None:
        port: int | None = given_port
    else:
        port = DEFAULT_DASHBOARD_PORT if settings.dashboard_port is None else settings.dashboard_port
    host = settings.dashboard_host
    home = settings.home
    lock = StackLock(home)
    embedded: EmbeddedBroker | None = None
    try:
        if not explicit:
            lock.acquire()
            refuse_live_address(home)
        if port is not None:
            check_port_free(host, port)
        if explicit:
            bootstrap = explicit
        else:
            if settings.session_timeout_ms is None:
                settings = replace(settings, session_timeout_ms=EMBEDDED_SESSION_TIMEOUT_MS)
            embedded = EmbeddedBroker(log_level=settings.broker_log).start()
            bootstrap = embedded.bootstrap
            where = write_broker_address(bootstrap, home)
            log.info("embedded broker started", broker=bootstrap, address_file=str(where), pid=embedded.pid)

        def announce(dashboard: str | None, partitions: list[int]) -> None:
            lock.describe(pid=os.getpid(), state="ready", broker=bootstrap, dashboard=dashboard)
            print(ready_line(bootstrap, dashboard, partitions), file=sys.stderr, flush=True)

        return asyncio.run(
            serve(
                bootstrap,
                settings,
                use_clock=not getattr(args, "no_clock", False),
                policy=policy,
                port=port,
                on_ready=announce,
            )
        )
    except KeyboardInterrupt:
        return EXIT_OK
    except StackRefused as exc:
        print(f"meterflow up: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except Exception as exc:
        return report_startup_error(exc)
    finally:
        if embedded is not None:
            clear_broker_address(embedded.bootstrap, home)
            embedded.stop()
        lock.release()
