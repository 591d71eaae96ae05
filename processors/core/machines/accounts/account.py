"""The account machine (keyed by account id): backbilling, migration billing, business billing.

Its inputs are the account events of SPEC 8 and two follow-ups from the supply points:
`AccountMpanLinked` (a registration names the account of an MPAN) and
`AccountReadingForwarded` (an actual reading of an MPAN of a business account, for the
monthly bill). A business account tells each of its MPANs to forward readings
(`BusinessMpanMarked`, to `processors.core.machines.accounts.feed`), so only the MPANs of
business accounts pay for it. The rules and their edges are in docs/rules.md, "Accounts".
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from processors.core.calendar import ONE_DAY, country_for, working_days_after
from processors.core.deadlines import deadline_id
from processors.core.input_order import InputOrder
from processors.core.machine import Converter, Ctx, Input, Keyspace, MachineState, apply_by_type
from processors.core.machines.accounts.backbilling import (
    ZERO,
    PriorBill,
    add_months,
    decide_write_off,
    first_of_next_month,
    pennies,
)
from processors.core.policy import Policy
from processors.vocabulary.commands import (
    ApproveDirectDebitPayment,
    BillBusinessAccount,
    BillFromTransferReading,
    BillingReading,
    ChaseBusinessBill,
    FindTransferReading,
    IssueCreditNote,
    IssueInvoice,
    ReviewPaymentAdequacy,
    WarnBackbillingRisk,
    WriteOffBackbilledCharges,
)
from processors.vocabulary.construction import constructor
from processors.vocabulary.events import (
    AccountMigrated,
    AccountMpanLinked,
    AccountOpened,
    AccountReadingForwarded,
    AccountSegment,
    BillCharge,
    BillIssued,
    BillKind,
    ChargeItem,
    ChargesCreated,
    DocumentKind,
    DomainEvent,
    InvoiceIssued,
    MeterAccessPrevented,
    PaymentAdequacyReviewed,
    TransferReading,
    business_mark,
)
from processors.vocabulary.mpan import Country

BUSINESS = AccountSegment.BUSINESS.value
KEPT_BILLS = 13
"""Bills an account remembers (for rebills and duplicates): a year of monthly bills and one;
a rebill of an older bill is an `unknown_replaced_bill` (its pre-cutoff charges count as
never billed)."""
KEPT_DATES = 12
KEPT_DOCUMENTS = 24
KEPT_READINGS_PER_MPAN = 4


class AccountDeadline(StrEnum):
    BACKBILLING_WARNING = "backbilling_warning"
    ADEQUACY_REVIEW = "adequacy_review"
    BUSINESS_BILL = "business_bill"
    BUSINESS_BILL_CHASE = "business_bill_chase"


BACKBILLING_WARNING = AccountDeadline.BACKBILLING_WARNING
ADEQUACY_REVIEW = AccountDeadline.ADEQUACY_REVIEW
BUSINESS_BILL = AccountDeadline.BUSINESS_BILL
BUSINESS_BILL_CHASE = AccountDeadline.BUSINESS_BILL_CHASE

# --- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenedIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.ACCOUNT_OPENED
    segment: str
    opened_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkedIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.ACCOUNT_LINKED
    mpan: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MigratedIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.ACCOUNT_MIGRATED
    mpan: str
    migrated_on: date
    source: str
    transfer_reading: TransferReading | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewedIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.ADEQUACY_REVIEWED
    reviewed_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class PreventedIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.ACCESS_PREVENTED
    on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadingIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.ACCOUNT_READING
    mpan: str
    reading: BillingReading


@dataclass(frozen=True, slots=True, kw_only=True)
class BillIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.BILL_ISSUED
    bill_id: str
    issued_on: date
    rebill: bool
    replaces: str | None
    basis: str
    charges: tuple[BillCharge, ...]
    balance_after: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargesIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.CHARGES_CREATED
    items: tuple[ChargeItem, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.INVOICE_ISSUED
    document_id: str
    kind: str
    issued_on: date
    total: Decimal


# --- state -------------------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class BillRecord:
    """A bill the account has seen: what a rebill of it is compared with."""

    bill_id: str
    event_id: str
    basis: str
    charges: tuple[BillCharge, ...]


@dataclass(slots=True, kw_only=True)
class MpanReading:
    """A recent actual reading of one of the account's MPANs."""

    mpan: str
    reading: BillingReading


