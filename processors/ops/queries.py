"""Dashboard answers that need the engine as well as the recorder.

Deadlines live in the engine's deadline index and a supply point's state in its store;
these functions combine them with what the OpsRecorder remembers, one request at a time.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from processors.ops.describe import describe_state
from processors.ops.jsonable import to_jsonable
from processors.ops.recorder import OpsRecorder
from processors.ops.views import DeadlineView, EngineView
from processors.vocabulary.events import Ldz

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


def gas_report(engine: EngineView, ops: OpsRecorder) -> dict[str, Any]:
    """Gas prepayment reconciliation (SPEC 10): per LDZ the eligible points and this month's
    list; per month the eligible points and the reconciliation value expected so far.

    Read from the LDZ states (the last few months of reports and lists) and the states of
    the points they name, so it costs one look-up per eligible point and month.
    """
    today = today_of(engine, ops)
    this_month = f"{today.year:04d}-{today.month:02d}" if today else None
    ldzs: list[dict[str, Any]] = []
    months: dict[str, dict[str, Any]] = {}
    for ldz in Ldz:
        state = engine.states_of(ldz.value).get("gas_ldz")
        if state is None or not state.months:
            continue
        latest = state.months[-1]
        current = next((m for m in state.months if m.month == this_month), None)
        ldzs.append(
            {
                "ldz": ldz.value,
                "month": latest.month,
                "eligible": len(latest.eligible),
                "list": _list_status(current, this_month),
            }
        )
        for record in state.months:
            month = months.setdefault(
                record.month,
                {
                    "month": record.month,
                    "eligible": 0,
                    "reconciled": 0,
                    "quantity": Decimal(0),
                    "value": Decimal(0),
                },
            )
            for mprn in record.eligible:
                month["eligible"] += 1
                point = engine.states_of(mprn).get("gas_point")
                done = (
                    next(
                        (m for m in (point.months or ()) if m.month == record.month and m.value is not None),
                        None,
                    )
                    if point is not None
                    else None
                )
                if done is not None:
                    month["reconciled"] += 1
                    month["quantity"] += done.quantity_kwh
                    month["value"] += done.value
    return {
        "as_of": today.isoformat() if today else None,
        "month": this_month,
        "ldzs": ldzs,
        "months": [
            {
                "month": m["month"],
                "eligible": m["eligible"],
                "reconciled": m["reconciled"],
                "pending": m["eligible"] - m["reconciled"],
                "quantity_kwh": str(m["quantity"]),
                "value": str(m["value"]),
            }
            for _, m in sorted(months.items())
        ],
    }


def _list_status(record: Any, month: str | None) -> dict[str, Any]:
    """This month's list of one LDZ: awaiting the report, due on a day, or submitted."""
    if record is None or record.received_on is None:
        return {"month": month, "status": "awaiting_report"}
    status = {
        "month": record.month,
        "report_received_on": record.received_on.isoformat(),
        "list_day": record.list_day.isoformat() if record.list_day else None,
        "due_by": record.due_by.isoformat() if record.due_by else None,
    }
    if record.listed is None:
        return {**status, "status": "list_due"}
    return {**status, "status": "submitted", "mprns": list(record.listed)}
