"""Input files in, outcomes out: which reader a file needs, and which files were seen.

A file is a DTC flow when its first line starts with `ZHV|`, JSON lines when its first
non-blank character is `{`, whatever its name. Anything else (an empty file, binary
junk, a DTC body without its header) is rejected whole with the reason. Reading never
raises: every problem becomes a RejectedRecord, and every file ends with one FileReport.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from flows.d0004 import map_d0004
from flows.d0010 import map_d0010, map_d0086
from flows.d0300 import map_d0300
from flows.dtc import Mapper, Outcome, read_dtc
from flows.fast_readings import FAST_PATHS
from flows.messages import read_messages
from flows.registrations import map_d0217, map_d0260
from flows.rejections import FileReport, FileStatus, RejectedRecord, RejectionScope
from flows.seen import InMemorySeenFiles, SeenFiles

__all__ = ["MAPPERS", "InMemorySeenFiles", "SeenFiles", "iter_input_files", "read_file", "read_paths"]

MAPPERS: dict[str, Mapper] = {
    "D0004": map_d0004,
    "D0010": map_d0010,
    "D0086": map_d0086,
    "D0217": map_d0217,
    "D0260": map_d0260,
    "D0300": map_d0300,
}


def iter_input_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files as given; folders recursively in sorted order, hidden files and folders skipped."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                relative = found.relative_to(path).parts
                if found.is_file() and not any(part.startswith(".") for part in relative):
                    yield found
        else:
            yield path


def _reject(path: Path, reason: str, raw: str = "") -> Iterator[Outcome]:
    yield RejectedRecord(
        path=str(path), line=None, field=None, raw=raw, reason=reason, scope=RejectionScope.FILE
    )
    yield FileReport(path=str(path), status=FileStatus.REJECTED, rejected=1, detail=reason)


def read_file(path: Path, seen: SeenFiles | None = None) -> Iterator[Outcome]:
    """Every outcome of one input file, streamed, ending with exactly one FileReport."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
            while head and not head.strip():
                head = handle.read(4096)
    except OSError as exc:
        yield from _reject(path, f"cannot read the file: {exc.strerror or exc}")
        return
    start = head.removeprefix(b"\xef\xbb\xbf")
    if not start.strip():
        yield from _reject(path, "empty file: nothing to read")
        return
    try:
        if start.startswith(b"ZHV|"):
            yield from read_dtc(path, MAPPERS, seen, FAST_PATHS)
        elif start.lstrip().startswith(b"{"):
            yield from read_messages(path)
        else:
            first = start.split(b"\n", 1)[0][:200].decode("utf-8", "replace")
            yield from _reject(
                path,
                "not a DTC flow (line 1 is not a ZHV header) nor JSON lines (line 1 is not a JSON object)",
                first,
            )
    except OSError as exc:
        yield from _reject(path, f"the file could not be read to the end: {exc.strerror or exc}")


def read_paths(paths: Iterable[str | Path], seen: SeenFiles | None = None) -> Iterator[Outcome]:
    """read_file over iter_input_files(paths)."""
    for path in iter_input_files(paths):
        yield from read_file(path, seen)
