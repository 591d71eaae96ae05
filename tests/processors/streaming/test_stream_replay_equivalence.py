"""A back-fill on Kafka gives exactly the commands of `meterflow replay` (SPEC 1, 2.3).

Everything runs through the console script as a user would: `meterflow ingest --until`,
`meterflow worker --no-clock` as a real subprocess, `meterflow tail billing-commands`.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import streamkit

from bench.synthetic_log import LogShape, write_log
from flows import iter_input_files
from processors.codecs import serde
from processors.drivers.event_order import event_time_log
from processors.drivers.replay import replay
from processors.streaming.topics import Topics
from processors.vocabulary.commands import Command, accounts
from processors.vocabulary.events import DomainEvent

pytestmark = pytest.mark.broker

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def last_event_day(paths: list[Path]) -> date:
    return max(o.day for o in event_time_log(paths, None) if isinstance(o, DomainEvent))


def replay_commands(paths: list[Path], until: date) -> list[dict[str, object]]:
    return [serde.to_json(c) for c in replay(paths, until) if isinstance(c, Command)]


def canonical(rows: list[dict[str, object]]) -> set[str]:
    return {json.dumps(row, sort_keys=True, default=str) for row in rows}


def back_fill(
    paths: list[Path], until: date, env: dict[str, str], topics: Topics, broker: str
) -> list[dict[str, object]]:
    """Ingest, run a worker subprocess until it has folded everything, tail the commands."""
    ingest = streamkit.meterflow("ingest", *map(str, paths), "--until", until.isoformat(), env=env)
    _, err = ingest.communicate(timeout=240)
    assert ingest.returncode == 0, err.decode()
    assert b"ingested" in err
    worker = streamkit.meterflow("worker", "--no-clock", env=env)
    try:
        asyncio.run(streamkit.wait_caught_up(broker, env["METERFLOW_GROUP"], topics, timeout=240))
    finally:
        _, werr = streamkit.stop(worker)
    assert worker.returncode == 0, werr.decode()[-2000:]
    tail = streamkit.meterflow("tail", topics.commands, "--from-beginning", "--timeout", "3", env=env)
    out, err = tail.communicate(timeout=60)
    assert tail.returncode == 0, err.decode()
    return [json.loads(line) for line in out.decode().splitlines()]


def test_examples_back_filled_on_kafka_give_replays_commands(
    broker: str, topics: Topics, cli_env: dict[str, str]
) -> None:
    paths = sorted(iter_input_files([EXAMPLES]))
    if not paths:
        pytest.fail(f"no example files in {EXAMPLES}")
    until = last_event_day(paths) + timedelta(days=60)
    expected = replay_commands(paths, until)
    got = back_fill(paths, until, cli_env, topics, broker)
    assert expected, "the examples should give commands"
    assert canonical(got) == canonical(expected)
    assert len({row["command_id"] for row in got}) == len(canonical(got))
    # the account commands (keyed by account id, fed by follow-ups from the supply points'
    # partitions) are among them: examples/events/billing.jsonl
    account_commands = {cls.TYPE for cls in accounts.COMMANDS}
    assert account_commands <= {str(row["type"]) for row in got}
    assert [r for r in got if r["type"] in account_commands] != []


def test_a_synthetic_log_gives_replays_commands_and_a_second_ingest_skips_the_files(
    broker: str, topics: Topics, cli_env: dict[str, str], tmp_path: Path
) -> None:
    _, last = write_log(tmp_path / "log", LogShape(supply_points=400, events=3000, days=12, loss_share=0.08))
    paths = [tmp_path / "log"]
    until = last + timedelta(days=60)
    expected = replay_commands(paths, until)
    got = back_fill(paths, until, cli_env, topics, broker)
    assert len(expected) > 20
    assert canonical(got) == canonical(expected)

    before = asyncio.run(streamkit.real_ends(broker, topics.input))
    again = streamkit.meterflow("ingest", str(paths[0]), env=cli_env)
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0
    skipped = [
        line for line in err.decode().splitlines() if line.endswith(")") and "already ingested (" in line
    ]
    assert len(skipped) == len(list((tmp_path / "log").glob("d0010-*.txt")))
    # DTC files are skipped whole; JSON-lines events carry their own ids and are sent
    # again (the Engine ignores a repeated event_id)
    after = asyncio.run(streamkit.real_ends(broker, topics.input))
    json_events = len((tmp_path / "log" / "events.jsonl").read_text().splitlines())
    assert sum(after.values()) - sum(before.values()) == json_events
