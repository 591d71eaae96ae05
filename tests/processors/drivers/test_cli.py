"""`meterflow`: the console entry, run as users run it."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import types
from datetime import date
from pathlib import Path
from typing import NamedTuple

import pytest

from processors.codecs import serde
from processors.drivers import cli
from processors.drivers.replay import replay
from processors.settings import Settings
from processors.vocabulary.commands import COMMAND_TYPES, Command

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = [ROOT / "examples" / "flows", ROOT / "examples" / "events"]
UNTIL = "2025-03-31"


def example_args() -> list[str]:
    return ["replay", *map(str, EXAMPLES), "--until", UNTIL]


def test_replay_writes_commands_rejections_and_anomalies_to_their_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, rejected, anomalies = (
        tmp_path / "commands.jsonl",
        tmp_path / "rejected.jsonl",
        tmp_path / "anomalies.jsonl",
    )
    status = cli.main(
        [*example_args(), "--out", str(out), "--rejected", str(rejected), "--anomalies", str(anomalies)]
    )
    assert status == 0
    expected = [c.to_json() for c in replay(EXAMPLES, date(2025, 3, 31)) if isinstance(c, Command)]
    assert [json.loads(line) for line in out.read_text().splitlines()] == expected
    [record] = [json.loads(line) for line in rejected.read_text().splitlines()]
    assert (Path(record["path"]).name, record["line"], record["field"]) == (
        "UDMS_D0010_20241203.txt",
        6,
        "MPAN core",
    )
    assert "check digit" in record["reason"]
    [anomaly] = [json.loads(line) for line in anomalies.read_text().splitlines()]
    assert (anomaly["subject"], anomaly["kind"]) == ("1600789789781", "no_loss_for_cos_reading")
    summary = capsys.readouterr().err.strip().splitlines()[-1]
    assert summary.startswith("meterflow replay through 2025-03-31: 21 files (1 duplicate, 1 test data)")
    assert "1 rejected record, 1 anomaly, 130 commands" in summary


def test_replay_prints_commands_on_stdout_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(example_args()) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 130  # part one and its corrections 48, accounts 21, gas 22, half-hourly 39
    assert json.loads(lines[0])["type"] == "ReviewPaymentAdequacy"  # billing.jsonl, 2 Sep 2024
    # without --rejected and --anomalies they are logged on stderr, never dropped
    assert "1200023305968 fails its check digit" in captured.err
    assert "no_loss_for_cos_reading" in captured.err


def test_a_policy_file_changes_the_deadlines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("dispute_after_days = 20\n")
    assert cli.main([*example_args(), "--policy", str(policy)]) == 0
    disputes = [json.loads(x) for x in capsys.readouterr().out.splitlines() if '"RaiseCoSDispute"' in x]
    # SSD+21 instead of SSD+31; the late switching notice (SSD 3 Feb, known 20 Mar) fires at once
    assert [(d["mpan"], d["issued_on"]) for d in disputes] == [
        ("1400123456786", "2024-11-18"),
        ("1300123400111", "2025-03-17"),
        ("1200999888775", "2025-03-20"),
        ("1700555666777", "2025-03-31"),
    ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--until", "2025-02-30"], "'2025-02-30' is not a date"),
        (["--policy", "nowhere.toml"], "no such policy file: nowhere.toml"),
    ],
)
def test_replay_cannot_run_with_bad_arguments(
    extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([*example_args(), *extra]) == 2
    assert message in capsys.readouterr().err


def test_replay_of_a_missing_path_cannot_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["replay", "no/such/folder", "--until", UNTIL]) == 2
    assert "no such file or folder: no/such/folder" in capsys.readouterr().err


def test_a_policy_file_with_an_unknown_key_cannot_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("dispute_after_dayz = 20\n")
    assert cli.main([*example_args(), "--policy", str(policy)]) == 2
    assert "dispute_after_dayz" in capsys.readouterr().err


def test_replay_needs_until(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["replay", str(EXAMPLES[0])]) == 2
    assert "--until" in capsys.readouterr().err


def test_the_console_script_runs_replay(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("meterflow")
    rejected = tmp_path / "rejected.jsonl"
    done = subprocess.run(
        [str(script), *example_args(), "--rejected", str(rejected)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    types_issued = {json.loads(line)["type"] for line in done.stdout.splitlines()}
    assert types_issued == set(COMMAND_TYPES)
    assert done.stderr.strip().splitlines()[-1].startswith("meterflow replay through 2025-03-31")
    assert len(rejected.read_text().splitlines()) == 1


def test_the_console_script_says_why_it_cannot_run(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("meterflow")
    done = subprocess.run(
        [str(script), "replay", "missing.D0010", "--until", UNTIL],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 2
    assert "meterflow replay: no such file or folder: missing.D0010" in done.stderr
    assert done.stdout == ""


# --- the Kafka subcommands: parsed here, run by processors.streaming.<name>.run(args, settings) --


class Call(NamedTuple):
    args: argparse.Namespace
    settings: Settings


@pytest.fixture
def fake_streaming(monkeypatch: pytest.MonkeyPatch) -> list[Call]:
    """Stand-ins for processors.streaming.{ingest,worker,tail,up} that record their arguments."""
    calls: list[Call] = []
    for name in ("ingest", "worker", "tail", "up"):
        module = types.ModuleType(f"processors.streaming.{name}")

        def run(args: argparse.Namespace, settings: Settings) -> int:
            calls.append(Call(args, settings))
            return 0

        module.run = run  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, f"processors.streaming.{name}", module)
    return calls


def test_tail_options_reach_the_streaming_module(fake_streaming: list[Call]) -> None:
    status = cli.main(
        [
            "--broker",
            "kafka:9092",
            "tail",
            "billing-commands",
            "--from-beginning",
            "--max",
            "5",
            "--timeout",
            "2.5",
        ]
    )
    assert status == 0
    [(args, settings)] = fake_streaming
    assert (args.command, args.topic, args.from_beginning, args.max, args.timeout, settings.broker) == (
        "tail",
        "billing-commands",
        True,
        5,
        2.5,
        "kafka:9092",
    )


def test_broker_comes_from_the_environment_unless_given(
    monkeypatch: pytest.MonkeyPatch, fake_streaming: list[Call]
) -> None:
    monkeypatch.setenv("METERFLOW_BROKER", "env-host:9092")
    assert cli.main(["worker", "--no-clock"]) == 0
    assert cli.main(["ingest", str(EXAMPLES[0]), "--until", UNTIL, "--broker", "flag-host:9092"]) == 0
    assert cli.main(["up"]) == 0
    worker, ingest, up = fake_streaming
    assert (worker.settings.broker, worker.args.no_clock) == ("env-host:9092", True)
    assert (ingest.settings.broker, ingest.args.until, ingest.args.paths) == (
        "flag-host:9092",
        date(2025, 3, 31),
        [str(EXAMPLES[0])],
    )
    assert (up.settings.broker, up.args.no_clock, up.args.policy) == ("env-host:9092", False, None)


def test_no_broker_anywhere_leaves_it_to_the_streaming_side(
    monkeypatch: pytest.MonkeyPatch, fake_streaming: list[Call]
) -> None:
    monkeypatch.delenv("METERFLOW_BROKER", raising=False)
    assert cli.main(["tail", "rejected-records"]) == 0
    assert fake_streaming[0].settings.broker is None


def test_the_environment_is_read_once_into_the_settings_passed_down(
    monkeypatch: pytest.MonkeyPatch, fake_streaming: list[Call], tmp_path: Path
) -> None:
    monkeypatch.setenv("METERFLOW_TOPIC_PREFIX", "blue-")
    monkeypatch.setenv("METERFLOW_PARTITIONS", "8")
    monkeypatch.setenv("METERFLOW_GROUP", "blue-workers")
    monkeypatch.setenv("METERFLOW_DASHBOARD_PORT", "0")
    monkeypatch.setenv("METERFLOW_HOME", str(tmp_path))
    assert cli.main(["--log-level", "DEBUG", "worker"]) == 0
    [(_, settings)] = fake_streaming
    assert (settings.topic_prefix, settings.partitions, settings.group) == ("blue-", 8, "blue-workers")
    assert (settings.dashboard_port, settings.home, settings.log_level) == (0, tmp_path, "DEBUG")


def test_an_unusable_setting_cannot_run_and_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, fake_streaming: list[Call], capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("METERFLOW_MAX_BATCH", "lots")
    assert cli.main(["worker"]) == 2
    assert "meterflow worker: METERFLOW_MAX_BATCH='lots' is not a whole number" in capsys.readouterr().err
    assert fake_streaming == []


@pytest.mark.parametrize(
    "argv", [["tail", "t", "--max", "0"], ["tail", "t", "--timeout", "soon"], ["bogus"], []]
)
def test_bad_subcommand_arguments_cannot_run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    assert "usage: meterflow" in capsys.readouterr().err


def test_help_lists_all_five_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ("replay", "ingest", "worker", "up", "tail"):
        assert name in out


def test_an_output_file_that_cannot_be_written_cannot_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no" / "such" / "dir" / "commands.jsonl"
    assert cli.main([*example_args(), "--out", str(target)]) == 2
    assert f"cannot write the commands file {target}" in capsys.readouterr().err


def test_logs_are_json_lines_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--log-json", *example_args()]) == 0
    logged = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    rejected = [entry for entry in logged if entry["event"] == "rejected"]
    assert [(Path(r["path"]).name, r["line"], r["level"]) for r in rejected] == [
        ("UDMS_D0010_20241203.txt", 6, "warning")
    ]


def test_the_state_dir_comes_from_the_flag_or_the_environment(
    monkeypatch: pytest.MonkeyPatch, fake_streaming: list[Call], tmp_path: Path
) -> None:
    monkeypatch.delenv("METERFLOW_STATE_DIR", raising=False)
    assert cli.main(["worker"]) == 0
    assert cli.main(["worker", "--state-dir", str(tmp_path / "flag")]) == 0
    monkeypatch.setenv("METERFLOW_STATE_DIR", str(tmp_path / "env"))
    assert cli.main(["worker"]) == 0
    assert cli.main(["up", "--state-dir", ""]) == 0
    assert [call.settings.state_dir for call in fake_streaming] == [
        None,
        tmp_path / "flag",
        tmp_path / "env",
        None,  # an empty --state-dir: memory, whatever the environment says
    ]


def test_the_schemas_dir_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, fake_streaming: list[Call], tmp_path: Path
) -> None:
    monkeypatch.setenv("METERFLOW_SCHEMAS", str(tmp_path))  # no schema in it
    try:
        assert cli.main(["worker"]) == 0
        assert fake_streaming[0].settings.schemas_dir == tmp_path
        with pytest.raises(RuntimeError, match=f"no schema in {tmp_path}"):
            serde.registry()
    finally:
        serde.use_schemas(serde.SCHEMAS_DIR)
    assert serde.registry().current  # the repo's schemas again
