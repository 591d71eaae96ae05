"""The logs' set-up: a replay pays for structlog only when it logs a line."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from processors.drivers.log_setup import configure_logging, get_logger, lines_held

ROOT = Path(__file__).resolve().parents[3]

_REPLAY_MODULES = """
import sys
from processors.drivers.cli import main
inputs = ["examples/flows/SIEM_D0010_20241126.txt", "examples/flows/SOUT_D0217_20241112.txt"]
sinks = ["--out", "/dev/null", "--rejected", "/dev/null", "--anomalies", "/dev/null"]
status = main(["replay", *inputs, "--until", "2025-03-31", *sinks])
print(status, sorted(name for name in ("structlog", "rich", "duckdb") if name in sys.modules))
"""


def test_a_replay_that_logs_nothing_loads_neither_structlog_nor_rich_nor_duckdb() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _REPLAY_MODULES], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["0", "[]"]


def _lines(text: str) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in text.splitlines()]
    for line in lines:
        line.pop("timestamp")
    return lines


@pytest.mark.parametrize("deferred", [False, True])
def test_a_deferred_configuration_logs_the_lines_an_eager_one_logs(
    deferred: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(json=True, level="INFO", deferred=deferred)
    log = get_logger("meterflow.replay", file_id="F1")
    log.debug("hidden")
    log.warning("rejected", line=2)
    logging.getLogger("aiokafka").warning("broker %s away", "b1")
    logging.getLogger("aiokafka").info("chatter")
    assert _lines(capsys.readouterr().err) == [
        {"logger": "meterflow.replay", "file_id": "F1", "line": 2, "event": "rejected", "level": "warning"},
        {"event": "broker b1 away", "level": "warning", "logger": "aiokafka"},
    ]


def test_a_deferred_level_is_checked_at_once() -> None:
    with pytest.raises(ValueError, match="unknown log level 'LOUD'"):
        configure_logging(level="LOUD", deferred=True)


_SERDE_MODULES = """
import sys
from processors.drivers.cli import main
sinks = ["--out", "/dev/null", "--rejected", "/dev/null", "--anomalies", "/dev/null"]
first = main(["replay", "examples/flows/SOUT_D0217_20241112.txt", "--until", "2025-03-31", *sinks])
loaded = "fastavro" in sys.modules
second = main(["replay", "examples/flows/SIEM_D0010_20241126.txt", "--until", "2025-03-31", *sinks])
print(first, loaded, second, "fastavro" in sys.modules)
"""


def test_a_replay_loads_serde_and_fastavro_only_to_write_a_rejection_or_an_anomaly() -> None:
    """The first replay writes neither (no fastavro loaded); the second writes an anomaly
    (a D0010 of a point not supplied), which serde's `to_json` words."""
    done = subprocess.run(
        [sys.executable, "-c", _SERDE_MODULES], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["0", "False", "0", "True"]


def test_lines_held_are_written_together_at_the_end_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True, level="INFO")
    log = get_logger("meterflow.worker")
    with lines_held():
        for n in range(3):
            log.info("command issued", n=n)
        assert capsys.readouterr().err == ""  # nothing written yet
    written = capsys.readouterr().err
    assert [line["n"] for line in _lines(written)] == [0, 1, 2]
    assert written.endswith("\n") and written.count("\n") == 3


def test_a_warning_or_a_library_line_writes_the_held_lines_first(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True, level="INFO")
    log = get_logger("meterflow.worker")
    with lines_held():
        log.info("first")
        log.warning("second")
        assert [line["event"] for line in _lines(capsys.readouterr().err)] == ["first", "second"]
        log.info("third")
        logging.getLogger("aiokafka").warning("fourth")
        assert [line["event"] for line in _lines(capsys.readouterr().err)] == ["third", "fourth"]
        log.info("fifth")
    assert [line["event"] for line in _lines(capsys.readouterr().err)] == ["fifth"]


def test_held_lines_are_written_when_the_block_fails(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True, level="INFO")
    log = get_logger("meterflow.worker")
    with pytest.raises(RuntimeError), lines_held():
        log.info("before the failure")
        raise RuntimeError("step failed")
    assert [line["event"] for line in _lines(capsys.readouterr().err)] == ["before the failure"]


def test_a_json_line_renders_what_json_cannot_as_before(capsys: pytest.CaptureFixture[str]) -> None:
    """One JSON encoder serves every line, with structlog's fallback for other values."""
    configure_logging(json=True, level="INFO")
    get_logger("meterflow.worker").info("odd values", path=Path("a/b"), amount=1.5, names=("x", "é"))
    line = capsys.readouterr().err.strip()
    assert '"path": "PosixPath(\'a/b\')", "amount": 1.5, "names": ["x", "\\u00e9"]' in line


_WORKER_MODULES = """
import sys
import processors.streaming.worker
from processors.drivers.log_setup import configure_logging, get_logger
configure_logging(json=False)
try:
    raise ValueError("boom")
except ValueError:
    get_logger("t").exception("failed")
print(sorted(name for name in ("structlog", "rich", "pygments") if name in sys.modules))
import rich.console
print("rich importable")
"""


def test_the_worker_loads_structlog_without_rich_and_still_renders_tracebacks() -> None:
    """rich (4.7 MB a worker, D73) renders nothing of ours: tracebacks are text already."""
    done = subprocess.run(
        [sys.executable, "-c", _WORKER_MODULES], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines() == ["['structlog']", "rich importable"]
    assert "failed" in done.stderr
    assert "Traceback (most recent call last)" in done.stderr
    assert "ValueError: boom" in done.stderr
