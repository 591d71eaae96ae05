"""The envelope every domain event shares, and the day tick.

Every source (a DTC record group, a JSON-lines event, a Kafka message, a clock) becomes
one of these frozen dataclasses before the core sees it, so the core has a single
vocabulary and can be replayed from any of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import ClassVar
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")

_OFFSETS_GMT_OR_BST = 1972
"""From this year on the UK is at UTC or one hour ahead, never otherwise (before it: double
summer time, British Standard Time all year, local mean time)."""


def uk_day(instant: datetime) -> date:
    """The UK calendar day an aware instant falls on (event days are UK days, BST included).

    An instant in UTC before 23:00 (the JSON lines' `Z` times, most of a log with bills)
    has the same day in the UK, at UTC or an hour ahead: no time zone conversion, which
    is most of the cost of an account event's day."""
    if instant.tzinfo is UTC and instant.hour < 23 and instant.year >= _OFFSETS_GMT_OR_BST:
        return instant.date()
    return instant.astimezone(UK).date()


def end_of_day(day: date) -> datetime:
    """The instant a UK day closes: the `occurred_at` of its tick (here, not with the
    event order's reader, so the worker's clock needs no file reader: D79)."""
    return datetime.combine(day, time(23, 59, 59, 999999), tzinfo=UK)


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """Where an event came from, so a person can find the raw text again.

    `path` is the file (or `topic[partition]@offset` for a Kafka message), `line` the
    1-based line number of the record that opens the event (None when not line based).
    """

    path: str
    line: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent:
    """Base of every input the core folds.

    `event_id` is the idempotency key: the JSON `event_id`, or for a DTC group
    `"{sender MPID}/{file identifier}/{line}"`, or `"tick/{day}"` for a day tick.
    `occurred_at` is an aware datetime (event time): the JSON `occurred_at`, or the DTC
    header's file creation timestamp read as UK local time. `test_data` is True for
    records of a DTC file whose test data flag is not `OPER`: they are kept and shown,
    but never drive commands.
    """

    DERIVED: ClassVar[bool] = False
    """True for the core's own follow-up events (hand-offs between keys), which dashboards
    and counts keep apart from the inputs."""

    event_id: str
    occurred_at: datetime
    source: Source | None = None
    test_data: bool = False

    @property
    def day(self) -> date:
        """The UK event-time day of this event."""
        return uk_day(self.occurred_at)

    @property
    def partition_key(self) -> str:
        """The key the event is partitioned and folded by: its MPAN core by default.

        Export events override it with the import MPAN (SPEC 5: export events are keyed
        by the import MPAN).
        """
        return str(getattr(self, "mpan", ""))


@dataclass(frozen=True, slots=True, kw_only=True)
class DayClosed(DomainEvent):
    """A day tick: every event of `day` has been seen; deadlines due on `day` fire now.

    Ticks are events like any other (SPEC 2.3). Their `event_id` is `tick/{day}` and they
    are broadcast to every partition, so they have no partition key of their own.
    """

    closed_day: date

    @property
    def partition_key(self) -> str:
        return ""

    @staticmethod
    def for_day(day: date, occurred_at: datetime) -> DayClosed:
        return DayClosed(event_id=f"tick/{day.isoformat()}", occurred_at=occurred_at, closed_day=day)
