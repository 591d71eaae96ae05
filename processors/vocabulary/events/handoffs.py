"""Follow-up events of the corrected part-one rules (docs/rules.md, "Related MPANs" and
"Export credit held back").

- `RelatedSwitchSecured` / `RelatedSwitchWithdrawn`: a loss (or its withdrawal) of one MPAN
  of a related pair (D0217 58M, D0260 60M) handed to the other, so both are billed for the
  same SSD (D23).
- `ExportCreditAccount`: the import side of an export enrolment tells the account (keyed by
  `account_id`) that it has an export MPAN credited (or no longer), so an overdue import
  account can hold its export credit back.
Ids come from `follow_up_id`, so a replayed cause gives the same follow-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from processors.vocabulary.events.base import DomainEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class RelatedSwitchSecured(DomainEvent):
    """To `mpan`: your related MPAN `related_mpan` is lost to `gaining_supplier` on `ssd`."""

    DERIVED: ClassVar[bool] = True

    mpan: str
    related_mpan: str
    ssd: date
    gaining_supplier: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RelatedSwitchWithdrawn(DomainEvent):
    """To `mpan`: the switch of your related MPAN `related_mpan` on `ssd` was withdrawn."""

    DERIVED: ClassVar[bool] = True

    mpan: str
    related_mpan: str
    ssd: date


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportCreditAccount(DomainEvent):
    """To the account `account_id`: `export_mpan` (of `import_mpan`) is credited from
    `since` (`active`), or no longer (`active` false)."""

    DERIVED: ClassVar[bool] = True

    account_id: str
    export_mpan: str
    import_mpan: str
    since: date
    active: bool

    @property
    def partition_key(self) -> str:
        return self.account_id