@dataclass(slots=True, kw_only=True)
class AccountState(MachineState):
    """What the core keeps about one account."""

    segment: str | None = None
    opened_on: date | None = None
    mpans: tuple[str, ...] = ()
    migrations: tuple[str, ...] = ()
    """`mpan/migrated_on` of each migration acted on."""
    bills: tuple[BillRecord, ...] = ()
    billed_through: date | None = None
    """The latest `period_to` billed: the days after it are unbilled."""
    last_reviewed_on: date | None = None
    prevented: tuple[date, ...] = ()
    warned_for: date | None = None
    """The `unbilled_since` day WarnBackbillingRisk was issued for (once per such day)."""
    review_asked_for: date | None = None
    """The review (or opening) day ReviewPaymentAdequacy was issued for."""
    readings: tuple[MpanReading, ...] = ()
    next_bill_date: date | None = None
    awaiting_invoice: date | None = None
    """The bill date of the month whose invoice has not been issued yet."""
    chase_due: date | None = None
    documents: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return self.segment is not None or bool(self.mpans) or bool(self.migrations)

    @property
    def business(self) -> bool:
        return self.segment == BUSINESS

    @property
    def unbilled_since(self) -> date | None:
        if self.billed_through is not None:
            return self.billed_through + ONE_DAY
        return self.opened_on

    @property
    def country(self) -> str:
        """Its MPANs' country; England and Wales when they differ (or there are none)."""
        countries = {country_for(m) for m in self.mpans}
        if len(countries) == 1:
            return countries.pop().value
        return Country.ENGLAND_AND_WALES.value


# --- transitions ---------------------------------------------------------------------------------


def _arm_business(state: AccountState, day: date) -> None:
    """A business account with MPANs is billed on the 1st of each month from now on."""
    if state.business and state.mpans and state.next_bill_date is None:
        start = day if state.opened_on is None else max(day, state.opened_on)
        state.next_bill_date = first_of_next_month(start)


def _mark_business(state: AccountState, mpans: Iterable[str], inp: Input, ctx: Ctx) -> None:
    if state.business:
        for mpan in mpans:
            ctx.follow_ups.append(business_mark(inp.event_id, inp.day, mpan, ctx.key))


def apply_opened(state: AccountState, inp: OpenedIn, ctx: Ctx) -> bool:
    if state.segment == inp.segment and state.opened_on == inp.opened_on:
        return False
    if state.segment is not None and state.segment != inp.segment:
        ctx.anomaly(inp, "account_reopened", f"account is already open as {state.segment}")
        return False
    state.segment = inp.segment
    state.opened_on = inp.opened_on
    _mark_business(state, state.mpans, inp, ctx)
    _arm_business(state, inp.day)
    return True


def apply_linked(state: AccountState, inp: LinkedIn, ctx: Ctx) -> bool:
    if inp.mpan in state.mpans:
        return False
    state.mpans = tuple(sorted((*state.mpans, inp.mpan)))
    _mark_business(state, (inp.mpan,), inp, ctx)
    _arm_business(state, inp.day)
    return True


def apply_migrated(state: AccountState, inp: MigratedIn, ctx: Ctx) -> bool:
    """The first bill after a migration opens from the transfer reading, never the CoS
    reading; with none, operations must find one. An old transfer reading is a risk."""
    done = f"{inp.mpan}/{inp.migrated_on.isoformat()}"
    if done in state.migrations:
        return False
    state.migrations = (*state.migrations, done)
    source = str(inp.source)
    reading = inp.transfer_reading
    if reading is None:
        ctx.emit(FindTransferReading, inp.event_id, account_id=ctx.key, mpan=inp.mpan, source=source)
        return True
    ctx.emit(
        BillFromTransferReading,
        inp.event_id,
        account_id=ctx.key,
        mpan=inp.mpan,
        reading=BillingReading(
            value=reading.value,
            read_on=reading.read_on,
            source="transfer",
            meter_id=reading.meter_id,
            register_id=reading.register_id,
        ),
        source=source,
    )
    months = ctx.policy.backbilling_months
    billed_to = reading.read_on - ONE_DAY
    if state.billed_through is None or billed_to > state.billed_through:
        state.billed_through = billed_to
    if reading.read_on < add_months(inp.migrated_on, -months) and state.warned_for != reading.read_on:
        ctx.emit(
            WarnBackbillingRisk,
            inp.event_id,
            account_id=ctx.key,
            unbilled_since=reading.read_on,
            write_off_from=add_months(reading.read_on, months),
        )
        state.warned_for = reading.read_on
    return True


