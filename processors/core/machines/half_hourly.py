"""The half-hourly rating machine (keyed by MPAN core): smart-tariff rating, corrections,
missing consumption, and the daily import totals it hands to the account's trackers.

Its state is its own (not the supply point's) and keeps only what rating and corrections
need: the tariff terms, the completed smart dispatches and, for the last
`Policy.half_hourly_window_days` days, each day's values and the digest of its last
rating (docs/rules.md "Half-hourly rating"; docs/decisions.md D25). History for queries
lives in the consumption store, written by the shell, not here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, getcontext
from enum import StrEnum
from functools import lru_cache
from operator import attrgetter, itemgetter
from typing import Any, ClassVar, cast

from processors.core.deadlines import deadline_id
from processors.core.input_order import InputOrder
from processors.core.machine import Converter, Ctx, Input, Keyspace, MachineState, apply_by_type
from processors.core.policy import Policy
from processors.vocabulary.commands import (
    CorrectHalfHourlyRating,
    RatedEnergy,
    RateHalfHourlyConsumption,
    ReportMissingConsumption,
)
from processors.vocabulary.events import (
    UK,
    DailyImportTotalled,
    DeviceDispatch,
    Direction,
    DispatchKind,
    DomainEvent,
    HalfHourlyConsumption,
    SmartProduct,
    SupplyPointRegistered,
    TariffAgreementStarted,
    uk_day,
)
from processors.vocabulary.events.internal import follow_up_id
from processors.vocabulary.kwh import Values, day_text, has_gap, text_values, wrote
from processors.vocabulary.periods import local_minutes, period_starts, periods_in_day

IO_GO_OFF_PEAK_FROM = 23 * 60 + 30
IO_GO_OFF_PEAK_TO = 5 * 60 + 30
IO_FLUX_PEAK_FROM = 16 * 60
IO_FLUX_PEAK_TO = 19 * 60
_COST_STEP = Decimal("0.0001")
_ZERO = Decimal(0)


class HalfHourlyDeadline(StrEnum):
    MISSING_IMPORT = "missing_import"
    MISSING_EXPORT = "missing_export"


_DEADLINE_DIRECTION = {
    HalfHourlyDeadline.MISSING_IMPORT: Direction.IMPORT,
    HalfHourlyDeadline.MISSING_EXPORT: Direction.EXPORT,
}

# --- state -------------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class TariffTerm:
    """A smart tariff from `valid_from` (p/kWh)."""

    product: str
    valid_from: date
    peak: Decimal
    off_peak: Decimal | None = None
    export_peak: Decimal | None = None
    export_off_peak: Decimal | None = None


@dataclass(slots=True, kw_only=True)
class SmartSlot:
    """A completed smart-charging dispatch, [start, end) in UTC epoch seconds."""

    start: int
    end: int


@dataclass(slots=True, kw_only=True)
class SiteDay:
    """One consumption day of the site: its values and the rating last issued for it."""

    day: date
    import_text: str | None = None
    export_text: str | None = None
    """Each direction's values as one compact text (`values_text`), read back only to
    re-rate the day: a few hundred bytes a day rather than 48 objects."""
    rated_by: str | None = None
    """The command id of the last rating or correction."""
    rated: str | None = None
    """The digest of that rating's figures (a new rating differing from it is a correction)."""
    reported: tuple[str, ...] = ()
    """Directions already reported missing."""
    import_missing: tuple[int, ...] = ()
    export_missing: tuple[int, ...] = ()
    """The missing periods (1-based) of each direction's values, worked out once."""


@dataclass(slots=True, kw_only=True)
class HalfHourlyState(MachineState):
    account_id: str | None = None
    tariffs: tuple[TariffTerm, ...] = ()
    slots: tuple[SmartSlot, ...] = ()
    days: list[SiteDay] = field(default_factory=list)
    """Ordered by day; only the window."""


# --- inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsumptionIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.HALF_HOURLY
    consumption_day: date
    direction: str
    values: Values


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportConsumptionIn(ConsumptionIn):
    """Export values: applied before the day's import, so a day whose import and export
    arrive together is rated once with both."""

    PRIORITY: ClassVar[int] = InputOrder.HALF_HOURLY_EXPORT


