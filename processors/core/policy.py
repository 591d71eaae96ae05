"""The numbers the rules run on (DOMAIN.md), with their defaults, loadable from a file.

Back-testing a policy change is a replay with another `Policy`: every deadline length and
limit the core uses lives here and nowhere else.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any


class PolicyError(ValueError):
    """A policy file cannot be used; the message names the file and the key."""


REGULATION = "regulation"
"""The field metadata key naming the regulation a number comes from (D23)."""


def regulated(source: str) -> dict[str, str]:
    """Field metadata marking a number set by regulation: changing it is allowed but loud."""
    return {REGULATION: source}


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """Deadline lengths (calendar days unless named working days) and eligibility limits."""

    estimated_final_bill_days: int = field(
        default=42, metadata=regulated("final bill within six weeks of the switch (seed 000; Ofgem SLC 27)")
    )
    """CoS loss with no CoS reading: estimated final bill on SSD + this."""
    move_out_estimate_days: int = 35
    """Move-out with no customer reading: estimated final bill on move-out date + this."""
    dispute_after_days: int = 30
    """Traditional meter: dispute when no CoS reading for more than this many days (fires on
    SSD + this + 1: "more than N days" is always day N+1, D23)."""
    dc_chase_working_days: int = 10
    """Chase the DC when no D0086 more than this many working days after sending it a reading
    (fires on the working day N+1)."""
    refund_working_days: int = field(
        default=10,
        metadata=regulated("refund of a final credit balance within 10 working days (guaranteed standard)"),
    )
    """SettleFinalBalance.refund_due_by: this many working days after the bill."""
    final_bill_guarantee_days: int = field(
        default=42, metadata=regulated("final bill within six weeks (guaranteed standard)")
    )
    """A final (or estimated) bill issued more than this many days after the SSD or move-out
    date pays the final-bill guaranteed standard."""
    guaranteed_standard_amount: Decimal = field(
        default=Decimal("30.00"), metadata=regulated("guaranteed standards payment of 30 pounds")
    )
    """What a missed guaranteed standard pays the account (pounds)."""
    dispute_response_working_days: int = 5
    """RespondToCoSDispute.respond_by: this many working days after the D0300 arrived."""
    dispute_window_months: int = field(
        default=12,
        metadata=regulated("a CoS reading may be disputed up to 12 months after the SSD (FLOWS.md 4)"),
    )
    """A D0300 received more than this many months after the SSD is out of time."""
    dispute_materiality_kwh: Decimal = Decimal(250)
    """A proposed CoS reading within this many kWh of ours (every register) is agreed."""
    cos_reading_window_days: int = 5
    """A D0086 or customer reading counts for a CoS (or move-out) when dated within this many
    days of the SSD (or move-out date)."""
    export_mpan_escalation_days: int = 28
    """Escalate when the distributor has not allocated an export MPAN this long after we applied."""
    export_no_reading_days: int = 90
    """Switch to manual export readings when no automatic half-hourly export reading for more
    than this many days (on the last one + this + 1)."""
    first_export_reading_chase_days: int = 14
    """Chase the first export reading when none arrived this many days after asking for it."""
    export_tariff_end_notice_days: int = field(
        default=42,
        metadata=regulated("notice at least 42 days before a fixed export tariff ends (seed 001, 6.6)"),
    )
    """A fixed export tariff's end is notified this many days before its end date."""
    mcs_required_for_hydro_and_ad: bool = True
    """Whether hydro and anaerobic digestion need an MCS (or Flexi-Orb) certificate: the
    supplier's discretion (solar PV, wind and micro-CHP always need one)."""
    cooling_off_days: int = 14
    """A cancellation within this many days of the application is a cooling-off cancellation."""
    export_capacity_limit_kw: Decimal = Decimal(5000)
    """Largest eligible installed capacity."""
    micro_chp_capacity_limit_kw: Decimal = Decimal(50)
    """Largest eligible installed capacity for micro-CHP."""
    shipper_id: str = "OCTO"
    """Our gas shipper id (MPID): a gas supply point registered to another is not ours."""
    gas_smaller_supply_point_kwh: Decimal = Decimal(73200)
    """A smaller supply point has an AQ at or below this (the LSP threshold)."""
    gas_incomplete_business_days: int = 10
    """Report a month's missing allocations or SAP prices this many business days after it ends."""
    half_hourly_window_days: int = 40
    """Half-hourly days (and completed dispatches) a site's state keeps for corrections,
    counted back from its latest day; values for an older day are an anomaly."""
    tracker_window_days: int = 62
    """Daily import totals an account's trackers keep (a month period and some)."""
    backbilling_months: int = 12
    """No payment may be sought for energy used more than this many calendar months before a bill."""
    backbilling_warning_months: int = 11
    """WarnBackbillingRisk when an account's oldest unbilled day is this many months old."""
    adequacy_review_months: int = 11
    """ReviewPaymentAdequacy when no payment adequacy review for this many months."""
    business_reading_window_days: int = 5
    """BillBusinessAccount bills to an actual reading read on the bill date or this many days before."""
    business_bill_working_days: int = 10
    """ChaseBusinessBill when no invoice by the close of this working day of the month."""
    direct_debit_approval_over: Decimal = Decimal("3000.00")
    """An invoice whose total is over this needs its direct-debit payment approved by hand."""


