"""Industry flows in, domain events out: DTC files and JSON-lines events (SPEC 2, 4).

`read_paths` / `read_file` stream, for each input file, its domain events and the
records it could not read (RejectedRecord), then one FileReport. No Kafka, no state
beyond the set of files already seen.

The names below are loaded when first asked for (PEP 562), not with the package: a
worker needs `flows.rejections` and `flows.event_checks`, and importing `flows.dtc` and
`flows.reader` with them (the DTC catalogue, the mappers, the fast paths) loaded ten
modules it never uses (about 0.5 MB of RSS, D79).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flows.dtc import Outcome, peek_dtc_header
    from flows.reader import InMemorySeenFiles, SeenFiles, iter_input_files, not_a_file, read_file, read_paths
    from flows.rejections import FileReport, FileStatus, RejectedRecord, RejectionScope

# each name of the package's interface, and the module that defines it
_HOMES = {
    "FileReport": "flows.rejections",
    "FileStatus": "flows.rejections",
    "InMemorySeenFiles": "flows.reader",
    "Outcome": "flows.dtc",
    "RejectedRecord": "flows.rejections",
    "RejectionScope": "flows.rejections",
    "SeenFiles": "flows.reader",
    "iter_input_files": "flows.reader",
    "not_a_file": "flows.reader",
    "peek_dtc_header": "flows.dtc",
    "read_file": "flows.reader",
    "read_paths": "flows.reader",
}

__all__ = [
    "FileReport",
    "FileStatus",
    "InMemorySeenFiles",
    "Outcome",
    "RejectedRecord",
    "RejectionScope",
    "SeenFiles",
    "iter_input_files",
    "not_a_file",
    "peek_dtc_header",
    "read_file",
    "read_paths",
]


def __getattr__(name: str) -> Any:
    """Load `name` from its module on first use, and keep it here (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:  # a submodule (`from flows import fields`) is then imported as usual
        raise AttributeError(f"module 'flows' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
