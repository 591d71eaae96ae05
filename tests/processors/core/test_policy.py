"""The policy: DOMAIN.md defaults, and overrides from a TOML or JSON file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from processors.core.policy import DEFAULT_POLICY, PolicyError, load_policy


def test_defaults_are_the_numbers_of_the_domain_brief() -> None:
    p = DEFAULT_POLICY
    assert (p.estimated_final_bill_days, p.move_out_estimate_days, p.dispute_after_days) == (42, 35, 30)
    assert (p.dc_chase_working_days, p.refund_working_days) == (10, 10)
    assert (p.export_mpan_escalation_days, p.export_no_reading_days, p.cooling_off_days) == (28, 90, 14)
    assert (p.export_capacity_limit_kw, p.micro_chp_capacity_limit_kw) == (Decimal(5000), Decimal(50))


def test_toml_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("estimated_final_bill_days = 40\nmicro_chp_capacity_limit_kw = 45.5\n")
    policy = load_policy(path)
    assert policy.estimated_final_bill_days == 40
    assert policy.micro_chp_capacity_limit_kw == Decimal("45.5")
    assert policy.move_out_estimate_days == 35


def test_json_file_is_read_too(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text('{"dispute_after_days": 20}')
    assert load_policy(path).dispute_after_days == 20


def test_unknown_key_is_an_error_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("estimated_final_bill_dayz = 40\n")
    with pytest.raises(PolicyError, match="estimated_final_bill_dayz"):
        load_policy(path)


@pytest.mark.parametrize(
    "text", ['dispute_after_days = "thirty"', "dispute_after_days = -1", "dispute_after_days = true"]
)
def test_bad_values_are_errors(tmp_path: Path, text: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text + "\n")
    with pytest.raises(PolicyError, match="dispute_after_days"):
        load_policy(path)


def test_unreadable_or_malformed_files_are_errors(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "missing.toml")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(PolicyError, match="not valid JSON"):
        load_policy(bad)
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    with pytest.raises(PolicyError, match="one table"):
        load_policy(listed)
