"""Issue 11 item 7: a policy that changes a regulation-backed number is allowed but loud."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from processors.drivers import cli

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def replay_with(tmp_path: Path, policy: dict[str, object]) -> list[str]:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(policy))
    return [
        "--log-json",
        "replay",
        str(EXAMPLES / "events" / "switching.jsonl"),
        "--until",
        "2024-10-05",
        "--policy",
        str(path),
        "--out",
        str(tmp_path / "out.jsonl"),
    ]


def warnings(err: str) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("event") == "regulated policy number changed"]


def test_changing_the_42_day_estimate_and_the_refund_days_warns_at_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = cli.main(replay_with(tmp_path, {"estimated_final_bill_days": 50, "refund_working_days": 15}))
    assert status == 0
    found = warnings(capsys.readouterr().err)
    assert [(w["key"], w["value"], w["default"]) for w in found] == [
        ("estimated_final_bill_days", "50", "42"),
        ("refund_working_days", "15", "10"),
    ]
    assert all(w["level"] == "warning" and w["regulation"] for w in found)


def test_changing_an_unregulated_number_is_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(replay_with(tmp_path, {"dispute_after_days": 20})) == 0
    assert warnings(capsys.readouterr().err) == []
