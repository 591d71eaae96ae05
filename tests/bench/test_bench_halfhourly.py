"""bench.halfhourly's replay phases measure what `meterflow replay` does: the collector set
as the CLI sets it (docs/decisions.md D44), and every line of the log rated."""

from __future__ import annotations

import gc
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bench.halfhourly import contract_floor, rating, write_log
from processors.collector import YOUNG_THRESHOLD
from processors.drivers.replay import replay
from processors.vocabulary.commands import RateHalfHourlyConsumption


@pytest.mark.usefixtures("default_collector")
@pytest.mark.parametrize("with_store", [False, True])
def test_rating_phase_collects_as_the_cli_does(tmp_path: Path, with_store: bool) -> None:
    log = tmp_path / "halfhourly.jsonl"
    write_log(log, sites=6, days=3)
    measured = rating(str(log), "2025-04-04", with_store)
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    assert measured["commands"] >= 6 * 2  # each site's days rated (the last one's values come on the 4th)


def test_the_contract_floor_does_the_contracts_arithmetic(tmp_path: Path) -> None:
    """The floor is only a fair lower bound if it does the work the replay must do: every
    site-day, and every non-missing value summed exactly as the commands total them."""
    log = tmp_path / "halfhourly.jsonl"
    write_log(log, sites=6, days=3)
    floor = contract_floor(str(log))
    rated = [item for item in replay([log], date(2025, 4, 10)) if isinstance(item, RateHalfHourlyConsumption)]
    assert floor["commands"] == len(rated)
    assert floor["lines"] == sum(1 + (item.export is not None) for item in rated)
    totals = [
        energy.off_peak_kwh + energy.peak_kwh
        for item in rated
        for energy in (item.import_, item.export)
        if energy is not None
    ]
    assert Decimal(floor["total_kwh"]) == sum(totals, Decimal(0)) > 0
