"""How much of a file is held at once: the length of one record is capped.

A file with no line break (a wrong file, binary data, `/dev/zero`) must cost bounded
memory, not its size: readers take a line at most MAX_RECORD_BYTES at a time, reject a
longer one and skip the rest of it in bounded reads.
"""

from __future__ import annotations

from typing import BinaryIO

MAX_RECORD_BYTES = 1 << 20
"""1 MiB: a thousand times the longest record of any flow or JSON event meterflow reads."""

_SKIP = 1 << 16


def too_long(raw: bytes) -> bool:
    """Whether a line read with `readline(MAX_RECORD_BYTES + 1)` was cut: longer than the cap."""
    return len(raw) > MAX_RECORD_BYTES and not raw.endswith(b"\n")


def skip_rest_of_line(handle: BinaryIO) -> int:
    """Read past the rest of the current line (through its newline) in bounded reads;
    how many bytes were skipped."""
    skipped = 0
    while chunk := handle.readline(_SKIP):
        skipped += len(chunk)
        if chunk.endswith(b"\n"):
            break
    return skipped
