"""A partition's states on local disk (RocksDB via rocksdict), for `meterflow worker --state-dir`.

Without a state dir the worker keeps each partition's states in a `DictStateStore` (memory
grows with supply points). With one, each assigned partition has a `RocksStateStore` in
`<state-dir>/<group>/<topic>-<partition>/`:

- **a write-back cache** in front of RocksDB: `get` reads the cache, then RocksDB (and
  keeps what it decoded); `put` only marks the key dirty. The Engine changes states in
  place and always `put`s what it changed, so the cache object is the truth until it is
  written.
- **one WriteBatch per flush**: the dirty states (`state_codec.encode_state`) and a
  `Marker` (the input offset the states correspond to and a fingerprint of the record
  just before it) are written atomically, so whatever RocksDB holds is the state after
  folding exactly [0, marker.offset) of one particular log. The cache is then trimmed to
  `cache_keys` entries, so memory stays flat however many supply points there are.
- **no marker, no trust**: a store is cleared (`clear`) before anything else is loaded
  into it, and the marker comes back only with the flush that completes it; a crash in
  between leaves a store without a marker, which the worker discards.

The worker flushes only offsets it has committed, so the local state is never ahead of
the committed offset, and trusts a store on assignment only when its marker names the
same topic, partition and partition count, is not past the committed offset, and its
fingerprint matches the record the log holds at marker.offset - 1 (see
`record_fingerprints`): a state dir of another log (a restarted in-memory broker, a
recreated topic) is never reused.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from processors.codecs.state_codec import VERSION as CODEC_VERSION
from processors.codecs.state_codec import StateDecodeError, decode_state, encode_state
from processors.settings import DEFAULT_STATE_CACHE_KEYS
from processors.streaming.kafka import read_partitions

if TYPE_CHECKING:
    from rocksdict import Cache, Options, Rdict

DEFAULT_CACHE_KEYS = DEFAULT_STATE_CACHE_KEYS
"""States kept decoded per partition after a flush (about 1-4 KB each in memory)."""

MARKER_FORMAT = 1
_MARKER_KEY = b"\x00marker"  # sorts before every state key
_PREFIX = b"s"
_LOAD_CHUNK = 10_000
_OPEN_ATTEMPTS = 50  # RocksDB's LOCK may still be held for a moment by the previous owner

_shared_cache: Cache | None = None


class LocalStateError(RuntimeError):
    """A local state dir could not be opened or read; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Marker:
    """What a flushed store stands for: the states after folding [0, offset) of the log
    `source` (topic, partition, partition count), whose record at offset - 1 has
    `fingerprint` ("" when offset is 0)."""

    source: str
    offset: int
    fingerprint: str

    def to_bytes(self, keys: int) -> bytes:
        return json.dumps(
            {
                "format": MARKER_FORMAT,
                "codec": CODEC_VERSION,
                "source": self.source,
                "offset": self.offset,
                "fingerprint": self.fingerprint,
                "keys": keys,
            },
            separators=(",", ":"),
        ).encode()


def read_marker(data: bytes | None) -> tuple[Marker, int] | None:
    """The marker and key count stored in `data`; None when absent, unreadable, or written
    by another marker format or state codec version."""
    if not data:
        return None
    try:
        raw = json.loads(data)
        if raw.get("format") != MARKER_FORMAT or raw.get("codec") != CODEC_VERSION:
            return None
        marker = Marker(str(raw["source"]), int(raw["offset"]), str(raw["fingerprint"]))
        return marker, int(raw["keys"])
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def source_of(topic: str, partition: int, partitions: int) -> str:
    """The log a partition's states come from; a change of partition count moves keys."""
    return f"{topic}[{partition}]/{partitions}"


