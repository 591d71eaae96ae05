"""A snapshot run carries its engine's derived indexes (D76): recovery sets them instead of
reading every state's deadlines, and the restarted fold gives the commands the fold that
was never stopped gives. Runs without them (written by be312c1, kept as a fixture; or
with an index cut short, or derived under another policy) are indexed from their states."""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from processors.core import engine as engine_module
from processors.core.engine import Engine
from processors.core.policy import DEFAULT_POLICY, Policy
from processors.streaming import snapshots
from processors.streaming.lockstep import LockStep
from processors.streaming.processor import Outgoing
from processors.streaming.recovery import Recovery
from processors.streaming.snapshots import (
    INDEX,
    PACK_BYTES,
    Snapshot,
    decoded_index,
    encoded_index,
    latest_snapshots,
    snapshot_records,
)
from processors.streaming.stats import WorkerStats
from tests.processors.streaming.test_stream_lockstep import TOPICS, commands_in, lockstep, partitioned_log
from tests.processors.streaming.test_stream_recovery_index import index

FIXTURE = Path(__file__).parent / "fixtures" / "snapshots_be312c1.json"
LOGS = partitioned_log(4)


def folded_to(cut: int) -> LockStep:
    folding = lockstep(4)
    for p, records in LOGS.items():
        folding.feed(p, records[:cut])
    folding.step(lambda p: True, Outgoing(mute=True))
    return folding


def fold_on(folding: LockStep) -> Outgoing:
    """Fold the rest of the log, as a worker reading on from each partition's offset does."""
    out = Outgoing()
    for p, records in LOGS.items():
        folding.feed(p, records[folding.done[p] :])
    folding.step(lambda p: True, out)
    return out


async def read_back(
    monkeypatch: pytest.MonkeyPatch, runs: dict[int, list[tuple[bytes, bytes]]]
) -> dict[int, Snapshot]:
    """`latest_snapshots` over a snapshots topic holding `runs` (per partition)."""

    async def read(_reader: Any, _tps: Iterable[Any], **_: Any) -> AsyncIterator[list[SimpleNamespace]]:
        for p, records in runs.items():
            yield [SimpleNamespace(partition=p, key=k, value=v) for k, v in records]

    monkeypatch.setattr(snapshots, "read_partitions", read)
    return await latest_snapshots(None, TOPICS.snapshots, dict.fromkeys(runs, 10**9))  # type: ignore[arg-type]


def restarted(found: dict[int, Snapshot], policy: Policy = DEFAULT_POLICY) -> LockStep:
    """The partitions as recovery loads them from `found`, in a new lock-step."""
    recovery = Recovery("unused:9092", TOPICS, policy, WorkerStats())
    folding = LockStep(TOPICS, 4, policy)
    for p, snapshot in sorted(found.items()):
        processor, start = recovery._from_snapshot(p, snapshot, None)
        assert start == snapshot.offset
        folding.add(p, processor, start)
    return folding


def written(folding: LockStep) -> dict[int, list[tuple[bytes, bytes]]]:
    """Each partition's snapshot run, as `SnapshotWriter` writes it."""
    return {
        p: list(snapshot_records(folding.done[p], "", engine.store.items(), engine.derived_index()))
        for p, engine in ((p, processor.engine) for p, processor in folding.processors.items())
    }


@pytest.mark.parametrize("cut", [120, 200, 400])
async def test_a_restart_from_runs_with_their_index_gives_the_commands_of_no_restart(
    monkeypatch: pytest.MonkeyPatch, cut: int
) -> None:
    folding = folded_to(cut)
    runs = written(folding)
    assert all(INDEX in {key for key, _ in records} for records in runs.values())
    found = await read_back(monkeypatch, runs)
    assert all(snapshot.index is not None for snapshot in found.values())
    rebuilt: list[int] = []  # the states each rebuild read (an Engine's start reads none)
    monkeypatch.setattr(Engine, "rebuild_deadlines", lambda self: rebuilt.append(len([*self.store.items()])))
    again = restarted(found)
    monkeypatch.undo()
    assert rebuilt and not any(rebuilt)  # set from the runs, not derived
    assert any(index(processor.engine)[0] for processor in again.processors.values())
    for p, processor in again.processors.items():
        kept = folding.processors[p].engine
        assert index(processor.engine) == index(kept)
        assert processor.engine._side_keys == kept._side_keys
        assert processor.engine._wake._days == kept._wake._days
        processor.engine.rebuild_deadlines()
        assert index(processor.engine) == index(kept)
    expected, got = fold_on(folding), fold_on(restarted(found))
    assert expected.commands > 0
    assert commands_in(got) == commands_in(expected)


