"""`meterflow consumption` over the example files and over a store written by replay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from processors.drivers.cli import main

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
SHOP = "1100555000335"  # FLAT; periods 20-22 of 26 March missing, filled on the 28th
GO = "1700555000110"  # IO Go; period 3 of 30 March (46 periods) never arrives


def test_a_site_over_the_input_files(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["consumption", GO, str(EXAMPLES / "events"), "--from", "2025-03-30", "--to", "2025-03-30"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["points"]) == 46
    assert report["points"][2]["kwh"] is None
    assert report["account_id"] == "A-300100"


def test_a_portfolio_over_a_store_written_by_replay_as_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "history.duckdb"
    paths = [str(EXAMPLES / "flows"), str(EXAMPLES / "events")]
    assert (
        main(["replay", *paths, "--until", "2025-03-31", "--store", str(store), "--out", str(tmp_path / "c")])
        == 0
    )
    capsys.readouterr()
    code = main(
        [
            *("consumption", "--account", "A-300300", "--store", str(store)),
            *("--from", "2025-03-26", "--to", "2025-03-26", "--resolution", "day", "--csv"),
        ]
    )
    assert code == 0
    # The shop's gap was filled late: both sites complete on the 26th.
    assert capsys.readouterr().out.splitlines() == ["start,kwh,missing", "2025-03-26T00:00:00+00:00,62.900,0"]


def test_without_a_site_or_inputs_it_cannot_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["consumption", "--from", "2025-03-26", "--to", "2025-03-26", str(EXAMPLES)]) == 2
    assert "name a site" in capsys.readouterr().err
    assert main(["consumption", SHOP, "--from", "2025-03-26", "--to", "2025-03-26"]) == 2
    assert "input files" in capsys.readouterr().err
