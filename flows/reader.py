"""Input files in, outcomes out: which reader a file needs, and which files were seen.

A file is a DTC flow when its first line starts with `ZHV|`, JSON lines when its first
non-blank character is `{`, whatever its name. Anything else (an empty file, binary
junk, a DTC body without its header) is rejected whole with the reason. Reading never
raises: every problem becomes a RejectedRecord, and every file ends with one FileReport.
Only regular files are opened: a FIFO would block for ever and a device (`/dev/zero`)
never ends, so they, and links that point nowhere, are rejected by name (in a folder
too, never passed over in silence). A UTF-16 file is named as such.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from flows.d0004 import map_d0004
from flows.d0010 import map_d0010, map_d0086
from flows.d0300 import map_d0300
from flows.dtc import Mapper, Outcome, read_dtc
from flows.fast_readings import FAST_PATHS
from flows.messages import Triage, read_messages
from flows.registrations import map_d0217, map_d0260
from flows.rejections import FileReport, FileStatus, RejectedRecord, RejectionScope
from flows.seen import InMemorySeenFiles, SeenFiles

__all__ = [
    "MAPPERS",
    "InMemorySeenFiles",
    "SeenFiles",
    "iter_input_files",
    "not_a_file",
    "read_file",
    "read_paths",
]

MAPPERS: dict[str, Mapper] = {
    "D0004": map_d0004,
    "D0010": map_d0010,
    "D0086": map_d0086,
    "D0217": map_d0217,
    "D0260": map_d0260,
    "D0300": map_d0300,
}


def iter_input_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files as given; folders recursively in sorted order, hidden files and folders skipped.

    Every entry of a folder that is not a folder is listed, FIFOs, devices and dangling
    links included: `read_file` rejects each by name rather than it going unseen."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                relative = found.relative_to(path).parts
                if not found.is_dir() and not any(part.startswith(".") for part in relative):
                    yield found
        else:
            yield path


_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def not_a_file(path: Path) -> str | None:
    """Why `path` is not a regular file meterflow can read to its end; None when it is."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path):
            return f"a symbolic link to {os.readlink(path)!r}, which does not exist (a dangling link)"
        return "cannot read the file: no such file"
    except OSError as exc:
        return f"cannot read the file: {exc.strerror or exc}"
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return f"{kind}, not a regular file: meterflow reads only files that end; save the data to a file first"


def _utf16(start: bytes) -> str | None:
    """The UTF-16 byte order of a file's first bytes, when it has one or looks like it."""
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "little-endian" if start[0] == 0xFF else "big-endian"
    sample = start[:64]
    if len(sample) >= 4 and sample[1::2].count(0) == len(sample[1::2]) and sample[0::2].count(0) == 0:
        return "little-endian"
    if len(sample) >= 4 and sample[0::2].count(0) == len(sample[0::2]) and sample[1::2].count(0) == 0:
        return "big-endian"
    return None


def _reject(path: Path, reason: str, raw: str = "") -> Iterator[Outcome]:
    yield RejectedRecord(
        path=str(path), line=None, field=None, raw=raw, reason=reason, scope=RejectionScope.FILE
    )
    yield FileReport(path=str(path), status=FileStatus.REJECTED, rejected=1, detail=reason)


def read_file(path: Path, seen: SeenFiles | None = None, triage: Triage | None = None) -> Iterator[Outcome]:
    """Every outcome of one input file, streamed, ending with exactly one FileReport
    (`triage`: of JSON lines, which are read; see `flows.messages.read_messages`)."""
    path = Path(path)
    problem = not_a_file(path)
    if problem is not None:
        yield from _reject(path, problem)
        return
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
            yield from read_messages(path, triage)
        elif (order := _utf16(start)) is not None:
            shown = start[:400].decode("utf-16-be" if order == "big-endian" else "utf-16-le", "replace")
            yield from _reject(
                path,
                f"the file is UTF-16 ({order}) text, not UTF-8: save it as UTF-8 (no byte order mark needed)",
                shown.lstrip("\ufeff").split("\n", 1)[0][:200],
            )
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
