"""Deadlines: what is due on which day, and the wake-up index that finds them on a tick.

The states are the truth: each machine lists its state's pending deadlines (`kind`, one
of the machine's own deadline enum, and `due_on`).
The index only remembers which keys to wake on which day, so a stale entry is harmless
(the woken state finds nothing due) and the index can be rebuilt from stored states
after a restart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True, kw_only=True, order=True)
class Deadline:
    """A deadline of `kind` for the supply point (or export MPAN) `subject`, due on `due_on`."""

    due_on: date
    kind: str
    subject: str

    @property
    def deadline_id(self) -> str:
        return deadline_id(self.kind, self.subject, self.due_on)


def deadline_id(kind: str, subject: str, due_on: date) -> str:
    """The cause of a command fired by a deadline: stable across replays and restarts."""
    return f"deadline/{kind}/{subject}/{due_on.isoformat()}"


class WakeUpIndex:
    """Keys to wake on each day. Days are closed in order; `pop` takes one day's keys."""

    __slots__ = ("_by_day",)

    def __init__(self) -> None:
        self._by_day: dict[date, set[str]] = {}

    def add(self, day: date, key: str) -> None:
        keys = self._by_day.get(day)
        if keys is None:
            self._by_day[day] = {key}
        else:
            keys.add(key)

    def pop(self, day: date) -> list[str]:
        """The keys to wake on `day`, sorted so firing order never depends on arrival order."""
        return sorted(self._by_day.pop(day, ()))

    def pop_through(self, day: date) -> list[str]:
        """The keys to wake on any day up to `day` (after a gap), sorted."""
        keys: set[str] = set()
        for d in [d for d in self._by_day if d <= day]:
            keys |= self._by_day.pop(d)
        return sorted(keys)

    def keys_between(self, first: date, last: date) -> Iterable[str]:
        """Keys with a wake-up on a day in [first, last]."""
        seen: set[str] = set()
        for d, keys in self._by_day.items():
            if first <= d <= last:
                seen |= keys
        return sorted(seen)

    def first_day(self) -> date | None:
        return min(self._by_day) if self._by_day else None

    def clear(self) -> None:
        self._by_day.clear()

    def __len__(self) -> int:
        return sum(len(k) for k in self._by_day.values())
