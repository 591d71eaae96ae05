"""Snapshots of a partition's state, so a restart need not fold the whole log again.

A snapshot is written into partition p of `meterflow-snapshots` (the same number as the
input partition) as one run of records: a BEGIN marker, every state of the partition's
store (state key and `state_codec.encode_state`), and an END marker that repeats the epoch
and counts the states. The states are packed many to a record (a STATES record of about
`PACK_BYTES`: each state's key and value lengths, then the two): one record per state
cost the broker and aiokafka a record each (a Python object per state read back), most
of recovery's read. Runs of one record per state (written before) are read as before.
A run stands for the state after folding input
offsets [0, offset) of one log, named by the fingerprint of its record at offset - 1
(`state_store.fingerprint`, as a local state's marker: D17). Recovery takes the latest
complete run whose offset is not past the committed offset, refuses it when that
fingerprint is not the log's (a snapshot of an old log written into a new broker),
loads it, and folds the input from there; with no usable snapshot
(none yet, expired, or a state format this version cannot read) it folds from 0, which
gives the same state, only slower. The partition is read to its real end (never trusting
the high watermark alone), and a run cut short by a crash has no END, so it is ignored.

After its states a run carries the engine's derived indexes (`Engine.derived_index`: the
wake-ups, the open days' holds, the side keys) in INDEX records, JSON cut into pieces of
`PACK_BYTES`, whose length the END names: recovery sets them instead of deriving them from
every state's deadlines, a third of its time (D76). A run without them (written before, or
with an index cut short) is indexed by `Engine.rebuild_deadlines`, as before.
"""

from __future__ import annotations

import asyncio
import json
import struct
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from orjson import dumps as _orjson_dumps
from orjson import loads as _orjson_loads

from processors.codecs.state_codec import decode_state, encode_state
from processors.core.engine import DerivedIndex
from processors.streaming.kafka import read_partitions
from processors.streaming.loop import send_batches

BEGIN = b"\x00snapshot-begin"
END = b"\x00snapshot-end"
STATES = b"\x00snapshot-states"  # a record of packed states (state keys never start with \x00)
INDEX = b"\x00snapshot-index"  # a piece of the run's derived index (after its states)
PACK_BYTES = 64 * 1024  # states packed into one STATES record (more only for one larger state)
_LENGTHS = struct.Struct(">II")  # a packed state's key and value lengths
SEND_WINDOW = 10_000  # records queued (as record batches) before waiting for their acknowledgements


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A complete snapshot of one partition: its states after folding [0, offset)."""

    partition: int
    offset: int
    states: list[tuple[str, bytes]]
    fingerprint: str | None = None
    """Of the input record at offset - 1 ("" at offset 0); None: written by a version
    that kept none."""
    index: bytes | None = None
    """The run's derived index, whole, as `encoded_index` wrote it; None: the run has none."""


def encoded_index(index: DerivedIndex) -> bytes:
    """`index` as JSON (days as ordinals)."""
    return _orjson_dumps(
        {
            "rules": index.rules,
            "wake": [(key, machine, day.toordinal()) for key, machine, day in index.wake],
            "held": [(day.toordinal(), prefix, key, bits) for day, prefix, key, bits in index.held],
            "side": index.side,
        }
    )


def decoded_index(data: bytes) -> DerivedIndex | None:
    """The index `encoded_index` wrote; None for any bytes it did not write (the states
    are then indexed from themselves)."""
    try:
        raw = _orjson_loads(data)
        day = date.fromordinal
        return DerivedIndex(
            rules=str(raw["rules"]),
            wake=[(str(key), int(machine), day(ordinal)) for key, machine, ordinal in raw["wake"]],
            held=[
                (day(ordinal), str(prefix), str(key), int(bits)) for ordinal, prefix, key, bits in raw["held"]
            ],
            side=[str(key) for key in raw["side"]],
        )
    except (ValueError, TypeError, KeyError, OverflowError):
        return None


def snapshot_records(
    offset: int, fingerprint: str, states: Iterable[tuple[str, object]], index: DerivedIndex | None = None
) -> Iterator[tuple[bytes, bytes]]:
    """The (key, value) records of one snapshot run, produced as they are sent (a snapshot
    of a large partition is never held whole in memory)."""
    encoded = ((key, encode_state(state)) for key, state in states)
    return encoded_snapshot_records(offset, fingerprint, encoded, index)


def encoded_snapshot_records(
    offset: int, fingerprint: str, states: Iterable[tuple[str, bytes]], index: DerivedIndex | None = None
) -> Iterator[tuple[bytes, bytes]]:
    """The (key, value) records of one snapshot run of states already encoded; `fingerprint`
    names the input record at offset - 1; `index`, the engine's derived index at that
    offset, goes after the states."""
    epoch = uuid.uuid4().hex
    yield BEGIN, json.dumps({"epoch": epoch, "offset": offset, "fingerprint": fingerprint}).encode()
    count = 0
    packed: list[bytes] = []
    size = 0
    lengths = _LENGTHS.pack
    for key, value in states:
        raw = key.encode()
        added = _LENGTHS.size + len(raw) + len(value)
        if size and size + added > PACK_BYTES:
            yield STATES, b"".join(packed)
            packed.clear()
            size = 0
        packed += (lengths(len(raw), len(value)), raw, value)
        size += added
        count += 1
    if packed:
        yield STATES, b"".join(packed)
    tail: dict[str, object] = {"epoch": epoch, "offset": offset, "count": count}
    if index is not None:
        data = encoded_index(index)
        for at in range(0, len(data), PACK_BYTES):
            yield INDEX, data[at : at + PACK_BYTES]
        tail["index"] = len(data)
    yield END, json.dumps(tail).encode()


