"""JSON-lines events (SPEC 2.2) to domain events, validated field by field.

One JSON object per line. Every problem with a line (not JSON, unknown type, a missing
required field, a wrong type, a date that is not ISO `YYYY-MM-DD`, an unknown code, an
MPAN whose check digit fails, a field that is not part of the type) is reported in one
RejectedRecord for that line: `field` names the first field at fault and `reason` lists
every problem, each with its field. Unknown fields are refused rather than ignored so
nothing is silently dropped. Blank lines (ASCII whitespace only) are skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from flows.rejections import FileReport, FileStatus, RejectedRecord, RejectionScope
from processors.vocabulary.events import (
    CertificateScheme,
    CustomerMovedOut,
    CustomerReadingReceived,
    DnoNotification,
    DomainEvent,
    ExportApplicationCancelled,
    ExportApplicationSubmitted,
    ExportMpanAllocated,
    ExportMpanRefused,
    ExportTariff,
    GenerationCertificate,
    MeterKind,
    SmartMeterStatus,
    Source,
    SupplyPointRegistered,
    SwitchSecured,
    SwitchWithdrawn,
)
from processors.vocabulary.mpan import InvalidMpan, parse_mpan

Parser = Callable[[Any], Any]
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Problem(ValueError):
    """A field that cannot be read: `field` is its dotted path (e.g. `smart_meter.working`)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected non-empty text, got {value!r}")
    return value


def mpan(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"an MPAN core is a string of 13 digits, got {value!r}")
    try:
        return parse_mpan(value)
    except InvalidMpan as exc:
        raise ValueError(str(exc)) from None


def iso_date(value: Any) -> date:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError(f"expected an ISO date YYYY-MM-DD, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a calendar date ({exc})") from None


def instant(value: Any) -> datetime:
    """An ISO 8601 date-time with its UTC offset (`Z` or `+01:00`): event time is never naive."""
    if not isinstance(value, str) or "T" not in value:
        raise ValueError(f"expected an ISO date-time such as 2024-03-01T09:00:00Z, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a valid ISO date-time") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset: add Z or +01:00")
    return parsed


