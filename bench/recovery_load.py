"""The local part of recovery from a snapshot: decode every state, store it, rebuild deadlines.

`Recovery._from_snapshot` over the states of a real fold (bench/synthetic_log.py's log
folded by the replay engine, every state encoded with `encode_state`), with no broker, so
the figure is the CPU time of what recovery does after its fetch. Each round times this
tree and a baseline in the same process, alternating: the baseline runs the same code
with the collector left running and, with `--baseline-codec`, another `state_codec.py`
(e.g. main's: `git show main:processors/codecs/state_codec.py > /tmp/state_codec_main.py`).
Both must build equal states. Usage:

    .venv/bin/python bench/recovery_load.py --points 50000 --rounds 4 \\
        --baseline-codec /tmp/state_codec_main.py
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic_log import LogShape, write_log
from processors.codecs.state_codec import encode_state
from processors.core.engine import Engine
from processors.core.policy import DEFAULT_POLICY
from processors.drivers.replay import replay
from processors.streaming import recovery, snapshots
from processors.streaming.recovery import Recovery
from processors.streaming.snapshots import Snapshot
from processors.streaming.stats import WorkerStats
from processors.streaming.topics import Topics


def folded_states(points: int) -> list[tuple[str, bytes]]:
    """Every state of a fold of the synthetic log, encoded as a snapshot holds it."""
    with tempfile.TemporaryDirectory() as folder:
        _, last = write_log(Path(folder), LogShape(supply_points=points, events=points * 4, days=30))
        engine = Engine(DEFAULT_POLICY)
        for _ in replay([folder], last, engine=engine):
            pass
        return [(key, encode_state(state)) for key, state in engine.store.items()]


def baseline_decoder(path: str) -> Callable[[bytes], Any]:
    spec = importlib.util.spec_from_file_location("baseline_state_codec", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    decode: Callable[[bytes], Any] = module.decode_state
    return decode


@contextlib.contextmanager
def _collector_running(*, freeze: bool = False) -> Iterator[None]:
    """`gc_paused`'s stand-in for the baseline: the collector left running, nothing frozen."""
    yield


@contextlib.contextmanager
def as_baseline(decode: Callable[[bytes], Any] | None) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(recovery, "gc_paused", _collector_running))
        if decode is not None:
            stack.enter_context(mock.patch.object(snapshots, "decode_state", decode))
        yield


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--points", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--baseline-codec", help="a state_codec.py to decode with in the baseline")
    args = parser.parse_args()
    states = folded_states(args.points)
    snapshot = Snapshot(0, 1, states, "")
    rec = Recovery("unused:9092", Topics(), DEFAULT_POLICY, WorkerStats())
    decode = None if args.baseline_codec is None else baseline_decoder(args.baseline_codec)

    def timed() -> tuple[float, dict[str, Any]]:
        start = time.process_time()
        processor, _ = rec._from_snapshot(0, snapshot, None)
        spent = time.process_time() - start
        return spent, dict(processor.store.items())

    times: dict[str, list[float]] = {"baseline": [], "this tree": []}
    for _ in range(args.rounds):
        with as_baseline(decode):
            spent, old = timed()
        times["baseline"].append(spent)
        spent, new = timed()
        times["this tree"].append(spent)
        if old != new:
            raise SystemExit("the baseline and this tree built different states")
        del old, new
    base = min(times["baseline"])
    print(f"{len(states):,} states, {sum(len(v) for _, v in states):,} bytes; best of {args.rounds} CPU s")
    for name, runs in times.items():
        best = min(runs)
        print(f"  {name:10s} {best:6.3f} s  {len(states) / best:9,.0f} keys/s  {base / best:5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
