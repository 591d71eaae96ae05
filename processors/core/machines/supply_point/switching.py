"""Registration, switches (our own and related MPANs') and move-outs: what opens a loss or a move-out."""

from __future__ import annotations

from datetime import date

from processors.core.machine import Ctx, Input
from processors.core.machines.supply_point.billing import noon_of
from processors.core.machines.supply_point.inputs import (
    MovedOutIn,
    RegisteredIn,
    RegistrationDetailsIn,
    RelatedSecuredIn,
    RelatedWithdrawnIn,
    SecuredIn,
    WithdrawnIn,
)
from processors.core.machines.supply_point.state import LossEpisode, MoveOutEpisode, SupplyPointState
from processors.vocabulary.events import (
    RelatedSwitchSecured,
    RelatedSwitchWithdrawn,
    account_link,
)
from processors.vocabulary.events.internal import follow_up_id


def apply_registered(state: SupplyPointState, inp: RegisteredIn, ctx: Ctx) -> bool:
    """We supply the point from `ssd`. A newer SSD is a new supply period: finished
    episodes are forgotten (their corrections can no longer come)."""
    if state.ssd is not None:
        if inp.ssd == state.ssd and inp.meter_kind == state.meter_kind and inp.account_id == state.account_id:
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
    state.account_id = inp.account_id
    ctx.follow_ups.append(account_link(inp.event_id, inp.day, ctx.key, inp.account_id, inp.ssd))
    return True


def apply_secured(state: SupplyPointState, inp: SecuredIn, ctx: Ctx) -> bool:
    """A switch away from us on `ssd`: a loss. A re-secured switch with a new SSD replaces a
    loss that has billed nothing yet. Its related MPANs are lost with it (D23)."""
    if not state.registered:
        ctx.anomaly(inp, "unknown_supply_point", "switch secured for a point we do not supply")
        return False
    if _stale_notice(state, inp, ctx):
        return False
    if not _open_loss(state, inp, inp.ssd, inp.gaining_supplier, ctx):
        return False
    state.last_switch_notice = (inp.day, inp.PRIORITY, inp.event_id)
    for partner in state.related_mpans:
        ctx.follow_ups.append(
            RelatedSwitchSecured(
                event_id=follow_up_id(inp.event_id, "related_secured", partner),
                occurred_at=noon_of(inp.day),
                mpan=partner,
                related_mpan=ctx.key,
                ssd=inp.ssd,
                gaining_supplier=inp.gaining_supplier,
            )
        )
    return True


def _open_loss(state: SupplyPointState, inp: Input, ssd: date, gaining: str, ctx: Ctx) -> bool:
    loss = state.loss
    if loss is not None and loss.ssd == ssd:
        return False
    if state.last_billed_ssd is not None and ssd <= state.last_billed_ssd:
        ctx.anomaly(inp, "stale_switch", f"switch on {ssd}: the loss on {state.last_billed_ssd} is billed")
        return False
    if state.ssd is not None and ssd < state.ssd:
        ctx.anomaly(inp, "switch_before_supply", f"switch on {ssd} is before our supply start {state.ssd}")
        return False
    state.loss = LossEpisode(
        opened_on=inp.day, ssd=ssd, gaining_supplier=gaining, account_id=state.account_id
    )
    return True


def apply_related_secured(state: SupplyPointState, inp: RelatedSecuredIn, ctx: Ctx) -> bool:
    """The other MPAN of a related pair is lost: this one goes with it, on the same SSD.
    A related MPAN we do not supply as a point of its own (an export MPAN) changes nothing."""
    if not state.registered:
        return False
    return _open_loss(state, inp, inp.ssd, inp.gaining_supplier, ctx)


def apply_related_withdrawn(state: SupplyPointState, inp: RelatedWithdrawnIn, ctx: Ctx) -> bool:
    loss = state.loss
    if loss is None or loss.ssd != inp.ssd or not loss.awaiting_bill:
        return False
    state.loss = None
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
    for partner in state.related_mpans:
        ctx.follow_ups.append(
            RelatedSwitchWithdrawn(
                event_id=follow_up_id(inp.event_id, "related_withdrawn", partner),
                occurred_at=noon_of(inp.day),
                mpan=partner,
                related_mpan=ctx.key,
                ssd=inp.ssd,
            )
        )
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
    state.move_out = MoveOutEpisode(
        opened_on=inp.day, move_out_date=inp.move_out_date, account_id=inp.account_id
    )
    return True


def apply_registration_details(state: SupplyPointState, inp: RegistrationDetailsIn, ctx: Ctx) -> bool:
    """A D0217 or D0260 for a point we supply: its related MPANs (lost together, D23); a
    D0260 whose SSD is not our registration's is an anomaly."""
    if not state.registered:
        if inp.old_supplier:
            ctx.anomaly(
                inp, "unknown_supply_point", "old supplier's details (D0260) for a point we do not supply"
            )
        return False
    if inp.old_supplier and state.ssd is not None and inp.ssd != state.ssd:
        ctx.anomaly(
            inp,
            "registration_ssd_mismatch",
            f"the D0260 gives SSD {inp.ssd}, our registration {state.ssd}",
        )
    if inp.related == state.related_mpans:
        return False
    state.related_mpans = inp.related
    return True
