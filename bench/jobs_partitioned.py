"""A prototype of D31's partitioned fold, to measure it (issue 10); not the replay's code.

Each of N worker processes walks the whole event-time log (it parses every file: there is
no skip hook in the DTC reader yet), folds only the events of its partition of keys
(crc32 of `partition_key`), and exchanges follow-ups for other partitions at each day
tick, in rounds, before the tick (the follow-ups of the tick itself right after it).
Every output is tagged (log position, depth, path of follow-up indexes; for a tick's,
the closed day, held inputs or deadlines, and the subject instead of an index); each
worker writes a day's outputs sorted to its own file and the main process merges them. The commands are
then compared with `replay(jobs=1)`'s, and the CPU times reported:

    .venv/bin/python bench/jobs_partitioned.py DIR --until 2024-06-09 [--jobs 2]
"""

from __future__ import annotations

import argparse
import bisect
import heapq
import json
import multiprocessing
import pickle
import resource
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from processors.core.deadlines import WakeUpIndex  # noqa: E402
from processors.core.engine import Engine  # noqa: E402
from processors.drivers.event_order import event_time_log  # noqa: E402
from processors.drivers.replay import replay  # noqa: E402
from processors.vocabulary.commands import Command  # noqa: E402
from processors.vocabulary.events import DayClosed, DomainEvent  # noqa: E402

Tag = tuple[int, int, tuple[Any, ...]]
Mark = tuple[date, int, str]  # (closed day, 0 held inputs / 1 deadlines, subject id)


class _MarkedEngine(Engine):
    """An Engine that says, for a tick, which subject emitted each command and follow-up:
    a day closes its subjects in sorted order, held inputs before deadlines, so across
    partitions (day, phase, subject, index) sorts the tick's outputs as one engine would."""

    def __init__(self) -> None:
        super().__init__()
        self.marks: list[tuple[Mark, int, int]] = []  # (mark, first command, first follow-up)
        self._out: Any = None
        self._day: date | None = None
        self._phase = 0
        engine = self

        class Wake(WakeUpIndex):
            __slots__ = ()

            def pop_through(self, day: date) -> list[str]:
                engine._phase = 1
                return super().pop_through(day)

        self._wake = Wake()

    def _close_day(self, day: date, out: Any) -> None:
        self._out, self._day, self._phase = out, day, 0
        super()._close_day(day, out)
        self._out = None

    def _subject(self, subject_id: str) -> Any:
        if self._out is not None and self._day is not None:
            mark = (self._day, self._phase, subject_id)
            self.marks.append((mark, len(self._out.commands), len(self._out.follow_ups)))
        return super()._subject(subject_id)


def _marked(items: list[Any], marks: list[tuple[Mark, int, int]], which: int) -> list[tuple[Any, Any]]:
    """Each item with the (mark, index) of the subject that emitted it."""
    starts = [m[1] if which == 1 else m[2] for m in marks]
    return [
        ((*marks[bisect.bisect_right(starts, position) - 1][0], position), item)
        for position, item in enumerate(items)
    ]


def _owner(event: DomainEvent, jobs: int) -> int:
    return zlib.crc32(event.partition_key.encode()) % jobs


