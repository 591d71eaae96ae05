"""The base of every billing command: its deterministic id, its fields, its JSON shape.

Every command carries a deterministic `command_id` derived from the supply point (or
application), its type and its cause, so a replay, a restart or a duplicate input gives
the same id and a consumer can de-duplicate.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

COMMAND_NAMESPACE = uuid.UUID("6f1c3f4e-2b0a-5d7e-9c61-4d2f0e6b8a17")


def command_id_for(subject: str, command_type: str, cause: str) -> str:
    """The deterministic id of the command of `command_type` about `subject` caused by `cause`."""
    return str(uuid.uuid5(COMMAND_NAMESPACE, f"{subject}|{command_type}|{cause}"))


@dataclass(frozen=True, slots=True, kw_only=True)
class BillingReading:
    """The reading a command bills to. `source` names where it came from: `D0086`,
    `D0010`, `customer` (a customer reading) or `estimate`."""

    value: Decimal
    read_on: date
    source: str
    meter_id: str | None = None
    register_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """Base of every billing command. Subclasses set `TYPE` and add their fields."""

    TYPE: ClassVar[str] = ""

    command_id: str
    issued_on: date
    cause: str

    @property
    def type(self) -> str:
        return self.TYPE

    @property
    def subject(self) -> str:
        """The key the command is about: the MPAN (for export the import or export MPAN),
        else the account, MPRN or LDZ it names."""
        for name in ("mpan", "import_mpan", "export_mpan", "account_id", "mprn", "ldz"):
            value = getattr(self, name, None)
            if value:
                return str(value)
        return ""

    def to_json(self) -> dict[str, Any]:
        """The command as one JSON object: the shape of `meterflow replay` and `tail`."""
        out: dict[str, Any] = {"command_id": self.command_id, "type": self.TYPE}
        for f in fields(self):
            if f.name != "command_id":
                out[f.name] = _jsonable(getattr(self, f.name))
        return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    return value
