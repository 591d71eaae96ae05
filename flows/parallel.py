"""Files read in worker processes, their outcomes handed back in the files' order.

`ParallelFiles(paths, jobs)` starts `jobs` processes; worker `w` reads the files at
positions w, w + jobs, w + 2 * jobs... one after another, each with `flows.read_file`,
and puts their outcomes in batches (`flows.transfer`) on its own bounded queue.
`outcomes(i)` gives the outcomes of file i: the caller takes the files in order, so
each is read from the one queue that holds it. At most `jobs` files are being read at
once and at most `_QUEUED` batches of each wait: memory stays bounded however large the
files are.

What a file's outcomes are does not depend on the process that reads it, with one
exception: whether a structurally sound DTC file was seen before (SPEC 4) depends on
the files before it. A worker therefore asks no one: it records the key the reader
asked about, and the caller decides, in file order, against the real `SeenFiles`; a
duplicate's outcomes are dropped and replaced by the reader's own DUPLICATE report.
So `outcomes(i)` for i = 0, 1, 2... gives exactly what `read_file(path_i, seen)` gives.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Iterator, Sequence
from multiprocessing.context import ForkContext, SpawnContext
from pathlib import Path
from queue import Queue
from typing import Any

from flows.dtc import Outcome, duplicate_outcomes, peek_dtc_header
from flows.reader import read_file
from flows.seen import SeenFiles
from flows.transfer import dumps, loads

_BATCH = 512  # outcomes per message
_QUEUED = 8  # messages a worker may have waiting before it blocks

# Messages on a worker's queue, per file in its order: ("batch", asked key, data) any
# number of times, then ("end", asked key, data); ("error", None, text) when it failed.
Message = tuple[str, str | None, Any]


class _Recorder:
    """A SeenFiles that answers "first time" and remembers the key it was asked about."""

    def __init__(self) -> None:
        self.key: str | None = None

    def first_time(self, file_key: str, path: str = "") -> bool:
        self.key = file_key
        return True

    def conflict(self, file_key: str, path: str) -> str | None:
        return None  # never asked: every key is a first time here


def _work(paths: Sequence[Path], queue: Queue[Message]) -> None:
    try:
        for path in paths:
            recorder = _Recorder()
            batch: list[Outcome] = []
            for outcome in read_file(path, recorder):
                batch.append(outcome)
                if len(batch) >= _BATCH:
                    queue.put(("batch", recorder.key, dumps(batch)))
                    batch = []
            queue.put(("end", recorder.key, dumps(batch)))
    except BaseException:  # reported to the caller, who raises it
        queue.put(("error", None, traceback.format_exc()))


def _context() -> ForkContext | SpawnContext:
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")  # quick to start; the workers only read files
    return multiprocessing.get_context("spawn")


class ParallelFiles:
    """The outcomes of `paths`, read by `jobs` worker processes (see the module doc)."""

    def __init__(self, paths: Sequence[Path], jobs: int) -> None:
        self._paths = list(paths)
        self._jobs = max(1, min(jobs, len(self._paths)))
        context = _context()
        self._queues: list[Queue[Message]] = [context.Queue(_QUEUED) for _ in range(self._jobs)]  # type: ignore[misc]
        self._workers = [
            context.Process(target=_work, args=(self._paths[w :: self._jobs], self._queues[w]), daemon=True)
            for w in range(self._jobs)
        ]
        for worker in self._workers:
            worker.start()
        self._next = 0

    def outcomes(self, index: int, seen: SeenFiles) -> Iterator[Outcome]:
        """The outcomes of file `index`; files must be taken in order, each in full."""
        if index != self._next:
            raise ValueError(f"files are taken in order: expected file {self._next}, got {index}")
        self._next += 1
        queue = self._queues[index % self._jobs]
        path = self._paths[index]
        decided = duplicate = False
        while True:
            kind, key, data = queue.get()
            if kind == "error":
                self.close()
                raise RuntimeError(f"reading {path} in a worker process failed:\n{data}")
            if not decided and key is not None:
                decided = True
                duplicate = not seen.first_time(key, str(path))
            if not duplicate:
                yield from loads(data)
            if kind == "end":
                break
        if duplicate:
            header = peek_dtc_header(path)
            assert header is not None and key is not None  # only a DTC file's key is asked
            yield from duplicate_outcomes(path, header, seen)

    def close(self) -> None:
        for worker in self._workers:
            if worker.is_alive():
                worker.terminate()
        for worker in self._workers:
            worker.join(timeout=5)
        for queue in self._queues:
            queue.close()  # type: ignore[attr-defined]

    def __enter__(self) -> ParallelFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