def amount(value: Any) -> Decimal:
    """A non-negative number (JSON number or numeric string), kept exact."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise ValueError(f"expected a number, got {value!r}")
    try:
        number = Decimal(value) if not isinstance(value, str) else Decimal(value.strip())
    except ArithmeticError:
        raise ValueError(f"expected a number, got {value!r}") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"expected a non-negative number, got {value!r}")
    return number


def flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def code(cls: type[StrEnum]) -> Parser:
    allowed = ", ".join(member.value for member in cls)

    def parse_code(value: Any) -> StrEnum:
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"expected one of {allowed}, got {value!r}") from None

    return parse_code


@dataclass(frozen=True)
class Spec:
    """A field of a JSON event: its parser, and whether it must be present and not null."""

    parse: Parser
    required: bool = True


def obj(cls: Callable[..., Any], fields: dict[str, Spec]) -> Parser:
    """A nested JSON object read into `cls`, every problem named by its dotted path."""

    def parse_object(value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError(f"expected an object with {', '.join(fields)}, got {value!r}")
        return cls(**_fields(value, fields, ""))

    return parse_object


def _fields(data: dict[str, Any], fields: dict[str, Spec], prefix: str) -> dict[str, Any]:
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for name in data:
        if name not in fields:
            problems.append(Problem(prefix + name, f"unknown field (expected {', '.join(fields)})"))
    for name, spec in fields.items():
        raw = data.get(name)
        if raw is None:
            if spec.required:
                problems.append(Problem(prefix + name, "required field is missing or null"))
            continue
        try:
            values[name] = spec.parse(raw)
        except _Problems as nested:
            problems.extend(Problem(prefix + name + "." + p.field, p.reason) for p in nested.problems)
        except ValueError as exc:
            problems.append(Problem(prefix + name, str(exc)))
    if problems:
        raise _Problems(problems)
    return values


class _Problems(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


_CERTIFICATE = obj(
    GenerationCertificate,
    {
        "number": Spec(text),
        "scheme": Spec(code(CertificateScheme)),
        "address": Spec(text),
        "mpan": Spec(mpan),
    },
)
_SMART_METER = obj(SmartMeterStatus, {"working": Spec(flag), "connected": Spec(flag)})

TYPES: dict[str, tuple[type[DomainEvent], dict[str, Spec]]] = {
    "supply_point.registered": (
        SupplyPointRegistered,
        {
            "mpan": Spec(mpan),
            "account_id": Spec(text),
            "meter_kind": Spec(code(MeterKind)),
            "ssd": Spec(iso_date),
        },
    ),
    "switch.secured": (
        SwitchSecured,
        {"mpan": Spec(mpan), "ssd": Spec(iso_date), "gaining_supplier": Spec(text)},
    ),
    "switch.withdrawn": (SwitchWithdrawn, {"mpan": Spec(mpan), "ssd": Spec(iso_date)}),
    "customer.moved_out": (
        CustomerMovedOut,
        {"mpan": Spec(mpan), "account_id": Spec(text), "move_out_date": Spec(iso_date)},
    ),
    "customer.reading": (
        CustomerReadingReceived,
        {
            "mpan": Spec(mpan),
            "read_on": Spec(iso_date),
            "value": Spec(amount),
            "meter_id": Spec(text, required=False),
            "register_id": Spec(text, required=False),
            "photo": Spec(flag, required=False),
        },
    ),
    "export.application_submitted": (
        ExportApplicationSubmitted,
        {
            "application_id": Spec(text),
            "account_id": Spec(text),
            "import_mpan": Spec(mpan),
            "tariff": Spec(code(ExportTariff)),
            "technology": Spec(text),
            "capacity_kw": Spec(amount),
            "domestic": Spec(flag),
            "in_gb": Spec(flag),
            "brand_eligible": Spec(flag),
            "mcs_certificate": Spec(_CERTIFICATE, required=False),
            "dno_notification": Spec(code(DnoNotification), required=False),
            "fit_export_payments": Spec(flag),
            "other_export_support": Spec(flag),
            "smart_meter": Spec(_SMART_METER),
            "address": Spec(text),
            "manual_export_reads": Spec(flag),
        },
    ),
    "export.application_cancelled": (
        ExportApplicationCancelled,
        {"application_id": Spec(text), "import_mpan": Spec(mpan)},
    ),
    "dno.export_mpan_allocated": (
        ExportMpanAllocated,
        {"application_id": Spec(text), "import_mpan": Spec(mpan), "export_mpan": Spec(mpan)},
    ),
    "dno.export_mpan_refused": (
        ExportMpanRefused,
        {"application_id": Spec(text), "import_mpan": Spec(mpan), "reason": Spec(text)},
    ),
}
# Fields that default when absent: present them to the event only when given.
_OPTIONAL_NULLABLE = {"mcs_certificate", "dno_notification"}
_ENVELOPE = {"type", "event_id", "occurred_at"}


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_event(line_text: str, source: Source) -> DomainEvent:
    """One JSON line to its event; raises Problem (one problem) or _Problems (several)."""
    try:
        data = json.loads(line_text, parse_float=Decimal, parse_constant=_no_constants)
    except ValueError as exc:
        raise Problem("", f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise Problem("", f"expected one JSON object per line, got {type(data).__name__}")
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in TYPES:
        raise Problem("type", f"unknown event type {kind!r} (expected one of {', '.join(TYPES)})")
    cls, fields = TYPES[kind]
    envelope = {"event_id": Spec(text), "occurred_at": Spec(instant)}
    body = {name: value for name, value in data.items() if name not in _ENVELOPE}
    head = {name: value for name, value in data.items() if name in _ENVELOPE and name != "type"}
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for part, specs in ((head, envelope), (body, fields)):
        try:
            values.update(_fields(part, specs, ""))
        except _Problems as exc:
            problems.extend(exc.problems)
    if problems:
        raise _Problems(problems)
    for name in _OPTIONAL_NULLABLE & fields.keys():
        values.setdefault(name, None)
    return cls(**values, source=source)


def read_messages(path: Path) -> Iterator[DomainEvent | RejectedRecord | FileReport]:
    """Every event and rejection of a JSON-lines file, then its FileReport."""
    events = rejected = 0
    str_path = str(path)
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue  # blank (ASCII whitespace only)
            try:
                line_text = raw.decode("utf-8").strip().removeprefix("\ufeff")
            except UnicodeDecodeError:
                rejected += 1
                yield RejectedRecord(
                    path=str_path,
                    line=number,
                    field=None,
                    raw=raw.decode("utf-8", "replace"),
                    reason="not UTF-8 text (corrupt or binary data)",
                    scope=RejectionScope.MESSAGE,
                )
                continue
            try:
                event = parse_event(line_text, Source(path=str_path, line=number))
            except (Problem, _Problems) as exc:
                rejected += 1
                problems = exc.problems if isinstance(exc, _Problems) else [exc]
                kind = _type_of(line_text)
                yield RejectedRecord(
                    path=str_path,
                    line=number,
                    field=problems[0].field or None,
                    raw=line_text,
                    reason="; ".join(str(p) if p.field else p.reason for p in problems),
                    scope=RejectionScope.MESSAGE,
                    flow=kind,
                )
                continue
            events += 1
            yield event
    yield FileReport(path=str_path, status=FileStatus.READ, flow="json", events=events, rejected=rejected)


def _type_of(line_text: str) -> str | None:
    try:
        data = json.loads(line_text)
    except ValueError:
        return None
    kind = data.get("type") if isinstance(data, dict) else None
    return kind if isinstance(kind, str) else None
