"""D0004: notification of failure to obtain a reading (FLOWS.md 5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from processors.vocabulary.events.dtc import DtcEvent
from processors.vocabulary.events.readings import ReadingType, SiteVisit


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadingAttempt:
    """Group 015, with its site visits (016)."""

    meter_id: str
    reading_type: ReadingType
    attempted_at: datetime  # naive UK local clock time
    site_visits: tuple[SiteVisit, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadingNotObtained(DtcEvent):
    """A D0004 MPAN group (014)."""

    mpan: str
    attempts: tuple[ReadingAttempt, ...] = ()
