"""Dashboard answers that need the engine as well as the recorder.

Deadlines live in the engine's deadline index and a supply point's state in its store;
these functions combine them with what the OpsRecorder remembers, one request at a time.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from processors.ops.describe import describe_state
from processors.ops.jsonable import to_jsonable
from processors.ops.recorder import OpsRecorder
from processors.ops.views import DeadlineView, EngineView

PENDING_HORIZON_DAYS = 400  # how far ahead a supply point's pending deadlines are looked for
CELL_SUBJECTS = 200  # MPANs listed behind one cell of the deadline calendar (the count is exact)


def _kind(deadline: DeadlineView) -> str:
    kind: Any = deadline.kind
    return str(getattr(kind, "value", kind))


def today_of(engine: EngineView, ops: OpsRecorder) -> date | None:
    """The day the dashboard looks ahead from: the engine's last closed day, else the recorder's."""
    return engine.last_closed_day or ops.today()


def deadlines_report(engine: EngineView, ops: OpsRecorder, days: int = 14) -> dict[str, Any]:
    """Deadlines due in the `days` days after the last closed day, by kind and by day.

    A deadline due on day D fires when D closes, so "tomorrow's work" is the day after the
    last closed day.
    """
    today = today_of(engine, ops)
    if today is None:
        return {"as_of": None, "first": None, "last": None, "total": 0, "kinds": {}, "days": [], "items": []}
    first, last = today + timedelta(days=1), today + timedelta(days=days)
    deadlines = sorted(engine.deadlines_between(first, last), key=lambda d: (d.due_on, _kind(d), d.subject))
    by_day: dict[date, Counter[str]] = defaultdict(Counter)
    subjects: dict[date, dict[str, list[str]]] = defaultdict(dict)
    kinds: Counter[str] = Counter()
    for deadline in deadlines:
        kind = _kind(deadline)
        by_day[deadline.due_on][kind] += 1
        kinds[kind] += 1
        cell = subjects[deadline.due_on].setdefault(kind, [])
        if len(cell) < CELL_SUBJECTS:
            cell.append(deadline.subject)
    return {
        "as_of": today.isoformat(),
        "first": first.isoformat(),
        "last": last.isoformat(),
        "total": len(deadlines),
        "kinds": dict(sorted(kinds.items())),
        "days": [
            {
                "day": (first + timedelta(days=i)).isoformat(),
                "counts": dict(sorted(by_day.get(first + timedelta(days=i), Counter()).items())),
                "subjects": dict(sorted(subjects.get(first + timedelta(days=i), {}).items())),
            }
            for i in range(days)
        ],
        "items": [
            {"due_on": d.due_on.isoformat(), "kind": _kind(d), "subject": d.subject} for d in deadlines[:500]
        ],
    }


def deadline_counts(engine: EngineView, ops: OpsRecorder, days: int = 14) -> dict[str, int]:
    """Deadlines due in the coming `days` days by kind (for /metrics)."""
    today = today_of(engine, ops)
    if today is None:
        return {}
    kinds: Counter[str] = Counter(
        _kind(d) for d in engine.deadlines_between(today + timedelta(days=1), today + timedelta(days=days))
    )
    return dict(kinds)


def supply_point_report(engine: EngineView, ops: OpsRecorder, mpan: str) -> dict[str, Any] | None:
    """One supply point: its state, its remembered events, commands and anomalies, and its
    pending deadlines. None when neither the engine nor the recorder knows it."""
    states = engine.states_of(mpan)
    history = ops.history(mpan)
    today = today_of(engine, ops)
    pending: list[dict[str, Any]] = []
    if today is not None:
        upcoming = engine.deadlines_between(
            today + timedelta(days=1), today + timedelta(days=PENDING_HORIZON_DAYS)
        )
        pending = [
            {"due_on": d.due_on.isoformat(), "kind": _kind(d), "subject": d.subject}
            for d in sorted(upcoming, key=lambda d: d.due_on)
            if d.subject == mpan
        ]
    if not states and not history and not pending:
        return None
    since = datetime.fromtimestamp(ops.started_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    label = engine.label_of(states) if states else None
    described: Any = next(iter(states.values())) if len(states) == 1 else (states or None)
    return {
        "mpan": mpan,
        "as_of": today.isoformat() if today else None,
        "label": label,
        "state": to_jsonable(states.get("supply_point")),
        "states": to_jsonable(states),
        "state_in_words": describe_state(described, label),
        "timeline": history,
        "timeline_note": f"as seen since {since} (the latest {ops.history_per_mpan} entries)",
        "counts": dict(Counter(entry["kind"] for entry in history)),
        "pending_deadlines": pending,
    }
