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
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import ClassVar

from processors.core.deadlines import EXPORT_ESCALATION, EXPORT_NO_READING, deadline_id
from processors.core.machines.supply_point import Ctx, Input, MovedOutIn, ReadingValue, SupplyPointState
from processors.core.policy import Policy
from processors.vocabulary.commands import (
    ApplyForExportMpan,
    ConfigureExport,
    EndExportTariff,
    EscalateExportMpanDelay,
    ExportRejectionCode,
    RegisterExportMpan,
    RejectExportApplication,
    RequestFirstExportReading,
    StartExportCredit,
    SwitchToManualExportReadings,
    WithdrawExportApplication,
)
from processors.vocabulary.events import ELIGIBLE_TECHNOLOGIES, UK, ExportApplicationSubmitted, ExportTariff
from processors.vocabulary.events.internal import (
    ExportMpanLinked,
    ExportMpanRegistered,
    ExportTariffEnded,
    follow_up_id,
)

# application stages (import side)
REJECTED = "rejected"
APPLIED = "applied"
REFUSED = "refused"
ALLOCATED = "allocated"
REGISTERED = "registered"
WITHDRAWN = "withdrawn"
ENDED = "ended"
_ACTIVE = frozenset({APPLIED, ALLOCATED, REGISTERED})

# link stages (export side)
AWAITING_REGISTRATION = "awaiting_registration"
CONFIGURED = "configured"
CREDITING = "crediting"
MANUAL = "manual"

REASON_MOVE_OUT = "move_out"
REASON_COOLING_OFF = "cooling_off"
REASON_CANCELLED = "cancelled"

# --- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportLinkedIn(Input):
    PRIORITY: ClassVar[int] = 15
    application_id: str
    import_mpan: str
    tariff: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AppSubmittedIn(Input):
    """An application with its eligibility already checked (`reasons`, empty when eligible)."""

    PRIORITY: ClassVar[int] = 40
    application_id: str
    tariff: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class MpanAllocatedIn(Input):
    PRIORITY: ClassVar[int] = 45
    application_id: str
    export_mpan: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MpanRefusedIn(Input):
    PRIORITY: ClassVar[int] = 45
    application_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportRegisteredIn(Input):
    PRIORITY: ClassVar[int] = 47
    application_id: str
    export_mpan: str
    ssd: date


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistrationConfirmedIn(Input):
    """A D0217 for this MPAN."""

    PRIORITY: ClassVar[int] = 50
    ssd: date


@dataclass(frozen=True, slots=True, kw_only=True)
class AppCancelledIn(Input):
    PRIORITY: ClassVar[int] = 70
    application_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportEndedIn(Input):
    PRIORITY: ClassVar[int] = 75
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
    credit_started_by: str | None = None

    @property
    def wants_readings(self) -> bool:
        return self.stage in (CONFIGURED, CREDITING, MANUAL)


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
    if certificate is None:
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


def apply_submitted(state: SupplyPointState, inp: AppSubmittedIn, ctx: Ctx) -> bool:
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
    state: SupplyPointState, inp: Input, application_id: str, ctx: Ctx
) -> ExportApplication | None:
    app = state.export_app
    if app is None or app.application_id != application_id:
        ctx.anomaly(
            inp, "unknown_export_application", f"no export application {application_id} for this MPAN"
        )
        return None
    return app


def apply_allocated(state: SupplyPointState, inp: MpanAllocatedIn, ctx: Ctx) -> bool:
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


def apply_refused(state: SupplyPointState, inp: MpanRefusedIn, ctx: Ctx) -> bool:
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


def apply_export_registered(state: SupplyPointState, inp: ExportRegisteredIn, ctx: Ctx) -> bool:
    app = state.export_app
    if app is None or app.application_id != inp.application_id or app.stage != ALLOCATED:
        return False
    app.stage = REGISTERED
    return True


def _end(app: ExportApplication, inp: Input, end_date: date, reason: str, ctx: Ctx) -> None:
    """Withdraw the application before its export MPAN is registered, or end the tariff after."""
    issued = False
    if app.stage == REGISTERED and app.export_mpan is not None:
        ctx.emit(EndExportTariff, inp.event_id, export_mpan=app.export_mpan, end_date=end_date, reason=reason)
        app.stage = ENDED
        issued = True
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


def apply_cancelled(state: SupplyPointState, inp: AppCancelledIn, ctx: Ctx) -> bool:
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


def on_moved_out(state: SupplyPointState, inp: MovedOutIn, ctx: Ctx) -> bool:
    """Moving out ends the export tariff on the move-out day (or withdraws the application)."""
    app = state.export_app
    if app is None or not app.active:
        return False
    _end(app, inp, inp.move_out_date, REASON_MOVE_OUT, ctx)
    return True


# --- export side -----------------------------------------------------------------------------------------


def apply_linked(state: SupplyPointState, inp: ExportLinkedIn, ctx: Ctx) -> bool:
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


def apply_registration_confirmed(state: SupplyPointState, inp: RegistrationConfirmedIn, ctx: Ctx) -> bool:
    """A D0217 for a linked export MPAN: configure export and ask for the first reading.
    For an MPAN that is neither linked nor a supply point of ours it is kept, because the
    link may still be on its way; for our import registrations it changes nothing."""
    link = state.export_link
    if link is None:
        if state.registered or state.unlinked_registration is not None:
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
    state: SupplyPointState, inp: Input, readings: tuple[ReadingValue, ...], source: str, ctx: Ctx
) -> bool:
    """An export reading: the first on or after the export SSD starts crediting; later ones
    keep the 90-day clock."""
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
    if link.last_reading_on is None or latest > link.last_reading_on:
        link.last_reading_on = latest
        return True
    return False


def apply_export_ended(state: SupplyPointState, inp: ExportEndedIn, ctx: Ctx) -> bool:
    link = state.export_link
    if link is None or link.application_id != inp.application_id or link.stage == ENDED:
        return False
    if not inp.command_issued and link.stage in (CONFIGURED, CREDITING, MANUAL):
        ctx.emit(EndExportTariff, inp.event_id, export_mpan=ctx.key, end_date=inp.end_date, reason=inp.reason)
    link.stage = ENDED
    return True


# --- deadlines ---------------------------------------------------------------------------------------------


def export_deadlines(state: SupplyPointState, policy: Policy) -> list[tuple[date, str]]:
    out: list[tuple[date, str]] = []
    app = state.export_app
    if app is not None and app.stage == APPLIED and not app.escalated and app.requested_on is not None:
        out.append((app.requested_on + timedelta(days=policy.export_mpan_escalation_days), EXPORT_ESCALATION))
    link = state.export_link
    if link is not None and link.stage == CREDITING and link.last_reading_on is not None:
        out.append((link.last_reading_on + timedelta(days=policy.export_no_reading_days), EXPORT_NO_READING))
    return out


def fire_export_deadline(state: SupplyPointState, kind: str, due: date, ctx: Ctx) -> None:
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


def export_label(state: SupplyPointState) -> str | None:
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