@dataclass(frozen=True, slots=True, kw_only=True)
class TariffIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.SMART_TARIFF
    term: TariffTerm


@dataclass(frozen=True, slots=True, kw_only=True)
class DispatchIn(Input):
    """A completed smart dispatch (the only kind that changes a rating)."""

    PRIORITY: ClassVar[int] = InputOrder.DEVICE_DISPATCH
    slot: SmartSlot


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteRegisteredIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.REGISTERED
    account_id: str


# --- rating ------------------------------------------------------------------------------------


def tariff_on(state: HalfHourlyState, day: date) -> TariffTerm | None:
    """The term in force on `day`: the latest one valid from it or before."""
    found = None
    for term in state.tariffs:
        if term.valid_from <= day:
            found = term
    return found


@lru_cache(maxsize=1024)
def _time_of_day_off_peak(product: str, day: date) -> frozenset[int]:
    """The periods of `day` off-peak by the clock alone: the same for every site, so
    worked out once per product and day."""
    minutes = local_minutes(day)
    if product == SmartProduct.FLAT:
        return frozenset()
    if product == SmartProduct.IO_FLUX:
        return frozenset(
            i for i, m in enumerate(minutes, start=1) if not IO_FLUX_PEAK_FROM <= m < IO_FLUX_PEAK_TO
        )
    return frozenset(
        i for i, m in enumerate(minutes, start=1) if m >= IO_GO_OFF_PEAK_FROM or m < IO_GO_OFF_PEAK_TO
    )


@lru_cache(maxsize=1024)
def _epoch_starts(day: date) -> tuple[int, ...]:
    return tuple(int(start.timestamp()) for start in period_starts(day))


def off_peak_periods(term: TariffTerm, day: date, slots: Iterable[SmartSlot]) -> frozenset[int]:
    """The 1-based periods of `day` rated off-peak under `term`."""
    base = _time_of_day_off_peak(term.product, day)
    if term.product != SmartProduct.IO_GO:
        return base
    off: set[int] | None = None
    starts = _epoch_starts(day)
    first, last = starts[0], starts[-1] + 1800
    for slot in slots:
        if slot.end <= first or slot.start >= last:
            continue
        if off is None:
            off = set(base)
        for i, begin in enumerate(starts, start=1):
            if slot.start < begin + 1800 and slot.end > begin:
                off.add(i)
    return base if off is None else frozenset(off)


_Picker = Callable[[Values], tuple[Decimal | None, ...]]


def _picker(indices: tuple[int, ...]) -> _Picker:
    """The values at `indices`, picked in C (`itemgetter`), always as a tuple."""
    if not indices:
        return lambda _: ()
    if len(indices) == 1:
        only = indices[0]
        return lambda values: (values[only],)
    return cast("_Picker", itemgetter(*indices))


@lru_cache(maxsize=1024)
def _bands(off_peak: frozenset[int], count: int) -> tuple[_Picker, _Picker]:
    """The pickers of a day's `count` values off-peak and peak, each in period order."""
    return (
        _picker(tuple(i for i in range(count) if i + 1 in off_peak)),
        _picker(tuple(i for i in range(count) if i + 1 not in off_peak)),
    )


def rate_values(
    values: Values,
    missing: tuple[int, ...],
    off_peak: frozenset[int],
    peak_rate: Decimal,
    off_peak_rate: Decimal | None,
) -> RatedEnergy:
    """The day's kWh and cost per band; `missing`, the periods of `values` that are None
    (worked out once, when the values arrived), are never rated."""
    pick_off, pick_peak = _bands(off_peak, len(values))
    if missing:
        off_kwh = sum([v for v in pick_off(values) if v is not None], _ZERO)
        peak_kwh = sum([v for v in pick_peak(values) if v is not None], _ZERO)
    else:  # the common case: each band summed in period order, as above
        off_kwh = sum(cast("tuple[Decimal, ...]", pick_off(values)), _ZERO)
        peak_kwh = sum(cast("tuple[Decimal, ...]", pick_peak(values)), _ZERO)
    off_cost = off_kwh * off_peak_rate if off_peak_rate is not None else _ZERO
    return RatedEnergy(
        off_peak_kwh=off_kwh,
        peak_kwh=peak_kwh,
        off_peak_cost=off_cost.quantize(_COST_STEP),
        peak_cost=(peak_kwh * peak_rate).quantize(_COST_STEP),
    )


