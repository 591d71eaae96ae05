"""The System Average Price (keyed by `SAP_KEY`): one price a day for every LDZ.

A gas day's SAP is the same for every supply point, so it is folded once, under one key,
rather than copied to every MPRN's partition. A point that needs a month's prices (after
the month, when it is an eligible SSP) asks with `SapWanted`; the answer `SapPrices`
carries every price of the month known so far, and each price that arrives later is sent
to the points still waiting for that month. On the 10th business day after a month that
points asked for, its missing SAP days are reported once, with `mprn` null.

A point asks once a month, but one key answers every point of the LDZ, so the engine's
memory of a state's last few input ids (`RECENT_IDS`) cannot tell a redelivered ask (a
copy of the follow-up that comes round from the input topic) from a new one: each month
remembers who asked, and an ask is answered once.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from processors.core.deadlines import deadline_id
from processors.core.input_order import InputOrder
from processors.core.machine import Converter, Ctx, Input, Keyspace, MachineState
from processors.core.machines.gas.months import (
    business_days_after,
    days_of,
    first_day,
    last_day,
    month_of,
    noon,
)
from processors.core.policy import Policy
from processors.vocabulary.commands import ReportIncompleteReconciliation
from processors.vocabulary.events import DomainEvent, SapPrice, SapPrices, SapPublished, SapWanted
from processors.vocabulary.events.internal import follow_up_id


class SapDeadline(StrEnum):
    SAP_INCOMPLETE = "sap_incomplete"


SAP_INCOMPLETE = SapDeadline.SAP_INCOMPLETE


@dataclass(frozen=True, slots=True, kw_only=True)
class SapPublishedIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.SAP_PUBLISHED
    gas_day: date
    price: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class SapWantedIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.SAP_WANTED
    mprn: str
    month: str


@dataclass(slots=True, kw_only=True)
class SapMonth:
    month: str
    prices: tuple[SapPrice, ...] = ()
    waiting: tuple[str, ...] = ()
    """The MPRNs that asked for this month and are owed the prices still to come."""
    wanted: bool = False
    reported: bool = False
    asked: list[str] = field(default_factory=list)
    """The MPRNs that asked for this month, sorted: each ask is answered once."""

    def has_asked(self, mprn: str) -> bool:
        at = bisect_left(self.asked, mprn)
        return at < len(self.asked) and self.asked[at] == mprn

    @property
    def complete(self) -> bool:
        return len(self.prices) == len(days_of(first_day(self.month), last_day(self.month)))

    def missing(self) -> list[date]:
        have = {p.gas_day for p in self.prices}
        return [d for d in days_of(first_day(self.month), last_day(self.month)) if d not in have]


@dataclass(slots=True, kw_only=True)
class GasSapState(MachineState):
    months: list[SapMonth] | None = None

    def open(self, month: str) -> SapMonth:
        found = next((m for m in self.months or () if m.month == month), None)
        if found is None:
            found = SapMonth(month=month)
            self.months = sorted([*(self.months or ()), found], key=lambda m: m.month)
        return found


def _send(record: SapMonth, mprns: Iterable[str], cause: str, ctx: Ctx) -> None:
    for mprn in mprns:
        ctx.follow_ups.append(
            SapPrices(
                event_id=follow_up_id(cause, "sap_prices", mprn),
                occurred_at=noon(ctx.issued_on),
                mprn=mprn,
                month=record.month,
                prices=record.prices,
            )
        )


def apply_published(state: GasSapState, inp: SapPublishedIn, ctx: Ctx) -> bool:
    record = state.open(month_of(inp.gas_day))
    held = next((p for p in record.prices if p.gas_day == inp.gas_day), None)
    if held is not None:
        if held.price != inp.price:
            ctx.anomaly(
                inp,
                "sap_price_changed",
                f"SAP of {inp.gas_day.isoformat()} was {held.price} p/kWh; {inp.price} is ignored",
            )
        return False
    record.prices = tuple(
        sorted((*record.prices, SapPrice(gas_day=inp.gas_day, price=inp.price)), key=lambda p: p.gas_day)
    )
    _send(record, record.waiting, inp.event_id, ctx)
    if record.complete:
        record.waiting = ()
    return True


def apply_wanted(state: GasSapState, inp: SapWantedIn, ctx: Ctx) -> bool:
    record = state.open(inp.month)
    if record.has_asked(inp.mprn) or inp.mprn in record.waiting:
        return False  # answered already (`waiting` for a month stored before `asked`)
    insort(record.asked, inp.mprn)
    record.wanted = True
    if not record.complete:
        record.waiting = (*record.waiting, inp.mprn)
    _send(record, (inp.mprn,), inp.event_id, ctx)
    return True


class GasSapMachine:
    """The SAP machine as the engine sees it."""

    name: str = "gas_sap"
    keyspace: Keyspace = Keyspace.LDZ
    state_type: type[GasSapState] = GasSapState
    state_classes: tuple[type[Any], ...] = (GasSapState, SapMonth, SapPrice, SapPublishedIn, SapWantedIn)
    idle_label: str | None = "gas_sap"
    self_guarded: tuple[type[Input], ...] = (SapPublishedIn,)

    def __init__(self) -> None:
        self.unknown_subject: dict[type[DomainEvent], str] = {}
        self.converters: dict[type[DomainEvent], Converter] = {
            SapPublished: lambda e, _: SapPublishedIn(
                event_id=e.event_id, day=e.day, gas_day=e.gas_day, price=e.price
            ),
            SapWanted: lambda e, _: SapWantedIn(event_id=e.event_id, day=e.day, mprn=e.mprn, month=e.month),
        }

    def apply(self, state: GasSapState, inp: Input, ctx: Ctx) -> bool:
        if isinstance(inp, SapPublishedIn):
            return apply_published(state, inp, ctx)
        if isinstance(inp, SapWantedIn):
            return apply_wanted(state, inp, ctx)
        return False

    def claims(self, state: GasSapState) -> bool:
        return bool(state.months)

    def deadlines(self, key: str, state: GasSapState, policy: Policy) -> Iterable[tuple[date, str]]:
        return [
            (business_days_after(last_day(m.month), policy.gas_incomplete_business_days), SAP_INCOMPLETE)
            for m in state.months or ()
            if m.wanted and not m.reported and not m.complete
        ]

    def fire(self, state: GasSapState, kind: str, due: date, ctx: Ctx) -> None:
        if kind != SAP_INCOMPLETE:
            return
        for record in state.months or ():
            if not record.wanted or record.reported or record.complete:
                continue
            if business_days_after(last_day(record.month), ctx.policy.gas_incomplete_business_days) != due:
                continue
            record.reported = True
            ctx.emit(
                ReportIncompleteReconciliation,
                deadline_id(SAP_INCOMPLETE, ctx.key, due),
                mprn=None,
                month=record.month,
                missing_days=tuple(record.missing()),
            )

    def label(self, state: GasSapState, today: date | None) -> str | None:
        return None

    def settled(self, state: GasSapState | None, event: Any) -> bool:
        return False


GAS_SAP = GasSapMachine()
