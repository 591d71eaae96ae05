"""The state store interface the engine folds into, and the in-memory store of replay.

Streaming has two more (processors.streaming.local_state): memory per partition with a
write-back log, and RocksDB. All of them satisfy `StateStore`, and the engine and the
partition processor are typed against it alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol


class StateStore(Protocol):
    """Where states live: a dict in replay, a Kafka-backed table in streaming."""

    def get(self, key: str) -> Any | None: ...

    def put(self, key: str, state: Any) -> None: ...

    def items(self) -> Iterable[tuple[str, Any]]: ...


class DictStateStore:
    """The in-memory store of replay and tests."""

    __slots__ = ("_data", "get")

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}
        self.get: Callable[[str], Any | None] = self._data.get
        """The dict's own `get`: the engine looks states up several times per D0010, so no
        Python frame stands between it and the dict."""

    def put(self, key: str, state: Any) -> None:
        self._data[key] = state

    def load(self, states: Iterable[tuple[str, Any]]) -> None:
        """`put` each of `states`, in one call: a restart loads every state of a snapshot."""
        self._data.update(states)

    def items(self) -> Iterable[tuple[str, Any]]:
        return list(self._data.items())

    def __len__(self) -> int:
        return len(self._data)
