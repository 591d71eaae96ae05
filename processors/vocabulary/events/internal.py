"""Internal follow-up events: hand-offs between the import and the export MPAN of an export
enrolment (docs/rules.md, "Export hand-off").

Export events are partitioned by the import MPAN, but the D0217 and the export readings
arrive keyed by the export MPAN. So the import side, when the distributor allocates the
export MPAN, sends `ExportMpanLinked` to the export MPAN's key; the export side answers
`ExportMpanRegistered` when the D0217 confirms our registration; cancellation and move-out
send `ExportTariffEnded`. Each is keyed (`mpan`) by its addressee and its `event_id` is
derived from its cause, so a replayed or duplicated cause gives the same follow-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from processors.vocabulary.events.base import DomainEvent


def follow_up_id(cause: str, kind: str, addressee: str) -> str:
    """The deterministic id of the follow-up of `kind` to `addressee` caused by event `cause`."""
    return f"{cause}>{kind}/{addressee}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportMpanLinked(DomainEvent):
    """To the export MPAN (`mpan`): you belong to this application, import MPAN and tariff."""

    DERIVED: ClassVar[bool] = True

    mpan: str
    application_id: str
    import_mpan: str
    tariff: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportMpanRegistered(DomainEvent):
    """To the import MPAN (`mpan`): a D0217 confirmed our registration of `export_mpan` from `ssd`."""

    DERIVED: ClassVar[bool] = True

    mpan: str
    application_id: str
    export_mpan: str
    ssd: date


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportTariffEnded(DomainEvent):
    """To the export MPAN (`mpan`): the enrolment ends on `end_date` for `reason`.

    `command_issued` says whether the import side already issued `EndExportTariff` (it did
    when it knew the export MPAN was registered); otherwise the export side issues it if it
    had configured export, or just stops waiting when it had not.
    """

    DERIVED: ClassVar[bool] = True

    mpan: str
    application_id: str
    import_mpan: str
    end_date: date
    reason: str
    command_issued: bool
