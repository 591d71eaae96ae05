"""`meterflow up [--no-clock]`: a whole local stack in one process, with no set-up.

Without `--broker` (or METERFLOW_BROKER) it starts the embedded Tansu broker on a free
loopback port and writes its address to `$METERFLOW_HOME/broker` (default
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
import os
import sys

import structlog

from processors.core.policy import DEFAULT_POLICY, load_policy
from processors.streaming.broker import EmbeddedBroker, clear_broker_address, write_broker_address
from processors.streaming.errors import report_startup_error
from processors.streaming.stack import dashboard_port, run_stack, state_dir_of

log = structlog.get_logger("meterflow.up")


def run(args: argparse.Namespace) -> int:
    """Entry point of `meterflow up`."""
    explicit = getattr(args, "broker", None) or os.environ.get("METERFLOW_BROKER")
    policy = DEFAULT_POLICY
    if getattr(args, "policy", None):
        policy = load_policy(args.policy)
    embedded: EmbeddedBroker | None = None
    try:
        if explicit:
            bootstrap = explicit
        else:
            os.environ.setdefault("METERFLOW_SESSION_TIMEOUT_MS", "3000")
            embedded = EmbeddedBroker().start()
            bootstrap = embedded.bootstrap
            where = write_broker_address(bootstrap)
            log.info("embedded broker started", broker=bootstrap, address_file=str(where), pid=embedded.pid)
        print(f"meterflow: broker {bootstrap}; Ctrl-C stops", file=sys.stderr, flush=True)
        return asyncio.run(
            run_stack(
                bootstrap,
                use_clock=not getattr(args, "no_clock", False),
                policy=policy,
                port=dashboard_port(),
                state_dir=state_dir_of(args),
            )
        )
    except KeyboardInterrupt:
        return 0
    except Exception as exc:
        return report_startup_error(exc)
    finally:
        if embedded is not None:
            clear_broker_address(embedded.bootstrap)
            embedded.stop()
