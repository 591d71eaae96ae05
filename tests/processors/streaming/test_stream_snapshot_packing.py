"""Snapshot states packed many to a record: a run reads back as the states it was
written from, a run of one record per state (as written before) still reads, and a
packed record cut short makes its run unusable rather than short of states."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from processors.streaming.kafka import make_producer, make_reader, start_client
from processors.streaming.snapshots import (
    BEGIN,
    END,
    PACK_BYTES,
    STATES,
    encoded_snapshot_records,
    latest_snapshots,
    unpacked,
    write_snapshot,
)
from processors.streaming.topics import TopicSpec, ensure_topics

STATES_WRITTEN = [(f"sp:{n:013d}", b'{"n": %d}' % n + b"." * (n % 300)) for n in range(3_000)]


def test_a_run_packs_its_states_into_few_records_that_unpack_to_them() -> None:
    records = list(encoded_snapshot_records(42, "fp", STATES_WRITTEN))
    assert records[0][0] == BEGIN and records[-1][0] == END
    packs = records[1:-1]
    assert {key for key, _ in packs} == {STATES}
    assert all(len(value) <= PACK_BYTES for _, value in packs)  # none above: no state is that large
    assert len(packs) < len(STATES_WRITTEN) / 100
    assert [state for _, value in packs for state in unpacked(value)] == STATES_WRITTEN


def test_a_state_larger_than_a_pack_gets_a_record_of_its_own() -> None:
    big = [("a", b"1"), ("b", b"x" * (PACK_BYTES + 10)), ("c", b"3")]
    packs = [value for key, value in encoded_snapshot_records(1, "", big) if key == STATES]
    assert [unpacked(value) for value in packs] == [[big[0]], [big[1]], [big[2]]]


def test_a_packed_record_cut_short_or_with_bytes_over_is_refused() -> None:
    [(_, value)] = [r for r in encoded_snapshot_records(1, "", STATES_WRITTEN[:5]) if r[0] == STATES]
    for broken in (value[:-1], value[:3], value + b"\x00"):
        with pytest.raises(ValueError):
            unpacked(broken)


async def put(producer: Any, topic: str, partition: int, records: list[tuple[bytes, bytes]]) -> None:
    """Send `records` one at a time, as a producer of single records writes them."""
    await asyncio.gather(*[await producer.send(topic, v, key=k, partition=partition) for k, v in records])


@pytest.mark.broker
async def test_packed_runs_and_runs_of_one_record_a_state_both_read_back(broker: str) -> None:
    topic = f"packing-{uuid.uuid4().hex[:8]}"
    await ensure_topics(broker, [TopicSpec(topic, 3, {})])
    # partition 1: a run as written before packing, one record per state
    old = [(BEGIN, b'{"epoch": "e1", "offset": 5, "fingerprint": "fp1"}')]
    old += [(key.encode(), value) for key, value in STATES_WRITTEN[:50]]
    old.append((END, b'{"epoch": "e1", "offset": 5, "count": 50}'))
    # partition 2: a packed run whose states record was cut short
    broken = list(encoded_snapshot_records(3, "fp2", STATES_WRITTEN[:20]))
    broken[1] = (STATES, broken[1][1][:-4])
    producer = make_producer(broker)
    await start_client(producer, broker, 10)
    try:
        packed = encoded_snapshot_records(7, "fp0", STATES_WRITTEN)
        assert await write_snapshot(producer, topic, 0, packed) == len(STATES_WRITTEN)
        await put(producer, topic, 1, old)
        await put(producer, topic, 2, broken)
    finally:
        await producer.stop()
    reader = make_reader(broker)
    await start_client(reader, broker, 10)
    try:
        found = await latest_snapshots(reader, topic, {0: 7, 1: 5, 2: 3})
    finally:
        await reader.stop()
    assert (found[0].offset, found[0].fingerprint, found[0].states) == (7, "fp0", STATES_WRITTEN)
    assert (found[1].offset, found[1].fingerprint, found[1].states) == (5, "fp1", STATES_WRITTEN[:50])
    assert 2 not in found