def fingerprint(value: bytes | None, timestamp: int | None) -> str:
    """A fingerprint of one input record: its value and the broker's timestamp, so the same
    events ingested again into a new log do not pass for the old one."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update((timestamp or 0).to_bytes(8, "big", signed=True))
    digest.update(value or b"")
    return digest.hexdigest()


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) or "_"


def store_path(state_dir: Path, group: str, topic: str, partition: int) -> Path:
    """`<state-dir>/<group>/<topic>-<partition>` (names made safe for a file system)."""
    return Path(state_dir) / _safe(group) / f"{_safe(topic)}-{partition}"


def _options() -> Options:
    """RocksDB's options, rocksdict loaded here: a worker without a state dir never pays
    for it (about 8 MB of the process, D58)."""
    from rocksdict import BlockBasedOptions, Cache, DBCompressionType, Options  # noqa: PLC0415 - lazily

    global _shared_cache  # noqa: PLW0603 - one block cache for every partition of the process
    if _shared_cache is None:
        _shared_cache = Cache(32 * 1024 * 1024)
    options = Options(raw_mode=True)
    options.create_if_missing(True)
    options.set_compression_type(DBCompressionType.lz4())
    options.set_write_buffer_size(8 * 1024 * 1024)
    options.set_max_write_buffer_number(2)
    options.set_keep_log_file_num(2)
    table = BlockBasedOptions()
    table.set_block_cache(_shared_cache)
    table.set_bloom_filter(10, False)
    options.set_block_based_table_factory(table)
    return options


class RocksStateStore:
    """A StateStore (get, put, items, len) on one RocksDB, with a bounded write-back cache."""

    def __init__(self, path: Path | str, *, cache_keys: int = DEFAULT_CACHE_KEYS) -> None:
        self.path = Path(path)
        self.cache_keys = max(0, cache_keys)
        self._cache: dict[str, Any] = {}
        self._dirty: set[str] = set()
        self._db: Rdict | None = None
        self._marker: Marker | None = None
        self._count = 0
        self.flushes = 0
        self.open()

    # -- life cycle ------------------------------------------------------------------------
    def open(self) -> None:
        """Open (or create) the RocksDB; a no-op when open. Waits a little for a LOCK that a
        previous owner in this or another process is about to release."""
        from rocksdict import Rdict  # noqa: PLC0415 - only a worker with a state dir loads it

        if self._db is not None:
            return
        self.path.mkdir(parents=True, exist_ok=True)
        for attempt in range(_OPEN_ATTEMPTS):
            try:
                self._db = Rdict(str(self.path), _options())
                break
            except Exception as exc:
                if "lock" not in str(exc).lower() or attempt == _OPEN_ATTEMPTS - 1:
                    raise LocalStateError(f"cannot open the local state {self.path}: {exc}") from exc
                time.sleep(0.1)
        self._cache.clear()
        self._dirty.clear()
        found = read_marker(self._db_get(_MARKER_KEY))
        if found is not None:
            self._marker, self._count = found
        else:
            self._marker = None
            self._count = sum(1 for _ in self._state_keys())

    def close(self) -> None:
        """Close the RocksDB. What was not flushed is dropped: RocksDB keeps the state of its
        last flush, which its marker describes."""
        db, self._db = self._db, None
        self._cache.clear()
        self._dirty.clear()
        if db is not None:
            db.close()

    @property
    def closed(self) -> bool:
        return self._db is None

    def clear(self) -> None:
        """Delete every state and the marker (an untrusted or outdated store)."""
        from rocksdict import Rdict  # noqa: PLC0415 - only a worker with a state dir loads it

        self.close()
        Rdict.destroy(str(self.path), _options())
        self.open()

    # -- the StateStore interface ------------------------------------------------------------
    def get(self, key: str) -> Any | None:
        state = self._cache.get(key)
        if state is not None:
            return state
        db = self._db
        if db is None:
            raise LocalStateError(f"the local state {self.path} is closed")
        raw = db.get(_PREFIX + key.encode())
        if raw is None:
            return None
        state = self._decode(key, raw)
        self._cache[key] = state
        return state

    def put(self, key: str, state: Any) -> None:
        cache = self._cache
        if key not in cache and self._db_get(_PREFIX + key.encode()) is None:
            self._count += 1
        cache[key] = state
        self._dirty.add(key)

    def items(self) -> Iterator[tuple[str, Any]]:
        """Every (key, state): what is stored, overlaid by the cache. States read from disk
        are not kept in the cache (a full scan must not evict the hot keys)."""
        cache = self._cache
        new = set(self._dirty)
        for raw_key, raw in self._state_items():
            key = raw_key[1:].decode()
            state = cache.get(key)
            if state is None:
                state = self._decode(key, raw)
            else:
                new.discard(key)
            yield key, state
        for key in sorted(new):
            state = cache.get(key)
            if state is not None:
                yield key, state

    def __len__(self) -> int:
        return self._count

    # -- flushing ----------------------------------------------------------------------------
    @property
    def marker(self) -> Marker | None:
        """The marker of the last flush (None: the store holds nothing trusted)."""
        return self._marker

    @property
    def dirty(self) -> int:
        """How many states were written since the last flush."""
        return len(self._dirty)

    @property
    def cached(self) -> int:
        return len(self._cache)

    def flush(self, marker: Marker) -> int:
        """Write the dirty states and `marker` in one WriteBatch, then trim the cache to its
        bound; returns how many states were written."""
        from rocksdict import WriteBatch  # noqa: PLC0415 - only a worker with a state dir loads it

        db = self._require()
        batch = WriteBatch(raw_mode=True)
        cache = self._cache
        dirty = self._dirty
        for key in dirty:
            batch.put(_PREFIX + key.encode(), encode_state(cache[key]))
        batch.put(_MARKER_KEY, marker.to_bytes(self._count))
        db.write(batch)
        written = len(dirty)
        dirty.clear()
        self._marker = marker
        self.flushes += 1
        self.trim()
        return written

    def trim(self) -> None:
        """Drop the oldest clean states from the cache until it holds at most `cache_keys`."""
        cache = self._cache
        excess = len(cache) - self.cache_keys
        if excess <= 0:
            return
        dirty = self._dirty
        for key in [k for k in islice(cache, excess + len(dirty)) if k not in dirty][:excess]:
            del cache[key]

    def load_encoded(self, states: Iterable[tuple[str, bytes]]) -> int:
        """Write already encoded states (a snapshot's) straight to RocksDB, in chunks, with
        no marker: the flush that follows the re-fold writes it. Returns how many."""
        from rocksdict import WriteBatch  # noqa: PLC0415 - only a worker with a state dir loads it

        db = self._require()
        loaded = 0
        for chunk in _chunks(states, _LOAD_CHUNK):
            batch = WriteBatch(raw_mode=True)
            for key, raw in chunk:
                encoded = _PREFIX + key.encode()
                if key not in self._cache and db.get(encoded) is None:
                    self._count += 1
                batch.put(encoded, raw)
                self._cache.pop(key, None)
                self._dirty.discard(key)
            db.write(batch)
            loaded += len(chunk)
        return loaded

    def encoded_items(self) -> Iterator[tuple[str, bytes]]:
        """Every (key, encoded state), straight from disk where nothing is dirty (for
        snapshots: no decoding and encoding again)."""
        dirty = self._dirty
        new = set(dirty)
        for raw_key, raw in self._state_items():
            key = raw_key[1:].decode()
            if key in dirty:
                new.discard(key)
                yield key, encode_state(self._cache[key])
            else:
                yield key, raw
        for key in sorted(new):
            yield key, encode_state(self._cache[key])

    # -- internals -----------------------------------------------------------------------------
    def _require(self) -> Rdict:
        if self._db is None:
            raise LocalStateError(f"the local state {self.path} is closed")
        return self._db

    def _db_get(self, key: bytes) -> bytes | None:
        value: bytes | None = self._require().get(key)
        return value

    def _state_items(self) -> Iterator[tuple[bytes, bytes]]:
        for raw_key, raw in self._require().items(from_key=_PREFIX):
            if not isinstance(raw_key, bytes) or not raw_key.startswith(_PREFIX):
                break
            yield raw_key, raw

    def _state_keys(self) -> Iterator[bytes]:
        for raw_key in self._require().keys(from_key=_PREFIX):
            if not isinstance(raw_key, bytes) or not raw_key.startswith(_PREFIX):
                break
            yield raw_key

    def _decode(self, key: str, raw: bytes) -> Any:
        try:
            return decode_state(raw)
        except StateDecodeError as exc:
            raise StateDecodeError(f"local state {self.path}, key {key!r}: {exc}") from exc


def _chunks(items: Iterable[tuple[str, bytes]], size: int) -> Iterator[list[tuple[str, bytes]]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


async def record_fingerprints(reader: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> dict[int, str]:
    """Per partition, the fingerprint of the record at `ends[tp] - 1` (each end > 0), read
    exactly by offset. A partition whose record cannot be read is left out."""
    found: dict[int, str] = {}
    wanted = {tp: end for tp, end in ends.items() if end > 0}
    if not wanted:
        return found
    starts = {tp: end - 1 for tp, end in wanted.items()}
    with contextlib.suppress(RuntimeError):  # could not be read: not trusted
        async for records in read_partitions(reader, list(wanted), start_at=starts, stop_at=wanted):
            for record in records:
                if record.offset == starts[TopicPartition(record.topic, record.partition)]:
                    found[record.partition] = fingerprint(record.value, record.timestamp)
    return found