def rating_of(
    state: HalfHourlyState, rec: SiteDay, fresh: Values | None = None, direction: str = Direction.IMPORT
) -> dict[str, Any] | None:
    """The fields of the day's rating, or None when it is not rated (no import values, or
    no smart tariff that day). `fresh`: the values of `direction` just applied (so they
    are not read back from text)."""
    if rec.import_text is None:
        return None
    term = tariff_on(state, rec.day)
    if term is None:
        return None
    off = off_peak_periods(term, rec.day, state.slots)
    imports = fresh if fresh is not None and direction == Direction.IMPORT else text_values(rec.import_text)
    imported = rate_values(imports, rec.import_missing, off, term.peak, term.off_peak)
    exported = None
    if term.product == SmartProduct.IO_FLUX and rec.export_text is not None:
        assert term.export_peak is not None
        fresh_export = fresh is not None and direction == Direction.EXPORT
        exports = fresh if fresh is not None and fresh_export else text_values(rec.export_text)
        exported = rate_values(exports, rec.export_missing, off, term.export_peak, term.export_off_peak)
    return {
        "day": rec.day,
        "product": term.product,
        "import_": imported,
        "export": exported,
        "missing_periods": rec.import_missing,
        "export_missing_periods": rec.export_missing if exported is not None else (),
    }


def _digest(fields: dict[str, Any]) -> str:
    """The rating's figures as one short text, to tell whether a re-rating changes them."""
    parts: list[Any] = [fields["product"], fields["missing_periods"], fields["export_missing_periods"]]
    for energy in (fields["import_"], fields["export"]):
        if energy is not None:
            parts += (energy.off_peak_kwh, energy.peak_kwh, energy.off_peak_cost, energy.peak_cost)
    return "|".join(map(str, parts))


def rate_day(
    state: HalfHourlyState,
    rec: SiteDay,
    cause: str,
    ctx: Ctx,
    *,
    fresh: Values | None = None,
    direction: str = Direction.IMPORT,
) -> RatedEnergy | None:
    """Rate the day, or correct its rating when the figures changed. Returns the import's
    rated energy, issued or not (None when the day is not rated)."""
    fields = rating_of(state, rec, fresh, direction)
    if fields is None:
        return None
    imported: RatedEnergy = fields["import_"]
    digest = _digest(fields)
    if digest == rec.rated:
        return imported
    if rec.rated_by is None:
        command = ctx.emit(RateHalfHourlyConsumption, cause, mpan=ctx.key, **fields)
    else:
        command = ctx.emit(CorrectHalfHourlyRating, cause, mpan=ctx.key, replaces=rec.rated_by, **fields)
    rec.rated_by = command.command_id
    rec.rated = digest
    return imported


# --- transitions ---------------------------------------------------------------------------------


def _find(state: HalfHourlyState, day: date) -> SiteDay | None:
    days = state.days
    if not days or days[-1].day < day:  # the usual case: a new day, after all those held
        return None
    for rec in reversed(days):  # the latest days are the likeliest
        if rec.day == day:
            return rec
    return None


def _missing(values: Values) -> tuple[int, ...]:
    """The missing periods (1-based) of values whose compact text `has_gap`."""
    return tuple(i for i, v in enumerate(values, start=1) if v is None)


def _merge(old: Values | None, new: Values) -> Values:
    """A resend fills what the earlier values missed; a null never erases a value."""
    if old is None or len(old) != len(new):
        return new
    return tuple(n if n is not None else o for n, o in zip(new, old, strict=True))


@lru_cache(maxsize=64)
def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UK)


def _bands_total(rated: RatedEnergy) -> Decimal | None:
    """The day's import kWh as the sum of its two bands, when that is exactly what summing
    its present values in period order gives (same value, same exponent), else None.

    The values are non-negative, so every partial sum of either computation is at most the
    total: when the total has fewer digits than the context's precision, no sum was
    rounded (a rounded band sum has all of them, and so would the total), and both are
    the exact sum with the smallest exponent of the values and zero."""
    total = rated.off_peak_kwh + rated.peak_kwh
    return total if len(total.as_tuple().digits) < getcontext().prec else None


