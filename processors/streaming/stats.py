"""What a worker has done since it started, counted by its units (the loop, the recovery
and the local states each add their own fields), for logs, the dashboard and benchmarks."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class WorkerStats:
    """What the worker has done since it started."""

    events: int = 0  # every event folded: input events, derived events and day tick records
    ticks: int = 0  # day tick records (each closed day once per owned partition)
    derived: int = 0  # derived events folded (a hand-off at once; its copy too, from another worker)
    copies: int = 0  # copies of hand-offs this worker had folded at once, taken as folded (D55)
    commands: int = 0
    anomalies: int = 0
    rejected: int = 0
    follow_ups: int = 0
    batches: int = 0
    recovered_events: int = 0
    recovered_keys: int = 0
    recovery_seconds: float = 0.0
    recovered_from_local: int = 0  # partitions whose state came from the local state dir
    recovered_from_snapshot: int = 0  # partitions whose state came from a snapshot
    snapshots_refused: int = 0  # snapshots of another log (their fingerprint differs), not loaded
    local_discarded: int = 0  # local states found untrusted (another log, corrupt) and cleared
    state_flushes: int = 0
    flushed_states: int = 0
    logs_replaced: int = 0  # partitions whose log went backwards (a new broker, a recreated topic)
    lag: dict[int, int] = field(default_factory=dict)
