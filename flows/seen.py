"""Which files were already processed: the idempotency of whole DTC files (SPEC 4).

A file's key is (sender MPID, file identifier): a file with a key seen before is
reported DUPLICATE and skipped when its content is the first one's (a resend). When the
content differs it is a conflict a person must see: the second file is rejected, naming
the first (a corrected file needs a new file identifier). The content is compared only
when a key comes again, so the usual case costs nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Protocol

_CHUNK = 1 << 20


class SeenFiles(Protocol):
    """The files already processed, by `"{sender MPID}/{file identifier}"` key."""

    def first_time(self, file_key: str, path: str = "") -> bool:
        """True, remembering the key (and the file it came from), when it was never seen."""
        ...

    def conflict(self, file_key: str, path: str) -> str | None:
        """For a key seen before: the first file's name when `path`'s content differs from
        it, None when it is the same (or cannot be told)."""
        ...


def file_digest(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, read in bounded chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def differs(first: str, path: str) -> bool:
    """Whether two files' bytes differ; False when the first cannot be read any more."""
    try:
        return Path(first).stat().st_size != Path(path).stat().st_size or file_digest(first) != file_digest(
            path
        )
    except OSError:
        return False


class InMemorySeenFiles:
    """SeenFiles for one process (replay); a streaming worker keeps its own durably."""

    def __init__(self) -> None:
        self._paths: dict[str, str] = {}

    def first_time(self, file_key: str, path: str = "") -> bool:
        if file_key in self._paths:
            return False
        self._paths[file_key] = path
        return True

    def conflict(self, file_key: str, path: str) -> str | None:
        first = self._paths.get(file_key)
        if not first or first == path or not differs(first, path):
            return None
        return first
