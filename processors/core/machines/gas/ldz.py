"""An LDZ (keyed by its code): the transporter's snapshot report and our smart-prepay list.

The points of ours that met every condition on the 15th tell their LDZ
(`GasPrepayCandidate`); the transporter's report (`gas.prepay_snapshot.received`) says
which points it shows with a prepayment or smart meter. On the first business day after
the report (and after the 15th: rule 1.6, no list before the 16th) the LDZ issues
`SubmitSmartPrepayList` with the smart candidates the report holds, and tells each
candidate the report holds that it is an eligible SSP for the month (E 6.9.2): a
traditional prepayment meter through the report alone (rule 1.5), a smart one through
the report and our list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from processors.core.deadlines import deadline_id
from processors.core.input_order import InputOrder
from processors.core.machine import Converter, Ctx, Input, Keyspace, MachineState
from processors.core.machines.gas.months import (
    SNAPSHOT_DAY,
    business_day_on_or_after,
    first_day,
    list_due_by,
    month_of,
    noon,
)
from processors.core.policy import Policy
from processors.vocabulary.commands import SubmitSmartPrepayList
from processors.vocabulary.events import (
    DomainEvent,
    GasPrepayCandidate,
    GasPrepayEligible,
    GasPrepaySnapshotReceived,
    Ldz,
)
from processors.vocabulary.events.internal import follow_up_id

KEEP_MONTHS = 3
"""How many months of snapshots an LDZ remembers (the dashboard shows the latest)."""


class GasLdzDeadline(StrEnum):
    SUBMIT_LIST = "gas_submit_list"


SUBMIT_LIST = GasLdzDeadline.SUBMIT_LIST


@dataclass(frozen=True, slots=True, kw_only=True)
class SnapshotIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.GAS_SNAPSHOT
    month: str
    mprns: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CandidateIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.GAS_CANDIDATE
    mprn: str
    month: str
    smart: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    mprn: str
    smart: bool


@dataclass(slots=True, kw_only=True)
class LdzMonth:
    month: str
    snapshot: tuple[str, ...] | None = None
    received_on: date | None = None
    snapshot_cause: str | None = None
    candidates: tuple[Candidate, ...] = ()
    listed: tuple[str, ...] | None = None
    """The MPRNs of the list once it is submitted."""
    due_by: date | None = None
    eligible: tuple[str, ...] = ()
    """The candidates told they are eligible SSPs."""

    @property
    def list_day(self) -> date | None:
        if self.received_on is None:
            return None
        after = max(self.received_on, first_day(self.month).replace(day=SNAPSHOT_DAY))
        return business_day_on_or_after(after + timedelta(days=1))


@dataclass(slots=True, kw_only=True)
class GasLdzState(MachineState):
    months: list[LdzMonth] | None = None

    def month(self, month: str) -> LdzMonth | None:
        return next((m for m in self.months or () if m.month == month), None)

    def open(self, month: str) -> LdzMonth:
        found = self.month(month)
        if found is None:
            found = LdzMonth(month=month)
            kept = sorted([*(self.months or ()), found], key=lambda m: m.month)[-KEEP_MONTHS:]
            self.months = kept
        return found


def _confirm(record: LdzMonth, mprns: Iterable[str], cause: str, ctx: Ctx) -> None:
    """Tell each of `mprns` (not told yet) it is an eligible SSP for the month."""
    told = set(record.eligible)
    new = [m for m in mprns if m not in told]
    for mprn in new:
        ctx.follow_ups.append(
            GasPrepayEligible(
                event_id=follow_up_id(cause, "gas_eligible", mprn),
                occurred_at=noon(ctx.issued_on),
                mprn=mprn,
                ldz=Ldz(ctx.key),
                month=record.month,
            )
        )
    if new:
        record.eligible = (*record.eligible, *new)


def apply_snapshot(state: GasLdzState, inp: SnapshotIn, ctx: Ctx) -> bool:
    record = state.open(inp.month)
    if record.snapshot is not None:
        if record.snapshot_cause != inp.event_id:
            ctx.anomaly(
                inp,
                "gas_snapshot_repeated",
                f"a snapshot of {inp.month} came on {record.received_on}; this one is ignored",
            )
        return False
    record.snapshot = inp.mprns
    record.received_on = inp.day
    record.snapshot_cause = inp.event_id
    return True


def apply_candidate(state: GasLdzState, inp: CandidateIn, ctx: Ctx) -> bool:
    record = state.open(inp.month)
    if any(c.mprn == inp.mprn for c in record.candidates):
        return False
    record.candidates = (*record.candidates, Candidate(mprn=inp.mprn, smart=inp.smart))
    if record.listed is not None and not inp.smart and inp.mprn in (record.snapshot or ()):
        # After the list: a traditional prepayment meter is eligible by the report alone.
        _confirm(record, (inp.mprn,), inp.event_id, ctx)
    return True


def fire_list(state: GasLdzState, due: date, ctx: Ctx) -> None:
    for record in state.months or ():
        if record.listed is not None or record.list_day != due or record.snapshot is None:
            continue
        in_report = set(record.snapshot)
        smart = sorted(c.mprn for c in record.candidates if c.smart and c.mprn in in_report)
        cause = deadline_id(SUBMIT_LIST, ctx.key, due)
        record.due_by = list_due_by(record.month)
        ctx.emit(
            SubmitSmartPrepayList,
            cause,
            ldz=ctx.key,
            month=record.month,
            mprns=tuple(smart),
            due_by=record.due_by,
        )
        record.listed = tuple(smart)
        _confirm(record, sorted(c.mprn for c in record.candidates if c.mprn in in_report), cause, ctx)


class GasLdzMachine:
    """The LDZ machine as the engine sees it."""

    name: str = "gas_ldz"
    keyspace: Keyspace = Keyspace.LDZ
    state_type: type[GasLdzState] = GasLdzState
    state_classes: tuple[type[Any], ...] = (GasLdzState, LdzMonth, Candidate, SnapshotIn, CandidateIn)
    idle_label: str | None = "gas_ldz"
    self_guarded: tuple[type[Input], ...] = (CandidateIn,)

    def __init__(self) -> None:
        self.unknown_subject: dict[type[DomainEvent], str] = {}
        self.converters: dict[type[DomainEvent], Converter] = {
            GasPrepaySnapshotReceived: lambda e, _: SnapshotIn(
                event_id=e.event_id, day=e.day, month=month_of(e.taken_on), mprns=e.mprns
            ),
            GasPrepayCandidate: lambda e, _: CandidateIn(
                event_id=e.event_id, day=e.day, mprn=e.mprn, month=e.month, smart=e.smart
            ),
        }

    def apply(self, state: GasLdzState, inp: Input, ctx: Ctx) -> bool:
        if isinstance(inp, SnapshotIn):
            return apply_snapshot(state, inp, ctx)
        if isinstance(inp, CandidateIn):
            return apply_candidate(state, inp, ctx)
        return False

    def claims(self, state: GasLdzState) -> bool:
        return bool(state.months)

    def deadlines(self, key: str, state: GasLdzState, policy: Policy) -> Iterable[tuple[date, str]]:
        return [
            (day, SUBMIT_LIST)
            for record in state.months or ()
            if record.listed is None and (day := record.list_day) is not None
        ]

    def fire(self, state: GasLdzState, kind: str, due: date, ctx: Ctx) -> None:
        if kind == SUBMIT_LIST:
            fire_list(state, due, ctx)

    def label(self, state: GasLdzState, today: date | None) -> str | None:
        return None

    def settled(self, state: GasLdzState | None, event: Any) -> bool:
        return False


GAS_LDZ = GasLdzMachine()
