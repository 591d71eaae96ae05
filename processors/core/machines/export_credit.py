"""The export credit machine (keyed by account id): export credit held back while the
import account is unpaid (DOMAIN.md, export; seed 001).

Why a machine of its own: `account.payment_overdue` and `account.payment_cleared` are
keyed by the account, and one account may hold several export MPANs, so the state that
decides (is the account unpaid, which export MPANs does it credit, which are held) is the
account's. The export enrolment machine tells it which export MPANs the account credits
with the `ExportCreditAccount` follow-up (docs/decisions.md D23).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from processors.core.input_order import InputOrder
from processors.core.machine import Converter, Ctx, Input, Keyspace, MachineState, apply_by_type
from processors.core.policy import Policy
from processors.vocabulary.commands import HoldExportCredit, ReleaseExportCredit
from processors.vocabulary.events import (
    AccountPaymentCleared,
    AccountPaymentOverdue,
    DomainEvent,
    ExportCreditAccount,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditAccountIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.EXPORT_CREDIT_ACCOUNT
    export_mpan: str
    active: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class OverdueIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.PAYMENT_OVERDUE
    on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class ClearedIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.PAYMENT_CLEARED
    on: date


@dataclass(slots=True, kw_only=True)
class ExportCreditState(MachineState):
    """An import account's export MPANs, whether it is unpaid, and what is held."""

    export_mpans: tuple[str, ...] = ()
    overdue_on: date | None = None
    held: tuple[str, ...] = ()


def _hold(state: ExportCreditState, mpans: Iterable[str], cause: str, ctx: Ctx) -> bool:
    changed = False
    for mpan in mpans:
        if mpan in state.held or state.overdue_on is None:
            continue
        ctx.emit(HoldExportCredit, cause, export_mpan=mpan, account_id=ctx.key, on=state.overdue_on)
        state.held = (*state.held, mpan)
        changed = True
    return changed


def apply_credit_account(state: ExportCreditState, inp: CreditAccountIn, ctx: Ctx) -> bool:
    """An export MPAN starts (or stops) being credited to this account; one that starts
    while the account is unpaid is held at once. One that stops stays held until paid."""
    if inp.active:
        if inp.export_mpan in state.export_mpans:
            return False
        state.export_mpans = (*state.export_mpans, inp.export_mpan)
        _hold(state, (inp.export_mpan,), inp.event_id, ctx)
        return True
    if inp.export_mpan not in state.export_mpans:
        return False
    state.export_mpans = tuple(m for m in state.export_mpans if m != inp.export_mpan)
    return True


def apply_overdue(state: ExportCreditState, inp: OverdueIn, ctx: Ctx) -> bool:
    """The account is unpaid: hold back the export credit of each of its export MPANs."""
    if state.overdue_on is not None:
        return False
    state.overdue_on = inp.on
    _hold(state, state.export_mpans, inp.event_id, ctx)
    return True


def apply_cleared(state: ExportCreditState, inp: ClearedIn, ctx: Ctx) -> bool:
    """The account is paid up: release what was held."""
    if state.overdue_on is None:
        return False
    for mpan in state.held:
        ctx.emit(ReleaseExportCredit, inp.event_id, export_mpan=mpan, account_id=ctx.key, on=inp.on)
    state.overdue_on = None
    state.held = ()
    return True


_TRANSITIONS: dict[type[Input], Any] = {
    CreditAccountIn: apply_credit_account,
    OverdueIn: apply_overdue,
    ClearedIn: apply_cleared,
}


class ExportCreditMachine:
    """The export credit machine as the engine sees it."""

    name: str = "export_credit"
    keyspace: Keyspace = Keyspace.ACCOUNT
    state_type: type[ExportCreditState] = ExportCreditState
    state_classes: tuple[type[Any], ...] = (ExportCreditState, *_TRANSITIONS)
    idle_label: str | None = None
    self_guarded: tuple[type[Input], ...] = ()

    def __init__(self) -> None:
        self.unknown_subject: dict[type[DomainEvent], str] = {}
        self.converters: dict[type[DomainEvent], Converter] = {
            ExportCreditAccount: lambda e, _: CreditAccountIn(
                event_id=e.event_id, day=e.day, export_mpan=e.export_mpan, active=e.active
            ),
            AccountPaymentOverdue: lambda e, _: OverdueIn(event_id=e.event_id, day=e.day, on=e.on),
            AccountPaymentCleared: lambda e, _: ClearedIn(event_id=e.event_id, day=e.day, on=e.on),
        }

    def apply(self, state: ExportCreditState, inp: Input, ctx: Ctx) -> bool:
        return apply_by_type(_TRANSITIONS, state, inp, ctx)

    def claims(self, state: ExportCreditState) -> bool:
        return bool(state.export_mpans or state.held)

    def deadlines(self, key: str, state: ExportCreditState, policy: Policy) -> Iterable[tuple[date, str]]:
        return ()

    def fire(self, state: ExportCreditState, kind: str, due: date, ctx: Ctx) -> None:
        return None

    def label(self, state: ExportCreditState, today: date | None) -> str | None:
        return "export_credit_held" if state.held else None

    def settled(self, state: ExportCreditState | None, event: Any) -> bool:
        return False


EXPORT_CREDIT = ExportCreditMachine()
