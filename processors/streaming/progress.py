"""A progress bar for long ingests: on stderr, and only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from flows import not_a_file


def count_lines(path: Path) -> int:
    """Lines in a file, counted in binary chunks (fast; the file is read once more later);
    0 for what is not a regular file (a FIFO would block; the reader rejects it)."""
    lines = 0
    if not_a_file(path) is not None:
        return 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return lines


class Progress:
    """Share of input lines read so far, from the line numbers of the events' sources."""

    def __init__(self, files: Iterable[Path], stream: TextIO | None = None, every: float = 0.2) -> None:
        self.stream = stream or sys.stderr
        self.total = sum(count_lines(path) for path in files) or 1
        self.done_by_file: dict[str, int] = {}
        self.done = 0
        self.every = every
        self._shown = 0.0
        self.started = time.monotonic()

    @classmethod
    def for_terminal(cls, files: Iterable[Path]) -> Progress | None:
        """A bar when stderr is a terminal; None otherwise (logs and pipes stay clean)."""
        return cls(list(files)) if sys.stderr.isatty() else None

    def saw(self, path: str, line: int | None, events: int) -> None:
        if line is not None and line > self.done_by_file.get(path, 0):
            self.done += line - self.done_by_file.get(path, 0)
            self.done_by_file[path] = line
        now = time.monotonic()
        if now - self._shown >= self.every:
            self._shown = now
            self.show(events)

    def show(self, events: int, final: bool = False) -> None:
        share = 1.0 if final else min(self.done / self.total, 1.0)
        width = 30
        filled = int(share * width)
        rate = events / max(time.monotonic() - self.started, 1e-6)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {share:6.1%} {events} events {rate:,.0f}/s")
        if final:
            self.stream.write("\n")
        self.stream.flush()
