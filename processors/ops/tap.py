"""The one place where the engine's work is shown to the OpsRecorder.

In-process drivers call `handle_observed` instead of `engine.handle`; a Kafka worker that
handles batches itself calls `record_batch` after each batch (or installs
`batch_observer(ops)` as its per-partition batch observer) and `sync_labels` when it is
assigned a partition, `forget_labels` when one is revoked. Either way the recorder is
told every handled event with its outcome, and the state counts of every supply point
the work touched move from the label the recorder knew to the engine's label now.

"Touched" is exact: the engine's store is wrapped once in an `ObservedStore` that notes
every key written (inputs held until their day closes are applied by a later tick, which
writes them, often with no command to name them). Labels that change with the calendar
alone ("loss_pending" becomes "awaiting_cos_reading" when the SSD passes) are re-read on
every tick for the few keys that carry them, by the engine that holds them. No request
ever scans the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol

from flows.rejections import FileReport, RejectedRecord
from processors.core.engine import META_KEY
from processors.core.machine import Keyspace, split_store_key
from processors.core.machines import MACHINES
from processors.ops.recorder import OpsRecorder
from processors.ops.views import EngineView, HandlingEngine, OutcomeView
from processors.vocabulary.events import DayClosed, DomainEvent

# Labels the engine gives to its own bookkeeping entries, never counted as supply points.
NOT_SUPPLY_POINTS = frozenset({"engine"})

_KEYSPACE_OF = {machine.name: str(machine.keyspace) for machine in MACHINES}
"""What a key of a machine names, by machine name: a key's states are of one keyspace."""


class ObservedStore:
    """A StateStore that remembers which keys were written since `take_touched`.

    Only `put` is intercepted; reads go straight to the wrapped store's own methods, so
    the engine's many reads cost nothing extra."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.touched: set[str] = set()
        self.get = inner.get
        self.items = inner.items
        self._put = inner.put

    def put(self, key: str, state: Any) -> None:
        self.touched.add(key)
        self._put(key, state)

    def __len__(self) -> int:
        return len(self.inner)

    def __iter__(self) -> Iterator[str]:
        return iter(self.inner)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def take_touched(self) -> set[str]:
        touched, self.touched = self.touched, set()
        return touched


def observe_store(engine: Any) -> ObservedStore | None:
    """Wrap `engine.store` (once) so writes are seen; None for an engine without a store."""
    store = getattr(engine, "store", None)
    if store is None:
        return None
    if not isinstance(store, ObservedStore):
        store = ObservedStore(store)
        engine.store = store
    return store


def label_of(engine: EngineView, key: str) -> str | None:
    """The engine's label for `key`'s states, None when it holds no state for it."""
    return _label(engine, engine.states_of(key))


def touched_keys(event: DomainEvent, outcome: OutcomeView, written: Iterable[str] = ()) -> list[str]:
    """The supply points whose state the event may have changed (each once, in order)."""
    keys: dict[str, None] = dict.fromkeys(written)
    keys[event.partition_key] = None
    for command in outcome.commands:
        keys[command.subject] = None
    for anomaly in outcome.anomalies:
        keys[anomaly.subject] = None
    keys.pop("", None)
    return list(keys)


def handle_observed(
    engine: HandlingEngine, ops: OpsRecorder, event: DomainEvent, *, input: str | None = None
) -> OutcomeView:
    """`engine.handle(event)`, recorded: the caller still routes the outcome's follow-ups."""
    store = observe_store(engine)
    if store is not None:
        store.touched.clear()
    outcome = engine.handle(event)
    ops.record_event(event, outcome, input=input)
    written = _subject_keys(store.touched) if store is not None else set()
    _relabel(engine, ops, touched_keys(event, outcome, written))
    if isinstance(event, DayClosed):
        _relabel(engine, ops, ops.calendar_labelled_keys())
    return outcome


def _relabel(engine: EngineView, ops: OpsRecorder, keys: Iterable[str]) -> None:
    """Re-read the labels of those of `keys` this engine holds. A worker has one engine per
    partition, and a command can name a key of another partition (an export command names
    both MPANs): that key is not this engine's to relabel. The engine never drops a state,
    so a key it does not hold has nothing to move."""
    for key in keys:
        states = engine.states_of(key)
        if states:
            ops.set_label(key, _label(engine, states), _keyspace(states))


