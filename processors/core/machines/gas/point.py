"""A gas supply point (keyed by MPRN): eligibility on the 15th, allocations, reconciliation.

The register facts (registration, meter modes and exchanges, AQ revisions, shipper
changes) take effect from their own date, so the state keeps them as dated facts and
reads the supply point as it stood at the end of the 15th: `profile` is the point as of
`profile_on`, `later` the facts dated after it. On the 15th a point that meets every
condition of ours (docs/rules.md, "Gas prepayment reconciliation") opens that month and
tells its LDZ; only the LDZ knows the snapshot and our list, and answers `GasPrepayEligible`.
What happens after the 15th never changes the month (rules 1.8, 5.1, 6.1). After the
month the point asks the SAP key for the month's prices; once every day's allocation and
price is in, it issues `ExpectPrepaymentReconciliation`; what is still missing on the
10th business day after the month is reported once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, ClassVar

from processors.core.deadlines import deadline_id
from processors.core.input_order import InputOrder
from processors.core.machine import Converter, Ctx, Input, Keyspace, MachineState, apply_by_type
from processors.core.machines.gas.months import (
    business_days_after,
    days_of,
    first_day,
    last_day,
    month_of,
    noon,
    snapshot_day_on_or_after,
)
from processors.core.policy import Policy
from processors.vocabulary.commands import ExpectPrepaymentReconciliation, ReportIncompleteReconciliation
from processors.vocabulary.events import (
    PREPAYMENT_MODES,
    DomainEvent,
    GasAllocationDaily,
    GasAqRevised,
    GasMeter,
    GasMeterExchanged,
    GasMeterMode,
    GasMeterModeChanged,
    GasNetwork,
    GasPrepayCandidate,
    GasPrepayEligible,
    GasShipperChanged,
    GasSupplyPointRegistered,
    Ldz,
    SapPrice,
    SapPrices,
    SapWanted,
)
from processors.vocabulary.events.internal import follow_up_id

PENNIES = Decimal("0.01")
UNKNOWN = "unknown_supply_point"
KEEP_DONE_MONTHS = 3
"""How many reconciled months a state remembers (to refuse their late allocations)."""


class GasPointDeadline(StrEnum):
    SNAPSHOT = "gas_snapshot"
    MONTH_END = "gas_month_end"
    INCOMPLETE = "gas_incomplete"


SNAPSHOT = GasPointDeadline.SNAPSHOT
MONTH_END = GasPointDeadline.MONTH_END
INCOMPLETE = GasPointDeadline.INCOMPLETE

# --- inputs ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class GasRegisteredIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.GAS_REGISTERED
    ldz: str
    shipper_id: str
    network: str
    aq_kwh: Decimal
    meters: tuple[GasMeter, ...]
    effective: date


@dataclass(frozen=True, slots=True, kw_only=True)
class ShipperChangedIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.GAS_SHIPPER_CHANGED
    shipper_id: str
    effective: date


@dataclass(frozen=True, slots=True, kw_only=True)
class ModeChangedIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.GAS_METER_CHANGED
    meter_id: str
    mode: str
    effective: date


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangedIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.GAS_METER_CHANGED
    old_meter_id: str
    new_meter: GasMeter
    effective: date


@dataclass(frozen=True, slots=True, kw_only=True)
class AqRevisedIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.GAS_AQ_REVISED
    aq_kwh: Decimal
    effective: date


@dataclass(frozen=True, slots=True, kw_only=True)
class AllocationIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.GAS_ALLOCATION
    gas_day: date
    standard_kwh: Decimal
    prepay_kwh: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class EligibleIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.GAS_ELIGIBLE
    month: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PricesIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.SAP_PRICES
    month: str
    prices: tuple[SapPrice, ...]


# --- state ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class GasProfile:
    """The supply point as the register shows it on one day."""

    ldz: str
    shipper_id: str
    network: str
    aq_kwh: Decimal
    meters: tuple[GasMeter, ...]
    ours_from: date | None
    """Since when we have been its registered user without a break (None: not ours)."""


@dataclass(slots=True, kw_only=True)
class Allocation:
    gas_day: date
    standard_kwh: Decimal
    prepay_kwh: Decimal


@dataclass(slots=True, kw_only=True)
class GasMonth:
    """One month this point was a candidate for on its 15th."""

    month: str
    ldz: str
    from_day: date
    """The first day of the month we were its registered user: the reconciled days run
    from it to the month end."""
    eligible: bool = False
    asked_prices: bool = False
    prices: tuple[SapPrice, ...] = ()
    done: bool = False
    reported: bool = False
    quantity_kwh: Decimal | None = None
    value: Decimal | None = None
    """What the reconciliation expected, once issued (for the dashboard)."""


@dataclass(slots=True, kw_only=True)
class GasPointState(MachineState):
    profile: GasProfile | None = None
    profile_on: date | None = None
    later: list[Any] | None = None
    """Register facts dated after `profile_on` (or every fact before the first profile)."""
    next_snapshot: date | None = None
    decided_through: str | None = None
    """The last month whose 15th has been read: its allocations are kept only when open."""
    months: list[GasMonth] | None = None
    allocations: list[Allocation] | None = None

    @property
    def known(self) -> bool:
        return self.profile is not None or any(isinstance(f, GasRegisteredIn) for f in self.later or ())


# --- the register as of a day ------------------------------------------------------------------


def _fact_key(fact: Any) -> tuple[date, int, str]:
    return (fact.effective, fact.PRIORITY, fact.event_id)


def _fold(profile: GasProfile | None, fact: Any, ours: str) -> GasProfile | None:
    """The profile after one fact (None when the fact needs a registration first)."""
    if isinstance(fact, GasRegisteredIn):
        ours_from = fact.effective if fact.shipper_id == ours else None
        if profile is not None and profile.ours_from is not None and ours_from is not None:
            ours_from = profile.ours_from
        return GasProfile(
            ldz=fact.ldz,
            shipper_id=fact.shipper_id,
            network=fact.network,
            aq_kwh=fact.aq_kwh,
            meters=fact.meters,
            ours_from=ours_from,
        )
    if profile is None:
        return None
    if isinstance(fact, ShipperChangedIn):
        if fact.shipper_id == ours:
            since = profile.ours_from if profile.shipper_id == ours else fact.effective
        else:
            since = None
        return replace(profile, shipper_id=fact.shipper_id, ours_from=since)
    if isinstance(fact, ModeChangedIn):
        meters = tuple(
            GasMeter(meter_id=m.meter_id, mode=GasMeterMode(fact.mode)) if m.meter_id == fact.meter_id else m
            for m in profile.meters
        )
        return replace(profile, meters=meters)
    if isinstance(fact, ExchangedIn):
        meters = tuple(fact.new_meter if m.meter_id == fact.old_meter_id else m for m in profile.meters)
        return replace(profile, meters=meters)
    if isinstance(fact, AqRevisedIn):
        return replace(profile, aq_kwh=fact.aq_kwh)
    return profile


def profile_as_of(state: GasPointState, day: date, ours: str) -> GasProfile | None:
    """The supply point at the end of `day`: the profile and the facts dated up to it."""
    profile = state.profile
    for fact in sorted(state.later or (), key=_fact_key):
        if fact.effective > day:
            break
        profile = _fold(profile, fact, ours)
    return profile


def _problem(state: GasPointState, fact: Any, ours: str) -> str | None:
    """Why a meter fact cannot apply to the point as it stands on its date, if it cannot."""
    profile = profile_as_of(state, fact.effective, ours)
    if profile is None:
        return "no gas registration of this MPRN on or before that date"
    meter_id = fact.meter_id if isinstance(fact, ModeChangedIn) else getattr(fact, "old_meter_id", None)
    if meter_id is not None and all(m.meter_id != meter_id for m in profile.meters):
        return f"no meter {meter_id} at this supply point on {fact.effective.isoformat()}"
    return None


def apply_fact(state: GasPointState, inp: Any, ctx: Ctx) -> bool:
    if any(f.event_id == inp.event_id for f in state.later or ()) or inp.event_id in state.recent:
        return False
    if not isinstance(inp, GasRegisteredIn):
        if not state.known:
            ctx.anomaly(inp, UNKNOWN, "gas event for an MPRN with no gas registration")
            return False
        problem = _problem(state, inp, ctx.policy.shipper_id)
        if problem is not None:
            ctx.anomaly(inp, "gas_fact_not_applicable", problem)
            return False
    if state.profile_on is not None and inp.effective <= state.profile_on:
        # Dated on or before a 15th already read: that month stands (rule 1.8); the
        # fact counts from the next 15th on.
        state.profile = _fold(state.profile, inp, ctx.policy.shipper_id)
    else:
        state.later = [*(state.later or ()), inp]
    if state.next_snapshot is None:
        state.next_snapshot = snapshot_day_on_or_after(max(ctx.issued_on, inp.effective))
    return True


# --- the 15th ----------------------------------------------------------------------------------------


def _candidate(profile: GasProfile | None, policy: Policy) -> bool:
    return (
        profile is not None
        and profile.shipper_id == policy.shipper_id
        and profile.ours_from is not None
        and profile.network == GasNetwork.LARGE_TRANSPORTER
        and profile.aq_kwh <= policy.gas_smaller_supply_point_kwh
        and bool(profile.meters)
        and all(m.mode in PREPAYMENT_MODES for m in profile.meters)
    )


def read_snapshot_day(state: GasPointState, day: date, ctx: Ctx) -> None:
    """The 15th: read the point as it stands at the end of the day; a candidate opens the
    month and tells its LDZ. The facts up to the day fold into the profile."""
    ours = ctx.policy.shipper_id
    profile = profile_as_of(state, day, ours)
    month = month_of(day)
    state.profile = profile
    state.profile_on = day
    state.later = [f for f in state.later or () if f.effective > day] or None
    state.decided_through = month
    months = [
        m for m in state.months or () if not m.done or m.month >= _months_before(month, KEEP_DONE_MONTHS)
    ]
    if profile is not None and _candidate(profile, ctx.policy) and profile.ours_from is not None:
        months.append(
            GasMonth(month=month, ldz=profile.ldz, from_day=max(first_day(month), profile.ours_from))
        )
        ctx.follow_ups.append(
            GasPrepayCandidate(
                event_id=follow_up_id(deadline_id(SNAPSHOT, ctx.key, day), "gas_candidate", profile.ldz),
                occurred_at=noon(ctx.issued_on),
                ldz=Ldz(profile.ldz),
                mprn=ctx.key,
                month=month,
                smart=any(m.mode == GasMeterMode.SMART_PREPAYMENT for m in profile.meters),
            )
        )
    state.months = months or None
    _drop_closed_allocations(state)
    still_ours = profile is not None and profile.shipper_id == ours
    state.next_snapshot = (
        snapshot_day_on_or_after(day + timedelta(days=1)) if still_ours or state.later else None
    )


def _months_before(month: str, n: int) -> str:
    year, mon = int(month[:4]), int(month[5:7]) - n
    while mon < 1:
        year, mon = year - 1, mon + 12
    return f"{year:04d}-{mon:02d}"


def _open_month(state: GasPointState, month: str) -> GasMonth | None:
    return next((m for m in state.months or () if m.month == month and not m.done), None)


def _drop_closed_allocations(state: GasPointState) -> None:
    """Keep the allocations of months not yet read and of months still open."""
    kept = [
        a
        for a in state.allocations or ()
        if (state.decided_through is None or month_of(a.gas_day) > state.decided_through)
        or _open_month(state, month_of(a.gas_day)) is not None
    ]
    state.allocations = kept or None


# --- allocations, eligibility, prices -------------------------------------------------------------


def apply_allocation(state: GasPointState, inp: AllocationIn, ctx: Ctx) -> bool:
    if not state.known:
        ctx.anomaly(inp, UNKNOWN, "gas allocation for an MPRN with no gas registration")
        return False
    month = month_of(inp.gas_day)
    decided = state.decided_through is not None and month <= state.decided_through
    record = _open_month(state, month)
    if decided and record is None:
        if any(m.month == month and m.done for m in state.months or ()):
            ctx.anomaly(
                inp,
                "gas_allocation_after_reconciliation",
                f"allocation for {inp.gas_day.isoformat()} after {month} was reconciled",
            )
        return False  # a month this point was not eligible for
    allocations = state.allocations or []
    for index, held in enumerate(allocations):
        if held.gas_day == inp.gas_day:
            if (held.standard_kwh, held.prepay_kwh) == (inp.standard_kwh, inp.prepay_kwh):
                return False
            allocations[index] = Allocation(
                gas_day=inp.gas_day, standard_kwh=inp.standard_kwh, prepay_kwh=inp.prepay_kwh
            )
            break
    else:
        allocations.append(
            Allocation(gas_day=inp.gas_day, standard_kwh=inp.standard_kwh, prepay_kwh=inp.prepay_kwh)
        )
    state.allocations = allocations
    if record is not None:
        _try_reconcile(state, record, ctx)
    return True


def apply_eligible(state: GasPointState, inp: EligibleIn, ctx: Ctx) -> bool:
    record = _open_month(state, inp.month)
    if record is None or record.eligible:
        return False
    record.eligible = True
    return True


def apply_prices(state: GasPointState, inp: PricesIn, ctx: Ctx) -> bool:
    record = _open_month(state, inp.month)
    if record is None:
        return False
    known = {p.gas_day: p for p in record.prices}
    before = len(known)
    for price in inp.prices:
        known.setdefault(price.gas_day, price)
    if len(known) == before:
        return False
    record.prices = tuple(sorted(known.values(), key=lambda p: p.gas_day))
    _try_reconcile(state, record, ctx)
    return True


def _missing_allocations(state: GasPointState, record: GasMonth) -> list[date]:
    have = {a.gas_day for a in state.allocations or ()}
    return [d for d in days_of(record.from_day, last_day(record.month)) if d not in have]


def _try_reconcile(state: GasPointState, record: GasMonth, ctx: Ctx) -> None:
    """Issue the month's expected reconciliation once every day's allocation and SAP is in."""
    if record.done or not record.eligible or not record.asked_prices:
        return
    days = days_of(record.from_day, last_day(record.month))
    by_day = {a.gas_day: a for a in state.allocations or ()}
    prices = {p.gas_day: p.price for p in record.prices}
    if any(d not in by_day or d not in prices for d in days):
        return
    quantity = Decimal(0)
    pence = Decimal(0)
    for d in days:
        day_quantity = by_day[d].prepay_kwh - by_day[d].standard_kwh
        quantity += day_quantity
        pence += day_quantity * prices[d]
    value = (pence / 100).quantize(PENNIES, rounding=ROUND_HALF_UP)
    ctx.emit(
        ExpectPrepaymentReconciliation,
        deadline_id(MONTH_END, ctx.key, last_day(record.month) + timedelta(days=1)),
        mprn=ctx.key,
        ldz=record.ldz,
        month=record.month,
        quantity_kwh=quantity,
        value=value,
        days=len(days),
    )
    record.done = True
    record.quantity_kwh = quantity
    record.value = value
    record.prices = ()
    _drop_closed_allocations(state)


# --- deadlines ------------------------------------------------------------------------------------------


def point_deadlines(state: GasPointState, policy: Policy) -> list[tuple[date, str]]:
    out: list[tuple[date, str]] = []
    if state.next_snapshot is not None:
        out.append((state.next_snapshot, SNAPSHOT))
    for record in state.months or ():
        if record.done:
            continue
        end = last_day(record.month)
        if not record.asked_prices:
            out.append((end + timedelta(days=1), MONTH_END))
        elif not record.reported:
            out.append((business_days_after(end, policy.gas_incomplete_business_days), INCOMPLETE))
    return out


def fire_point_deadline(state: GasPointState, kind: str, due: date, ctx: Ctx) -> None:
    if kind == SNAPSHOT:
        read_snapshot_day(state, due, ctx)
        return
    for record in list(state.months or ()):
        if record.done:
            continue
        end = last_day(record.month)
        if kind == MONTH_END and not record.asked_prices and end + timedelta(days=1) == due:
            _month_ended(state, record, due, ctx)
        elif (
            kind == INCOMPLETE
            and record.asked_prices
            and not record.reported
            and business_days_after(end, ctx.policy.gas_incomplete_business_days) == due
        ):
            record.reported = True
            missing = _missing_allocations(state, record)
            if missing:
                ctx.emit(
                    ReportIncompleteReconciliation,
                    deadline_id(INCOMPLETE, ctx.key, due),
                    mprn=ctx.key,
                    month=record.month,
                    missing_days=tuple(missing),
                )


def _month_ended(state: GasPointState, record: GasMonth, due: date, ctx: Ctx) -> None:
    """After the month: an eligible month asks for its prices; one the LDZ never
    confirmed is dropped with its allocations."""
    if not record.eligible:
        state.months = [m for m in state.months or () if m is not record] or None
        _drop_closed_allocations(state)
        return
    record.asked_prices = True
    ctx.follow_ups.append(
        SapWanted(
            event_id=follow_up_id(deadline_id(MONTH_END, ctx.key, due), "sap_wanted", ctx.key),
            occurred_at=noon(ctx.issued_on),
            mprn=ctx.key,
            month=record.month,
        )
    )


def point_label(state: GasPointState) -> str | None:
    if any(m.eligible and not m.done for m in state.months or ()):
        return "gas_prepay_eligible"
    if any(not m.done for m in state.months or ()):
        return "gas_prepay_candidate"
    return None


# --- the machine --------------------------------------------------------------------------------------------


_TRANSITIONS: dict[type[Input], Any] = {
    GasRegisteredIn: apply_fact,
    ShipperChangedIn: apply_fact,
    ModeChangedIn: apply_fact,
    ExchangedIn: apply_fact,
    AqRevisedIn: apply_fact,
    AllocationIn: apply_allocation,
    EligibleIn: apply_eligible,
    PricesIn: apply_prices,
}


class GasPointMachine:
    """The gas supply point machine as the engine sees it."""

    name: str = "gas_point"
    keyspace: Keyspace = Keyspace.MPRN
    state_type: type[GasPointState] = GasPointState
    state_classes: tuple[type[Any], ...] = (
        GasPointState,
        GasProfile,
        GasMeter,
        Allocation,
        GasMonth,
        SapPrice,
        *_TRANSITIONS,
    )
    idle_label: str | None = "gas_supplied"
    self_guarded: tuple[type[Input], ...] = (AllocationIn,)

    def __init__(self) -> None:
        # No event is refused on arrival: a registration later the same day still comes
        # first (InputOrder), so an unknown MPRN is found when its day closes.
        self.unknown_subject: dict[type[DomainEvent], str] = {}
        self.converters: dict[type[DomainEvent], Converter] = {
            GasSupplyPointRegistered: lambda e, _: GasRegisteredIn(
                event_id=e.event_id,
                day=e.day,
                ldz=str(e.ldz),
                shipper_id=e.shipper_id,
                network=str(e.network),
                aq_kwh=e.aq_kwh,
                meters=e.meters,
                effective=e.effective_from,
            ),
            GasShipperChanged: lambda e, _: ShipperChangedIn(
                event_id=e.event_id, day=e.day, shipper_id=e.shipper_id, effective=e.on
            ),
            GasMeterModeChanged: lambda e, _: ModeChangedIn(
                event_id=e.event_id, day=e.day, meter_id=e.meter_id, mode=str(e.mode), effective=e.on
            ),
            GasMeterExchanged: lambda e, _: ExchangedIn(
                event_id=e.event_id,
                day=e.day,
                old_meter_id=e.old_meter_id,
                new_meter=e.new_meter,
                effective=e.on,
            ),
            GasAqRevised: lambda e, _: AqRevisedIn(
                event_id=e.event_id, day=e.day, aq_kwh=e.aq_kwh, effective=e.effective_from
            ),
            GasAllocationDaily: lambda e, _: AllocationIn(
                event_id=e.event_id,
                day=e.day,
                gas_day=e.gas_day,
                standard_kwh=e.standard_kwh,
                prepay_kwh=e.prepay_kwh,
            ),
            GasPrepayEligible: lambda e, _: EligibleIn(event_id=e.event_id, day=e.day, month=e.month),
            SapPrices: lambda e, _: PricesIn(event_id=e.event_id, day=e.day, month=e.month, prices=e.prices),
        }

    def apply(self, state: GasPointState, inp: Input, ctx: Ctx) -> bool:
        return apply_by_type(_TRANSITIONS, state, inp, ctx)

    def claims(self, state: GasPointState) -> bool:
        return state.known

    def deadlines(self, key: str, state: GasPointState, policy: Policy) -> Iterable[tuple[date, str]]:
        return point_deadlines(state, policy)

    def fire(self, state: GasPointState, kind: str, due: date, ctx: Ctx) -> None:
        fire_point_deadline(state, kind, due, ctx)

    def label(self, state: GasPointState, today: date | None) -> str | None:
        return point_label(state)

    def settled(self, state: GasPointState | None, event: Any) -> bool:
        return False


GAS_POINT = GasPointMachine()
