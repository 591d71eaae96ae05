"""What every event read from a DTC flow file carries about its file.

The header identifies the sender and the file (the idempotency key of a file is
(sender MPID, file identifier)), and says whether the data is live (`OPER`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from processors.vocabulary.events.base import DomainEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class DtcFile:
    """The `ZHV` header of a flow file, shared by every event read from it.

    `created_at` is the file creation timestamp read as UK local time: a time repeated
    when the clocks go back is its first (BST) occurrence, one skipped when they go
    forward makes the header unreadable. `test_flag` is as written ("" when absent):
    anything but `OPER` is test data.
    """

    file_id: str
    flow: str  # "D0010"
    version: str  # "002"
    from_role: str
    from_mpid: str
    to_role: str
    to_mpid: str
    created_at: datetime  # aware; the header's UK local timestamp
    sending_application: str | None = None
    receiving_application: str | None = None
    broadcast: str | None = None
    test_flag: str = "OPER"

    @property
    def key(self) -> str:
        """The file's idempotency key: sender MPID and file identifier."""
        return f"{self.from_mpid}/{self.file_id}"

    @property
    def is_test_data(self) -> bool:
        return self.test_flag != "OPER"


@dataclass(frozen=True, slots=True, kw_only=True)
class DtcEvent(DomainEvent):
    """Base of events read from a DTC file: one per level-1 group (one flow instance)."""

    file: DtcFile
