"""Which files were already processed: the idempotency of whole DTC files (SPEC 4).

A file's key is (sender MPID, file identifier): a file with a key seen before is
reported DUPLICATE and skipped.
"""

from __future__ import annotations

from typing import Protocol


class SeenFiles(Protocol):
    """The files already processed, by `"{sender MPID}/{file identifier}"` key."""

    def first_time(self, file_key: str) -> bool:
        """True, remembering the key, when it was never seen before."""
        ...


class InMemorySeenFiles:
    """SeenFiles for one process (replay); a streaming worker keeps its own durably."""

    def __init__(self) -> None:
        self._keys: set[str] = set()

    def first_time(self, file_key: str) -> bool:
        if file_key in self._keys:
            return False
        self._keys.add(file_key)
        return True
