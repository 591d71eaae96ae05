"""The worker's fold without a broker: what `FoldLoop.fold` does to fetched records, timed.

bench/synthetic_log.py's log is laid out as `meterflow ingest` lays it out (Avro values,
keyed by partition key, each day tick in every partition), then fed to a `LockStep` of 4
partitions in fetch-sized chunks, folded with the lock-step rules, every record it decides
encoded as the worker produces it (nothing is sent). The follow-ups it publishes to the
input topic are appended to their partition's log, as the broker would, and come round
later: as the worker does, the lock-step is told where each copy of one it handed at once
went (`LockStep.copied`), unless `--fold-copies` (every copy decoded and folded again, as
before D55: the digest must not change). It prints the CPU seconds of the fold
(best of `--rounds`, each on fresh Engines), the events per CPU second, and a sha256 of
every produced (topic, key, value) in order: the same digest before and after a change
proves the worker's output unchanged. Logs are JSON lines on stderr, as the worker's.
`--profile FILE` writes a cProfile of one more round; `--memory` traces one more round's
allocations (tracemalloc, started once the log is built) and prints their peak, in all and
per supply point: what the fold itself holds at its worst (states, held inputs, a step's
records, and the follow-ups' copies it appends to the log as the broker would), without the
interpreter, the imports or the log it was given (issue 15's memory, D58, D65).

    .venv/bin/python bench/stream_fold.py --points 20000 --events 80000 --rounds 3
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import pstats
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic_log import LogShape, write_log
from processors.codecs import serde
from processors.collector import collect_less_often
from processors.drivers.event_order import event_time_log
from processors.drivers.log_setup import configure_logging
from processors.streaming.lockstep import HANDOFF_WINDOW, LockStep
from processors.streaming.partitioning import partition_for
from processors.streaming.processor import Outgoing, PartitionProcessor
from processors.streaming.topics import Topics
from processors.vocabulary.events import DayClosed, DomainEvent

PARTITIONS = 4
TOPICS = Topics("bench-")


def partitioned(points: int, events: int, days: int) -> dict[int, list[SimpleNamespace]]:
    """The synthetic log as records of PARTITIONS partitions (offset, value, timestamp)."""
    logs: dict[int, list[SimpleNamespace]] = {p: [] for p in range(PARTITIONS)}
    with tempfile.TemporaryDirectory() as folder:
        _, last = write_log(Path(folder), LogShape(supply_points=points, events=events, days=days))
        for item in event_time_log([Path(folder)], last + timedelta(days=45)):
            if not isinstance(item, DomainEvent):
                continue
            value = serde.encode_event(item)
            key = item.partition_key
            targets = range(PARTITIONS) if isinstance(item, DayClosed) else [partition_for(key, PARTITIONS)]
            for p in targets:
                logs[p].append(SimpleNamespace(offset=len(logs[p]), value=value, timestamp=1))
    return logs


def fold(
    logs: dict[int, list[SimpleNamespace]],
    chunk: int,
    budget: int,
    *,
    fold_copies: bool = False,
    window: int | None = HANDOFF_WINDOW,
) -> tuple[int, str, float]:
    """Fold `logs` as the worker's loop does; (events folded, sha256 of the output, CPU s).
    `window`: follow-ups handed on per step inside a day's close, as the loop does (D79)."""
    logs = {p: list(records) for p, records in logs.items()}  # the copies are appended
    lockstep = LockStep(TOPICS, PARTITIONS)
    for p in range(PARTITIONS):
        lockstep.add(p, PartitionProcessor(p, topics=TOPICS), 0)
    digest = hashlib.sha256()
    events = 0
    at = dict.fromkeys(logs, 0)
    ended: set[int] = set()

    def caught_up(partition: int) -> bool:
        return partition in ended

    started = time.process_time()
    while True:
        fed = False
        for p, records in logs.items():
            if at[p] < len(records) and lockstep.buffered_bytes(p) < 256 * 1024:
                lockstep.feed(p, records[at[p] : at[p] + chunk])
                at[p] += chunk
                fed = True
        ended.update(p for p, records in logs.items() if at[p] >= len(records))
        while True:
            out = Outgoing()
            lockstep.step(caught_up, out, budget=budget, window=window)
            local = set() if fold_copies else set(out.local_copies)
            for index, (topic, key, value) in enumerate(out.records):
                digest.update(topic.encode() + b"\0" + (key or b"") + b"\0" + value)
                if topic == TOPICS.input and key:  # published: the broker appends it to the log
                    target = partition_for(key.decode(), PARTITIONS)
                    log = logs[target]
                    if index in local:
                        lockstep.copied(target, len(log))
                    log.append(SimpleNamespace(offset=len(log), value=value, timestamp=1))
                    ended.discard(target)
            events += out.events
            if not lockstep.handing and (len(out.records) < budget or not lockstep.due(caught_up)):
                break
        if not fed and not lockstep.due(caught_up):
            break
    return events, digest.hexdigest(), time.process_time() - started


def traced_peak(
    logs: dict[int, list[SimpleNamespace]],
    chunk: int,
    budget: int,
    *,
    fold_copies: bool = False,
    window: int | None = HANDOFF_WINDOW,
) -> int:
    """The peak bytes allocated by one `fold` and not yet freed (tracemalloc, one frame)."""
    gc.collect()
    tracemalloc.start()
    try:
        fold(logs, chunk, budget, fold_copies=fold_copies, window=window)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=80_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=1_000, help="records per partition per fetch")
    parser.add_argument("--budget", type=int, default=2_000, help="records per commit (commit_records)")
    parser.add_argument(
        "--window",
        type=int,
        default=HANDOFF_WINDOW,
        help="follow-ups handed on per step inside a day's close, as the worker (0: no window)",
    )
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile (text, by cumulative time)")
    parser.add_argument(
        "--fold-copies", action="store_true", help="decode and fold the follow-ups' copies again"
    )
    parser.add_argument(
        "--memory", action="store_true", help="trace one more round: the peak of what the fold allocates"
    )
    args = parser.parse_args()
    window = args.window or None
    collect_less_often()  # as every meterflow process does (D44)
    configure_logging(json=True)  # as `meterflow worker` logs: JSON lines on stderr
    logs = partitioned(args.points, args.events, args.days)
    records = sum(len(r) for r in logs.values())
    best = float("inf")
    digests = set()
    events = 0
    for _ in range(args.rounds):
        gc.collect()
        events, digest, seconds = fold(
            logs, args.chunk, args.budget, fold_copies=args.fold_copies, window=window
        )
        digests.add(digest)
        best = min(best, seconds)
    assert len(digests) == 1, f"the rounds gave different outputs: {digests}"
    print(
        f"{records} records, {events} events folded: best {best:.3f} CPU s of {args.rounds} = "
        f"{events / best:,.0f} events per CPU second; output sha256 {digests.pop()}"
    )
    if args.memory:
        peak = traced_peak(logs, args.chunk, args.budget, fold_copies=args.fold_copies, window=window)
        print(
            f"traced peak of a fold: {peak / 2**20:.1f} MB = {peak / args.points:,.0f} bytes a supply point"
        )
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        fold(logs, args.chunk, args.budget, fold_copies=args.fold_copies, window=window)
        profiler.disable()
        with open(args.profile, "w", encoding="utf-8") as handle:
            stats = pstats.Stats(profiler, stream=handle)
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(40)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
