"""The export enrolment machine: application, eligibility, export MPAN, registration, crediting.

It lives in two halves (docs/rules.md, "Export hand-off"):
- the **application** (`ExportApplication`) lives in the state of the IMPORT MPAN, because
  export events are partitioned by the import MPAN: eligibility, ApplyForExportMpan, the
  28-day escalation, RegisterExportMpan, withdrawal, cancellation and move-out;
- the **link** (`ExportLink`) lives in the state of the EXPORT MPAN, because the D0217 and
  the export readings arrive keyed by it: ConfigureExport, the first reading, crediting and
  the 90-day switch to manual readings.
The halves talk only through the follow-up events of `processors.vocabulary.events.internal`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from processors.core.deadlines import deadline_id
from processors.core.input_order import InputOrder
from processors.core.machine import Converter, Ctx, Input, Keyspace, MachineState, apply_by_type
from processors.core.machines.supply_point import (
    SUPPLY_POINT,
    CustomerReadingIn,
    MeterReadingsIn,
    MovedOutIn,
    customer_reading_input,
    meter_readings_input,
    more_than_days,
    moved_out_input,
)
from processors.core.policy import Policy
from processors.core.readings import ReadingValue
from processors.vocabulary.commands import (
    ApplyForExportMpan,
    ChaseFirstExportReading,
    ConfigureExport,
    EndExportTariff,
    EscalateExportMpanDelay,
    ExportRejectionCode,
    NotifyExportTariffEnding,
    RegisterExportMpan,
    RejectExportApplication,
    RequestFirstExportReading,
    StartExportCredit,
    SwitchToManualExportReadings,
    WithdrawExportApplication,
)
from processors.vocabulary.events import (
    ELIGIBLE_TECHNOLOGIES,
    UK,
    CustomerMovedOut,
    CustomerReadingReceived,
    DomainEvent,
    ExportApplicationCancelled,
    ExportApplicationSubmitted,
    ExportCreditAccount,
    ExportMpanAllocated,
    ExportMpanRefused,
    ExportTariff,
    MeterReadingsReceived,
    RegistrationConfirmed,
)
from processors.vocabulary.events.internal import (
    ExportMpanLinked,
    ExportMpanRegistered,
    ExportTariffEnded,
    follow_up_id,
)


class ApplicationStage(StrEnum):
    """Where an application stands (import side)."""

    REJECTED = "rejected"
    APPLIED = "applied"
    REFUSED = "refused"
    ALLOCATED = "allocated"
    REGISTERED = "registered"
    WITHDRAWN = "withdrawn"
    ENDED = "ended"


class LinkStage(StrEnum):
    """Where an export MPAN's enrolment stands (export side)."""

    AWAITING_REGISTRATION = "awaiting_registration"
    CONFIGURED = "configured"
    CREDITING = "crediting"
    MANUAL = "manual"
    ENDED = "ended"


class ExportDeadline(StrEnum):
    EXPORT_ESCALATION = "export_escalation"
    EXPORT_NO_READING = "export_no_reading"
    FIRST_READING_CHASE = "first_export_reading_chase"
    TARIFF_ENDING = "export_tariff_ending"


REJECTED = ApplicationStage.REJECTED
APPLIED = ApplicationStage.APPLIED
REFUSED = ApplicationStage.REFUSED
ALLOCATED = ApplicationStage.ALLOCATED
REGISTERED = ApplicationStage.REGISTERED
WITHDRAWN = ApplicationStage.WITHDRAWN
ENDED = ApplicationStage.ENDED
_ACTIVE = frozenset({APPLIED, ALLOCATED, REGISTERED})

AWAITING_REGISTRATION = LinkStage.AWAITING_REGISTRATION
CONFIGURED = LinkStage.CONFIGURED
CREDITING = LinkStage.CREDITING
MANUAL = LinkStage.MANUAL

EXPORT_ESCALATION = ExportDeadline.EXPORT_ESCALATION
EXPORT_NO_READING = ExportDeadline.EXPORT_NO_READING
FIRST_READING_CHASE = ExportDeadline.FIRST_READING_CHASE
TARIFF_ENDING = ExportDeadline.TARIFF_ENDING
HYDRO_AND_AD = frozenset({"hydro", "anaerobic_digestion"})
"""Technologies whose MCS certificate is at the supplier's discretion (DOMAIN.md)."""

