"""OpsRecorder: what the operations dashboard knows, fed by the worker as it works.

The worker (or a replay) tells the recorder about every handled event and its outcome,
every rejection, file report, lag sample and rebalance; the dashboard asks it questions.
Everything is kept incrementally in bounded structures (ring buffers, fixed buckets, an
LRU of per-MPAN histories, one label per supply point), so a request never scans the
state store. No I/O: the wall clock is injected, so tests drive time themselves.
"""

from __future__ import annotations

import sys
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from time import time as wall_clock
from typing import Any

from flows.rejections import FileReport, RejectedRecord
from processors.ops.accounts import AccountsTracker
from processors.ops.describe import humanise
from processors.ops.jsonable import event_details, summarise, to_jsonable
from processors.ops.risk import RiskTracker
from processors.ops.series import ThroughputSeries
from processors.ops.views import AnomalyView, OutcomeView
from processors.vocabulary.commands import Command
from processors.vocabulary.events import UK, DayClosed, DomainEvent, DtcEvent, Source, uk_day

# The SPEC 2.2 type of each JSON-lines event class, so the dashboard speaks the input's words.
JSON_EVENT_TYPES: dict[str, str] = {
    "SupplyPointRegistered": "supply_point.registered",
    "SwitchSecured": "switch.secured",
    "SwitchWithdrawn": "switch.withdrawn",
    "CustomerMovedOut": "customer.moved_out",
    "CustomerReadingReceived": "customer.reading",
    "ExportApplicationSubmitted": "export.application_submitted",
    "ExportApplicationCancelled": "export.application_cancelled",
    "ExportMpanAllocated": "dno.export_mpan_allocated",
    "ExportMpanRefused": "dno.export_mpan_refused",
}


# The status badge (D22): lagging above LAGGING records behind; processing while behind at
# all or while events were handled in the last ACTIVE_SECONDS; idle once caught up and quiet.
LAGGING = 10_000
ACTIVE_SECONDS = 10.0


# State labels that can change with the calendar alone (no event for the key): a loss is
# "loss_pending" until its SSD, then "awaiting_cos_reading". Keys carrying one are re-read
# on every tick.
CALENDAR_LABELS = frozenset({"loss_pending"})


MPAN_KEYSPACE = "mpan"
"""`processors.core.machine.Keyspace.MPAN`'s value (the recorder is fed, it imports no core)."""


def _decrement(counts: Counter[str], name: str) -> None:
    counts[name] -= 1
    if counts[name] <= 0:
        del counts[name]


def event_type(event: DomainEvent) -> str:
    """The name a person knows an event by: its flow (`D0086`) or its JSON type."""
    if isinstance(event, DtcEvent):
        return event.file.flow
    if isinstance(event, DayClosed):
        return "tick"
    name = type(event).__name__
    return JSON_EVENT_TYPES.get(name, name)


