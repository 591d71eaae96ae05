"""The account feed (keyed by MPAN): forwards the actual readings of a business account's MPANs.

`BillBusinessAccount` bills each MPAN of a business account to its latest actual reading
of the last 5 days, but readings arrive keyed by MPAN. Forwarding every D0010 to its
account would put a follow-up on the hot path of every routine reading, so an MPAN
forwards only once its account has told it that it is a business account
(`BusinessMpanMarked`); for every other MPAN this machine has no state and calls each
reading settled, which costs the D0010 fast path one dictionary lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

from processors.core.input_order import InputOrder
from processors.core.machine import Converter, Ctx, Input, Keyspace, MachineState, apply_by_type
from processors.core.machines.supply_point import (
    CustomerReadingIn,
    MeterReadingsIn,
    customer_reading_input,
    meter_readings_input,
)
from processors.core.policy import Policy
from processors.core.readings import ReadingValue
from processors.vocabulary.events import (
    UK,
    AccountReadingForwarded,
    BusinessMpanMarked,
    CustomerReadingReceived,
    DomainEvent,
    MeterReadingsReceived,
)
from processors.vocabulary.events.internal import follow_up_id


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkedIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.BUSINESS_MPAN_MARKED
    account_id: str


@dataclass(slots=True, kw_only=True)
class AccountFeedState(MachineState):
    account_id: str | None = None
    """The business account this MPAN forwards its actual readings to."""


def _forward(inp: Input, reading: ReadingValue, source: str, account_id: str, ctx: Ctx) -> None:
    day = inp.day
    ctx.follow_ups.append(
        AccountReadingForwarded(
            event_id=follow_up_id(inp.event_id, "account_reading", account_id),
            occurred_at=datetime(day.year, day.month, day.day, 12, tzinfo=UK),
            account_id=account_id,
            mpan=ctx.key,
            value=reading.value,
            read_on=reading.read_on,
            reading_source=source,
            meter_id=reading.meter_id,
            register_id=reading.register_id,
        )
    )


def apply_marked(state: AccountFeedState, inp: MarkedIn, ctx: Ctx) -> bool:
    if state.account_id == inp.account_id:
        return False
    state.account_id = inp.account_id
    return True


def forward_meter_readings(state: AccountFeedState, inp: MeterReadingsIn, ctx: Ctx) -> bool:
    """The latest actual reading of a D0010 group goes to the account (the state is unchanged)."""
    actual = [r for r in inp.readings if r.actual]
    if state.account_id is None or not actual:
        return False
    latest = max(r.read_on for r in actual)
    _forward(inp, next(r for r in actual if r.read_on == latest), "D0010", state.account_id, ctx)
    return False


def forward_customer_reading(state: AccountFeedState, inp: CustomerReadingIn, ctx: Ctx) -> bool:
    if state.account_id is not None:
        _forward(inp, inp.reading, "customer", state.account_id, ctx)
    return False


_TRANSITIONS: dict[type[Input], Any] = {
    MarkedIn: apply_marked,
    MeterReadingsIn: forward_meter_readings,
    CustomerReadingIn: forward_customer_reading,
}


class AccountFeedMachine:
    """The MPAN side of the account link, as the engine sees it."""

    name: str = "account_feed"
    keyspace: Keyspace = Keyspace.MPAN
    state_type: type[AccountFeedState] = AccountFeedState
    state_classes: tuple[type[Any], ...] = (AccountFeedState, MarkedIn)
    idle_label: str | None = None
    quiet: ClassVar[dict[type[Any], Callable[[Any], bool]]] = {
        MeterReadingsReceived: lambda s: s.account_id is None and not s.pending
    }
    """The engine's shortcut for the routine D0010 (see `Machine`)."""
    self_guarded: tuple[type[Input], ...] = (MarkedIn,)

    def __init__(self) -> None:
        self.unknown_subject: dict[type[DomainEvent], str] = {}
        self.converters: dict[type[DomainEvent], Converter] = {
            MeterReadingsReceived: meter_readings_input,
            CustomerReadingReceived: customer_reading_input,
            BusinessMpanMarked: lambda e, _: MarkedIn(
                event_id=e.event_id, day=e.day, account_id=e.account_id
            ),
        }

    def apply(self, state: AccountFeedState, inp: Input, ctx: Ctx) -> bool:
        return apply_by_type(_TRANSITIONS, state, inp, ctx)

    def claims(self, state: AccountFeedState) -> bool:
        return False

    def deadlines(self, key: str, state: AccountFeedState, policy: Policy) -> Iterable[tuple[date, str]]:
        return ()

    def fire(self, state: AccountFeedState, kind: str, due: date, ctx: Ctx) -> None:
        return None

    def label(self, state: AccountFeedState, today: date | None) -> str | None:
        return None

    def settled(self, state: AccountFeedState | None, event: Any) -> bool:
        """A reading matters only to an MPAN of a business account."""
        if state is None:
            return type(event) is not BusinessMpanMarked
        return state.account_id is None and not state.pending and type(event) is not BusinessMpanMarked


ACCOUNT_FEED = AccountFeedMachine()