REASON_MOVE_OUT = "move_out"
REASON_COOLING_OFF = "cooling_off"
REASON_CANCELLED = "cancelled"

# --- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportLinkedIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.EXPORT_LINKED
    application_id: str
    import_mpan: str
    tariff: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AppSubmittedIn(Input):
    """An application with its eligibility already checked (`reasons`, empty when eligible)."""

    PRIORITY: ClassVar[int] = InputOrder.EXPORT_APPLICATION
    application_id: str
    tariff: str
    reasons: tuple[str, ...]
    account_id: str | None = None
    tariff_end_date: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MpanAllocatedIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.EXPORT_MPAN_ANSWER
    application_id: str
    export_mpan: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MpanRefusedIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.EXPORT_MPAN_ANSWER
    application_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportRegisteredIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.EXPORT_REGISTERED
    application_id: str
    export_mpan: str
    ssd: date


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistrationConfirmedIn(Input):
    """A D0217 for this MPAN."""

    PRIORITY: ClassVar[int] = InputOrder.REGISTRATION_CONFIRMED
    ssd: date


@dataclass(frozen=True, slots=True, kw_only=True)
class AppCancelledIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.EXPORT_CANCELLED
    application_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportEndedIn(Input):
    PRIORITY: ClassVar[int] = InputOrder.EXPORT_ENDED
    application_id: str
    import_mpan: str
    end_date: date
    reason: str
    command_issued: bool


# --- state -----------------------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class ExportApplication:
    """An application, in the import MPAN's state."""

    application_id: str
    tariff: str
    submitted_on: date
    submitted_by: str
    stage: str
    requested_on: date | None = None
    escalated: bool = False
    export_mpan: str | None = None
    account_id: str | None = None
    tariff_end_date: date | None = None
    """The end of a fixed-term tariff: notified `export_tariff_end_notice_days` before it."""
    end_notified: bool = False

    @property
    def active(self) -> bool:
        return self.stage in _ACTIVE


@dataclass(slots=True, kw_only=True)
class ExportLink:
    """An export MPAN's enrolment, in the export MPAN's state."""

    application_id: str
    import_mpan: str
    tariff: str
    stage: str = AWAITING_REGISTRATION
    ssd: date | None = None
    last_reading_on: date | None = None
    """The day of the last automatic (D0010) export reading, else of the first reading
    (the one crediting started from): the 90-day switch counts from it."""
    credit_started_by: str | None = None
    requested_on: date | None = None
    """The day the first export reading was asked for (ConfigureExport)."""
    first_chased: bool = False

    @property
    def wants_readings(self) -> bool:
        return self.stage in (CONFIGURED, CREDITING, MANUAL)


@dataclass(slots=True, kw_only=True)
class ExportEnrolmentState(MachineState):
    """An MPAN's export enrolment: the application (import MPAN) or the link (export MPAN)."""

    export_app: ExportApplication | None = None
    export_link: ExportLink | None = None
    unlinked_registration: tuple[date, str] | None = None
    """A D0217 (SSD, event id) for an export MPAN whose link has not arrived yet."""


# --- eligibility ------------------------------------------------------------------------------------


