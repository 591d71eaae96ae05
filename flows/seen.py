"""Which files were already processed: the idempotency of whole DTC files (SPEC 4).

A file's key is (sender MPID, file identifier): a file with a key seen before is
reported DUPLICATE and skipped when its content is the first one's (a resend). When the
content differs it is a conflict a person must see: the second file is rejected, naming
the first (a corrected file needs a new file identifier). The content is compared only
when a key comes again, so the usual case costs nothing; line endings (LF, CR LF) and a
byte order mark do not count as content.
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
    """The SHA-256 of a file's records: its bytes with a UTF-8 byte order mark and CR LF
    line endings read as none and LF (the same file saved on Windows is a resend), read
    in bounded chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        chunk = handle.read(_CHUNK).removeprefix(b"\xef\xbb\xbf")
        while chunk:
            if chunk.endswith(b"\r"):
                chunk += handle.read(1)  # never split a CR LF between two chunks
            digest.update(chunk.replace(b"\r\n", b"\n"))
            chunk = handle.read(_CHUNK)
    return digest.hexdigest()


def differs(first: str, path: str) -> bool:
    """Whether two files' records differ; False when the first cannot be read any more."""
    try:
        return file_digest(first) != file_digest(path)
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