async def test_runs_written_by_be312c1_still_recover_to_the_same_commands(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fixture = json.loads(FIXTURE.read_text())
    runs = {
        run["partition"]: [(base64.b64decode(k), base64.b64decode(v)) for k, v in run["records"]]
        for run in fixture["runs"]
    }
    assert not any(INDEX in {key for key, _ in records} for records in runs.values())
    found = await read_back(monkeypatch, runs)
    assert sorted(found) == [0, 1, 2, 3] and all(s.index is None for s in found.values())
    folding = folded_to(fixture["cut"])
    assert {p: s.offset for p, s in found.items()} == folding.done
    again = restarted(found)
    for p, processor in again.processors.items():
        assert index(processor.engine) == index(folding.processors[p].engine)
    assert commands_in(fold_on(again)) == commands_in(fold_on(folding))


async def test_an_index_cut_short_or_of_another_policy_is_derived_from_the_states(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folding = folded_to(400)
    runs = written(folding)
    # partition 0 loses a piece of its index: its states still make a run
    runs[0] = [(key, value[:-1] if key == INDEX else value) for key, value in runs[0]]
    found = await read_back(monkeypatch, runs)
    assert found[0].index is None and len(found[0].states) == len(folding.processors[0].store)
    assert all(found[p].index is not None for p in (1, 2, 3))
    again = restarted(found)
    for p, processor in again.processors.items():
        assert index(processor.engine) == index(folding.processors[p].engine)
    # a worker with another policy: its own deadlines, not those the index was derived by
    other = dataclasses.replace(DEFAULT_POLICY, dispute_after_days=DEFAULT_POLICY.dispute_after_days + 7)
    under_other = restarted(found, other)
    for p, processor in under_other.processors.items():
        assert processor.engine._index_rules() != folding.processors[p].engine._index_rules()
        derived = index(processor.engine)
        processor.engine.rebuild_deadlines()
        assert index(processor.engine) == derived


def test_an_index_reads_back_as_written_and_anything_else_as_none() -> None:
    folding = folded_to(400)
    for processor in folding.processors.values():
        derived = processor.engine.derived_index()
        assert decoded_index(encoded_index(derived)) == derived
    short = b'{"rules": "x", "wake": [[1]], "held": [], "side": []}'
    for broken in (b"", b"{", b"[]", b'{"rules": "x"}', short):
        assert decoded_index(broken) is None


def test_a_large_index_is_cut_into_pieces_of_a_pack() -> None:
    derived = folded_to(400).processors[0].engine.derived_index()
    large = dataclasses.replace(derived, side=[f"{n:020d}" for n in range(3 * PACK_BYTES // 20)])
    records = list(snapshot_records(1, "", [], large))
    pieces = [value for key, value in records if key == INDEX]
    assert len(pieces) > 3 and all(len(piece) <= PACK_BYTES for piece in pieces)
    assert json.loads(records[-1][1])["index"] == len(b"".join(pieces))
    assert decoded_index(b"".join(pieces)) == large


async def test_an_index_derived_by_other_code_is_derived_again_from_the_states(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An upgrade (any edit of the `processors` package) must not trust wake days an older
    deadline rule derived: the restarted engine derives its own from the states."""
    folding = folded_to(400)
    found = await read_back(monkeypatch, written(folding))
    assert all(found[p].index is not None for p in found)
    monkeypatch.setattr(engine_module, "rules_code_digest", lambda: "edited")
    loaded: list[bool] = []
    real_load = Engine.load_index

    def spy(self: Engine, derived: Any) -> bool:
        loaded.append(real_load(self, derived))
        return loaded[-1]

    monkeypatch.setattr(Engine, "load_index", spy)
    again = restarted(found)
    assert loaded and not any(loaded)
    for p, processor in again.processors.items():
        assert index(processor.engine) == index(folding.processors[p].engine)


def test_the_code_digest_changes_with_any_source_file_and_only_with_one(tmp_path: Path) -> None:
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "rules.py").write_text("DAYS = 42\n")
    (tmp_path / "notes.txt").write_text("not code")
    first = engine_module.source_digest(tmp_path)
    (tmp_path / "notes.txt").write_text("still not code")
    assert engine_module.source_digest(tmp_path) == first
    (tmp_path / "core" / "rules.py").write_text("DAYS = 35\n")
    assert engine_module.source_digest(tmp_path) != first
    (tmp_path / "core" / "rules.py").write_text("DAYS = 42\n")
    assert engine_module.source_digest(tmp_path) == first
    (tmp_path / "core" / "rules.py").rename(tmp_path / "core" / "other.py")
    assert engine_module.source_digest(tmp_path) != first