def apply_reviewed(state: AccountState, inp: ReviewedIn, ctx: Ctx) -> bool:
    if state.last_reviewed_on is not None and inp.reviewed_on <= state.last_reviewed_on:
        return False
    state.last_reviewed_on = inp.reviewed_on
    return True


def apply_prevented(state: AccountState, inp: PreventedIn, ctx: Ctx) -> bool:
    if inp.on in state.prevented:
        return False
    state.prevented = tuple(sorted((*state.prevented, inp.on)))[-KEPT_DATES:]
    return True


def apply_reading(state: AccountState, inp: ReadingIn, ctx: Ctx) -> bool:
    """Keep the latest few actual readings of each MPAN, for the monthly business bill."""
    if inp.mpan not in state.mpans or not state.business:
        return False
    same = [r for r in state.readings if r.mpan == inp.mpan]
    if any(r.reading == inp.reading for r in same):
        return False
    kept = sorted((*same, MpanReading(mpan=inp.mpan, reading=inp.reading)), key=lambda r: r.reading.read_on)
    others = tuple(r for r in state.readings if r.mpan != inp.mpan)
    state.readings = (*others, *kept[-KEPT_READINGS_PER_MPAN:])
    return True


def _bill(state: AccountState, bill_id: str) -> BillRecord | None:
    """The bill of that id among those the account remembers (a loop: at most KEPT_BILLS)."""
    for bill in state.bills:
        if bill.bill_id == bill_id:
            return bill
    return None


def apply_bill(state: AccountState, inp: BillIn, ctx: Ctx) -> bool:
    """Decide the write-off a bill calls for; remember the bill for its rebills."""
    if not state.known:
        ctx.anomaly(inp, "unknown_account", f"bill {inp.bill_id} for an account we do not know")
        return False
    previous = _bill(state, inp.bill_id)
    if previous is not None:
        if previous.event_id != inp.event_id:
            ctx.anomaly(inp, "duplicate_bill", f"bill {inp.bill_id} was already issued ({previous.event_id})")
        return False
    replaced: PriorBill | None = None
    if inp.rebill:
        old = None if inp.replaces is None else _bill(state, inp.replaces)
        if old is None:
            ctx.anomaly(
                inp,
                "unknown_replaced_bill",
                f"rebill {inp.bill_id} replaces {inp.replaces}, a bill this account does not know:"
                " its pre-cutoff charges count as never billed",
            )
        else:
            replaced = PriorBill(charges=old.charges, basis=old.basis)
    decision = decide_write_off(
        issued_on=inp.issued_on,
        charges=inp.charges,
        basis=inp.basis,
        balance_after=inp.balance_after,
        replaced=replaced,
        rebill=inp.rebill,
        last_reviewed_on=state.last_reviewed_on,
        prevented=state.prevented,
        months=ctx.policy.backbilling_months,
    )
    if decision is not None:
        ctx.emit(
            WriteOffBackbilledCharges,
            inp.event_id,
            account_id=ctx.key,
            bill_id=inp.bill_id,
            amount=decision.amount,
            cutoff=decision.cutoff,
            reasons=decision.reasons,
        )
    record = BillRecord(bill_id=inp.bill_id, event_id=inp.event_id, basis=inp.basis, charges=inp.charges)
    state.bills = (*state.bills, record)[-KEPT_BILLS:]
    if inp.charges:
        last = max(c.period_to for c in inp.charges)
        if state.billed_through is None or last > state.billed_through:
            state.billed_through = last
    return True


def apply_charges(state: AccountState, inp: ChargesIn, ctx: Ctx) -> bool:
    """Charges on an invoice, credits on a credit note, never together."""
    if not state.business:
        ctx.anomaly(
            inp, "not_a_business_account", f"charges created for a {state.segment or 'unknown'} account"
        )
        return False
    charges = [i for i in inp.items if i.amount >= ZERO]
    credits = [i for i in inp.items if i.amount < ZERO]
    if charges:
        ctx.emit(
            IssueInvoice,
            inp.event_id,
            account_id=ctx.key,
            items=tuple(i.item_id for i in charges),
            total=pennies(sum((i.amount for i in charges), ZERO)),
        )
    if credits:
        ctx.emit(
            IssueCreditNote,
            inp.event_id,
            account_id=ctx.key,
            items=tuple(i.item_id for i in credits),
            total=pennies(-sum((i.amount for i in credits), ZERO)),
        )
    return bool(charges or credits)