def unpacked(value: bytes) -> list[tuple[str, bytes]]:
    """The (state key, encoded state) pairs of a STATES record; ValueError when it is cut
    short or has bytes left over."""
    states: list[tuple[str, bytes]] = []
    pos = 0
    end = len(value)
    lengths = _LENGTHS.unpack_from
    step = _LENGTHS.size
    try:
        while pos < end:
            keyed, valued = lengths(value, pos)
            pos += step
            at = pos + keyed
            pos = at + valued
            if pos > end:
                break
            states.append((value[at - keyed : at].decode(), value[at:pos]))
    except (struct.error, UnicodeDecodeError) as exc:
        raise ValueError(f"a packed snapshot record is corrupt: {exc}") from exc
    if pos != end:
        raise ValueError("a packed snapshot record is cut short")
    return states


async def write_snapshot(
    producer: AIOKafkaProducer, topic: str, partition: int, records: Iterable[tuple[bytes, bytes]]
) -> int:
    """Send one snapshot run and wait until all of it is acknowledged; returns how many
    states it held (its END's count)."""
    window: list[tuple[str, bytes | None, bytes]] = []
    last = b"{}"
    for key, value in records:
        window.append((topic, key, value))
        last = value
        if len(window) >= SEND_WINDOW:
            await asyncio.gather(*await send_batches(producer, window, partition=partition))
            window.clear()
    await asyncio.gather(*await send_batches(producer, window, partition=partition))
    return int(json.loads(last).get("count", 0))


@dataclass(slots=True)
class _Run:
    """A run as read: its states' records still packed, unpacked only if it is the one used."""

    epoch: str
    offset: int
    fingerprint: str | None
    states: list[bytes | tuple[str, bytes]]
    """Its STATES records, or the (key, value) of a run of one record per state."""
    index: list[bytes]
    count: int = -1
    """The count its END names (-1 until the END is read)."""
    index_bytes: int | None = None

    def snapshot(self, partition: int) -> Snapshot | None:
        """The run as a snapshot; None when its states are not the `count` its END names or
        a packed record is broken."""
        states: list[tuple[str, bytes]] = []
        try:
            for item in self.states:
                if isinstance(item, tuple):
                    states.append(item)
                else:
                    states += unpacked(item)
        except ValueError:
            return None
        if len(states) != self.count:
            return None
        index = None if self.index_bytes is None else b"".join(self.index)
        if index is not None and len(index) != self.index_bytes:
            index = None  # pieces missing: the states are still whole
        return Snapshot(partition, self.offset, states, self.fingerprint, index)


async def latest_snapshots(
    reader: AIOKafkaConsumer, topic: str, not_after: dict[int, int]
) -> dict[int, Snapshot]:
    """Per partition of `not_after`, the latest complete snapshot whose offset is at most
    `not_after[p]` (the committed offset), if any.

    Only the runs that may be used are unpacked: the latest complete one, and the one
    before it should that one prove broken (a run with a broken packed record, or not the
    count of states its END names; a third broken one back is not looked for: the partition
    is then folded from the beginning). The runs a later one replaces are dropped packed."""
    tps = [TopicPartition(topic, p) for p in not_after]
    runs: dict[int, _Run | None] = dict.fromkeys(not_after)
    complete: dict[int, list[_Run]] = {p: [] for p in not_after}
    async for records in read_partitions(reader, tps):
        for record in records:
            p = record.partition
            key, value = record.key, record.value
            if key == BEGIN:
                head = json.loads(value)
                found = head.get("fingerprint")
                offset = int(head["offset"])
                # a run past the committed offset cannot be used: skip its states unread
                runs[p] = (
                    _Run(head["epoch"], offset, None if found is None else str(found), [], [])
                    if offset <= not_after[p]
                    else None
                )
            elif key == END:
                tail = json.loads(value)
                run = runs[p]
                runs[p] = None
                if run is None or run.epoch != tail["epoch"]:
                    continue
                run.count = int(tail["count"])
                run.index_bytes = tail.get("index")
                kept = complete[p]
                kept.append(run)
                del kept[:-2]
            elif key == INDEX:
                run = runs[p]
                if run is not None and value is not None:
                    run.index.append(value)
            elif key == STATES:
                run = runs[p]
                if run is not None and value is not None:
                    run.states.append(value)
            elif key is not None and value is not None:
                run = runs[p]
                if run is not None:
                    run.states.append((key.decode(), value))
    best: dict[int, Snapshot] = {}
    for p, kept in complete.items():
        for run in reversed(kept):
            snapshot = run.snapshot(p)
            if snapshot is not None:
                best[p] = snapshot
                break
    return best


def load_states(snapshot: Snapshot) -> list[tuple[str, object]]:
    """Decode a snapshot's states (raises state_codec.StateDecodeError on a format change)."""
    return [(key, decode_state(value)) for key, value in snapshot.states]
