"""Of the runs a partition's snapshots hold, only the one recovery uses is unpacked: the
latest complete one, or the one before it when that proves broken (D76)."""

from __future__ import annotations

import json

import pytest

from processors.streaming import snapshots
from processors.streaming.snapshots import END, STATES
from tests.processors.streaming.test_stream_snapshot_topic import _latest, _run


def _packs(run: list[tuple[bytes, bytes]]) -> list[bytes]:
    return [value for key, value in run if key == STATES]


async def test_only_the_latest_complete_run_is_unpacked(monkeypatch: pytest.MonkeyPatch) -> None:
    runs = [_run(5, 12), _run(9, 12), _run(13, 12), _run(17, 12)]
    log = [record for run in runs for record in run] + _run(21, 12)[:-1]  # the last cut short
    seen: list[bytes] = []
    real = snapshots.unpacked

    def counted(value: bytes) -> list[tuple[str, bytes]]:
        seen.append(value)
        return real(value)

    monkeypatch.setattr(snapshots, "unpacked", counted)
    found = await _latest(monkeypatch, log, 100)
    assert found[0].offset == 17 and len(found[0].states) == 12
    assert seen == _packs(runs[3])
    seen.clear()
    found = await _latest(monkeypatch, log, 12)  # the runs past the committed offset are not used
    assert found[0].offset == 9 and seen == _packs(runs[1])


@pytest.mark.parametrize("broken", ["a packed record cut short", "a count its END does not name"])
async def test_a_broken_latest_run_gives_way_to_the_one_before(
    monkeypatch: pytest.MonkeyPatch, broken: str
) -> None:
    good, bad = _run(5, 12), _run(9, 12)
    if broken == "a packed record cut short":
        at = next(i for i, (key, _) in enumerate(bad) if key == STATES)
        bad[at] = (STATES, bad[at][1][:-3])
    else:
        tail = json.loads(bad[-1][1])
        bad[-1] = (END, json.dumps({**tail, "count": tail["count"] + 1}).encode())
    found = await _latest(monkeypatch, good + bad, 100)
    assert found[0].offset == 5 and len(found[0].states) == 12
    assert await _latest(monkeypatch, bad, 100) == {}
    # two broken runs after a good one: the partition is folded from the beginning
    assert await _latest(monkeypatch, good + bad + bad, 100) == {}
