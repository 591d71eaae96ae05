"""Deadlines: what is due on which day, and the wake-up index that finds them on a tick.

The states are the truth: each machine lists its state's pending deadlines (`kind`, one
of the machine's own deadline enum, and `due_on`).
The index only remembers which keys to wake on which day (one day per key and machine:
its state's earliest deadline), so it can be rebuilt from stored states after a restart.
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
    """Which subjects to wake on which day: each of a subject's machines is woken on its
    state's earliest deadline only. Days are closed in order; `pop_through` takes them.

    `set` replaces a machine's wake day (its deadlines moved), so a moved deadline leaves no
    stale wake-up behind: the subject leaves the old day's set unless another of its
    machines still needs that day (D42). A subject with no deadlines has no entry at all."""

    __slots__ = ("_by_day", "_days")

    def __init__(self) -> None:
        self._by_day: dict[date, set[str]] = {}
        self._days: dict[str, dict[int, date]] = {}
        """Per subject, the wake day of each machine (by index) that has deadlines."""

    def set(self, key: str, index: int, day: date | None) -> None:
        """Wake `key` on `day` for machine `index` (None: that machine has no deadline),
        in place of the day it had."""
        days = self._days.get(key)
        old = None if days is None else days.get(index)
        if old == day:
            return
        if old is not None and days is not None:
            del days[index]
            if old not in days.values():
                left = self._by_day[old]
                left.discard(key)
                if not left:
                    del self._by_day[old]
        if day is None:
            if days is not None and not days:
                del self._days[key]
            return
        if days is None:
            self._days[key] = {index: day}
        else:
            days[index] = day
        keys = self._by_day.get(day)
        if keys is None:
            self._by_day[day] = {key}
        else:
            keys.add(key)

    def pop_through(self, day: date) -> list[str]:
        """The keys to wake on any day up to `day` (after a gap), sorted so firing order
        never depends on arrival order. The machines whose wake day it was leave the index:
        the woken subject's states are listed and `set` again."""
        woken: set[str] = set()
        for d in [d for d in self._by_day if d <= day]:
            woken |= self._by_day.pop(d)
        all_days = self._days
        for key in woken:
            days = all_days[key]
            for index in [index for index, d in days.items() if d <= day]:
                del days[index]
            if not days:
                del all_days[key]
        return sorted(woken)

    def day_of(self, key: str, index: int) -> date | None:
        """The day machine `index` of `key` is woken, if it has one."""
        days = self._days.get(key)
        return None if days is None else days.get(index)

    def keys_through(self, last: date) -> Iterable[str]:
        """Keys with a wake day up to `last`, sorted: every key with a deadline due from the
        first open day to `last` is one (a machine's wake day is its earliest deadline, or
        the first open day when that has passed)."""
        seen: set[str] = set()
        for d, keys in self._by_day.items():
            if d <= last:
                seen |= keys
        return sorted(seen)

    def entries(self) -> list[tuple[str, int, date]]:
        """Every (key, machine index, wake day) held, as `set` took them: what a snapshot
        carries so that a restart sets them again without deriving them (D76)."""
        return [(key, index, day) for key, days in self._days.items() for index, day in days.items()]

    def first_day(self) -> date | None:
        return min(self._by_day) if self._by_day else None

    def clear(self) -> None:
        self._by_day.clear()
        self._days.clear()

    def __len__(self) -> int:
        """Wake-ups held: one per (key, machine) with a deadline."""
        return sum(len(d) for d in self._days.values())
