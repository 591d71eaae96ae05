"""`meterflow replay --jobs N`: the same bytes, in the same order, for any N."""

from __future__ import annotations

import shutil
import sys
from datetime import date
from pathlib import Path

import pytest

from processors.drivers import cli
from processors.drivers.replay import replay
from processors.vocabulary.commands import Command

ROOT = Path(__file__).resolve().parents[2].parent
sys.path.insert(0, str(ROOT / "bench"))

from halfhourly import write_log  # type: ignore[import-not-found]  # noqa: E402
from replay import Shape, generate  # type: ignore[import-not-found]  # noqa: E402

EXAMPLES = ROOT / "examples"
FIXTURES = ROOT / "tests" / "fixtures" / "flows"


def run(paths: list[Path], until: str, jobs: int, out: Path) -> list[bytes]:
    files = [out / f"{name}-{jobs}.jsonl" for name in ("commands", "rejected", "anomalies")]
    args = ["replay", *map(str, paths), "--until", until, "--jobs", str(jobs)]
    args += ["--out", str(files[0]), "--rejected", str(files[1]), "--anomalies", str(files[2])]
    assert cli.main(args) == 0
    return [file.read_bytes() for file in files]


@pytest.mark.parametrize("jobs", [2, 3])
def test_the_examples_give_the_same_bytes(tmp_path: Path, jobs: int) -> None:
    serial = run([EXAMPLES], "2025-03-31", 1, tmp_path)
    commands = [c for c in replay([EXAMPLES], date(2025, 3, 31)) if isinstance(c, Command)]
    assert serial[0].count(b"\n") == len(commands) > 0
    assert run([EXAMPLES], "2025-03-31", jobs, tmp_path) == serial


def test_a_generated_log_with_duplicates_and_bad_files_gives_the_same_bytes(tmp_path: Path) -> None:
    log = tmp_path / "log"
    shape = Shape(readings=3000, points=300, days=12)
    generate(log, shape)
    first = sorted(log.glob("*.D0010"))[0]
    shutil.copy(first, log / "a_resent.D0010")  # the same sender and file id: duplicate
    for name in ("d0010_truncated.txt", "d0010_field_counts.txt", "d0217_catalogue_width.txt"):
        shutil.copy(FIXTURES / name, log / name)
    until = shape.until.isoformat()
    serial = run([log], until, 1, tmp_path)
    assert serial[0] and serial[1]  # commands and rejections to compare
    assert run([log], until, 2, tmp_path) == serial
    assert run([log], until, 4, tmp_path) == serial


def test_jobs_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["replay", str(EXAMPLES), "--until", "2025-03-31", "--jobs", "0"])


def test_a_log_with_accounts_and_half_hourly_data_gives_the_same_bytes(tmp_path: Path) -> None:
    # Follow-ups cross keys and keyspaces here: supply point -> account (links, business
    # marks), half-hourly -> account trackers, export -> import hand-offs.
    log = tmp_path / "log"
    shape = Shape(readings=3000, points=300, days=40, accounts=True)
    generate(log, shape)
    write_log(log / "halfhourly.jsonl", sites=30, days=3)
    until = "2025-04-10"
    serial = run([log], until, 1, tmp_path)
    lines = serial[0].decode().splitlines()
    kinds = {line.split('"type": "', 1)[1].split('"', 1)[0] for line in lines if '"type": "' in line}
    # the accounts' and the half-hourly data's commands are among those compared
    assert {"BillBusinessAccount", "RateHalfHourlyConsumption", "ApplyForExportMpan"} <= kinds, kinds
    assert run([log], until, 2, tmp_path) == serial
    assert run([log], until, 3, tmp_path) == serial
