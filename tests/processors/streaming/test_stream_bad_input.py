"""Bad input on the real broker (issue 17 items 2, 5): `meterflow ingest` rejects a bad
line and publishes the rest, and a file whose key was ingested before with other content
is rejected naming the first, across two ingests (the digest kept in `ingested-files`);
a key whose entry predates digests is compared with the file it names while it can be,
else skipped with a warning that says the contents could not be compared."""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
import streamkit

from flows import FileStatus, peek_dtc_header
from processors.codecs import serde
from processors.core.conflicts import EVENT_ID_CONFLICT
from processors.streaming.ingest import ingest as ingest_files
from processors.streaming.kafka import make_producer, start_client
from processors.streaming.topics import Topics, ensure_topics
from processors.streaming.worker import Worker
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


async def write_entry(broker: str, topics: Topics, key: str, value: dict[str, str]) -> None:
    """An `ingested-files` entry as an older meterflow wrote it."""
    await ensure_topics(broker, topics.specs())
    producer = make_producer(broker)
    await start_client(producer, broker, 10)
    try:
        await producer.send_and_wait(topics.ingested_files, json.dumps(value).encode(), key=key.encode())
    finally:
        await producer.stop()


def ingested_before(broker: str, topics: Topics, path: Path, entry: dict[str, str]) -> None:
    """A copy of the valid D0010 fixture at `path`, its key in `ingested-files` with `entry`."""
    shutil.copy(FIXTURES / "d0010_valid.txt", path)
    header = peek_dtc_header(path)
    assert header is not None
    asyncio.run(write_entry(broker, topics, header.key, entry))


def test_a_file_key_ingested_before_digests_were_kept_is_skipped_with_a_warning(
    broker: str, topics: Topics, cli_env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "again.txt"
    # the value the first versions wrote: when, and nothing of the file
    ingested_before(broker, topics, path, {"ingested_at": "2025-01-02T03:04:05+00:00"})
    _, err = ingest(cli_env, path)  # exit 1: nothing usable was read, as for any resend alone
    assert f"skipped {path}" in err
    assert "keeps no digest" in err and "could not be compared" in err and "2025-01-02T03:04:05" in err
    assert "1 not compared" in err
    assert asyncio.run(streamkit.read_topic(broker, topics.input)) == []  # skipped, as before
    [report] = [
        serde.decode_file_report(r.value)
        for r in asyncio.run(streamkit.read_topic(broker, topics.file_reports))
    ]
    assert report.status == FileStatus.DUPLICATE and report.detail is not None
    assert "could not be compared" in report.detail


def test_an_entry_without_digest_is_compared_with_its_file_while_it_can_be_read(
    broker: str, topics: Topics, cli_env: dict[str, str], tmp_path: Path
) -> None:
    first = tmp_path / "first.txt"
    ingested_before(broker, topics, first, {"ingested_at": "2025-01-02", "path": str(first)})
    changed = tmp_path / "changed.txt"
    changed.write_text(first.read_text().replace("|56311.0|", "|56312.0|"))
    ingest(cli_env, changed)
    [rejected] = [
        serde.decode_rejection(r.value) for r in asyncio.run(streamkit.read_topic(broker, topics.rejected))
    ]
    assert rejected.path == str(changed) and str(first) in rejected.reason
    resent = tmp_path / "resent.txt"
    shutil.copy(first, resent)
    _, err = ingest(cli_env, resent)  # the same content as the file named: a plain resend
    assert "already ingested" in err and "could not be compared" not in err


SECURED = (
    '{"type": "switch.secured", "event_id": "css-1", "occurred_at": "2024-10-01T06:00:00Z", '
    '"mpan": "1200023305967", "ssd": "SSD", "gaining_supplier": "BGAS"}\n'
)


async def test_the_same_event_id_with_other_content_in_a_later_ingest_is_an_anomaly_of_the_worker(
    broker: str, topics: Topics, tmp_path: Path
) -> None:
    """Each ingest checks its own run (`EventIds`); across two, the worker's engine tells a
    resend (silent) from another event under the same id (an anomaly naming it)."""
    first, resent, changed = (tmp_path / name for name in ("first.jsonl", "resent.jsonl", "changed.jsonl"))
    first.write_text(registered_line(ssd="2021-06-14") + "\n" + SECURED.replace("SSD", "2024-10-21"))
    resent.write_text(SECURED.replace("SSD", "2024-10-21"))
    changed.write_text(SECURED.replace("SSD", "2024-10-28"))
    until = date(2024, 10, 5)
    group = f"{topics.prefix}conflicts"
    worker = Worker(broker, streamkit.worker_settings(topics, group=group), use_clock=False)
    task: asyncio.Task[None] | None = None

    async def conflicts() -> list[tuple[str, str]]:
        await streamkit.wait_caught_up(broker, group, topics, timeout=60)
        found = [serde.decode_anomaly(r.value) for r in await streamkit.read_topic(broker, topics.anomalies)]
        return [(a.event_id, a.subject) for a in found if a.kind == EVENT_ID_CONFLICT]

    try:
        await ingest_files(broker, [first], until, topics=topics)
        await worker.start()
        task = asyncio.create_task(worker.run())
        assert await conflicts() == []
        await ingest_files(broker, [resent], until, topics=topics)
        assert await conflicts() == []  # the same event again: a duplicate, silent
        await ingest_files(broker, [changed], until, topics=topics)
        assert await conflicts() == [("css-1", "1200023305967")]
    finally:
        worker.stop_soon()
        if task is not None:
            await asyncio.wait_for(task, 60)
        await worker.close()