def record_batch(
    ops: OpsRecorder,
    engine: EngineView,
    handled: Iterable[tuple[DomainEvent, OutcomeView]],
    *,
    input: str | None = None,
) -> None:
    """Record a batch the engine has already handled (the worker's way), then re-read the
    label of every key the batch touched: the keys written to the engine's store (when
    `observe_store(engine)` was called before the batch), the keys its events and outcomes
    name, and, when the batch held a tick, the calendar-labelled keys."""
    store = getattr(engine, "store", None)
    written = store.take_touched() if isinstance(store, ObservedStore) else set()
    keys: set[str] = _subject_keys(written)
    ticked = False
    for event, outcome in handled:
        ops.record_event(event, outcome, input=input)
        keys.update(touched_keys(event, outcome))
        ticked = ticked or isinstance(event, DayClosed)
    _relabel(engine, ops, sorted(keys))
    if ticked:
        _relabel(engine, ops, ops.calendar_labelled_keys())


def record_partitioned_batch(
    ops: OpsRecorder,
    engines: Mapping[int, EngineView],
    handled: Iterable[tuple[int, DomainEvent, OutcomeView]],
    *,
    input: str | None = None,
) -> None:
    """`record_batch` for a worker with one engine per partition: `handled` holds
    (partition, event, outcome) in the order handled; each partition's part is recorded
    and relabelled against its own engine."""
    parts: dict[int, list[tuple[DomainEvent, OutcomeView]]] = {}
    for partition, event, outcome in handled:
        parts.setdefault(partition, []).append((event, outcome))
    for partition, engine in engines.items():
        part = parts.get(partition)
        if part is not None:
            record_batch(ops, engine, part, input=input)
        else:  # nothing handled, but writes (a recovery, say) may still need relabelling
            record_batch(ops, engine, (), input=input)


class _Processor(Protocol):
    @property
    def engine(self) -> Any: ...


class _Batch(Protocol):
    handled: list[tuple[int, DomainEvent, Any]]


def batch_observer(
    ops: OpsRecorder, input: str | None = None
) -> Callable[[Mapping[int, _Processor], _Batch], None]:
    """The Kafka worker's batch observer ({partition: processor with .engine}, a batch with
    `handled` (partition, event, outcome)): records and clears it, and relabels everything
    the batch touched (`record_partitioned_batch`). Rejections reach the recorder from
    their topic (`processors.streaming.rejection_feed`), not from here. `input=None` names
    inputs by flow or JSON type, which says more than the topic name."""

    def observe(processors: Mapping[int, _Processor], batch: _Batch) -> None:
        engines = {partition: processor.engine for partition, processor in processors.items()}
        record_partitioned_batch(ops, engines, batch.handled, input=input)
        batch.handled.clear()

    return observe


def feed(engine: HandlingEngine, ops: OpsRecorder, items: Iterable[Any]) -> int:
    """Drive an engine over an in-process log (events, rejections, file reports), as a
    replay does: follow-ups are handled at once. Returns the number of events handled."""
    handled = 0
    for item in items:
        if isinstance(item, DomainEvent):
            pending = [item]
            while pending:
                event = pending.pop(0)
                outcome = handle_observed(engine, ops, event)
                handled += 1
                pending.extend(outcome.follow_ups)
        elif isinstance(item, RejectedRecord):
            ops.record_rejection(item)
        elif isinstance(item, FileReport):
            ops.record_file(item)
    return handled


def _subject_keys(stored: Iterable[str]) -> set[str]:
    """The keys (MPAN, account id, ...) behind store keys; the engine's own entry left out."""
    return {split_store_key(s)[1] for s in stored if s != META_KEY}


def _keyspace(states: dict[str, Any]) -> str:
    """The keyspace of a key's states (a machine outside the registered set: an MPAN's)."""
    for name in states:
        return _KEYSPACE_OF.get(name, Keyspace.MPAN.value)
    return Keyspace.MPAN.value


def _label(engine: EngineView, states: dict[str, Any]) -> str | None:
    if not states:
        return None
    label = engine.label_of(states)
    return None if label in NOT_SUPPLY_POINTS else label


def sync_labels(engine: EngineView, ops: OpsRecorder, stored: Iterable[tuple[str, Any]]) -> None:
    """Count every stored key once (a worker assigned a partition over a restored store):
    `stored` is the store's (store key, state) items.

    It also starts observing the engine's store (`observe_store`), so that from now on
    `record_batch` sees every key the engine writes."""
    observe_store(engine)
    keys = sorted(_subject_keys(key for key, _ in stored))
    states = map(engine.states_of, keys)
    ops.load_labels((key, _label(engine, s), _keyspace(s)) for key, s in zip(keys, states, strict=True))


def forget_labels(ops: OpsRecorder, keys: Iterable[str]) -> None:
    """Stop counting these keys (a partition revoked from this worker: its new owner counts them)."""
    for key in keys:
        ops.set_label(key, None)
