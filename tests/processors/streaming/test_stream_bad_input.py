"""Bad input on the real broker (issue 17 items 2, 5): `meterflow ingest` rejects a bad
line and publishes the rest, and a file whose key was ingested before with other content
is rejected naming the first, across two ingests (the digest kept in `ingested-files`)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
import streamkit

from processors.codecs import serde
from processors.streaming.topics import Topics
from tests.flows.json_line_builders import registered_line

pytestmark = pytest.mark.broker

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "flows"


def ingest(env: dict[str, str], *paths: Path) -> tuple[int, str]:
    process = streamkit.meterflow("ingest", *map(str, paths), env=env)
    _, err = process.communicate(timeout=120)
    return process.returncode, err.decode()


def test_a_bad_line_is_rejected_and_the_rest_published(
    broker: str, topics: Topics, cli_env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "events.jsonl"
    bad = registered_line(event_id="bad", occurred_at="9999-12-31T23:59:59Z")
    path.write_text(bad + "\n" + registered_line() + "\n")
    status, err = ingest(cli_env, path)
    assert status == 0, err
    events = [serde.decode_event(r.value) for r in asyncio.run(streamkit.read_topic(broker, topics.input))]
    assert [e.event_id for e in events] == ["reg-A-1"]
    [rejected] = [
        serde.decode_rejection(r.value) for r in asyncio.run(streamkit.read_topic(broker, topics.rejected))
    ]
    assert (rejected.line, rejected.field) == (1, "occurred_at")


def test_a_file_key_ingested_before_with_other_content_is_rejected_naming_the_first(
    broker: str, topics: Topics, cli_env: dict[str, str], tmp_path: Path
) -> None:
    first = tmp_path / "first.txt"
    shutil.copy(FIXTURES / "d0010_valid.txt", first)
    status, err = ingest(cli_env, first)
    assert status == 0, err
    resent = tmp_path / "resent.txt"
    shutil.copy(first, resent)
    changed = tmp_path / "changed.txt"
    changed.write_text(first.read_text().replace("|56311.0|", "|56312.0|"))
    status, err = ingest(cli_env, resent)
    assert "already ingested" in err  # a resend: skipped as before
    status, err = ingest(cli_env, changed)
    [rejected] = [
        serde.decode_rejection(r.value) for r in asyncio.run(streamkit.read_topic(broker, topics.rejected))
    ]
    assert rejected.path == str(changed) and str(first) in rejected.reason
    assert "different content" in rejected.reason
