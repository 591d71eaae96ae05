"""The RocksDB state store of `meterflow worker --state-dir` (no broker needed).

The Engine changes states in place and relies on `put` to say so; with a cache bound of 0
every state is read back from RocksDB after each flush, so a state changed but not put,
or put but not written, would change the commands: the fold over a synthetic log must
give exactly the in-memory store's commands and states.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from rocksdict import Options, Rdict, WriteBatch

from bench.synthetic_log import LogShape, write_log
from processors.codecs.state_codec import StateDecodeError, encode_state
from processors.core.engine import META_KEY, Engine, EngineMeta
from processors.core.machines.supply_point import SupplyPointState
from processors.core.store import DictStateStore
from processors.drivers.event_order import event_time_log
from processors.streaming.processor import PartitionProcessor
from processors.streaming.state_store import (
    Marker,
    RocksStateStore,
    fingerprint,
    read_marker,
    source_of,
    store_path,
)
from processors.vocabulary.commands import Command
from processors.vocabulary.events import DomainEvent

SOURCE = source_of("meterflow-events", 0, 4)


def point(account: str) -> SupplyPointState:
    return SupplyPointState(meter_kind="traditional", recent=(account,))


def test_states_survive_flushes_and_reopening(tmp_path: Path) -> None:
    store = RocksStateStore(tmp_path / "p0", cache_keys=10)
    assert len(store) == 0 and store.marker is None
    store.put("a", point("A1"))
    store.put("b", point("B1"))
    assert store.get("a") == point("A1") and len(store) == 2 and store.dirty == 2
    assert dict(store.items()) == {"a": point("A1"), "b": point("B1")}  # dirty, not yet on disk
    assert store.flush(Marker(SOURCE, 5, "f5")) == 2
    assert store.dirty == 0 and store.marker == Marker(SOURCE, 5, "f5")
    state = store.get("a")
    assert state is not None
    state.recent = ("A2",)  # the Engine changes states in place, then puts them
    store.put("a", state)
    store.put("c", point("C1"))
    assert len(store) == 3
    assert dict(store.items()) == {"a": point("A2"), "b": point("B1"), "c": point("C1")}
    store.flush(Marker(SOURCE, 9, "f9"))
    store.close()
    assert store.closed

    again = RocksStateStore(tmp_path / "p0", cache_keys=10)
    assert again.marker == Marker(SOURCE, 9, "f9")
    assert len(again) == 3 and again.cached == 0
    assert again.get("a") == point("A2") and again.get("missing") is None
    assert dict(again.items()) == {"a": point("A2"), "b": point("B1"), "c": point("C1")}


def test_what_is_not_flushed_is_lost_at_close_and_the_marker_says_what_is_there(tmp_path: Path) -> None:
    store = RocksStateStore(tmp_path / "p0")
    store.put("a", point("A1"))
    store.flush(Marker(SOURCE, 3, "f3"))
    state = store.get("a")
    assert state is not None
    state.recent = ("A2",)
    store.put("a", state)
    store.put("b", point("B1"))
    store.close()  # a revocation whose offsets were not committed: nothing more is written
    store.open()
    assert store.marker == Marker(SOURCE, 3, "f3")
    assert dict(store.items()) == {"a": point("A1")} and len(store) == 1


def test_the_cache_is_trimmed_to_its_bound_after_each_flush(tmp_path: Path) -> None:
    store = RocksStateStore(tmp_path / "p0", cache_keys=100)
    for n in range(1000):
        store.put(f"k{n:04d}", point(f"A{n}"))
    assert store.cached == 1000  # dirty states stay until they are written
    store.flush(Marker(SOURCE, 1000, "f"))
    assert store.cached == 100 and len(store) == 1000
    for n in range(0, 1000, 3):  # reads fill the cache again; the next flush trims it
        assert store.get(f"k{n:04d}") == point(f"A{n}")
    assert store.cached > 100
    store.flush(Marker(SOURCE, 1001, "g"))
    assert store.cached == 100
    assert sum(1 for _ in store.items()) == 1000
    assert store.cached == 100  # a full scan does not fill the cache


def test_a_bound_of_zero_keeps_nothing_decoded(tmp_path: Path) -> None:
    store = RocksStateStore(tmp_path / "p0", cache_keys=0)
    store.put("a", point("A1"))
    store.flush(Marker(SOURCE, 1, "f"))
    assert store.cached == 0
    first, second = store.get("a"), store.get("a")
    assert first == second == point("A1")


def test_the_marker_and_the_states_are_written_in_one_batch(tmp_path: Path) -> None:
    store = RocksStateStore(tmp_path / "p0")
    store.put("a", point("A1"))
    store.flush(Marker(SOURCE, 7, "f7"))
    store.close()
    db = Rdict(str(tmp_path / "p0"), Options(raw_mode=True))
    try:
        raw = {bytes(k): bytes(v) for k, v in db.items()}
    finally:
        db.close()
    marker = json.loads(raw[b"\x00marker"])
    assert marker["offset"] == 7 and marker["fingerprint"] == "f7" and marker["keys"] == 1
    assert raw[b"sa"] == encode_state(point("A1"))
    assert set(raw) == {b"\x00marker", b"sa"}


@pytest.mark.parametrize(
    "data",
    [
        None,
        b"",
        b"not json",
        b'{"format": 99, "codec": 1, "source": "x", "offset": 1, "fingerprint": "f", "keys": 0}',
        b'{"format": 1, "codec": 99, "source": "x", "offset": 1, "fingerprint": "f", "keys": 0}',
        b'{"format": 1, "codec": 1, "source": "x"}',
        b"[1, 2]",
    ],
)
def test_a_marker_of_another_format_or_codec_is_no_marker(data: bytes | None) -> None:
    assert read_marker(data) is None


def test_a_store_with_a_foreign_or_missing_marker_reports_none(tmp_path: Path) -> None:
    path = tmp_path / "p0"
    db = Rdict(str(path), Options(raw_mode=True))
    batch = WriteBatch(raw_mode=True)
    batch.put(b"sa", encode_state(point("A1")))
    batch.put(b"\x00marker", b'{"format": 1, "codec": 99}')
    db.write(batch)
    db.close()
    store = RocksStateStore(path)
    assert store.marker is None and len(store) == 1  # counted, so the worker knows to clear it
    store.clear()
    assert store.marker is None and len(store) == 0 and list(store.items()) == []


def test_a_corrupt_state_raises_a_decode_error_naming_the_key(tmp_path: Path) -> None:
    store = RocksStateStore(tmp_path / "p0")
    store.put("a", point("A1"))
    store.put("b", point("B1"))
    store.flush(Marker(SOURCE, 2, "f"))
    store.close()
    db = Rdict(str(tmp_path / "p0"), Options(raw_mode=True))
    db[b"sb"] = b"\x01{broken"
    db.close()
    store.open()
    assert store.get("a") == point("A1")
    with pytest.raises(StateDecodeError, match="'b'"):
        store.get("b")
    with pytest.raises(StateDecodeError):
        list(store.items())
    with pytest.raises(StateDecodeError):  # the worker discards such a store on assignment
        PartitionProcessor(0, store=store)


def test_encoded_items_and_load_encoded_round_trip(tmp_path: Path) -> None:
    store = RocksStateStore(tmp_path / "p0")
    store.put("a", point("A1"))
    store.flush(Marker(SOURCE, 1, "f"))
    store.put("b", point("B1"))  # dirty and new
    state = store.get("a")
    assert state is not None
    state.recent = ("A2",)
    store.put("a", state)  # dirty and stored
    encoded = dict(store.encoded_items())
    assert encoded == {"a": encode_state(point("A2")), "b": encode_state(point("B1"))}
    other = RocksStateStore(tmp_path / "p1")
    assert other.load_encoded(encoded.items()) == 2
    assert len(other) == 2 and other.marker is None  # no marker until a flush completes it
    assert dict(other.items()) == {"a": point("A2"), "b": point("B1")}


def test_fingerprints_tell_records_apart() -> None:
    assert fingerprint(b"x", 1) == fingerprint(b"x", 1)
    assert fingerprint(b"x", 1) != fingerprint(b"x", 2)  # the same event ingested again
    assert fingerprint(b"x", 1) != fingerprint(b"y", 1)
    assert fingerprint(None, None) == fingerprint(b"", 0)


def test_store_paths_are_per_group_topic_and_partition(tmp_path: Path) -> None:
    assert store_path(tmp_path, "g", "meterflow-events", 3) == tmp_path / "g" / "meterflow-events-3"
    assert store_path(tmp_path, "a/b", "t x", 0) == tmp_path / "a_b" / "t_x-0"


def fold(engine: Engine, folder: Path, until: date, flush: object = None) -> list[Command]:
    commands: list[Command] = []
    for n, item in enumerate(event_time_log([folder], until)):
        if not isinstance(item, DomainEvent):
            continue
        pending = [item]
        while pending:
            outcome = engine.handle(pending.pop(0))
            commands.extend(outcome.commands)
            pending.extend(outcome.follow_ups)
        if callable(flush):
            flush(n)
    return commands


def test_the_engine_on_rocksdb_gives_the_in_memory_commands_and_states(tmp_path: Path) -> None:
    shape = LogShape(supply_points=400, events=4000, days=20, loss_share=0.1, move_out_share=0.05, seed=3)
    _, last = write_log(tmp_path / "log", shape)
    until = last + timedelta(days=60)
    memory = DictStateStore()
    expected = fold(Engine(store=memory), tmp_path / "log", until)
    assert len(expected) > 20

    store = RocksStateStore(tmp_path / "state", cache_keys=0)
    engine = Engine(store=store)

    def flush(n: int) -> None:  # every event, and close and reopen now and then
        store.flush(Marker(SOURCE, n + 1, str(n)))
        if n % 997 == 0:
            store.close()
            store.open()

    got = fold(engine, tmp_path / "log", until, flush)
    assert [c.command_id for c in got] == [c.command_id for c in expected]
    assert got == expected
    store.flush(Marker(SOURCE, 0, ""))
    assert len(store) == len(memory)
    assert dict(store.items()) == dict(memory.items())
    meta = store.get(META_KEY)
    assert isinstance(meta, EngineMeta) and meta.last_closed_day == until

    # an Engine opened over the stored states indexes the same deadlines
    reopened = Engine(store=RocksStateStore(tmp_path / "state2", cache_keys=0))
    assert reopened.last_closed_day is None
    store.close()
    again = Engine(store=RocksStateStore(tmp_path / "state", cache_keys=5))
    assert again.last_closed_day == until
    window = (until - timedelta(days=400), until + timedelta(days=400))
    assert again.deadlines_between(*window) == Engine(store=memory).deadlines_between(*window)
