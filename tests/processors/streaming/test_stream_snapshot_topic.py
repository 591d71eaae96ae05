"""The snapshots topic keeps every record of its runs (cleanup.policy delete, with a
retention), not the latest per key: every record of a run has one of three keys (BEGIN,
STATES, END), so compaction would keep one STATES record of a run and the newest BEGIN
and END whatever runs they belong to, and no complete run would be left to recover from."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

import pytest

from processors.streaming import snapshots
from processors.streaming.snapshots import PACK_BYTES, encoded_snapshot_records, latest_snapshots
from processors.streaming.topics import SNAPSHOT_RETENTION_MS, Topics


@dataclass(frozen=True)
class _Record:
    partition: int
    key: bytes | None
    value: bytes | None


def _run(offset: int, count: int) -> list[tuple[bytes, bytes]]:
    """A run of `count` states large enough to take several STATES records."""
    states = [(f"sp:{n:013d}", b"\x01" + b"x" * (PACK_BYTES // 4)) for n in range(count)]
    return list(encoded_snapshot_records(offset, "", states))


def _compacted(records: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """What log compaction leaves: the last record of each key, in log order."""
    last = {key: at for at, (key, _) in enumerate(records)}
    return [record for at, record in enumerate(records) if last[record[0]] == at]


async def _latest(monkeypatch: pytest.MonkeyPatch, records: list[tuple[bytes, bytes]], upto: int) -> Any:
    async def read(_reader: Any, _tps: Iterable[Any], **_: Any) -> AsyncIterator[list[_Record]]:
        yield [_Record(0, key, value) for key, value in records]

    monkeypatch.setattr(snapshots, "read_partitions", read)
    return await latest_snapshots(None, "snapshots", {0: upto})  # type: ignore[arg-type]


def test_the_snapshots_topic_deletes_by_age_and_does_not_compact() -> None:
    topics = Topics()
    [spec] = [s for s in topics.specs(4) if s.name == topics.snapshots]
    assert spec.configs == {"cleanup.policy": "delete", "retention.ms": SNAPSHOT_RETENTION_MS}


async def test_a_compacted_snapshots_topic_would_leave_no_run_to_recover_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = _run(5, 12) + _run(9, 12)
    assert sum(1 for key, _ in log if key == snapshots.STATES) > 4
    found = await _latest(monkeypatch, log, 100)
    assert found[0].offset == 9 and len(found[0].states) == 12
    assert await _latest(monkeypatch, _compacted(log), 100) == {}
    # a newer run cut short by a crash: kept whole, the complete run before it is used
    crashed = log + _run(13, 12)[:-1]
    assert (await _latest(monkeypatch, crashed, 100))[0].offset == 9
    assert await _latest(monkeypatch, _compacted(crashed), 100) == {}
