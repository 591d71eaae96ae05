"""Industry flows in, domain events out: DTC files and JSON-lines events (SPEC 2, 4).

`read_paths` / `read_file` stream, for each input file, its domain events and the
records it could not read (RejectedRecord), then one FileReport. No Kafka, no state
beyond the set of files already seen.
"""

from flows.dtc import Outcome, peek_dtc_header
from flows.reader import InMemorySeenFiles, SeenFiles, iter_input_files, not_a_file, read_file, read_paths
from flows.rejections import FileReport, FileStatus, RejectedRecord, RejectionScope

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