def apply_invoice(state: AccountState, inp: InvoiceIn, ctx: Ctx) -> bool:
    if not state.business:
        ctx.anomaly(
            inp, "not_a_business_account", f"invoice issued for a {state.segment or 'unknown'} account"
        )
        return False
    if inp.document_id in state.documents:
        return False
    state.documents = (*state.documents, inp.document_id)[-KEPT_DOCUMENTS:]
    if inp.kind != DocumentKind.INVOICE.value:
        return True
    if state.awaiting_invoice is not None and inp.issued_on >= state.awaiting_invoice:
        state.awaiting_invoice = None
        state.chase_due = None
    if inp.total > ctx.policy.direct_debit_approval_over:
        ctx.emit(
            ApproveDirectDebitPayment,
            inp.event_id,
            account_id=ctx.key,
            document_id=inp.document_id,
            amount=inp.total,
        )
    return True


# --- deadlines -----------------------------------------------------------------------------------


def account_deadlines(state: AccountState, policy: Policy) -> list[tuple[date, str]]:
    out: list[tuple[date, str]] = []
    since = state.unbilled_since
    if since is not None and state.warned_for != since:
        out.append((add_months(since, policy.backbilling_warning_months), BACKBILLING_WARNING))
    reviewed = state.last_reviewed_on or state.opened_on
    if reviewed is not None and state.review_asked_for != reviewed:
        out.append((add_months(reviewed, policy.adequacy_review_months), ADEQUACY_REVIEW))
    if state.business and state.mpans and state.next_bill_date is not None:
        out.append((state.next_bill_date, BUSINESS_BILL))
    if state.awaiting_invoice is not None and state.chase_due is not None:
        out.append((state.chase_due, BUSINESS_BILL_CHASE))
    return out


def _latest_reading(state: AccountState, mpan: str, bill_date: date, window: int) -> BillingReading | None:
    first = bill_date - timedelta(days=window)
    found = [r.reading for r in state.readings if r.mpan == mpan and first <= r.reading.read_on <= bill_date]
    return max(found, key=lambda r: r.read_on) if found else None


def fire_account_deadline(state: AccountState, kind: str, due: date, ctx: Ctx) -> None:
    cause = deadline_id(kind, ctx.key, due)
    policy = ctx.policy
    if kind == BACKBILLING_WARNING:
        since = state.unbilled_since
        if since is not None:
            ctx.emit(
                WarnBackbillingRisk,
                cause,
                account_id=ctx.key,
                unbilled_since=since,
                write_off_from=add_months(since, policy.backbilling_months),
            )
            state.warned_for = since
    elif kind == ADEQUACY_REVIEW:
        reviewed = state.last_reviewed_on or state.opened_on
        if reviewed is not None:
            ctx.emit(
                ReviewPaymentAdequacy, cause, account_id=ctx.key, last_reviewed_on=state.last_reviewed_on
            )
            state.review_asked_for = reviewed
    elif kind == BUSINESS_BILL and state.next_bill_date is not None:
        bill_date = state.next_bill_date
        for mpan in state.mpans:
            ctx.emit(
                BillBusinessAccount,
                cause,
                account_id=ctx.key,
                mpan=mpan,
                bill_date=bill_date,
                reading=_latest_reading(state, mpan, bill_date, policy.business_reading_window_days),
            )
        state.awaiting_invoice = bill_date
        state.chase_due = working_days_after(
            bill_date - ONE_DAY, policy.business_bill_working_days, state.country
        )
        state.next_bill_date = first_of_next_month(bill_date)
    elif kind == BUSINESS_BILL_CHASE and state.awaiting_invoice is not None:
        ctx.emit(ChaseBusinessBill, cause, account_id=ctx.key, bill_date=state.awaiting_invoice)
        state.awaiting_invoice = None
        state.chase_due = None


def account_label(state: AccountState) -> str | None:
    if state.awaiting_invoice is not None:
        return "business_bill_awaiting_invoice"
    return None


# --- the machine -----------------------------------------------------------------------------------


_TRANSITIONS: dict[type[Input], Any] = {
    OpenedIn: apply_opened,
    LinkedIn: apply_linked,
    MigratedIn: apply_migrated,
    ReviewedIn: apply_reviewed,
    PreventedIn: apply_prevented,
    ReadingIn: apply_reading,
    BillIn: apply_bill,
    ChargesIn: apply_charges,
    InvoiceIn: apply_invoice,
}

