"""The supply point machine (keyed by MPAN core): loss, move-out, final bills, disputes, DC chase.

The engine turns each domain event into a small `Input` (what the rules need, nothing
more) and applies it to the `SupplyPointState` of its key through the functions here.
States are small mutable slots objects owned by the state store; every transition is
idempotent by state (it checks what the state already did, and the ids of the few
state-changing inputs are kept in `recent`), so a repeated input is a no-op without
remembering every event id. The rules and their edges are written down in docs/rules.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from processors.core.calendar import country_for, working_days_after
from processors.core.deadlines import COS_DISPUTE, COS_ESTIMATE, DC_CHASE, MOVE_OUT_ESTIMATE, deadline_id
from processors.core.policy import Policy
from processors.vocabulary.anomalies import Anomaly
from processors.vocabulary.commands import (
    BillingReading,
    ChaseDataCollector,
    Command,
    FinalBillReason,
    IssueCorrectedFinalBill,
    IssueEstimatedFinalBill,
    IssueFinalBill,
    RaiseCoSDispute,
    SendReadingToDataCollector,
    SettleFinalBalance,
    command_id_for,
)
from processors.vocabulary.events import DomainEvent

if TYPE_CHECKING:
    from processors.core.machines.export_enrolment import ExportApplication, ExportLink

TRADITIONAL = "traditional"
SMART_NHH = "smart_nhh"
SMART_HH = "smart_hh"

RECENT_IDS = 4
"""How many ids of state-changing inputs a state remembers to drop their duplicates."""

# --- inputs: what the rules need from an event --------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadingValue:
    """One register reading, normalised. `read_on` is its effective day: a reading stamped
    23:59:59 (HH midnight) counts for the next day; `midnight` says it was stamped at a day
    boundary (00:00:00 or 23:59:59); `actual` that it is not deemed or estimated."""

    value: Decimal
    read_on: date
    midnight: bool
    actual: bool
    meter_id: str | None = None
    register_id: str | None = None

    def billing(self, source: str) -> BillingReading:
        return BillingReading(
            value=self.value,
            read_on=self.read_on,
            source=source,
            meter_id=self.meter_id,
            register_id=self.register_id,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Input:
    """Base of inputs. `PRIORITY` orders a key's inputs of one day (then `event_id`)."""

    PRIORITY: ClassVar[int] = 100
    event_id: str
    day: date


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterReadingsIn(Input):
    """A D0010 group: readings in flow order."""

    PRIORITY: ClassVar[int] = 0
    readings: tuple[ReadingValue, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisteredIn(Input):
    PRIORITY: ClassVar[int] = 10
    account_id: str
    meter_kind: str
    ssd: date


@dataclass(frozen=True, slots=True, kw_only=True)
class SecuredIn(Input):
    PRIORITY: ClassVar[int] = 20
    ssd: date
    gaining_supplier: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WithdrawnIn(Input):
    PRIORITY: ClassVar[int] = 25
    ssd: date


@dataclass(frozen=True, slots=True, kw_only=True)
class MovedOutIn(Input):
    PRIORITY: ClassVar[int] = 30
    account_id: str
    move_out_date: date


@dataclass(frozen=True, slots=True, kw_only=True)
class CosReadingIn(Input):
    """A D0086 group: `failed` when the DC's validation failed."""

    PRIORITY: ClassVar[int] = 60
    readings: tuple[ReadingValue, ...]
    failed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerReadingIn(Input):
    PRIORITY: ClassVar[int] = 65
    reading: ReadingValue
    photo: bool


# --- state ----------------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class FinalBilling:
    """What a loss or move-out has billed: the bill that stands and how it came about."""

    opened_on: date
    """The day of the notice that opened it: inputs of earlier days never act on it (in
    event-time order they came before it existed, so their redelivery must not either)."""
    final_bill: str | None = None
    """Command id of the final or estimated bill (the one a correction replaces)."""
    final_cause: str | None = None
    billed_on: date | None = None
    """The day the final (or estimated) bill was issued."""
    estimated: bool = False
    corrected_by: str | None = None

    @property
    def awaiting_bill(self) -> bool:
        return self.final_bill is None

    @property
    def awaiting_correction(self) -> bool:
        return self.estimated and self.corrected_by is None


@dataclass(slots=True, kw_only=True)
class LossEpisode(FinalBilling):
    """A CoS loss: the switch secured for `ssd` to `gaining_supplier`."""

    ssd: date
    gaining_supplier: str
    disputed: bool = False
    dc_sent_on: date | None = None
    chased: bool = False


@dataclass(slots=True, kw_only=True)
class MoveOutEpisode(FinalBilling):
    """A move-out on `move_out_date`: waits for the customer's reading."""

    move_out_date: date


@dataclass(slots=True, kw_only=True)
class SupplyPointState:
    """Everything the core keeps about one MPAN: supply, CoS loss, move-out, export.

    `pending` holds the inputs of days not yet closed (applied in canonical order when their
    day closes); `recent` the ids of the last few state-changing inputs.
    """

    meter_kind: str | None = None
    ssd: date | None = None
    loss: LossEpisode | None = None
    move_out: MoveOutEpisode | None = None
    export_app: ExportApplication | None = None
    export_link: ExportLink | None = None
    last_billed_ssd: date | None = None
    """The SSD of the latest loss that got its final (or estimated) bill: no switch on or
    before it can open a loss again."""
    last_switch_notice: tuple[date, int, str] | None = None
    """The canonical order key (day, priority, event id) of the last switch notice applied:
    an older notice (late, redelivered) is stale and cannot reopen or replace a loss."""
    unlinked_registration: tuple[date, str] | None = None
    """A D0217 (SSD, event id) for an export MPAN whose link has not arrived yet."""
    recent: tuple[str, ...] = ()
    pending: list[Input] | None = None

    @property
    def registered(self) -> bool:
        return self.meter_kind is not None

    def remember(self, event_id: str) -> None:
        self.recent = (*self.recent[-(RECENT_IDS - 1) :], event_id)

    def wants_meter_readings(self) -> bool:
        """Whether a D0010 can change anything here (the cheap test of the common case)."""
        loss = self.loss
        if loss is not None and (
            (loss.awaiting_bill and self.meter_kind in (SMART_HH, SMART_NHH))
            or (loss.awaiting_correction and self.meter_kind == SMART_HH)
        ):
            return True
        link = self.export_link
        return link is not None and link.wants_readings


# --- the context a transition runs in ----------------------------------------------------------


class Ctx:
    """Where a transition writes: commands, anomalies, follow-ups, for one key on one day."""

    __slots__ = ("_country", "anomalies", "commands", "follow_ups", "issued_on", "key", "policy")

    def __init__(  # noqa: PLR0917 - built in one place, by the engine
        self,
        key: str,
        policy: Policy,
        issued_on: date,
        commands: list[Command],
        anomalies: list[Anomaly],
        follow_ups: list[DomainEvent],
    ) -> None:
        self.key = key
        self.policy = policy
        self.issued_on = issued_on
        self.commands = commands
        self.anomalies = anomalies
        self.follow_ups = follow_ups
        self._country: str | None = None

    @property
    def country(self) -> str:
        if self._country is None:
            self._country = country_for(self.key).value
        return self._country

    def emit(self, cls: type[Command], cause: str, **fields: Any) -> Command:
        """Build and record a command with its deterministic id (subject as Command.subject)."""
        subject = fields.get("mpan") or fields.get("import_mpan") or fields.get("export_mpan") or self.key
        command = cls(
            command_id=command_id_for(str(subject), cls.TYPE, cause),
            issued_on=self.issued_on,
            cause=cause,
            **fields,
        )
        self.commands.append(command)
        return command

    def anomaly(self, inp: Input, kind: str, detail: str) -> None:
        self.anomalies.append(
            Anomaly(event_id=inp.event_id, subject=self.key, day=inp.day, kind=kind, detail=detail)
        )

    def refund_due_by(self) -> date:
        return working_days_after(self.issued_on, self.policy.refund_working_days, self.country)


def _bill(
    ctx: Ctx,
    cls: type[Command],
    cause: str,
    reason: FinalBillReason,
    final_date: date,
    **extra: Any,
) -> str:
    """Issue a final, estimated or corrected bill and the SettleFinalBalance that follows it."""
    bill = ctx.emit(cls, cause, mpan=ctx.key, reason=reason, final_date=final_date, **extra)
    ctx.emit(
        SettleFinalBalance, cause, mpan=ctx.key, final_bill=bill.command_id, refund_due_by=ctx.refund_due_by()
    )
    return bill.command_id


def _first_at(readings: tuple[ReadingValue, ...], day: date, *, actual_only: bool) -> ReadingValue | None:
    """The first reading (flow order) stamped at the midnight that starts `day`."""
    for r in readings:
        if r.midnight and r.read_on == day and (r.actual or not actual_only):
            return r
    return None


def _after_opening(inp: Input, opened_on: date, opener_priority: int) -> bool:
    """Whether `inp` comes after the notice that opened an episode in canonical order: only
    then may it act on the episode, whatever order (or how often) it is delivered in."""
    return (inp.day, inp.PRIORITY) > (opened_on, opener_priority)


def _within(day: date, centre: date, before: int, after: int) -> bool:
    return centre - timedelta(days=before) <= day <= centre + timedelta(days=after)


# --- transitions -----------------------------------------------------------------------------------


def apply_registered(state: SupplyPointState, inp: RegisteredIn, ctx: Ctx) -> bool:
    """We supply the point from `ssd`. A newer SSD is a new supply period: finished
    episodes are forgotten (their corrections can no longer come)."""
    if state.ssd is not None:
        if inp.ssd == state.ssd and inp.meter_kind == state.meter_kind:
            return False
        if inp.ssd < state.ssd:
            ctx.anomaly(
                inp,
                "stale_registration",
                f"registration from {inp.ssd} is older than the one from {state.ssd}",
            )
            return False
    if state.ssd is not None and inp.ssd > state.ssd:
        if state.loss is not None and not state.loss.awaiting_bill:
            state.loss = None
        if state.move_out is not None and not state.move_out.awaiting_bill:
            state.move_out = None
    state.meter_kind = inp.meter_kind
    state.ssd = inp.ssd
    return True


def apply_secured(state: SupplyPointState, inp: SecuredIn, ctx: Ctx) -> bool:
    """A switch away from us on `ssd`: a loss. A re-secured switch with a new SSD replaces a
    loss that has billed nothing yet."""
    if not state.registered:
        ctx.anomaly(inp, "unknown_supply_point", "switch secured for a point we do not supply")
        return False
    if _stale_notice(state, inp, ctx):
        return False
    loss = state.loss
    if loss is not None and loss.ssd == inp.ssd:
        return False
    if state.last_billed_ssd is not None and inp.ssd <= state.last_billed_ssd:
        ctx.anomaly(
            inp, "stale_switch", f"switch on {inp.ssd}: the loss on {state.last_billed_ssd} is billed"
        )
        return False
    if state.ssd is not None and inp.ssd < state.ssd:
        ctx.anomaly(
            inp, "switch_before_supply", f"switch on {inp.ssd} is before our supply start {state.ssd}"
        )
        return False
    state.loss = LossEpisode(opened_on=inp.day, ssd=inp.ssd, gaining_supplier=inp.gaining_supplier)
    state.last_switch_notice = (inp.day, inp.PRIORITY, inp.event_id)
    return True


def _stale_notice(state: SupplyPointState, inp: SecuredIn | WithdrawnIn, ctx: Ctx) -> bool:
    """A switch notice older (in canonical order) than the last one applied changes nothing."""
    last = state.last_switch_notice
    if last is not None and (inp.day, inp.PRIORITY, inp.event_id) < last:
        ctx.anomaly(inp, "stale_switch_notice", f"a newer switch notice ({last[2]}) has been applied")
        return True
    return False


def apply_withdrawn(state: SupplyPointState, inp: WithdrawnIn, ctx: Ctx) -> bool:
    """The switch will not happen: the loss and its deadlines go, unless it already billed."""
    if _stale_notice(state, inp, ctx):
        return False
    loss = state.loss
    if loss is None or loss.ssd != inp.ssd:
        ctx.anomaly(inp, "no_matching_switch", f"no pending switch on {inp.ssd} to withdraw")
        return False
    if not loss.awaiting_bill:
        ctx.anomaly(inp, "withdrawn_after_final_bill", f"switch on {inp.ssd} withdrawn after its final bill")
        return False
    state.last_switch_notice = (inp.day, inp.PRIORITY, inp.event_id)
    state.loss = None
    return True


def apply_moved_out(state: SupplyPointState, inp: MovedOutIn, ctx: Ctx) -> bool:
    """The customer leaves. During a pending loss the move-out gets its own final bill only
    when it is before the SSD; on or after the SSD the loss's final bill is the last one."""
    if not state.registered:
        ctx.anomaly(inp, "unknown_supply_point", "move-out for a point we do not supply")
        return False
    current = state.move_out
    if current is not None:
        if current.move_out_date == inp.move_out_date:
            return False
        if inp.day <= current.opened_on or (current.billed_on is not None and inp.day <= current.billed_on):
            # In event-time order this notice came while the current move-out was still
            # open, so it was refused then; a late or repeated delivery must not differ.
            ctx.anomaly(
                inp, "stale_move_out", f"the move-out on {current.move_out_date} was open when this came"
            )
            return False
        if current.awaiting_bill:
            ctx.anomaly(
                inp,
                "move_out_already_pending",
                f"move-out on {current.move_out_date} still awaits its final bill",
            )
            return False
        if inp.move_out_date < current.move_out_date:
            ctx.anomaly(
                inp,
                "stale_move_out",
                f"move-out on {inp.move_out_date} is before the billed one on {current.move_out_date}",
            )
            return False
    loss = state.loss
    if loss is not None and inp.move_out_date >= loss.ssd:
        ctx.anomaly(
            inp,
            "move_out_during_loss",
            f"move-out on {inp.move_out_date} is on or after the switch on {loss.ssd}:"
            " the CoS final bill covers it",
        )
        return False
    state.move_out = MoveOutEpisode(opened_on=inp.day, move_out_date=inp.move_out_date)
    return True


def apply_meter_readings_for_cos(state: SupplyPointState, inp: MeterReadingsIn, ctx: Ctx) -> bool:
    """A D0010: the smart HH CoS reading (or, after an estimate, its correction), or the
    smart NHH reading to send to the DC. Other meters wait for the D0086."""
    loss = state.loss
    if loss is None or not _after_opening(inp, loss.opened_on, SecuredIn.PRIORITY):
        return False
    if loss.awaiting_bill:
        reading = _first_at(inp.readings, loss.ssd, actual_only=True)
        if reading is None:
            return False
        if state.meter_kind == SMART_HH:
            loss.final_bill = _bill(
                ctx,
                IssueFinalBill,
                inp.event_id,
                FinalBillReason.COS,
                loss.ssd,
                reading=reading.billing("D0010"),
            )
            loss.final_cause = inp.event_id
            loss.billed_on = ctx.issued_on
            state.last_billed_ssd = loss.ssd
            return True
        if state.meter_kind == SMART_NHH and loss.dc_sent_on is None:
            ctx.emit(SendReadingToDataCollector, inp.event_id, mpan=ctx.key, reading=reading.billing("D0010"))
            loss.dc_sent_on = ctx.issued_on
            return True
        return False
    if loss.awaiting_correction and loss.final_bill is not None and state.meter_kind == SMART_HH:
        reading = _first_at(inp.readings, loss.ssd, actual_only=True)
        if reading is None:
            return False
        _bill(
            ctx,
            IssueCorrectedFinalBill,
            inp.event_id,
            FinalBillReason.COS,
            loss.ssd,
            reading=reading.billing("D0010"),
            replaces=loss.final_bill,
        )
        loss.corrected_by = inp.event_id
        return True
    return False


def apply_cos_reading(state: SupplyPointState, inp: CosReadingIn, ctx: Ctx) -> bool:
    """A D0086: bill the loss to it, or correct its estimated bill; exactly once."""
    loss = state.loss
    if loss is None:
        ctx.anomaly(inp, "no_loss_for_cos_reading", "CoS reading (D0086) for a point with no pending loss")
        return False
    if inp.event_id in (loss.final_cause, loss.corrected_by):
        return False
    if not _after_opening(inp, loss.opened_on, SecuredIn.PRIORITY):
        ctx.anomaly(
            inp, "cos_reading_before_switch", f"CoS reading dated before the switch notice of {loss.ssd}"
        )
        return False
    if inp.failed:
        ctx.anomaly(
            inp, "cos_reading_failed_validation", "the DC marks this CoS reading as failed validation"
        )
        return False
    window = ctx.policy.cos_reading_window_days
    reading = next((r for r in inp.readings if _within(r.read_on, loss.ssd, window, window)), None)
    if reading is None:
        ctx.anomaly(
            inp,
            "cos_reading_not_at_ssd",
            f"no reading in this D0086 is dated within {window} days of {loss.ssd}",
        )
        return False
    if loss.awaiting_bill:
        loss.final_bill = _bill(
            ctx, IssueFinalBill, inp.event_id, FinalBillReason.COS, loss.ssd, reading=reading.billing("D0086")
        )
        loss.final_cause = inp.event_id
        loss.billed_on = ctx.issued_on
        state.last_billed_ssd = loss.ssd
        return True
    if loss.awaiting_correction and loss.final_bill is not None:
        _bill(
            ctx,
            IssueCorrectedFinalBill,
            inp.event_id,
            FinalBillReason.COS,
            loss.ssd,
            reading=reading.billing("D0086"),
            replaces=loss.final_bill,
        )
        loss.corrected_by = inp.event_id
        return True
    ctx.anomaly(inp, "cos_reading_after_final_bill", f"the loss on {loss.ssd} is already billed to a reading")
    return False


def apply_customer_reading(state: SupplyPointState, inp: CustomerReadingIn, ctx: Ctx) -> bool:
    """A customer's own reading: the move-out reading (final or corrected bill), or, near
    the SSD of a loss, a reading for the CoS that we send to the DC."""
    changed = False
    reading = inp.reading
    move_out = state.move_out
    policy = ctx.policy
    if (
        move_out is not None
        and _after_opening(inp, move_out.opened_on, MovedOutIn.PRIORITY)
        and _within(
            reading.read_on,
            move_out.move_out_date,
            policy.cos_reading_window_days,
            policy.move_out_estimate_days,
        )
    ):
        if move_out.awaiting_bill:
            move_out.final_bill = _bill(
                ctx,
                IssueFinalBill,
                inp.event_id,
                FinalBillReason.MOVE_OUT,
                move_out.move_out_date,
                reading=reading.billing("customer"),
            )
            move_out.final_cause = inp.event_id
            move_out.billed_on = ctx.issued_on
            changed = True
        elif move_out.awaiting_correction and move_out.final_bill is not None:
            _bill(
                ctx,
                IssueCorrectedFinalBill,
                inp.event_id,
                FinalBillReason.MOVE_OUT,
                move_out.move_out_date,
                reading=reading.billing("customer"),
                replaces=move_out.final_bill,
            )
            move_out.corrected_by = inp.event_id
            changed = True
    loss = state.loss
    if (
        loss is not None
        and state.meter_kind != SMART_HH
        and _after_opening(inp, loss.opened_on, SecuredIn.PRIORITY)
        and loss.dc_sent_on is None
        and (loss.awaiting_bill or loss.awaiting_correction)
        and _within(reading.read_on, loss.ssd, policy.cos_reading_window_days, policy.cos_reading_window_days)
    ):
        ctx.emit(SendReadingToDataCollector, inp.event_id, mpan=ctx.key, reading=reading.billing("customer"))
        loss.dc_sent_on = ctx.issued_on
        changed = True
    if not changed and not state.registered and state.export_link is None:
        ctx.anomaly(inp, "unknown_supply_point", "customer reading for a point we do not supply")
    return changed


# --- deadlines ---------------------------------------------------------------------------------------


def supply_deadlines(state: SupplyPointState, policy: Policy, country: str) -> list[tuple[date, str]]:
    """The pending deadlines of the loss and move-out, as (due day, kind)."""
    out: list[tuple[date, str]] = []
    loss = state.loss
    if loss is not None:
        if loss.awaiting_bill:
            if state.meter_kind == TRADITIONAL and not loss.disputed:
                out.append((loss.ssd + timedelta(days=policy.dispute_after_days + 1), COS_DISPUTE))
            out.append((loss.ssd + timedelta(days=policy.estimated_final_bill_days), COS_ESTIMATE))
        if (
            loss.dc_sent_on is not None
            and not loss.chased
            and (loss.awaiting_bill or loss.awaiting_correction)
        ):
            due = working_days_after(loss.dc_sent_on, policy.dc_chase_working_days + 1, country)
            out.append((due, DC_CHASE))
    move_out = state.move_out
    if move_out is not None and move_out.awaiting_bill:
        out.append(
            (move_out.move_out_date + timedelta(days=policy.move_out_estimate_days), MOVE_OUT_ESTIMATE)
        )
    return out


def fire_supply_deadline(state: SupplyPointState, kind: str, due: date, ctx: Ctx) -> None:
    """Act on a deadline of the loss or move-out that came due with nothing having stopped it."""
    cause = deadline_id(kind, ctx.key, due)
    loss = state.loss
    if kind == COS_DISPUTE and loss is not None:
        ctx.emit(RaiseCoSDispute, cause, mpan=ctx.key, ssd=loss.ssd, gaining_supplier=loss.gaining_supplier)
        loss.disputed = True
    elif kind == COS_ESTIMATE and loss is not None:
        loss.final_bill = _bill(ctx, IssueEstimatedFinalBill, cause, FinalBillReason.COS, loss.ssd)
        loss.final_cause = cause
        loss.billed_on = ctx.issued_on
        loss.estimated = True
        state.last_billed_ssd = loss.ssd
    elif kind == DC_CHASE and loss is not None and loss.dc_sent_on is not None:
        ctx.emit(ChaseDataCollector, cause, mpan=ctx.key, reading_sent_on=loss.dc_sent_on)
        loss.chased = True
    elif kind == MOVE_OUT_ESTIMATE and state.move_out is not None:
        move_out = state.move_out
        move_out.final_bill = _bill(
            ctx, IssueEstimatedFinalBill, cause, FinalBillReason.MOVE_OUT, move_out.move_out_date
        )
        move_out.final_cause = cause
        move_out.billed_on = ctx.issued_on
        move_out.estimated = True


def supply_label(state: SupplyPointState, today: date | None) -> str | None:
    """The dashboard state of the loss / move-out, or None when neither is open."""
    loss = state.loss
    if loss is not None:
        if loss.awaiting_bill:
            if loss.disputed:
                return "disputed"
            if today is None or today < loss.ssd:
                return "loss_pending"
            return "awaiting_cos_reading"
        if loss.awaiting_correction:
            return "estimated_final_billed"
        return "final_billed"
    move_out = state.move_out
    if move_out is not None:
        if move_out.awaiting_bill:
            return "move_out_pending"
        if move_out.awaiting_correction:
            return "estimated_final_billed"
    return None