def _hand_total(  # noqa: PLR0917 - one module's helper
    state: HalfHourlyState,
    rec: SiteDay,
    cause: str,
    day: date,
    ctx: Ctx,
    fresh: Values | None = None,
    rated: RatedEnergy | None = None,
) -> None:
    """Tell the account's trackers the day's import total; `rated`: the rating of these
    import values just worked out (`rate_day`), whose two bands sum to it."""
    if state.account_id is None or rec.import_text is None:
        return
    values = fresh if fresh is not None else text_values(rec.import_text)
    total = None if rated is None or fresh is None else _bands_total(rated)
    if total is not None:
        missing = len(rec.import_missing)
    else:
        present = (
            [v for v in values if v is not None]
            if rec.import_missing
            else cast("tuple[Decimal, ...]", values)
        )
        total, missing = sum(present, _ZERO), len(values) - len(present)
    ctx.follow_ups.append(
        DailyImportTotalled(
            event_id=follow_up_id(cause, f"daily_import/{rec.day.isoformat()}", state.account_id),
            occurred_at=_noon(day),
            account_id=state.account_id,
            mpan=ctx.key,
            consumption_day=rec.day,
            import_kwh=total,
            missing_periods=missing,
        )
    )


@lru_cache(maxsize=16)
def _days(count: int) -> timedelta:
    return timedelta(days=count)


def _trim(state: HalfHourlyState, policy: Policy) -> None:
    if not state.days:
        return
    horizon = state.days[-1].day - _days(policy.half_hourly_window_days)
    if state.days[0].day < horizon:
        state.days = [rec for rec in state.days if rec.day >= horizon]
    if state.slots:
        edge = int(datetime(horizon.year, horizon.month, horizon.day, tzinfo=UTC).timestamp())
        state.slots = tuple(s for s in state.slots if s.end >= edge)


def _link_account(state: HalfHourlyState, ctx: Ctx) -> None:
    """A state starts only with a site's half-hourly input (`settled`): its account is
    then the supply point's, registered before it."""
    if state.account_id is None:
        point = ctx.state_of("supply_point")
        state.account_id = getattr(point, "account_id", None)


def apply_consumption(state: HalfHourlyState, inp: ConsumptionIn, ctx: Ctx) -> bool:
    _link_account(state, ctx)
    rec = _find(state, inp.consumption_day)
    if rec is None:
        window = ctx.policy.half_hourly_window_days
        if state.days and inp.consumption_day < state.days[-1].day - timedelta(days=window):
            ctx.anomaly(
                inp,
                "half_hourly_too_old",
                f"{inp.consumption_day.isoformat()} is older than the {window} days kept for corrections",
            )
            return False
        rec = SiteDay(day=inp.consumption_day)
        state.days.append(rec)
        if len(state.days) > 1 and state.days[-2].day > rec.day:
            state.days.sort(key=lambda r: r.day)
    importing = inp.direction == Direction.IMPORT
    old = rec.import_text if importing else rec.export_text
    merged = inp.values if old is None else _merge(text_values(old), inp.values)
    text = day_text(merged)  # the texts it was read from, when they are its own
    if text == old:
        return False
    wrote(text, merged)  # read back, not parsed, when the day's other direction is rated
    missing = _missing(merged) if has_gap(text) else ()  # two searches of the text, not 48 tests
    if importing:
        rec.import_text, rec.import_missing = text, missing
    else:
        rec.export_text, rec.export_missing = text, missing
    rated = rate_day(state, rec, inp.event_id, ctx, fresh=merged, direction=inp.direction)
    if importing:
        _hand_total(state, rec, inp.event_id, inp.day, ctx, merged, rated)
    _trim(state, ctx.policy)
    return True


def apply_tariff(state: HalfHourlyState, inp: TariffIn, ctx: Ctx) -> bool:
    """A new term; days already held from its start are rated (or corrected) under it."""
    _link_account(state, ctx)
    if inp.term in state.tariffs:
        return False
    kept = tuple(t for t in state.tariffs if t.valid_from != inp.term.valid_from)
    state.tariffs = tuple(sorted((*kept, inp.term), key=lambda t: t.valid_from))
    for rec in state.days:
        if rec.day >= inp.term.valid_from:
            rate_day(state, rec, f"{inp.event_id}@{rec.day.isoformat()}", ctx)
    return True


