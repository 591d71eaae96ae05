"""Progress of a long replay on a terminal: files, events, rate and time left.

People running `meterflow replay` over months of files want to know it is moving and
when it will end; scripts and logs want none of it. So the display is drawn only when
stderr is a terminal and `--quiet` is not given, and only once the run has lasted
`delay` seconds (a short replay shows nothing). It is drawn by `rich` on stderr, which
stdout's commands never share; log lines written meanwhile are printed above it as they
are (not re-wrapped, not highlighted), so JSON logs stay one JSON object a line.

Progress is counted per file (a `FileReport` ends each file) and its time left from the
bytes of the files done against all the input's bytes; the events count and rate come
from the replay's running summary.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import TaskID

from flows import FileReport, iter_input_files

DELAY_SECONDS = 2.0


def describe(files_done: int, files_total: int, events: int, seconds: float) -> str:
    """The text of the display: `12/100 files, 120,000 events, 40,000 events/s`."""
    rate = events / seconds if seconds > 0 else 0.0
    return f"{files_done}/{files_total} files, {events:,} events, {rate:,.0f} events/s"


class ReplayProgress:
    """Call `advance(item, events)` with each output of the replay; use it as a context."""

    def __init__(
        self,
        paths: Sequence[Path],
        *,
        stream: IO[str] | None = None,
        delay: float = DELAY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sizes: dict[str, int] = {}
        for path in iter_input_files(paths):
            try:
                self._sizes[str(path)] = path.stat().st_size
            except OSError:
                self._sizes[str(path)] = 0
        self._total_bytes = max(sum(self._sizes.values()), 1)
        self._files = self._bytes = 0
        self._events = 0
        self._delay = delay
        self._clock = clock
        self._started = clock()
        # rich is imported only for a display: a replay off a terminal never loads it
        from rich.console import Console  # noqa: PLC0415
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn  # noqa: PLC0415

        console = Console(file=stream or sys.stderr, soft_wrap=True, highlight=False, markup=False)
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=True,
        )
        self._task: TaskID | None = None

    @classmethod
    def for_terminal(
        cls, paths: Sequence[Path], *, quiet: bool, delay: float = DELAY_SECONDS
    ) -> ReplayProgress | None:
        """A display when stderr is a terminal and not `quiet`; None otherwise."""
        if quiet or not sys.stderr.isatty():
            return None
        return cls(paths, delay=delay)

    @property
    def shown(self) -> bool:
        return self._task is not None

    def text(self) -> str:
        return describe(self._files, len(self._sizes), self._events, self._clock() - self._started)

    def advance(self, item: object, events: int) -> None:
        """One output of the replay; `events` is the count of events read so far."""
        self._events = events
        if isinstance(item, FileReport):
            self._files += 1
            self._bytes += self._sizes.get(item.path, 0)
        if self._task is None:
            if self._clock() - self._started < self._delay:
                return
            self._progress.start()
            self._task = self._progress.add_task(self.text(), total=self._total_bytes)
        self._progress.update(self._task, completed=self._bytes, description=self.text())

    def __enter__(self) -> ReplayProgress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._task is not None:
            self._progress.stop()