def _normalise_address(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def rejection_reasons(app: ExportApplicationSubmitted, policy: Policy) -> tuple[str, ...]:
    """Every eligibility rule the application fails, as codes in the order of SPEC 3."""
    reasons: list[ExportRejectionCode] = []
    if not app.domestic:
        reasons.append(ExportRejectionCode.NOT_DOMESTIC)
    if not app.in_gb:
        reasons.append(ExportRejectionCode.OUTSIDE_GB)
    if not app.brand_eligible:
        reasons.append(ExportRejectionCode.BRAND_INELIGIBLE)
    if app.technology not in ELIGIBLE_TECHNOLOGIES:
        reasons.append(ExportRejectionCode.TECHNOLOGY_INELIGIBLE)
    limit = (
        policy.micro_chp_capacity_limit_kw
        if app.technology == "micro_chp"
        else policy.export_capacity_limit_kw
    )
    if Decimal(app.capacity_kw) > limit:
        reasons.append(ExportRejectionCode.CAPACITY_OVER_LIMIT)
    certificate = app.mcs_certificate
    discretionary = app.technology in HYDRO_AND_AD and not policy.mcs_required_for_hydro_and_ad
    if certificate is None:
        if not discretionary:
            reasons.append(ExportRejectionCode.NO_CERTIFICATE)
    elif certificate.mpan != app.import_mpan or _normalise_address(certificate.address) != _normalise_address(
        app.address
    ):
        reasons.append(ExportRejectionCode.CERTIFICATE_MISMATCH)
    if app.dno_notification is None:
        reasons.append(ExportRejectionCode.NO_DNO_NOTIFICATION)
    if app.fit_export_payments:
        reasons.append(ExportRejectionCode.FIT_EXPORT_PAYMENTS)
    if app.other_export_support:
        reasons.append(ExportRejectionCode.OTHER_EXPORT_SUPPORT)
    if not app.smart_meter.working:
        reasons.append(ExportRejectionCode.SMART_METER_NOT_WORKING)
    if not app.smart_meter.connected and not (app.tariff == ExportTariff.SEG and app.manual_export_reads):
        reasons.append(ExportRejectionCode.SMART_METER_NOT_CONNECTED)
    return tuple(r.value for r in reasons)


# --- import side ---------------------------------------------------------------------------------------


def apply_submitted(state: ExportEnrolmentState, inp: AppSubmittedIn, ctx: Ctx) -> bool:
    current = state.export_app
    if current is not None:
        if current.application_id == inp.application_id:
            return False
        if current.active:
            ctx.anomaly(
                inp,
                "export_application_already_active",
                f"application {current.application_id} is still {current.stage}",
            )
            return False
    app = ExportApplication(
        application_id=inp.application_id,
        tariff=inp.tariff,
        submitted_on=inp.day,
        submitted_by=inp.event_id,
        stage=REJECTED if inp.reasons else APPLIED,
        account_id=inp.account_id,
        tariff_end_date=inp.tariff_end_date,
    )
    if inp.reasons:
        ctx.emit(
            RejectExportApplication,
            inp.event_id,
            import_mpan=ctx.key,
            application_id=inp.application_id,
            reasons=tuple(ExportRejectionCode(r) for r in inp.reasons),
        )
    else:
        ctx.emit(ApplyForExportMpan, inp.event_id, import_mpan=ctx.key, application_id=inp.application_id)
        app.requested_on = ctx.issued_on
    state.export_app = app
    return True


def _application(
    state: ExportEnrolmentState, inp: Input, application_id: str, ctx: Ctx
) -> ExportApplication | None:
    app = state.export_app
    if app is None or app.application_id != application_id:
        ctx.anomaly(
            inp, "unknown_export_application", f"no export application {application_id} for this MPAN"
        )
        return None
    return app


def apply_allocated(state: ExportEnrolmentState, inp: MpanAllocatedIn, ctx: Ctx) -> bool:
    app = _application(state, inp, inp.application_id, ctx)
    if app is None:
        return False
    if app.export_mpan == inp.export_mpan:
        return False
    if app.stage != APPLIED:
        ctx.anomaly(
            inp, "export_mpan_not_expected", f"export MPAN allocated to an application that is {app.stage}"
        )
        return False
    app.stage = ALLOCATED
    app.export_mpan = inp.export_mpan
    ctx.emit(
        RegisterExportMpan,
        inp.event_id,
        import_mpan=ctx.key,
        application_id=app.application_id,
        export_mpan=inp.export_mpan,
    )
    ctx.follow_ups.append(
        ExportMpanLinked(
            event_id=follow_up_id(inp.event_id, "export_linked", inp.export_mpan),
            occurred_at=_noon(inp.day),
            mpan=inp.export_mpan,
            application_id=app.application_id,
            import_mpan=ctx.key,
            tariff=app.tariff,
        )
    )
    return True


def apply_refused(state: ExportEnrolmentState, inp: MpanRefusedIn, ctx: Ctx) -> bool:
    app = _application(state, inp, inp.application_id, ctx)
    if app is None:
        return False
    if app.stage == REFUSED:
        return False
    if app.stage != APPLIED:
        ctx.anomaly(
            inp, "export_mpan_not_expected", f"export MPAN refused for an application that is {app.stage}"
        )
        return False
    app.stage = REFUSED
    return True


def apply_export_registered(state: ExportEnrolmentState, inp: ExportRegisteredIn, ctx: Ctx) -> bool:
    app = state.export_app
    if app is None or app.application_id != inp.application_id or app.stage != ALLOCATED:
        return False
    app.stage = REGISTERED
    _tell_account(app, inp, inp.ssd, True, ctx)
    return True


def _tell_account(app: ExportApplication, inp: Input, since: date, active: bool, ctx: Ctx) -> None:
    """Tell the import account that its export MPAN is credited (or no longer), so an unpaid
    account holds its export credit back (the `export_credit` machine)."""
    if app.account_id is None or app.export_mpan is None:
        return
    ctx.follow_ups.append(
        ExportCreditAccount(
            event_id=follow_up_id(inp.event_id, "export_credit_account", app.account_id),
            occurred_at=_noon(inp.day),
            account_id=app.account_id,
            export_mpan=app.export_mpan,
            import_mpan=ctx.key,
            since=since,
            active=active,
        )
    )


def _end(app: ExportApplication, inp: Input, end_date: date, reason: str, ctx: Ctx) -> None:
    """Withdraw the application before its export MPAN is registered, or end the tariff after."""
    issued = False
    if app.stage == REGISTERED and app.export_mpan is not None:
        ctx.emit(EndExportTariff, inp.event_id, export_mpan=app.export_mpan, end_date=end_date, reason=reason)
        app.stage = ENDED
        issued = True
        _tell_account(app, inp, end_date, False, ctx)
    else:
        ctx.emit(
            WithdrawExportApplication, inp.event_id, import_mpan=ctx.key, application_id=app.application_id
        )
        app.stage = WITHDRAWN
    if app.export_mpan is not None:
        ctx.follow_ups.append(
            ExportTariffEnded(
                event_id=follow_up_id(inp.event_id, "export_ended", app.export_mpan),
                occurred_at=_noon(inp.day),
                mpan=app.export_mpan,
                application_id=app.application_id,
                import_mpan=ctx.key,
                end_date=end_date,
                reason=reason,
                command_issued=issued,
            )
        )


def apply_cancelled(state: ExportEnrolmentState, inp: AppCancelledIn, ctx: Ctx) -> bool:
    app = _application(state, inp, inp.application_id, ctx)
    if app is None:
        return False
    if not app.active:
        ctx.anomaly(
            inp, "export_application_closed", f"export application {app.application_id} is {app.stage}"
        )
        return False
    cooling_off = inp.day <= app.submitted_on + timedelta(days=ctx.policy.cooling_off_days)
    _end(app, inp, inp.day, REASON_COOLING_OFF if cooling_off else REASON_CANCELLED, ctx)
    return True


def on_moved_out(state: ExportEnrolmentState, inp: MovedOutIn, ctx: Ctx) -> bool:
    """Moving out ends the export tariff on the move-out day (or withdraws the application)."""
    app = state.export_app
    if app is None or not app.active:
        return False
    if (inp.day, inp.PRIORITY) <= (app.submitted_on, AppSubmittedIn.PRIORITY):
        # In canonical order this move-out came before the application existed (a late
        # or redelivered notice must not act differently from its first delivery).
        return False
    _end(app, inp, inp.move_out_date, REASON_MOVE_OUT, ctx)
    return True


# --- export side -----------------------------------------------------------------------------------------


def apply_linked(state: ExportEnrolmentState, inp: ExportLinkedIn, ctx: Ctx) -> bool:
    link = state.export_link
    if link is not None and link.application_id == inp.application_id:
        return False
    if link is not None and link.stage in (AWAITING_REGISTRATION, CONFIGURED, CREDITING, MANUAL):
        ctx.anomaly(
            inp, "export_mpan_already_linked", f"export MPAN already enrolled for {link.application_id}"
        )
        return False
    link = ExportLink(application_id=inp.application_id, import_mpan=inp.import_mpan, tariff=inp.tariff)
    state.export_link = link
    early = state.unlinked_registration
    if early is not None:
        # The D0217 came first (the link travels through another partition): act on it now.
        state.unlinked_registration = None
        ssd, cause = early
        _configure(link, ssd, cause, inp.day, ctx)
    return True


def apply_registration_confirmed(state: ExportEnrolmentState, inp: RegistrationConfirmedIn, ctx: Ctx) -> bool:
    """A D0217 for a linked export MPAN: configure export and ask for the first reading.
    For an MPAN that is neither linked nor a supply point of ours it is kept, because the
    link may still be on its way; for our import registrations it changes nothing."""
    link = state.export_link
    if link is None:
        if ctx.claimed_by(SUPPLY_POINT.name) or state.unlinked_registration is not None:
            return False
        state.unlinked_registration = (inp.ssd, inp.event_id)
        return True
    if link.stage != AWAITING_REGISTRATION:
        return False
    _configure(link, inp.ssd, inp.event_id, inp.day, ctx)
    return True


def _configure(link: ExportLink, ssd: date, cause: str, day: date, ctx: Ctx) -> None:
    link.stage = CONFIGURED
    link.ssd = ssd
    link.requested_on = ctx.issued_on
    ctx.emit(ConfigureExport, cause, export_mpan=ctx.key, import_mpan=link.import_mpan, ssd=ssd)
    ctx.emit(RequestFirstExportReading, cause, export_mpan=ctx.key)
    ctx.follow_ups.append(
        ExportMpanRegistered(
            event_id=follow_up_id(cause, "export_registered", link.import_mpan),
            occurred_at=_noon(day),
            mpan=link.import_mpan,
            application_id=link.application_id,
            export_mpan=ctx.key,
            ssd=ssd,
        )
    )


def apply_export_reading(
    state: ExportEnrolmentState, inp: Input, readings: tuple[ReadingValue, ...], source: str, ctx: Ctx
) -> bool:
    """An export reading: the first on or after the export SSD starts crediting; later
    automatic (D0010) ones keep the 90-day clock (a customer's manual reading does not)."""
    link = state.export_link
    if link is None or not link.wants_readings or not readings:
        return False
    if link.ssd is not None:
        readings = tuple(r for r in readings if r.read_on >= link.ssd)
        if not readings:
            return False
    latest = max(r.read_on for r in readings)
    if link.stage == CONFIGURED:
        first = readings[0]
        ctx.emit(
            StartExportCredit,
            inp.event_id,
            export_mpan=ctx.key,
            tariff=link.tariff,
            reading=first.billing(source),
        )
        link.stage = CREDITING
        link.credit_started_by = inp.event_id
        link.last_reading_on = latest
        return True
    if source == "D0010" and (link.last_reading_on is None or latest > link.last_reading_on):
        link.last_reading_on = latest
        return True
    return False


def apply_export_ended(state: ExportEnrolmentState, inp: ExportEndedIn, ctx: Ctx) -> bool:
    link = state.export_link
    if link is None or link.application_id != inp.application_id or link.stage == LinkStage.ENDED:
        return False
    if not inp.command_issued and link.stage in (CONFIGURED, CREDITING, MANUAL):
        ctx.emit(EndExportTariff, inp.event_id, export_mpan=ctx.key, end_date=inp.end_date, reason=inp.reason)
    link.stage = LinkStage.ENDED
    return True


# --- deadlines ---------------------------------------------------------------------------------------------


def export_deadlines(state: ExportEnrolmentState, policy: Policy) -> list[tuple[date, str]]:
    out: list[tuple[date, str]] = []
    app = state.export_app
    if app is not None and app.stage == APPLIED and not app.escalated and app.requested_on is not None:
        out.append((app.requested_on + timedelta(days=policy.export_mpan_escalation_days), EXPORT_ESCALATION))
    if (
        app is not None
        and app.stage == REGISTERED
        and app.tariff_end_date is not None
        and not app.end_notified
    ):
        out.append(
            (app.tariff_end_date - timedelta(days=policy.export_tariff_end_notice_days), TARIFF_ENDING)
        )
    link = state.export_link
    if link is not None and link.stage == CREDITING and link.last_reading_on is not None:
        out.append((more_than_days(link.last_reading_on, policy.export_no_reading_days), EXPORT_NO_READING))
    if (
        link is not None
        and link.stage == CONFIGURED
        and not link.first_chased
        and link.requested_on is not None
    ):
        out.append(
            (link.requested_on + timedelta(days=policy.first_export_reading_chase_days), FIRST_READING_CHASE)
        )
    return out


def fire_export_deadline(state: ExportEnrolmentState, kind: str, due: date, ctx: Ctx) -> None:
    cause = deadline_id(kind, ctx.key, due)
    app = state.export_app
    link = state.export_link
    if kind == EXPORT_ESCALATION and app is not None and app.requested_on is not None:
        ctx.emit(
            EscalateExportMpanDelay,
            cause,
            import_mpan=ctx.key,
            application_id=app.application_id,
            requested_on=app.requested_on,
        )
        app.escalated = True
    elif kind == EXPORT_NO_READING and link is not None and link.last_reading_on is not None:
        ctx.emit(
            SwitchToManualExportReadings, cause, export_mpan=ctx.key, last_reading_on=link.last_reading_on
        )
        link.stage = MANUAL
    elif kind == FIRST_READING_CHASE and link is not None and link.requested_on is not None:
        ctx.emit(ChaseFirstExportReading, cause, export_mpan=ctx.key, requested_on=link.requested_on)
        link.first_chased = True
    elif kind == TARIFF_ENDING and app is not None and app.export_mpan and app.tariff_end_date is not None:
        ctx.emit(
            NotifyExportTariffEnding,
            cause,
            export_mpan=app.export_mpan,
            tariff=app.tariff,
            end_date=app.tariff_end_date,
        )
        app.end_notified = True


def export_label(state: ExportEnrolmentState) -> str | None:
    link = state.export_link
    if link is not None:
        return f"export_{link.stage}"
    app = state.export_app
    if app is not None and app.active:
        return f"export_{app.stage}"
    return None


def _noon(day: date) -> datetime:
    """The occurred_at of a follow-up: its cause's UK day (noon, so the day is unambiguous)."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=UK)


# --- the machine -------------------------------------------------------------------------------------


def _apply_meter_readings(state: ExportEnrolmentState, inp: MeterReadingsIn, ctx: Ctx) -> bool:
    return apply_export_reading(state, inp, inp.readings, "D0010", ctx)


def _apply_customer_reading(state: ExportEnrolmentState, inp: CustomerReadingIn, ctx: Ctx) -> bool:
    if not inp.photo or state.export_link is None:
        return False
    return apply_export_reading(state, inp, (inp.reading,), "customer", ctx)


_TRANSITIONS: dict[type[Input], Any] = {
    MeterReadingsIn: _apply_meter_readings,
    CustomerReadingIn: _apply_customer_reading,
    MovedOutIn: on_moved_out,
    AppSubmittedIn: apply_submitted,
    AppCancelledIn: apply_cancelled,
    MpanAllocatedIn: apply_allocated,
    MpanRefusedIn: apply_refused,
    ExportRegisteredIn: apply_export_registered,
    ExportLinkedIn: apply_linked,
    RegistrationConfirmedIn: apply_registration_confirmed,
    ExportEndedIn: apply_export_ended,
}


def _quiet(state: ExportEnrolmentState) -> bool:
    """Nothing held and no export link waiting for readings: no D0010 can change this."""
    link = state.export_link
    return state.pending is None and (link is None or not link.wants_readings)


class ExportEnrolmentMachine:
    """The export enrolment machine as the engine sees it."""

    name: str = "export_enrolment"
    keyspace: Keyspace = Keyspace.MPAN
    state_type: type[ExportEnrolmentState] = ExportEnrolmentState
    state_classes: tuple[type[Any], ...] = (
        ExportEnrolmentState,
        ExportApplication,
        ExportLink,
        ReadingValue,
        *_TRANSITIONS,
    )
    idle_label: str | None = None
    quiet: ClassVar[dict[type[Any], Callable[[Any], bool]]] = {
        MeterReadingsReceived: lambda s: (
            s.pending is None and (s.export_link is None or not s.export_link.wants_readings)
        )
    }
    """The engine's shortcut for the routine D0010 (see `Machine`)."""
    self_guarded: tuple[type[Input], ...] = (MeterReadingsIn,)

    def __init__(self) -> None:
        self.unknown_subject: dict[type[DomainEvent], str] = {}
        self.converters: dict[type[DomainEvent], Converter] = {
            MeterReadingsReceived: meter_readings_input,
            CustomerReadingReceived: customer_reading_input,
            CustomerMovedOut: moved_out_input,
            ExportApplicationSubmitted: lambda e, p: AppSubmittedIn(
                event_id=e.event_id,
                day=e.day,
                application_id=e.application_id,
                tariff=sys.intern(str(e.tariff)),
                reasons=rejection_reasons(e, p),
                account_id=e.account_id,
                tariff_end_date=e.tariff_end_date,
            ),
            ExportApplicationCancelled: lambda e, _: AppCancelledIn(
                event_id=e.event_id, day=e.day, application_id=e.application_id
            ),
            ExportMpanAllocated: lambda e, _: MpanAllocatedIn(
                event_id=e.event_id, day=e.day, application_id=e.application_id, export_mpan=e.export_mpan
            ),
            ExportMpanRefused: lambda e, _: MpanRefusedIn(
                event_id=e.event_id, day=e.day, application_id=e.application_id, reason=e.reason
            ),
            RegistrationConfirmed: lambda e, _: RegistrationConfirmedIn(
                event_id=e.event_id, day=e.day, ssd=e.ssd
            ),
            ExportMpanLinked: lambda e, _: ExportLinkedIn(
                event_id=e.event_id,
                day=e.day,
                application_id=e.application_id,
                import_mpan=e.import_mpan,
                tariff=e.tariff,
            ),
            ExportMpanRegistered: lambda e, _: ExportRegisteredIn(
                event_id=e.event_id,
                day=e.day,
                application_id=e.application_id,
                export_mpan=e.export_mpan,
                ssd=e.ssd,
            ),
            ExportTariffEnded: lambda e, _: ExportEndedIn(
                event_id=e.event_id,
                day=e.day,
                application_id=e.application_id,
                import_mpan=e.import_mpan,
                end_date=e.end_date,
                reason=e.reason,
                command_issued=e.command_issued,
            ),
        }

    def apply(self, state: ExportEnrolmentState, inp: Input, ctx: Ctx) -> bool:
        return apply_by_type(_TRANSITIONS, state, inp, ctx)

    def claims(self, state: ExportEnrolmentState) -> bool:
        return state.export_link is not None

    def deadlines(self, key: str, state: ExportEnrolmentState, policy: Policy) -> Iterable[tuple[date, str]]:
        if state.export_app is None and state.export_link is None:
            return ()
        return export_deadlines(state, policy)

    def fire(self, state: ExportEnrolmentState, kind: str, due: date, ctx: Ctx) -> None:
        fire_export_deadline(state, kind, due, ctx)

    def label(self, state: ExportEnrolmentState, today: date | None) -> str | None:
        return export_label(state)

    def settled(self, state: ExportEnrolmentState | None, event: Any) -> bool:
        """A D0010 matters here only to a linked export MPAN that wants readings (or to
        one with earlier inputs still held)."""
        if type(event) is not MeterReadingsReceived:
            return False
        if state is None:
            return True
        link = state.export_link
        if link is not None and link.wants_readings:
            return False
        pending = state.pending
        return pending is None or not any(p.day < event.day for p in pending)


EXPORT_ENROLMENT = ExportEnrolmentMachine()