def apply_dispatch(state: HalfHourlyState, inp: DispatchIn, ctx: Ctx) -> bool:
    """A completed smart dispatch: the half hours it overlaps become off-peak (IO Go), so a
    day already rated is corrected."""
    _link_account(state, ctx)
    if inp.slot in state.slots:
        return False
    state.slots = (*state.slots, inp.slot)
    first = uk_day(datetime.fromtimestamp(inp.slot.start, UTC))
    last = uk_day(datetime.fromtimestamp(inp.slot.end - 1, UTC))
    for rec in state.days:
        if first <= rec.day <= last:
            rate_day(state, rec, f"{inp.event_id}@{rec.day.isoformat()}", ctx)
    return True


def apply_registered(state: HalfHourlyState, inp: SiteRegisteredIn, ctx: Ctx) -> bool:
    """The site's account, for its trackers; days already held are handed over."""
    if state.account_id == inp.account_id:
        return False
    state.account_id = inp.account_id
    for rec in state.days:
        _hand_total(state, rec, inp.event_id, inp.day, ctx)
    return True


_ONE_DAY = timedelta(days=1)
_TWO_DAYS = timedelta(days=2)
_IMPORT = Direction.IMPORT.value
_EXPORT = Direction.EXPORT.value


_DUE_AFTER_VALUES = (
    (HalfHourlyDeadline.MISSING_IMPORT, attrgetter("import_text"), _IMPORT),
    (HalfHourlyDeadline.MISSING_EXPORT, attrgetter("export_text"), _EXPORT),
)


def _held_through(
    days: list[SiteDay], text_of: Callable[[SiteDay], str | None], direction: str
) -> date | None:
    """The latest day held with values of `direction` or reported missing in it, when a day
    of the window has values of it (else None), read from the latest day back."""
    through = None
    for rec in reversed(days):
        if text_of(rec) is not None:
            return rec.day if through is None else through
        if through is None and direction in rec.reported:
            through = rec.day
    return None


def missing_deadlines(state: HalfHourlyState) -> list[tuple[date, str]]:
    """Each day with missing values not yet reported: due at the close of the next day.
    A day with no values at all counts as missing every period when the site's values
    of that direction are flowing and it is on a smart tariff that day: the day after
    the latest one held with values of that direction, or reported in it, is due (None
    when no day of the window has values of that direction, so a site whose values
    stopped is reported for the window's days at most).

    Asked for once per site and day at least (after each change, and when the site is
    woken), so it touches as little of the window as it can: one test of two fields per
    day for the gaps, then, per direction, the days from the latest back to the latest
    one with values (usually the last day itself)."""
    out: list[tuple[date, str]] = []
    days = state.days
    for rec in days:  # in day order
        if rec.import_missing or rec.export_missing:
            day, reported = rec.day, rec.reported
            if rec.import_missing and _IMPORT not in reported:
                out.append((day + _ONE_DAY, HalfHourlyDeadline.MISSING_IMPORT))
            if rec.export_missing and _EXPORT not in reported:
                out.append((day + _ONE_DAY, HalfHourlyDeadline.MISSING_EXPORT))
    for kind, text_of, direction in _DUE_AFTER_VALUES:
        through = _held_through(days, text_of, direction)
        if through is not None and tariff_on(state, through + _ONE_DAY) is not None:
            out.append((through + _TWO_DAYS, kind))
    return out


def fire_missing(state: HalfHourlyState, kind: str, due: date, ctx: Ctx) -> None:
    direction = _DEADLINE_DIRECTION[HalfHourlyDeadline(kind)]
    day = due - timedelta(days=1)
    rec = _find(state, day)
    importing = direction == Direction.IMPORT
    if rec is None or (rec.import_text if importing else rec.export_text) is None:
        if (day, kind) not in {(d - timedelta(days=1), k) for d, k in missing_deadlines(state)}:
            return
        if rec is None:  # a day with no values at all: every period missing
            rec = SiteDay(day=day)
            state.days.append(rec)
            state.days.sort(key=lambda r: r.day)
        every = tuple(range(1, periods_in_day(day) + 1))
        if importing:
            rec.import_missing = every
        else:
            rec.export_missing = every
    missing = rec.import_missing if importing else rec.export_missing
    rec.reported = (*rec.reported, direction.value)
    _trim(state, ctx.policy)
    if not missing:
        return
    ctx.emit(
        ReportMissingConsumption,
        deadline_id(kind, ctx.key, due),
        mpan=ctx.key,
        day=rec.day,
        direction=direction.value,
        missing_periods=missing,
    )


