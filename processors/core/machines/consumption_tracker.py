"""The consumption tracker machine (keyed by account id): notify when a tracker's period
total passes its limit, once per tracker period (SPEC 9; docs/rules.md "Trackers").

Trackers belong to accounts; the sites' daily import totals reach it as follow-ups
(`DailyImportTotalled`) from each MPAN's half-hourly machine, which knows the MPAN's
account from its registration. An account's sites are the MPANs whose totals arrived.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from processors.core.input_order import InputOrder
from processors.core.machine import Converter, Ctx, Input, Keyspace, MachineState, apply_by_type
from processors.core.policy import Policy
from processors.vocabulary.commands import NotifyConsumptionExceeded
from processors.vocabulary.events import (
    ConsumptionTrackerRemoved,
    ConsumptionTrackerSet,
    DailyImportTotalled,
    DomainEvent,
    TrackerPeriod,
)

_ZERO = Decimal(0)


@dataclass(slots=True, kw_only=True)
class Tracker:
    tracker_id: str
    mpans: tuple[str, ...]
    """Empty: all of the account's sites."""
    period: str
    limit_kwh: Decimal
    notified: tuple[date, ...] = ()
    """Starts of the periods already notified (recent ones)."""


@dataclass(slots=True, kw_only=True)
class SiteTotal:
    mpan: str
    day: date
    kwh: Decimal
    missing: int


