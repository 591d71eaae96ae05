"""What the dashboard needs from the engine and its outcomes, as structural protocols.

The dashboard reads the engine (state labels, the deadline index) but never drives it,
so it depends on these small read-only shapes rather than on `processors.core.engine`: the
real `Engine`, `Outcome`, `Deadline` and `Anomaly` satisfy them structurally, and the
ops code can be built and tested with plain objects before (or without) the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

from processors.vocabulary.commands import Command
from processors.vocabulary.events import DomainEvent


class DeadlineView(Protocol):
    """One entry of the engine's deadline index."""

    @property
    def due_on(self) -> date: ...

    @property
    def kind(self) -> str: ...

    @property
    def subject(self) -> str: ...


class AnomalyView(Protocol):
    """An event the state of its supply point could not accept (SPEC 4)."""

    @property
    def event_id(self) -> str: ...

    @property
    def subject(self) -> str: ...

    @property
    def day(self) -> date: ...

    @property
    def kind(self) -> str: ...

    @property
    def detail(self) -> str: ...


class OutcomeView(Protocol):
    """What the engine decided for one event."""

    @property
    def commands(self) -> Sequence[Command]: ...

    @property
    def anomalies(self) -> Sequence[AnomalyView]: ...

    @property
    def follow_ups(self) -> Sequence[DomainEvent]: ...


class EngineView(Protocol):
    """The read side of the engine the dashboard queries per request."""

    @property
    def last_closed_day(self) -> date | None: ...

    def states_of(self, key: str) -> dict[str, Any]:
        """Every machine's state for `key`, by machine name (empty: unknown key)."""
        ...

    def label_of(self, states: dict[str, Any]) -> str:
        """The dashboard's label of a key's states (as `states_of` gives them)."""
        ...

    def deadlines_between(self, first: date, last: date) -> Sequence[DeadlineView]: ...


class HandlingEngine(EngineView, Protocol):
    """An engine the ops tap can drive: the read side plus `handle`."""

    def handle(self, event: DomainEvent) -> OutcomeView: ...