def _worker(
    me: int,
    jobs: int,
    paths: list[Path],
    until: date,
    links: list[Connection | None],
    out: Path,
    cpu: Connection,
) -> None:
    engine = _MarkedEngine()
    handle = engine.handle
    day: list[tuple[Tag, str]] = []
    pairs = [(a, b) for a in range(jobs) for b in range(a + 1, jobs)]
    runs = out.open("wb")
    pending: list[tuple[Tag, DomainEvent]] = []

    def fold(tag: Tag, event: DomainEvent) -> None:
        engine.marks = []
        outcome = handle(event)
        position, depth, path = tag
        if type(event) is DayClosed:
            for mark, command in _marked(outcome.commands, engine.marks, 1):
                day.append(((position, depth, (mark,)), json.dumps(command.to_json())))
            for mark, follow_up in _marked(outcome.follow_ups, engine.marks, 2):
                pending.append(((position, depth + 1, (mark,)), follow_up))
            return
        for command in outcome.commands:
            day.append((tag, json.dumps(command.to_json())))
        for index, follow_up in enumerate(outcome.follow_ups):
            pending.append(((position, depth + 1, (*path, index)), follow_up))

    def swap(payload: list[Any]) -> list[Any]:
        """Send payload[w] to every other worker w and gather theirs, pair by pair in one
        order on every worker (the lower sends first): pipes with full buffers cannot
        wait on each other in a cycle."""
        got: list[Any] = []
        for a, b in pairs:
            if me not in (a, b):
                continue
            other = b if me == a else a
            link = links[other]
            assert link is not None
            if me == a:
                link.send(payload[other])
                got.append(link.recv())
            else:
                got.append(link.recv())
                link.send(payload[other])
        return got

    def settle() -> None:
        """Rounds of exchange until no worker holds a follow-up."""
        while True:
            mine = [(t, e) for t, e in pending if _owner(e, jobs) == me]
            theirs = [[(t, e) for t, e in pending if _owner(e, jobs) == w] for w in range(jobs)]
            pending.clear()
            for batch in swap(theirs):
                mine.extend(batch)
            if not any([bool(mine), *swap([bool(mine)] * jobs)]):
                return
            mine.sort(key=lambda item: (item[0][1], item[0]))
            for tag, event in mine:
                fold(tag, event)

    def flush() -> None:
        day.sort(key=lambda item: item[0])
        pickle.dump(day, runs)
        day.clear()

    for position, item in enumerate(event_time_log(paths, until)):
        if type(item) is DayClosed:
            settle()
            fold((position, 0, ()), item)
            settle()
            flush()
        elif isinstance(item, DomainEvent) and _owner(item, jobs) == me:
            fold((position, 0, ()), item)
    settle()
    flush()
    runs.close()
    cpu.send(time.process_time())


def _run(path: Path) -> Iterator[tuple[Tag, str]]:
    """A worker's outputs, in tag order: its days' sorted batches one after another."""
    with path.open("rb") as runs:
        while True:
            try:
                yield from pickle.load(runs)
            except EOFError:
                return


def partitioned(paths: list[Path], until: date, jobs: int) -> tuple[list[str], list[float]]:
    context = multiprocessing.get_context("fork")
    links: list[list[Connection | None]] = [[None] * jobs for _ in range(jobs)]
    for a in range(jobs):
        for b in range(a + 1, jobs):
            links[a][b], links[b][a] = context.Pipe()
    with tempfile.TemporaryDirectory(prefix="meterflow-jobs-") as scratch:
        files = [Path(scratch) / f"worker-{w}.pickles" for w in range(jobs)]
        cpus = [context.Pipe(duplex=False) for _ in range(jobs)]
        workers = [
            context.Process(target=_worker, args=(w, jobs, paths, until, links[w], files[w], cpus[w][1]))
            for w in range(jobs)
        ]
        for worker in workers:
            worker.start()
        cpu = [float(r.recv()) for r, _ in cpus]
        for worker in workers:
            worker.join()
        lines = [line for _, line in heapq.merge(*(_run(f) for f in files), key=lambda item: item[0])]
    return lines, cpu


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dir", type=Path)
    parser.add_argument("--until", type=date.fromisoformat, required=True)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    cpu = time.process_time()
    wall = time.perf_counter()
    serial = [json.dumps(c.to_json()) for c in replay([args.dir], args.until) if isinstance(c, Command)]
    serial_cpu, serial_wall = time.process_time() - cpu, time.perf_counter() - wall
    cpu = time.process_time()
    wall = time.perf_counter()
    lines, per_worker = partitioned([args.dir], args.until, args.jobs)
    main_cpu, parallel_wall = time.process_time() - cpu, time.perf_counter() - wall
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers_cpu = children.ru_utime + children.ru_stime
    # the busiest worker, or all the work spread over the cores
    floor = max(*per_worker, (workers_cpu + main_cpu) / args.jobs)
    report = {
        "commands": len(serial),
        "same_commands_in_the_same_order": lines == serial,
        "jobs_1_cpu_seconds": round(serial_cpu, 2),
        "main_cpu_seconds": round(main_cpu, 2),
        "workers_cpu_seconds": round(workers_cpu, 2),
        "each_worker_cpu_seconds": [round(c, 2) for c in per_worker],
        "bound_on_idle_cores": round(serial_cpu / floor, 3),
        "wall_speedup": round(serial_wall / parallel_wall, 3),
    }
    print(json.dumps(report, indent=2))
    return 0 if lines == serial else 1


if __name__ == "__main__":
    raise SystemExit(main())
