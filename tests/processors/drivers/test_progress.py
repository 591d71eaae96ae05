"""Progress of a replay: on a terminal after a few seconds, never elsewhere or with --quiet."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from flows import FileReport, FileStatus
from processors.drivers import cli
from processors.drivers.progress import ReplayProgress, describe

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"


def test_the_text_says_files_events_and_rate() -> None:
    assert describe(12, 100, 120_000, 3.0) == "12/100 files, 120,000 events, 40,000 events/s"
    assert describe(0, 3, 0, 0.0) == "0/3 files, 0 events, 0 events/s"


def test_nothing_is_drawn_before_the_delay_then_files_and_bytes_advance() -> None:
    now = [0.0]
    stream = io.StringIO()
    flows = EXAMPLES / "flows"
    progress = ReplayProgress([flows], stream=stream, delay=2.0, clock=lambda: now[0])
    first = sorted(p for p in flows.iterdir() if p.is_file())[0]
    with progress:
        progress.advance(FileReport(path=str(first), status=FileStatus.READ), events=10)
        assert not progress.shown and stream.getvalue() == ""
        now[0] = 5.0
        progress.advance(FileReport(path=str(first), status=FileStatus.READ), events=500)
        assert progress.shown
        total = len([p for p in flows.rglob("*") if p.is_file()])
        assert progress.text() == f"2/{total} files, 500 events, 100 events/s"


def test_no_progress_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert ReplayProgress.for_terminal([EXAMPLES], quiet=False) is None  # pytest's stderr is a pipe
    assert cli.main(["replay", str(EXAMPLES), "--until", "2025-03-31", "--jobs", "1"]) == 0
    err = capsys.readouterr().err
    assert "events/s" not in err and "files," not in err
    assert err.strip().splitlines()[-1].startswith("meterflow replay through 2025-03-31")


SCRIPT = """
import sys
from pathlib import Path
from flows import FileReport, FileStatus
from processors.drivers.progress import ReplayProgress
quiet = sys.argv[1] == "quiet"
progress = ReplayProgress.for_terminal([Path(sys.argv[2])], quiet=quiet, delay=0.0)
print("progress" if progress else "none", flush=True)
if progress is not None:
    with progress:
        progress.advance(FileReport(path="x", status=FileStatus.READ), events=1234)
        print('{"event": "a log line stays one JSON line", "level": "info"}', file=sys.stderr)
"""


@pytest.mark.parametrize("mode", ["loud", "quiet"])
def test_on_a_terminal_progress_is_drawn_unless_quiet(mode: str) -> None:
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, mode, str(EXAMPLES / "flows")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=follower,
            cwd=ROOT,
            env={**os.environ, "COLUMNS": "200", "TERM": "xterm"},
            timeout=60,
            check=True,
        )
        os.close(follower)
        follower = -1
        drawn = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    if mode == "quiet":
        assert done.stdout.strip() == b"none" and b"events/s" not in drawn
    else:
        assert done.stdout.strip() == b"progress"
        assert b"1,234 events" in drawn and b"files" in drawn
        assert b'{"event": "a log line stays one JSON line", "level": "info"}' in drawn