_UNKNOWN = "for an account we do not know"

# The inputs of the most numerous account events (a bill a month, an opening and a link per
# account, the readings of business MPANs), built without the frozen dataclass `__init__`'s
# per-field `object.__setattr__` (`processors.vocabulary.construction`): the same objects.
_new_opened = constructor(OpenedIn)
_new_linked = constructor(LinkedIn)
_new_reading = constructor(ReadingIn)
_new_billing_reading = constructor(BillingReading)
_new_bill = constructor(BillIn)
_new_charges = constructor(ChargesIn)
_new_invoice = constructor(InvoiceIn)


class AccountMachine:
    """The account machine as the engine sees it."""

    name: str = "account"
    keyspace: Keyspace = Keyspace.ACCOUNT
    state_type: type[AccountState] = AccountState
    state_classes: tuple[type[Any], ...] = (
        AccountState,
        BillRecord,
        MpanReading,
        BillCharge,
        ChargeItem,
        TransferReading,
        BillingReading,
        *_TRANSITIONS,
    )
    idle_label: str | None = "account_open"
    self_guarded: tuple[type[Input], ...] = (LinkedIn, ReadingIn)

    def __init__(self) -> None:
        self.unknown_subject: dict[type[DomainEvent], str] = {
            BillIssued: f"bill issued {_UNKNOWN}",
            ChargesCreated: f"charges created {_UNKNOWN}",
            InvoiceIssued: f"invoice issued {_UNKNOWN}",
        }
        self.converters: dict[type[DomainEvent], Converter] = {
            AccountOpened: lambda e, _: _new_opened(
                event_id=e.event_id, day=e.day, segment=sys.intern(str(e.segment)), opened_on=e.opened_on
            ),
            AccountMpanLinked: lambda e, _: _new_linked(event_id=e.event_id, day=e.day, mpan=e.mpan),
            AccountMigrated: lambda e, _: MigratedIn(
                event_id=e.event_id,
                day=e.day,
                mpan=e.mpan,
                migrated_on=e.migrated_on,
                source=str(e.migration_source),
                transfer_reading=e.transfer_reading,
            ),
            PaymentAdequacyReviewed: lambda e, _: ReviewedIn(
                event_id=e.event_id, day=e.day, reviewed_on=e.reviewed_on
            ),
            MeterAccessPrevented: lambda e, _: PreventedIn(event_id=e.event_id, day=e.day, on=e.on),
            AccountReadingForwarded: lambda e, _: _new_reading(
                event_id=e.event_id,
                day=e.day,
                mpan=e.mpan,
                reading=_new_billing_reading(
                    value=e.value,
                    read_on=e.read_on,
                    source=e.reading_source,
                    meter_id=e.meter_id,
                    register_id=e.register_id,
                ),
            ),
            BillIssued: lambda e, _: _new_bill(
                event_id=e.event_id,
                day=e.day,
                bill_id=e.bill_id,
                issued_on=e.issued_on,
                rebill=e.kind == BillKind.REBILL,
                replaces=e.replaces,
                basis=str(e.basis),
                charges=e.charges,
                balance_after=e.balance_after,
            ),
            ChargesCreated: lambda e, _: _new_charges(event_id=e.event_id, day=e.day, items=e.items),
            InvoiceIssued: lambda e, _: _new_invoice(
                event_id=e.event_id,
                day=e.day,
                document_id=e.document_id,
                kind=str(e.kind),
                issued_on=e.issued_on,
                total=e.total,
            ),
        }

    def apply(self, state: AccountState, inp: Input, ctx: Ctx) -> bool:
        return apply_by_type(_TRANSITIONS, state, inp, ctx)

    def claims(self, state: AccountState) -> bool:
        return state.known

    def deadlines(self, key: str, state: AccountState, policy: Policy) -> Iterable[tuple[date, str]]:
        return account_deadlines(state, policy)

    def fire(self, state: AccountState, kind: str, due: date, ctx: Ctx) -> None:
        fire_account_deadline(state, kind, due, ctx)

    def label(self, state: AccountState, today: date | None) -> str | None:
        return account_label(state)

    def settled(self, state: AccountState | None, event: Any) -> bool:
        return False


ACCOUNT = AccountMachine()