DEFAULT_POLICY = Policy()


def regulated_changes(policy: Policy) -> list[dict[str, Any]]:
    """Every regulation-backed number `policy` changes from its default, with the
    regulation: what the start-up warning and the dashboard show (D23)."""
    out: list[dict[str, Any]] = []
    for f in fields(Policy):
        source = f.metadata.get(REGULATION)
        if source is None:
            continue
        value, default = getattr(policy, f.name), getattr(DEFAULT_POLICY, f.name)
        if value != default:
            out.append({"key": f.name, "value": str(value), "default": str(default), "regulation": source})
    return out


def regulated_fields() -> list[dict[str, str]]:
    """The regulation-backed policy keys and where each comes from."""
    return [
        {"key": f.name, "regulation": f.metadata[REGULATION]}
        for f in fields(Policy)
        if REGULATION in f.metadata
    ]


def _parse_value(key: str, kind: Any, value: Any, origin: str) -> Any:
    """One policy value read by the type of its field: whole days, a number, a flag, a name."""
    if kind in (Decimal, "Decimal"):
        if isinstance(value, bool):
            raise PolicyError(f"{origin}: {key} must be a number, got {value!r}")
        try:
            return Decimal(str(value))
        except InvalidOperation as exc:
            raise PolicyError(f"{origin}: {key} must be a number, got {value!r}") from exc
    if kind in (bool, "bool"):
        if not isinstance(value, bool):
            raise PolicyError(f"{origin}: {key} must be true or false, got {value!r}")
        return value
    if kind in (str, "str"):
        if not isinstance(value, str) or not value.strip():
            raise PolicyError(f"{origin}: {key} must be non-empty text, got {value!r}")
        return value
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise PolicyError(f"{origin}: {key} must be a whole number >= 0, got {value!r}")
    return value


def policy_from_mapping(values: dict[str, Any], *, origin: str = "policy") -> Policy:
    """A Policy with `values` over the defaults; an unknown key or a bad value is an error."""
    kinds = {f.name: f.type for f in fields(Policy)}
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if key not in kinds:
            raise PolicyError(f"{origin}: unknown policy key {key!r} (known: {', '.join(sorted(kinds))})")
        changes[key] = _parse_value(key, kinds[key], value, origin)
    return replace(DEFAULT_POLICY, **changes)


def load_policy(path: Path) -> Policy:
    """Read a policy file: TOML (`.toml`) or JSON (anything else), a flat table of overrides."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the policy file ({exc.strerror})") from exc
    try:
        data: Any = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise PolicyError(
            f"{path}: not valid {'TOML' if path.suffix.lower() == '.toml' else 'JSON'}: {exc}"
        ) from exc
    if not isinstance(data, dict):
        raise PolicyError(f"{path}: a policy file holds one table of keys and values")
    return policy_from_mapping(data, origin=str(path))
