"""What the supply point machine keeps about one MPAN: supply, CoS loss, move-out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from processors.core.machine import MachineState
from processors.vocabulary.commands import (
    BillingReading,
)
from processors.vocabulary.events import (
    MeterKind,
)

TRADITIONAL = MeterKind.TRADITIONAL
SMART_NHH = MeterKind.SMART_NHH
SMART_HH = MeterKind.SMART_HH


class SupplyPointDeadline(StrEnum):
    """What a loss or move-out waits for, and fires on when it does not come."""

    COS_DISPUTE = "cos_dispute"
    COS_ESTIMATE = "cos_estimate"
    DC_CHASE = "dc_chase"
    MOVE_OUT_ESTIMATE = "move_out_estimate"
    COS_REFUND_LATE = "cos_refund_late"
    MOVE_OUT_REFUND_LATE = "move_out_refund_late"


COS_DISPUTE = SupplyPointDeadline.COS_DISPUTE
COS_ESTIMATE = SupplyPointDeadline.COS_ESTIMATE
DC_CHASE = SupplyPointDeadline.DC_CHASE
MOVE_OUT_ESTIMATE = SupplyPointDeadline.MOVE_OUT_ESTIMATE
COS_REFUND_LATE = SupplyPointDeadline.COS_REFUND_LATE
MOVE_OUT_REFUND_LATE = SupplyPointDeadline.MOVE_OUT_REFUND_LATE


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
    account_id: str | None = None
    """Who a guaranteed-standard payment is due to."""
    standing_bill: str | None = None
    """Command id of the bill that stands now (the latest final, estimated or corrected)."""
    bills: tuple[str, ...] = ()
    """Command ids of every bill issued, for `refund.paid`."""
    billed: tuple[BillingReading, ...] = ()
    """The readings the standing bill billed (empty for an estimate)."""
    refund_due_by: date | None = None
    refund_paid: bool = False
    standards_paid: tuple[str, ...] = ()
    """Guaranteed standards already paid for this loss or move-out (at most one each)."""
    reading_requested: bool = False

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
    proposal: tuple[BillingReading, ...] = ()
    """Our own latest actual readings of each register (on or before the SSD): what we
    propose as the CoS reading in a dispute."""


@dataclass(slots=True, kw_only=True)
class MoveOutEpisode(FinalBilling):
    """A move-out on `move_out_date`: waits for the customer's reading."""

    move_out_date: date


@dataclass(slots=True, kw_only=True)
class SupplyPointState(MachineState):
    """What the core keeps about one MPAN we supply: supply, CoS loss, move-out."""

    meter_kind: str | None = None
    ssd: date | None = None
    loss: LossEpisode | None = None
    move_out: MoveOutEpisode | None = None
    last_billed_ssd: date | None = None
    """The SSD of the latest loss that got its final (or estimated) bill: no switch on or
    before it can open a loss again."""
    last_switch_notice: tuple[date, int, str] | None = None
    """The canonical order key (day, priority, event id) of the last switch notice applied:
    an older notice (late, redelivered) is stale and cannot reopen or replace a loss."""
    account_id: str | None = None
    related_mpans: tuple[str, ...] = ()
    """The other MPANs of its related pairs (D0217 58M, D0260 60M): lost together (D23)."""

    @property
    def registered(self) -> bool:
        return self.meter_kind is not None

    def wants_meter_readings(self) -> bool:
        """Whether a D0010 can change anything here (the cheap test of the common case): a
        loss waiting for its bill (the smart HH reading, or our proposal for a dispute), a
        smart HH estimate to correct, or a move-out to bill or correct."""
        loss = self.loss
        if loss is not None and (
            loss.awaiting_bill or (loss.awaiting_correction and self.meter_kind == SMART_HH)
        ):
            return True
        move_out = self.move_out
        return move_out is not None and (move_out.awaiting_bill or move_out.awaiting_correction)
