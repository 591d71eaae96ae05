"""Operations: what the dashboard knows about the worker's health and work.

`OpsRecorder` is fed by the worker (or a replay) and answers every dashboard query from
memory; `handle_observed` / `record_batch` are how an engine's work reaches it.
"""

from processors.ops.recorder import OpsRecorder, TimelineEntry, event_type
from processors.ops.risk import COMPENSATION_POUNDS, FINAL_BILL_LIMIT_DAYS, RiskTracker
from processors.ops.tap import (
    ObservedStore,
    batch_observer,
    feed,
    forget_labels,
    handle_observed,
    label_of,
    observe_store,
    record_batch,
    record_partitioned_batch,
    sync_labels,
    touched_keys,
)
from processors.ops.views import AnomalyView, DeadlineView, EngineView, HandlingEngine, OutcomeView

__all__ = [
    "COMPENSATION_POUNDS",
    "FINAL_BILL_LIMIT_DAYS",
    "AnomalyView",
    "DeadlineView",
    "EngineView",
    "HandlingEngine",
    "ObservedStore",
    "OpsRecorder",
    "OutcomeView",
    "RiskTracker",
    "TimelineEntry",
    "batch_observer",
    "event_type",
    "feed",
    "forget_labels",
    "handle_observed",
    "label_of",
    "observe_store",
    "record_batch",
    "record_partitioned_batch",
    "sync_labels",
    "touched_keys",
]
