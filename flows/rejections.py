"""What the reader says about input it could not take: rejected records and file reports.

Nothing is silently dropped (SPEC 4): every record is either read into a domain event or
rejected with enough to find and fix it (file, line, field, raw text, a reason a person
can act on). Rejected records go to the rejected sink: a JSON-lines file in replay, the
`rejected-records` topic in streaming.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RejectionScope(StrEnum):
    RECORD = "record"  # one record (and the child records it takes with it)
    FILE = "file"  # a structurally broken file, rejected whole
    MESSAGE = "message"  # a Kafka message or JSON line that could not be decoded


@dataclass(frozen=True, slots=True, kw_only=True)
class RejectedRecord:
    """One rejection. `line` is 1-based (None when the whole file is rejected and no line
    is at fault); `field` names the field at fault (None when no single field is);
    `raw` is the offending text as it arrived (decoded with replacement characters when
    it was not text); `children` counts child records rejected with this one."""

    path: str
    line: int | None
    field: str | None
    raw: str
    reason: str
    scope: RejectionScope = RejectionScope.RECORD
    flow: str | None = None
    file_key: str | None = None  # "{sender MPID}/{file identifier}" when the header was read
    group: str | None = None  # the record's group code
    children: int = 0


class FileStatus(StrEnum):
    READ = "read"  # read; some records may have been rejected
    REJECTED = "rejected"  # structurally broken, rejected whole
    DUPLICATE = "duplicate"  # same sender and file identifier already processed: skipped
    TEST_DATA = "test_data"  # read, but its flag is not OPER: never drives commands


@dataclass(frozen=True, slots=True, kw_only=True)
class FileReport:
    """Said once per input file, after its events and rejections."""

    path: str
    status: FileStatus
    flow: str | None = None
    file_key: str | None = None
    events: int = 0
    rejected: int = 0
    detail: str | None = None
