"""One partition's Engine, and the records its work produces.

The worker keeps one `PartitionProcessor` per assigned partition of the input topic,
each with its own Engine, because a partition's keys see only that partition's events
and ticks. It holds no Kafka client: it folds decoded events through the Engine and
appends what must be produced to an `Outgoing`, so the worker can send a whole batch at
once and commit only after those sends are acknowledged.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog

from flows.rejections import RejectedRecord, RejectionScope
from processors.codecs import serde
from processors.core.engine import Engine
from processors.core.policy import DEFAULT_POLICY, Policy
from processors.core.store import DictStateStore, StateStore
from processors.streaming.topics import Topics
from processors.vocabulary.events import DayClosed, DomainEvent

log = structlog.get_logger("meterflow.worker")

RAW_PREVIEW = 2000


class CountedStateStore(StateStore, Protocol):
    """A StateStore that knows how many keys it holds (memory and RocksDB both do)."""

    def __len__(self) -> int: ...


@dataclass(slots=True)
class Outgoing:
    """Records to produce: (topic, key, value) in the order they were decided."""

    records: list[tuple[str, bytes | None, bytes]] = field(default_factory=list)
    commands: int = 0
    anomalies: int = 0
    rejected: int = 0
    follow_ups: int = 0
    events: int = 0  # every event folded: input events, derived events and day tick records
    ticks: int = 0  # of which day tick records (one per partition per closed day)
    derived: int = 0  # of which derived events (hand-offs, and copies another worker handed on)
    copies: int = 0  # copies of hand-offs folded at once here, come round: taken as folded
    handled: list[tuple[int, DomainEvent, Any]] = field(default_factory=list)
    # indexes in `records` of the follow-ups also handed to an Engine of this worker: when
    # their copies come round from the input topic they need not be decoded or folded (an
    # array, 8 bytes an index: a back-fill's day close hands on 100,000 at once, D65)
    local_copies: array[int] = field(default_factory=lambda: array("q"))
    keep: bool = False  # keep `handled` (for the dashboard, which reads rejections from their topic)
    mute: bool = False  # recovery: fold only, produce nothing


def event_log_fields(event: DomainEvent, subject: str | None = None) -> dict[str, Any]:
    """The fields every log line about `event` carries: mpan, flow, file_id, event_id
    (`subject`, e.g. a command's MPAN, stands in for the MPAN of a day tick)."""
    fields: dict[str, Any] = {"event_id": event.event_id, "mpan": event.partition_key or subject or None}
    dtc = getattr(event, "file", None)
    if dtc is not None:
        fields["flow"] = getattr(dtc, "flow", None)
        fields["file_id"] = getattr(dtc, "file_id", None)
    return fields


def message_rejection(
    topic: str, partition: int, offset: int, value: bytes | None, reason: str, *, field: str | None = None
) -> RejectedRecord:
    """The rejected record for an input message that could not be decoded or read
    (`field`: the field at fault, when one is)."""
    raw = (value or b"")[:RAW_PREVIEW].decode("utf-8", errors="replace")
    return RejectedRecord(
        path=f"{topic}[{partition}]@{offset}",
        line=None,
        field=field,
        raw=raw,
        reason=reason,
        scope=RejectionScope.MESSAGE,
    )


class PartitionProcessor:
    """Folds the events of one input partition through its own Engine."""

    def __init__(
        self,
        partition: int,
        policy: Policy = DEFAULT_POLICY,
        *,
        topics: Topics | None = None,
        store: CountedStateStore | None = None,
    ) -> None:
        """`store`: where the states live (default: memory; the worker's `LocalStates` give
        RocksDB ones). The Engine reads every stored state once here, to build its deadline
        index (a corrupt one raises)."""
        self.partition = partition
        self.topics = topics or Topics()
        self.store: CountedStateStore = DictStateStore() if store is None else store
        self.engine = Engine(policy, store=self.store)

    def keys(self) -> int:
        """How many keys (supply points, applications, the engine's own) this partition holds."""
        return len(self.store)

    def reject(
        self, offset: int, value: bytes | None, reason: str, out: Outgoing, *, field: str | None = None
    ) -> None:
        """Send an input record that cannot be folded to the rejected sink, with the reason
        (and the field at fault, when one is)."""
        if out.mute:
            return
        rejection = message_rejection(self.topics.input, self.partition, offset, value, reason, field=field)
        out.records.append((self.topics.rejected, None, serde.encode_rejection(rejection)))
        out.rejected += 1
        log.warning("input rejected", reason=reason, field=field, source=rejection.path)

    def handle(
        self, event: DomainEvent, offset: int, value: bytes | None, out: Outgoing
    ) -> list[DomainEvent]:
        """Fold one event; append its commands and anomalies to `out`; return its follow-ups
        (the outcome's own list, not a copy: every caller only reads it, and the routine
        event's shared empty outcome is never added to)."""
        try:
            outcome = self.engine.handle(event)
        except Exception as exc:
            log.exception("event failed", **event_log_fields(event))
            self.reject(
                offset, value, f"the core could not handle this event ({type(exc).__name__}: {exc})", out
            )
            return []
        out.events += 1
        if type(event) is DayClosed:
            out.ticks += 1
        elif event.DERIVED:
            out.derived += 1
        if out.mute:
            return outcome.follow_ups
        if out.keep:
            out.handled.append((self.partition, event, outcome))
        if outcome.commands:
            topic = self.topics.commands
            for command in outcome.commands:
                out.records.append((topic, command.subject.encode(), serde.encode_command(command)))
                log.info(
                    "command issued",
                    command=command.type,
                    command_id=command.command_id,
                    issued_on=command.issued_on.isoformat(),
                    **event_log_fields(event, command.subject),
                )
            out.commands += len(outcome.commands)
        if outcome.anomalies:
            topic = self.topics.anomalies
            for anomaly in outcome.anomalies:
                out.records.append((topic, anomaly.subject.encode(), serde.encode_anomaly(anomaly)))
                log.info(
                    "anomaly",
                    kind=anomaly.kind,
                    detail=anomaly.detail,
                    **event_log_fields(event, anomaly.subject),
                )
            out.anomalies += len(outcome.anomalies)
        return outcome.follow_ups
