"""Exit statuses a script can trust, `--version`, help for every subcommand, and library
logs in meterflow's own format."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from processors.drivers import cli
from processors.drivers.exit_codes import EXIT_CANNOT_RUN, EXIT_CODES, EXIT_INPUT_FAILED, EXIT_OK
from processors.streaming.broker import free_port
from tests.flows.json_line_builders import registered_line

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = [ROOT / "examples" / "flows", ROOT / "examples" / "events"]
UNTIL = "2025-03-31"
SCRIPT = Path(sys.executable).with_name("meterflow")


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, check=False, cwd=cwd, timeout=120, env=env
    )


def test_a_replay_with_rejections_exits_0_but_1_under_strict(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["replay", *map(str, EXAMPLES), "--until", UNTIL]) == EXIT_OK
    capsys.readouterr()
    assert cli.main(["replay", *map(str, EXAMPLES), "--until", UNTIL, "--strict"]) == EXIT_INPUT_FAILED
    err = capsys.readouterr().err
    assert "meterflow replay: 1 record(s) rejected (--strict)" in err


def test_a_replay_that_reads_nothing_usable_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.txt"
    broken.write_text("ZHV|no|trailer|\n")
    test_data = ROOT / "examples" / "flows" / "UDMS_D0086_TEST_20241105.txt"
    assert cli.main(["replay", str(broken), str(test_data), "--until", UNTIL]) == EXIT_INPUT_FAILED
    err = capsys.readouterr().err
    assert "meterflow replay: nothing usable was read" in err
    assert "2 files (1 rejected, 1 test data)" in err


def test_lines_that_used_to_abort_a_replay_are_rejected_and_every_command_still_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 17 item 2: the end of time and a value nested 100,000 deep exited 1 with an
    OverflowError or a RecursionError and wrote no command at all."""
    bad = tmp_path / "bad.jsonl"
    line = json.loads(registered_line())
    deep = registered_line(event_id="deep")[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    bad.write_text(
        json.dumps({**line, "event_id": "early", "occurred_at": "0001-01-01T00:00:00Z"})
        + "\n"
        + json.dumps({**line, "event_id": "late", "occurred_at": "9999-12-31T23:59:59Z"})
        + "\n"
        + deep
        + "\n"
    )
    out, rejected = tmp_path / "commands.jsonl", tmp_path / "rejected.jsonl"
    args = ["replay", *map(str, EXAMPLES), str(bad), "--until", UNTIL, "--out", str(out)]
    assert cli.main([*args, "--rejected", str(rejected)]) == EXIT_OK
    assert len(out.read_text().splitlines()) == 130  # the examples' commands, all of them
    reasons = [json.loads(r) for r in rejected.read_text().splitlines()]
    assert sorted((Path(r["path"]).name, r["line"]) for r in reasons if r["path"] == str(bad)) == [
        ("bad.jsonl", 1),
        ("bad.jsonl", 2),
        ("bad.jsonl", 3),
    ]


def test_ingest_fails_fast_on_a_path_that_does_not_exist(tmp_path: Path) -> None:
    # no broker listens there: the path is checked before anything is asked of Kafka
    env = {"PATH": "", "METERFLOW_HOME": str(tmp_path), "METERFLOW_BROKER": f"127.0.0.1:{free_port()}"}
    done = run("ingest", str(EXAMPLES[0]), "missing/path", "--until", UNTIL, cwd=tmp_path, env=env)
    assert done.returncode == EXIT_CANNOT_RUN
    assert done.stderr.strip() == "meterflow ingest: no such file or folder: missing/path"


def test_version_and_the_exit_codes_are_in_the_help(tmp_path: Path) -> None:
    done = run("--version", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.strip().startswith("meterflow 0.")
    helped = run("--help", cwd=tmp_path).stdout
    for code, meaning in EXIT_CODES:
        assert f"{code:>3}  {meaning}" in helped


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def test_every_subcommand_has_a_description_and_every_argument_a_help() -> None:
    commands = _subcommands(cli.build_parser())
    assert set(commands) == {"replay", "ingest", "worker", "up", "tail", "consumption"}
    for name, parser in commands.items():
        assert parser.description and len(parser.description) > 40, name
        for action in parser._actions:
            assert action.help and action.help is not argparse.SUPPRESS, f"{name} {action.dest}"


def test_tail_help_lists_every_topic_meterflow_uses() -> None:
    from processors.streaming.topics import Topics  # noqa: PLC0415 - loads aiokafka

    helped = _subcommands(cli.build_parser())["tail"].format_help()
    for spec in Topics().specs():
        assert spec.name in helped
    assert {name for name, _ in cli.TAIL_TOPICS} == {spec.name for spec in Topics().specs()}


def test_library_logs_come_as_meterflow_json_lines_from_warning(tmp_path: Path) -> None:
    env = {"METERFLOW_HOME": str(tmp_path), "PATH": ""}
    done = run(
        "--log-json", "worker", "--no-clock", "--broker", f"127.0.0.1:{free_port()}", cwd=tmp_path, env=env
    )
    assert done.returncode == EXIT_CANNOT_RUN
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("meterflow: cannot reach the Kafka broker")
    logged = [json.loads(line) for line in lines[:-1]]  # every other line is a JSON log line
    from_libraries = [entry for entry in logged if str(entry.get("logger", "")).startswith("aiokafka")]
    assert from_libraries, done.stderr  # aiokafka's connection error is there, in our format
    assert all(entry["level"] in ("warning", "error", "critical") for entry in from_libraries)


def test_the_version_is_looked_up_only_when_asked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every command builds the parser; only `--version` reads the installed metadata."""
    asked: list[str] = []
    monkeypatch.setattr(cli.importlib.metadata, "version", lambda name: asked.append(name) or "9.9")
    parser = cli.build_parser()
    assert asked == []
    with pytest.raises(SystemExit) as stopped:
        parser.parse_args(["--version"])
    assert stopped.value.code == 0
    assert asked == ["meterflow"]
    assert capsys.readouterr().out == "meterflow 9.9\n"