# --- converters and the machine ------------------------------------------------------------------


def _consumption_input(e: HalfHourlyConsumption, _: Policy) -> ConsumptionIn:
    cls = ExportConsumptionIn if e.direction == Direction.EXPORT else ConsumptionIn
    return cls(
        event_id=e.event_id,
        day=e.day,
        consumption_day=e.consumption_day,
        direction=str(e.direction),
        values=e.values,
    )


def _tariff_input(e: TariffAgreementStarted, _: Policy) -> TariffIn:
    r = e.rates
    return TariffIn(
        event_id=e.event_id,
        day=e.day,
        term=TariffTerm(
            product=str(e.product),
            valid_from=e.valid_from,
            peak=r.peak,
            off_peak=r.off_peak,
            export_peak=r.export_peak,
            export_off_peak=r.export_off_peak,
        ),
    )


def _dispatch_input(e: DeviceDispatch, _: Policy) -> DispatchIn | None:
    """Only a completed smart dispatch changes a rating: a bump is rated at the time of
    day, a planned dispatch that did not complete changes nothing."""
    if not e.completed or e.kind != DispatchKind.SMART:
        return None
    return DispatchIn(
        event_id=e.event_id,
        day=e.day,
        slot=SmartSlot(start=int(e.start.timestamp()), end=int(e.end.timestamp())),
    )


def _registered_input(e: SupplyPointRegistered, _: Policy) -> SiteRegisteredIn:
    return SiteRegisteredIn(event_id=e.event_id, day=e.day, account_id=e.account_id)


_TRANSITIONS: dict[type[Input], Any] = {
    ConsumptionIn: apply_consumption,
    ExportConsumptionIn: apply_consumption,
    TariffIn: apply_tariff,
    DispatchIn: apply_dispatch,
    SiteRegisteredIn: apply_registered,
}


class HalfHourlyMachine:
    """The half-hourly rating machine as the engine sees it."""

    name: str = "half_hourly"
    keyspace: Keyspace = Keyspace.MPAN
    state_type: type[HalfHourlyState] = HalfHourlyState
    state_classes: tuple[type[Any], ...] = (HalfHourlyState, TariffTerm, SmartSlot, SiteDay, *_TRANSITIONS)
    idle_label: str | None = None
    self_guarded: tuple[type[Input], ...] = (
        ConsumptionIn,
        ExportConsumptionIn,
        TariffIn,
        DispatchIn,
        SiteRegisteredIn,
    )

    def __init__(self) -> None:
        self.unknown_subject: dict[type[DomainEvent], str] = {}
        self.converters: dict[type[DomainEvent], Converter] = {
            HalfHourlyConsumption: _consumption_input,
            TariffAgreementStarted: _tariff_input,
            DeviceDispatch: _dispatch_input,
            SupplyPointRegistered: _registered_input,
        }

    def apply(self, state: HalfHourlyState, inp: Input, ctx: Ctx) -> bool:
        return apply_by_type(_TRANSITIONS, state, inp, ctx)

    def claims(self, state: HalfHourlyState) -> bool:
        return False

    def deadlines(self, key: str, state: HalfHourlyState, policy: Policy) -> Iterable[tuple[date, str]]:
        return missing_deadlines(state) if state.days else ()

    def fire(self, state: HalfHourlyState, kind: str, due: date, ctx: Ctx) -> None:
        fire_missing(state, kind, due, ctx)

    def label(self, state: HalfHourlyState, today: date | None) -> str | None:
        return None

    def settled(self, state: HalfHourlyState | None, event: Any) -> bool:
        """A registration of a site with no half-hourly state keeps nothing: the state
        starts with its first half-hourly input and takes the account then."""
        return state is None and type(event) is SupplyPointRegistered


HALF_HOURLY = HalfHourlyMachine()