def _ago(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


class TimelineEntry:
    """One line of a supply point's story: an event, a command or an anomaly.

    It keeps the object itself and renders it only when asked: recording must cost
    next to nothing per event, and few histories are ever looked at."""

    __slots__ = ("item", "source")

    def __init__(self, item: DomainEvent | Command | AnomalyView, source: Source | None = None) -> None:
        self.item = item
        self.source = source

    def to_json(self) -> dict[str, Any]:
        item = self.item
        if isinstance(item, Command):
            body = item.to_json()
            return {
                "kind": "command",
                "at": item.issued_on.isoformat(),
                "day": item.issued_on.isoformat(),
                "type": item.type,
                "id": item.command_id,
                "summary": summarise({k: v for k, v in body.items() if k not in _COMMAND_ENVELOPE}),
                "source": item.cause,
                "details": body,
            }
        if isinstance(item, DomainEvent):
            return {
                "kind": "event",
                "at": item.occurred_at.isoformat(),
                "day": item.day.isoformat(),
                "type": event_type(item),
                "id": item.event_id,
                "summary": ("[test data] " if item.test_data else "") + summarise(event_details(item)),
                "source": _source_text(item.source),
                "details": None,
            }
        return {
            "kind": "anomaly",
            "at": item.day.isoformat(),
            "day": item.day.isoformat(),
            "type": item.kind,
            "type_label": humanise(item.kind),
            "id": item.event_id,
            "summary": item.detail,
            "source": _source_text(self.source) or item.event_id,
            "details": None,
        }


_COMMAND_ENVELOPE = frozenset({"command_id", "type", "issued_on"})


@dataclass(slots=True)
class InputStats:
    """What one input (a flow, a JSON type, a topic) has delivered."""

    events: int = 0
    last_received_at: float = 0.0
    last_event_time: datetime | None = None


class OpsRecorder:
    """Operational facts for the dashboard, fed incrementally and answered from memory.

    Feed it with `record_event` (every handled event with its outcome), `set_label`
    (a supply point's state label after an event: see `processors.ops.tap`),
    `record_rejection`, `record_file`, `record_lag` and `record_rebalance`.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = wall_clock,
        ring_size: int = 500,
        history_per_mpan: int = 64,
        history_mpans: int = 5000,
        daily_days: int = 400,
        series_step: float = 10.0,
        series_points: int = 360,
        calendar_labels: Iterable[str] = CALENDAR_LABELS,
        open_events_limit: int = 100_000,
    ) -> None:
        self._clock = clock
        self.started_at = clock()
        self._history_per_mpan = history_per_mpan
        self._history_mpans = history_mpans
        self._daily_days = daily_days

        # The three counts of one log, named as ingest, /metrics and the logs name them (D22):
        # input events (from the files), derived events (the core's hand-offs between an
        # import and an export MPAN, once each) and day ticks (days closed; a worker handles
        # each once per partition it owns, `tick_records_total`).
        self.input_events_total = 0
        self.derived_events_total = 0
        self.derived_by_type: Counter[str] = Counter()
        self._derived_ids: OrderedDict[str, None] = OrderedDict()
        self.days_closed = 0
        self.tick_records_total = 0
        self.commands_total = 0
        self.rebalances = 0
        self.last_rebalance_at: float | None = None
        self.last_closed_day: date | None = None
        self._latest_at: datetime | None = None
        self._last_handled_at: float | None = None

        self.inputs: dict[str, InputStats] = {}
        self.lag: dict[str, int] = {}
        self.series = ThroughputSeries(step=series_step, points=series_points)

        self.commands_by_type: Counter[str] = Counter()
        self.commands_daily: dict[date, Counter[str]] = {}
        self.recent_commands: deque[Command] = deque(maxlen=ring_size)

        self.rejections: deque[dict[str, Any]] = deque(maxlen=ring_size)
        self.rejected_total = 0
        self.rejected_by_scope: Counter[str] = Counter()
        self.anomalies: deque[dict[str, Any]] = deque(maxlen=ring_size)
        self.anomalies_by_kind: Counter[str] = Counter()
        self.files: deque[dict[str, Any]] = deque(maxlen=ring_size)
        self.files_by_status: Counter[str] = Counter()

        self.labels: dict[str, str] = {}
        self.state_counts: Counter[str] = Counter()
        self.supply_point_counts: Counter[str] = Counter()
        """`state_counts` of the MPANs alone (/metrics' `meterflow_supply_points`)."""
        self.keyspace_counts: Counter[str] = Counter()
        """Labelled keys by keyspace: the "supply points" of the page are the MPANs only,
        not the accounts, gas meter points and LDZs that share the label map."""
        self._other_keyspace: dict[str, str] = {}
        """The keyspace of each labelled key that is not an MPAN (they are few; an MPAN's
        is implied, so the most numerous keys cost nothing more)."""
        self._calendar_labels = frozenset(calendar_labels)
        self._calendar_keys: set[str] = set()
        self.risk = RiskTracker()
        self.accounts = AccountsTracker()
        self._history: OrderedDict[str, list[TimelineEntry]] = OrderedDict()  # least recently used first
        # The events of days not closed yet, by id: the engine holds an input until its day
        # closes, so its anomaly arrives with the tick and is traced back through this.
        self._open_events: dict[str, DomainEvent] = {}
        self._open_events_limit = open_events_limit

    # --- feeding: health -------------------------------------------------------------

    def mark_started(self) -> None:
        """Restart the up-time clock (when the worker actually starts consuming)."""
        self.started_at = self._clock()

    def record_lag(self, partition: int | str, lag: int) -> None:
        """The consumer lag (messages behind the end) of one input partition, e.g. "events-flows[3]"."""
        self.lag[str(partition)] = max(0, int(lag))
        self.series.sample_lag(self._clock(), sum(self.lag.values()))

    def record_rebalance(self, assigned: Iterable[int | str] | None = None) -> None:
        """A consumer-group rebalance; with `assigned`, lag of partitions no longer ours is dropped."""
        self.rebalances += 1
        self.last_rebalance_at = self._clock()
        if assigned is not None:
            keep = {str(p) for p in assigned}
            self.lag = {p: v for p, v in self.lag.items() if p in keep}

    # --- feeding: the work -----------------------------------------------------------

    def record_event(
        self, event: DomainEvent, outcome: OutcomeView | None = None, *, input: str | None = None
    ) -> None:
        """One handled event (a tick included) and what the engine decided for it.

        `input` names where it came from (a topic); by default its flow or JSON type.
        """
        now = self._clock()
        self._last_handled_at = now
        if isinstance(event, DayClosed):
            self.tick_records_total += 1
            if self.last_closed_day is None or event.closed_day > self.last_closed_day:
                self.last_closed_day = event.closed_day
                self.days_closed += 1
            self.risk.on_day_closed(event.closed_day)
        elif event.DERIVED:
            self._record_derived(event)
        else:
            self.input_events_total += 1
            self.series.add(now, events=1)
            stats = self.inputs.get(input or event_type(event))
            if stats is None:
                stats = self.inputs[input or event_type(event)] = InputStats()
            stats.events += 1
            stats.last_received_at = now
            occurred_at = event.occurred_at
            if stats.last_event_time is None or occurred_at > stats.last_event_time:
                stats.last_event_time = occurred_at
            if self._latest_at is None or occurred_at > self._latest_at:
                self._latest_at = occurred_at
            self.risk.on_event(event)
            self._remember_event(event)
            self._open_events[event.event_id] = event
            if len(self._open_events) > self._open_events_limit:
                del self._open_events[next(iter(self._open_events))]
        if outcome is not None:
            for command in outcome.commands:
                self.record_command(command)
            for anomaly in outcome.anomalies:
                self.record_anomaly(anomaly, event)
        if isinstance(event, DayClosed):
            self._forget_closed(event.closed_day)

    def _record_derived(self, event: DomainEvent) -> None:
        """A hand-off the core sent itself, counted and shown once: a worker handles it at
        once and again when its copy comes round the input topic (an ignored duplicate)."""
        ids = self._derived_ids
        if event.event_id in ids:
            return
        ids[event.event_id] = None
        if len(ids) > self._open_events_limit:
            ids.popitem(last=False)
        self.derived_events_total += 1
        self.derived_by_type[type(event).__name__] += 1
        self._remember_event(event)

    def _forget_closed(self, day: date) -> None:
        """Events of closed days can no longer cause a delayed anomaly: forget them."""
        events = self._open_events
        day_ends = datetime.combine(day + timedelta(days=1), time(), tzinfo=UK)
        while events:
            first = next(iter(events.values()))
            if first.occurred_at >= day_ends:
                return
            del events[first.event_id]

    def record_command(self, command: Command) -> None:
        """A published billing command (normally via `record_event`'s outcome)."""
        self.commands_total += 1
        self.series.add(self._clock(), commands=1)
        self.commands_by_type[command.type] += 1
        day = self.commands_daily.get(command.issued_on)
        if day is None:
            day = self.commands_daily[command.issued_on] = Counter()
            if len(self.commands_daily) > self._daily_days:
                del self.commands_daily[min(self.commands_daily)]
        day[command.type] += 1
        self.recent_commands.appendleft(command)
        self.risk.on_command(command)
        self.accounts.on_command(command)
        entry = TimelineEntry(command)
        for key in _subjects(command):
            self._remember(key, entry)

    def record_anomaly(self, anomaly: AnomalyView, event: DomainEvent | None = None) -> None:
        """An event the state of its supply point could not accept."""
        if event is None or event.event_id != anomaly.event_id:
            event = self._open_events.get(anomaly.event_id)
        origin = (event_type(event), event.source) if event is not None else None
        source = origin[1] if origin else None
        self.anomalies_by_kind[anomaly.kind] += 1
        self.risk.on_anomaly(anomaly.subject, anomaly.event_id)
        self.anomalies.appendleft(
            {
                "event_id": anomaly.event_id,
                "subject": anomaly.subject,
                "day": anomaly.day.isoformat(),
                "kind": anomaly.kind,
                "kind_label": humanise(anomaly.kind),
                "detail": anomaly.detail,
                "event_type": origin[0] if origin else None,
                "event": summarise(event_details(event)) if event is not None else None,
                "path": source.path if source else None,
                "line": source.line if source else None,
                "recorded_at": _iso(self._clock()),
            }
        )
        self._remember(anomaly.subject, TimelineEntry(anomaly, source))

    def record_rejection(self, rejected: RejectedRecord) -> None:
        """A record (or file, or message) that could not be read."""
        self.rejected_total += 1
        self.rejected_by_scope[rejected.scope.value] += 1
        body = to_jsonable(rejected)
        body["recorded_at"] = _iso(self._clock())
        self.rejections.appendleft(body)

    def record_file(self, report: FileReport) -> None:
        """The end-of-file report of one input file."""
        self.files_by_status[report.status.value] += 1
        body = to_jsonable(report)
        body["recorded_at"] = _iso(self._clock())
        self.files.appendleft(body)

    # --- feeding: state labels -------------------------------------------------------

    def set_label(self, key: str, label: str | None, keyspace: str = MPAN_KEYSPACE) -> None:
        """The state label of `key` (of `keyspace`) now (None: no state); counts move from
        its old label."""
        old = self.labels.get(key)
        if old == label:
            return
        if old is not None:
            _decrement(self.state_counts, old)
            if old in self._calendar_labels:
                self._calendar_keys.discard(key)
            was = self._other_keyspace.pop(key, MPAN_KEYSPACE)
            _decrement(self.keyspace_counts, was)
            if was == MPAN_KEYSPACE:
                _decrement(self.supply_point_counts, old)
        if label is None:
            self.labels.pop(key, None)
            return
        label = sys.intern(label)
        self.labels[key] = label
        self.state_counts[label] += 1
        self.keyspace_counts[keyspace] += 1
        if keyspace == MPAN_KEYSPACE:
            self.supply_point_counts[label] += 1
        else:
            self._other_keyspace[key] = sys.intern(keyspace)
        if label in self._calendar_labels:
            self._calendar_keys.add(key)

    def calendar_labelled_keys(self) -> list[str]:
        """Keys whose label may change when a day closes, even with no event of theirs."""
        return sorted(self._calendar_keys)

    def load_labels(self, items: Iterable[tuple[str, str | None, str]]) -> None:
        """Set many (key, label, keyspace) at once: the one full pass, when a worker starts
        over a restored store."""
        for key, label, keyspace in items:
            self.set_label(key, label, keyspace)

    # --- the per-MPAN history --------------------------------------------------------

    def _remember_event(self, event: DomainEvent) -> None:
        key = event.partition_key
        if not key:
            return
        entry = TimelineEntry(event)
        self._remember(key, entry)
        other = getattr(event, "export_mpan", None)  # an allocation names the export MPAN too
        if isinstance(other, str) and other and other != key:
            self._remember(other, entry)

    def _remember(self, key: str, entry: TimelineEntry) -> None:
        """Append to `key`'s history (a list trimmed to its newest entries), making `key`
        the most recently used; the least recently used history goes when there are too many."""
        if not key:
            return
        history = self._history
        entries = history.get(key)
        if entries is None:
            history[key] = [entry]
            if len(history) > self._history_mpans:
                history.popitem(last=False)
            return
        history.move_to_end(key)
        entries.append(entry)
        if len(entries) >= 2 * self._history_per_mpan:
            del entries[: -self._history_per_mpan]

    @property
    def history_per_mpan(self) -> int:
        return self._history_per_mpan

    def history(self, key: str) -> list[dict[str, Any]]:
        """The remembered timeline of one supply point (bounded), in event-time day order;
        within a day, in the order it happened (a late input shows on its own day)."""
        entries = [e.to_json() for e in self._history.get(key, [])[-self._history_per_mpan :]]
        return sorted(entries, key=lambda entry: str(entry["day"]))

    # --- queries ---------------------------------------------------------------------

    @property
    def latest_event_day(self) -> date | None:
        """The UK day of the newest event seen."""
        return None if self._latest_at is None else uk_day(self._latest_at)

    def today(self) -> date | None:
        """The day the dashboard looks ahead from: the last closed day, else the latest event day."""
        return self.last_closed_day or self.latest_event_day

    def status(self, now: float | None = None) -> dict[str, Any]:
        """The badge: from the lag and how long ago an event was handled, never from a
        rolling rate (which stays above zero for a minute after the last event)."""
        now = self._clock() if now is None else now
        lag = sum(self.lag.values())
        quiet = None if self._last_handled_at is None else max(0.0, now - self._last_handled_at)
        if lag > LAGGING:
            state, why = "lagging", f"{lag:,} records behind"
        elif lag > 0:
            state, why = "processing", f"catching up, {lag:,} records behind"
        elif quiet is not None and quiet < ACTIVE_SECONDS:
            state, why = "processing", f"caught up, last event {quiet:.0f} s ago"
        elif quiet is None:
            state, why = "idle", "caught up, no event handled yet"
        else:
            state, why = "idle", f"caught up, last event {_ago(quiet)} ago"
        return {
            "state": state,
            "reason": why,
            "seconds_since_last_event": None if quiet is None else round(quiet, 1),
        }

    def health(self) -> dict[str, Any]:
        now = self._clock()
        events_per_second, commands_per_second = self.series.rates(now, self.started_at)
        return {
            "now": _iso(now),
            "status": self.status(now),
            "started_at": _iso(self.started_at),
            "uptime_seconds": round(max(0.0, now - self.started_at), 1),
            "input_events_total": self.input_events_total,
            "derived_events_total": self.derived_events_total,
            "days_closed": self.days_closed,
            "tick_records_total": self.tick_records_total,
            "commands_total": self.commands_total,
            "events_per_second": round(events_per_second, 3),
            "commands_per_second": round(commands_per_second, 3),
            "lag": dict(sorted(self.lag.items())),
            "lag_total": sum(self.lag.values()),
            "rebalances": self.rebalances,
            "last_rebalance_at": _iso(self.last_rebalance_at) if self.last_rebalance_at else None,
            "last_closed_day": self.last_closed_day.isoformat() if self.last_closed_day else None,
            "latest_event_day": self.latest_event_day.isoformat() if self.latest_event_day else None,
            "inputs": [
                {
                    "input": name,
                    "events": stats.events,
                    "last_received_at": _iso(stats.last_received_at),
                    "last_event_time": stats.last_event_time.isoformat() if stats.last_event_time else None,
                }
                for name, stats in sorted(self.inputs.items())
            ],
            "rejected_total": self.rejected_total,
            "anomalies_total": sum(self.anomalies_by_kind.values()),
            "files": dict(sorted(self.files_by_status.items())),
            "supply_points": self.keyspace_counts[MPAN_KEYSPACE],
            "keys": dict(sorted(self.keyspace_counts.items())),
        }

    def states(self) -> dict[str, Any]:
        return {
            "total": len(self.labels),
            "counts": dict(self.state_counts.most_common()),
            "keyspaces": dict(sorted(self.keyspace_counts.items())),
        }

    def throughput(self) -> dict[str, Any]:
        return {"step_seconds": self.series.step, "points": self.series.series(self._clock())}

    def daily_commands(self, days: int = 30) -> dict[str, Any]:
        """Commands per type for each of the last `days` days that issued any, oldest first."""
        chosen = sorted(self.commands_daily)[-days:] if days > 0 else []
        return {
            "types": sorted(self.commands_by_type),
            "totals": dict(sorted(self.commands_by_type.items())),
            "days": [
                {"day": d.isoformat(), "counts": dict(sorted(self.commands_daily[d].items()))} for d in chosen
            ],
        }

    def recent_rejections(self, limit: int = 100) -> list[dict[str, Any]]:
        return list(self.rejections)[: max(0, limit)]

    def recent_anomalies(self, limit: int = 100) -> list[dict[str, Any]]:
        return list(self.anomalies)[: max(0, limit)]

    def recent_files(self, limit: int = 100) -> list[dict[str, Any]]:
        return list(self.files)[: max(0, limit)]

    def latest_commands(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest commands by business day (`issued_on`), newest recorded first within
        a day: partitions fold at their own pace, so arrival order alone can put an older
        day's command above a newer one."""
        newest = sorted(self.recent_commands, key=lambda c: c.issued_on, reverse=True)
        return [c.to_json() for c in newest[: max(0, limit)]]


def _subjects(command: Command) -> Sequence[str]:
    """Every supply point a command concerns (export commands name two)."""
    keys: list[str] = []
    for name in ("mpan", "import_mpan", "export_mpan"):
        value = getattr(command, name, None)
        if isinstance(value, str) and value and value not in keys:
            keys.append(value)
    return keys


def _source_text(source: Source | None) -> str | None:
    if source is None:
        return None
    if source.line is None:
        return source.path
    return f"{source.path}:{source.line}"
