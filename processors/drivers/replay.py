"""The broker-less driver: files -> event-time log -> Engine -> commands (SPEC 1, replay).

The same core as the streaming worker, fed in-process: every event of the log in event
time order, day ticks through `until`, and the engine's follow-ups (hand-offs between
export and import MPANs) fed back at once, before the next event of the log. With
`jobs` > 1 the keys are folded in partitions by worker processes
(`processors.drivers.partitioned`), with the same outputs in the same order.
"""

from __future__ import annotations

import itertools
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flows.rejections import FileReport, FileStatus, RejectedRecord
from processors.core.engine import Engine, Outcome
from processors.core.policy import DEFAULT_POLICY, Policy
from processors.drivers.event_order import event_time_log
from processors.drivers.partitioned import Counts, Partitioned, PartitionsCrossed
from processors.vocabulary.anomalies import Anomaly
from processors.vocabulary.commands import Command
from processors.vocabulary.events import DayClosed, DomainEvent

ReplayOutput = Command | RejectedRecord | Anomaly | FileReport


@dataclass
class ReplaySummary:
    """What a replay read and decided, counted as it goes (the one-line summary)."""

    until: date | None = None
    files: int = 0
    files_by_status: Counter[str] = field(default_factory=Counter)
    events: int = 0
    test_data_events: int = 0
    ticks: int = 0
    follow_ups: int = 0
    rejected_records: int = 0
    anomalies: int = 0
    commands: Counter[str] = field(default_factory=Counter)
    worker_cpu_seconds: list[float] = field(default_factory=list)
    """With `jobs` > 1: each worker process's CPU time, once it has finished."""
    in_one_process: str = ""
    """With `jobs` > 1: why the log was folded in one process after all, or "" (D51)."""

    def count(self, item: ReplayOutput) -> None:
        if isinstance(item, Command):
            self.commands[item.type] += 1
        elif isinstance(item, RejectedRecord):
            self.rejected_records += 1
        elif isinstance(item, FileReport):
            self.files += 1
            self.files_by_status[item.status.value] += 1
        else:
            self.anomalies += 1

    def line(self) -> str:
        """One line for stderr: files, events, rejections, anomalies and commands by type."""
        statuses = [
            f"{self.files_by_status[s.value]} {s.value.replace('_', ' ')}"
            for s in (FileStatus.REJECTED, FileStatus.DUPLICATE, FileStatus.TEST_DATA)
            if self.files_by_status[s.value]
        ]
        files = _count(self.files, "file") + (f" ({', '.join(statuses)})" if statuses else "")
        by_type = ", ".join(f"{name} {n}" for name, n in sorted(self.commands.items()))
        commands = _count(sum(self.commands.values()), "command") + (f" ({by_type})" if by_type else "")
        through = f" through {self.until.isoformat()}" if self.until else ""
        return (
            f"meterflow replay{through}: {files}, {_count(self.events, 'input event')}, "
            f"{_count(self.follow_ups, 'derived event')}, {_count(self.ticks, 'day tick')}, "
            f"{_count(self.rejected_records, 'rejected record')}, "
            f"{_count(self.anomalies, 'anomaly', 'anomalies')}, {commands}"
        )


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def replay(
    paths: Sequence[Path | str],
    until: date | None,
    policy: Policy = DEFAULT_POLICY,
    summary: ReplaySummary | None = None,
    engine: Engine | None = None,
    *,
    observe: Callable[[DomainEvent], None] | None = None,
    jobs: int = 1,
) -> Iterator[ReplayOutput]:
    """Commands, anomalies, rejected records and file reports, in the order they happen.

    Pass `summary` to have it counted as the iterator is consumed; pass `engine` to look
    at the states afterwards (it must have been built with `policy`); pass `observe` to
    see every domain event of the log before the core does (e.g. the consumption store).
    `jobs` > 1 folds the keys in that many partitions, each in a worker process
    (`processors.drivers.partitioned`; not with `engine` or `observe`, which need every
    state or event here): the outputs are the same, in the same order, whatever `jobs` is.
    """
    summary = ReplaySummary() if summary is None else summary
    summary.until = until
    if jobs > 1 and engine is None and observe is None:
        yield from _partitioned(paths, until, policy, summary, jobs)
        return
    handle = (Engine(policy) if engine is None else engine).handle
    # Counted in locals on the hot path and copied to `summary` whenever control leaves.
    events = ticks = test_data = 0
    try:
        for item in event_time_log(paths, until):
            if type(item) is DayClosed:
                ticks += 1
            elif isinstance(item, DomainEvent):
                events += 1
                if item.test_data:
                    test_data += 1
                elif observe is not None:
                    observe(item)
            else:
                summary.events, summary.ticks, summary.test_data_events = events, ticks, test_data
                summary.count(item)
                yield item
                continue
            outcome = handle(item)
            if outcome.commands or outcome.anomalies or outcome.follow_ups:
                summary.events, summary.ticks, summary.test_data_events = events, ticks, test_data
                yield from _results(outcome, handle, summary)
    finally:
        summary.events, summary.ticks, summary.test_data_events = events, ticks, test_data


def _partitioned(
    paths: Sequence[Path | str], until: date | None, policy: Policy, summary: ReplaySummary, jobs: int
) -> Iterator[ReplayOutput]:
    """`replay` by partitions: the workers' counts go to `summary` before the first output
    (they have all finished by then)."""
    run = Partitioned(paths, until, policy, jobs)
    outputs = run.outputs()
    try:
        first = next(outputs, None)  # the workers have all finished (or stopped) by then
    except PartitionsCrossed as crossed:
        summary.in_one_process = str(crossed)
        yield from replay(paths, until, policy, summary)
        return
    _add_counts(summary, run.counts)
    if first is None:
        return
    for item in itertools.chain((first,), outputs):
        summary.count(item)
        yield item


def _add_counts(summary: ReplaySummary, counts: list[Counts]) -> None:
    """The workers' counts, summed (every worker counts every tick: one's)."""
    summary.events = sum(c[0] for c in counts)
    summary.test_data_events = sum(c[1] for c in counts)
    summary.ticks = counts[0][2]
    summary.follow_ups = sum(c[3] for c in counts)
    summary.worker_cpu_seconds = [c[4] for c in counts]


def _results(
    outcome: Outcome, handle: Callable[[DomainEvent], Outcome], summary: ReplaySummary
) -> Iterator[ReplayOutput]:
    """The commands and anomalies of an outcome, with its follow-ups handled at once (and
    theirs, breadth first) before the log moves on."""
    pending: deque[DomainEvent] = deque()
    while True:
        for command in outcome.commands:
            summary.count(command)
            yield command
        for anomaly in outcome.anomalies:
            summary.count(anomaly)
            yield anomaly
        summary.follow_ups += len(outcome.follow_ups)
        pending.extend(outcome.follow_ups)
        if not pending:
            return
        outcome = handle(pending.popleft())
