"""bench.halfhourly's replay phases measure what `meterflow replay` does: the collector set
as the CLI sets it (docs/decisions.md D44), and every line of the log rated."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from bench.halfhourly import rating, write_log
from processors.collector import YOUNG_THRESHOLD


@pytest.mark.usefixtures("default_collector")
@pytest.mark.parametrize("with_store", [False, True])
def test_rating_phase_collects_as_the_cli_does(tmp_path: Path, with_store: bool) -> None:
    log = tmp_path / "halfhourly.jsonl"
    write_log(log, sites=6, days=3)
    measured = rating(str(log), "2025-04-04", with_store)
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    assert measured["commands"] >= 6 * 2  # each site's days rated (the last one's values come on the 4th)