@dataclass(slots=True, kw_only=True)
class TrackerState(MachineState):
    trackers: tuple[Tracker, ...] = ()
    sites: tuple[str, ...] = ()
    totals: list[SiteTotal] = field(default_factory=list)
    """Ordered by (day, mpan), so a site-day is found by bisection and the oldest is first."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackerSetIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.TRACKER_SET
    tracker: Tracker


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackerRemovedIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.TRACKER_REMOVED
    tracker_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DailyTotalIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.DAILY_IMPORT
    total: SiteTotal


def period_bounds(period: str, day: date) -> tuple[date, date]:
    """The first and last day of the tracker period containing `day` (weeks from Monday)."""
    if period == TrackerPeriod.DAY:
        return day, day
    if period == TrackerPeriod.WEEK:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following - timedelta(days=1)


def evaluate(state: TrackerState, tracker: Tracker, day: date, cause: str, ctx: Ctx) -> bool:
    """Notify once when the total of the period containing `day` passes the limit."""
    start, end = period_bounds(tracker.period, day)
    if start in tracker.notified:
        return False
    mpans = tracker.mpans or state.sites
    wanted = set(mpans)
    seen: dict[tuple[str, date], SiteTotal] = {
        (t.mpan, t.day): t for t in state.totals if t.mpan in wanted and start <= t.day <= end
    }
    used = sum((t.kwh for t in seen.values()), _ZERO)
    if used <= tracker.limit_kwh:
        return False
    days = (end - start).days + 1
    complete = len(seen) == days * len(wanted) and all(t.missing == 0 for t in seen.values())
    ctx.emit(
        NotifyConsumptionExceeded,
        cause,
        tracker_id=tracker.tracker_id,
        account_id=ctx.key,
        period_start=start,
        period_end=end,
        used_kwh=used,
        limit_kwh=tracker.limit_kwh,
        complete=complete,
    )
    tracker.notified = (*tracker.notified[-11:], start)
    return True


def apply_set(state: TrackerState, inp: TrackerSetIn, ctx: Ctx) -> bool:
    new = inp.tracker
    for current in state.trackers:
        if current.tracker_id == new.tracker_id and (current.mpans, current.period, current.limit_kwh) == (
            new.mpans,
            new.period,
            new.limit_kwh,
        ):
            return False
    tracker = Tracker(tracker_id=new.tracker_id, mpans=new.mpans, period=new.period, limit_kwh=new.limit_kwh)
    state.trackers = (*(t for t in state.trackers if t.tracker_id != new.tracker_id), tracker)
    if state.totals:
        evaluate(state, tracker, max(t.day for t in state.totals), inp.event_id, ctx)
    return True


def apply_removed(state: TrackerState, inp: TrackerRemovedIn, ctx: Ctx) -> bool:
    kept = tuple(t for t in state.trackers if t.tracker_id != inp.tracker_id)
    if kept == state.trackers:
        return False
    state.trackers = kept
    return True


def _total_order(total: SiteTotal) -> tuple[date, str]:
    return total.day, total.mpan


def apply_total(state: TrackerState, inp: DailyTotalIn, ctx: Ctx) -> bool:
    total = inp.total
    totals = state.totals
    if not totals or _total_order(totals[-1]) < _total_order(total):
        at, current = len(totals), None  # the usual case: after every total held
    else:
        at = bisect_left(totals, (total.day, total.mpan), key=_total_order)
        current = totals[at] if at < len(totals) else None
    if current is not None and current.day == total.day and current.mpan == total.mpan:
        if (current.kwh, current.missing) == (total.kwh, total.missing):
            return False
        current.kwh, current.missing = total.kwh, total.missing
    else:
        state.totals.insert(
            at, SiteTotal(mpan=total.mpan, day=total.day, kwh=total.kwh, missing=total.missing)
        )
    if total.mpan not in state.sites:
        state.sites = (*state.sites, total.mpan)
    horizon = total.day - timedelta(days=ctx.policy.tracker_window_days)
    if state.totals[0].day < horizon:
        state.totals = [t for t in state.totals if t.day >= horizon]
    for tracker in state.trackers:
        if not tracker.mpans or total.mpan in tracker.mpans:
            evaluate(state, tracker, total.day, inp.event_id, ctx)
    return True


_TRANSITIONS: dict[type[Input], Any] = {
    TrackerSetIn: apply_set,
    TrackerRemovedIn: apply_removed,
    DailyTotalIn: apply_total,
}


class ConsumptionTrackerMachine:
    name: str = "consumption_tracker"
    keyspace: Keyspace = Keyspace.ACCOUNT
    state_type: type[TrackerState] = TrackerState
    state_classes: tuple[type[Any], ...] = (TrackerState, Tracker, SiteTotal, *_TRANSITIONS)
    idle_label: str | None = None
    self_guarded: tuple[type[Input], ...] = (DailyTotalIn,)
    without_deadlines: bool = True
    """Trackers notify as totals arrive: nothing is due later, so the engine fires and
    schedules nothing after a late total (a follow-up of a closed day, the usual case)."""

    def __init__(self) -> None:
        self.unknown_subject: dict[type[DomainEvent], str] = {}
        self.converters: dict[type[DomainEvent], Converter] = {
            ConsumptionTrackerSet: lambda e, _: TrackerSetIn(
                event_id=e.event_id,
                day=e.day,
                tracker=Tracker(
                    tracker_id=e.tracker_id, mpans=e.mpans, period=str(e.period), limit_kwh=e.limit_kwh
                ),
            ),
            ConsumptionTrackerRemoved: lambda e, _: TrackerRemovedIn(
                event_id=e.event_id, day=e.day, tracker_id=e.tracker_id
            ),
            DailyImportTotalled: lambda e, _: DailyTotalIn(
                event_id=e.event_id,
                day=e.day,
                total=SiteTotal(
                    mpan=e.mpan, day=e.consumption_day, kwh=e.import_kwh, missing=e.missing_periods
                ),
            ),
        }

    def apply(self, state: TrackerState, inp: Input, ctx: Ctx) -> bool:
        return apply_by_type(_TRANSITIONS, state, inp, ctx)

    def claims(self, state: TrackerState) -> bool:
        return bool(state.trackers)

    def deadlines(self, key: str, state: TrackerState, policy: Policy) -> Iterable[tuple[date, str]]:
        return ()

    def fire(self, state: TrackerState, kind: str, due: date, ctx: Ctx) -> None:
        return None

    def label(self, state: TrackerState, today: date | None) -> str | None:
        return None

    def settled(self, state: TrackerState | None, event: Any) -> bool:
        return False


CONSUMPTION_TRACKER = ConsumptionTrackerMachine()
