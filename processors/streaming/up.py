"""`meterflow up [--no-clock]`: a whole local stack in one process, with no set-up.

Without `--broker` (or METERFLOW_BROKER) it starts the embedded Tansu broker on a free
loopback port and writes its address to `$METERFLOW_HOME/broker` (Settings.home, default
`~/.meterflow/broker`), where `ingest`, `worker` and `tail` find it. Then it runs the
worker and serves the dashboard (processors.web) on METERFLOW_DASHBOARD_PORT (default
6066; METERFLOW_DASHBOARD_HOST, default 127.0.0.1), until SIGINT or SIGTERM, and stops
all three cleanly.

The worker keeps its states in memory unless `--state-dir` (or METERFLOW_STATE_DIR) names
a folder for RocksDB. Memory is the right default here: the embedded broker forgets its
log when it stops, so local states could never be reused by the next `up` (their
fingerprints would not match the new log), and RocksDB halves the worker's speed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import replace

import structlog

from processors.core.policy import DEFAULT_POLICY, load_policy
from processors.settings import DEFAULT_DASHBOARD_PORT, EMBEDDED_SESSION_TIMEOUT_MS, Settings
from processors.streaming.broker import EmbeddedBroker, clear_broker_address, write_broker_address
from processors.streaming.errors import report_startup_error
from processors.streaming.worker import serve

log = structlog.get_logger("meterflow.up")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Entry point of `meterflow up`."""
    explicit = settings.broker
    policy = DEFAULT_POLICY
    if getattr(args, "policy", None):
        policy = load_policy(args.policy)
    embedded: EmbeddedBroker | None = None
    try:
        if explicit:
            bootstrap = explicit
        else:
            if settings.session_timeout_ms is None:
                settings = replace(settings, session_timeout_ms=EMBEDDED_SESSION_TIMEOUT_MS)
            embedded = EmbeddedBroker(log_level=settings.broker_log).start()
            bootstrap = embedded.bootstrap
            where = write_broker_address(bootstrap, settings.home)
            log.info("embedded broker started", broker=bootstrap, address_file=str(where), pid=embedded.pid)
        print(f"meterflow: broker {bootstrap}; Ctrl-C stops", file=sys.stderr, flush=True)
        return asyncio.run(
            serve(
                bootstrap,
                settings,
                use_clock=not getattr(args, "no_clock", False),
                policy=policy,
                port=DEFAULT_DASHBOARD_PORT if settings.dashboard_port is None else settings.dashboard_port,
            )
        )
    except KeyboardInterrupt:
        return 0
    except Exception as exc:
        return report_startup_error(exc)
    finally:
        if embedded is not None:
            clear_broker_address(embedded.bootstrap, settings.home)
            embedded.stop()
