"""Structured logs (structlog): JSON lines in production, readable lines on a terminal.

Bind `mpan`, `flow`, `file_id` and `event_id` to a logger so one supply point's story can
be grepped out of the logs. Logs go to stderr: stdout belongs to commands (`replay`) and
records (`tail`).

The libraries' standard-library logs (aiokafka, aiohttp, asyncio) are rendered by the same
structlog processors, so every line has one format, and they start at WARNING: aiokafka's
INFO chatter ("Updating subscribed topics to ...") says nothing an operator acts on.
`--log-level DEBUG` lets them through too. While a broker is away aiokafka logs an ERROR
for every failed connection (thousands a minute): `LibraryFlood` lets the first line of
each kind through per minute and puts the count of the ones it held back on the next
(meterflow's own rate-limited line, "broker unreachable since ..., retrying", says what
is going on).

structlog is imported when the first line is logged, not at start-up: with `rich`
installed, `import structlog` costs about a tenth of a second of CPU (its console
renderer loads rich and asyncio), and a replay that logs nothing should not pay it
(`configure_logging(..., deferred=True)`). It is imported without rich (`import_structlog`):
structlog.dev loads rich (and pygments, about 4.7 MB a process) only for its default
exception formatter, which meterflow never uses (`format_exc_info` renders every
traceback as text before the renderer sees it), so a worker need not carry it.

A line per command (D22) is most of what the worker logs: within `lines_held()` (one
step of the worker's fold) meterflow's own lines are written together at its end, one
write instead of a flushed write per line; a WARNING or worse, or a library's line,
writes what is held and itself at once, so the order is kept and nothing waits.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any


def import_structlog() -> ModuleType:
    """structlog, imported with `rich` hidden from it if it is not imported yet: rich
    costs a worker about 4.7 MB (D73) and renders nothing of ours (see the module doc).
    rich stays importable for whatever else wants it (the replay's progress bar)."""
    loaded = sys.modules.get("structlog")
    if loaded is not None:
        return loaded
    hidden = "rich" not in sys.modules
    if hidden:
        # a None entry makes `import rich` fail, so structlog.dev goes without it
        sys.modules["rich"] = None  # type: ignore[assignment]
    try:
        import structlog  # noqa: PLC0415 - the one place structlog is first imported
    finally:
        if hidden:
            del sys.modules["rich"]
    return structlog


_LEVELS = {"DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARNING": logging.WARNING, "ERROR": logging.ERROR}


class _HeldLines:
    """The lines logged within `lines_held()` and not yet written (None outside it)."""

    lines: list[str] | None = None


HELD_LINES = 10_000
"""At most this many lines are held: a longer step writes them as they fill."""


def write_held() -> None:
    """Write the lines held so far to stderr, in one write, and flush it."""
    lines = _HeldLines.lines
    if lines:
        text = "\n".join(lines) + "\n"
        lines.clear()
        sys.stderr.write(text)
        sys.stderr.flush()


@contextmanager
def lines_held() -> Iterator[None]:
    """Hold meterflow's own INFO and DEBUG lines logged inside and write them together
    when it ends (however it ends): for a stretch of work that logs many lines and does
    not wait (a step of the fold), not around an `await`."""
    if _HeldLines.lines is not None:  # already held by an enclosing block
        yield
        return
    _HeldLines.lines = []
    try:
        yield
    finally:
        write_held()
        _HeldLines.lines = None


class _StderrLogger:
    """Writes each line to the `sys.stderr` of the moment, not the one at configuration:
    test runners, daemons and `up` swap stderr, and a stale handle fails on write. Lines
    of INFO and DEBUG are held within `lines_held()`."""

    def msg(self, message: str) -> None:
        lines = _HeldLines.lines
        if lines is None:
            print(message, file=sys.stderr, flush=True)
            return
        lines.append(message)
        if len(lines) >= HELD_LINES:
            write_held()

    def now(self, message: str) -> None:
        write_held()
        print(message, file=sys.stderr, flush=True)

    log = debug = info = msg
    warn = warning = error = critical = exception = fatal = now


def _stderr_logger(*_args: Any) -> _StderrLogger:
    return _StderrLogger()


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A standard-library handler that, likewise, always writes to the current stderr
    (after the lines held: see `lines_held`)."""

    def emit(self, record: logging.LogRecord) -> None:
        write_held()
        super().emit(record)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        return


LIBRARY_LEVEL = logging.WARNING
FLOOD_WINDOW = 60.0
FLOODING = ("aiokafka",)


LIBRARY_ERROR_LISTENERS: list[Callable[[logging.LogRecord], None]] = []
"""Called with every ERROR record of FLOODING's loggers, held back or not (the worker's
broker status listens: aiokafka's errors are its only sign of a broker gone while idle)."""


class LibraryFlood(logging.Filter):
    """Lets one record per (logger, message template) through per `window` seconds, for
    the loggers of FLOODING; the next one that passes says how many were held back."""

    def __init__(self, window: float = FLOOD_WINDOW) -> None:
        super().__init__()
        self.window = window
        self.started = time.monotonic()
        self.seen: set[tuple[str, str]] = set()
        self.suppressed: dict[tuple[str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(FLOODING):
            return True
        if record.levelno >= logging.ERROR:
            for listener in list(LIBRARY_ERROR_LISTENERS):
                listener(record)
        now = time.monotonic()
        if now - self.started >= self.window:
            self.started = now
            self.seen.clear()
        key = (record.name, str(record.msg))
        if key in self.seen:
            self.suppressed[key] = self.suppressed.get(key, 0) + 1
            return False
        self.seen.add(key)
        held = self.suppressed.pop(key, 0)
        if held:
            record.msg = f"{record.msg} ({held} more like it in the last {self.window:.0f} s not shown)"
        return True


_pending: list[tuple[bool, int]] = []
"""A deferred configuration (JSON or not, level), at most one, applied when the first
line is logged."""


def configure_logging(json: bool | None = None, level: str = "INFO", *, deferred: bool = False) -> None:
    """Configure structlog and route the standard library logging (aiokafka, aiohttp)
    through it. `json=None` chooses JSON when stderr is not a terminal. `level` is the
    level name of meterflow's own lines; libraries log from WARNING unless it is DEBUG.
    `deferred`: structlog is imported and configured at the first line logged through
    `get_logger` or the standard library, for commands whose modules do not log through
    structlog directly (`replay`).
    """
    numeric = _LEVELS.get(level.upper())
    if numeric is None:
        raise ValueError(f"unknown log level {level!r}: use one of {', '.join(_LEVELS)}")
    as_json = (not sys.stderr.isatty()) if json is None else json
    _pending[:] = [(as_json, numeric)]
    handler = _StderrHandler()
    handler.addFilter(LibraryFlood())
    handler.setFormatter(_StructlogFormatter(as_json))
    library = numeric if numeric == logging.DEBUG else max(numeric, LIBRARY_LEVEL)
    logging.basicConfig(level=library, handlers=[handler], force=True)
    if not deferred:
        _configured()


def forget_configuration() -> None:
    """Drop a deferred configuration not yet applied (for tests that undo one)."""
    _pending.clear()


def _renderer(as_json: bool) -> Any:
    structlog = import_structlog()

    if as_json:
        return structlog.processors.JSONRenderer(serializer=_JsonLine(), sort_keys=False)
    # tracebacks are text by now (`format_exc_info`): the formatter named, not rich's default
    return structlog.dev.ConsoleRenderer(
        colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
    )


class _JsonLine:
    """`json.dumps` with one encoder for every line: given a `default` (structlog's
    JSONRenderer always gives one), `json.dumps` builds an encoder per call."""

    def __init__(self) -> None:
        self._encode: Callable[[Any], str] | None = None

    def __call__(self, event: Any, **options: Any) -> str:
        if self._encode is None:
            self._encode = json.JSONEncoder(**options).encode
        return self._encode(event)


def _shared_processors() -> list[Any]:
    structlog = import_structlog()

    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
    ]


def _configured() -> Any:
    """structlog, imported, with the pending configuration (if any) applied."""
    structlog = import_structlog()

    if _pending:
        ((as_json, numeric),) = _pending
        _pending.clear()
        structlog.configure(
            processors=[*_shared_processors(), _renderer(as_json)],
            wrapper_class=structlog.make_filtering_bound_logger(numeric),
            logger_factory=_stderr_logger,
            cache_logger_on_first_use=False,
        )
    return structlog


class _StructlogFormatter(logging.Formatter):
    """The standard library's records rendered by structlog's processors; the structlog
    formatter is built (and structlog imported) at the first record."""

    def __init__(self, as_json: bool) -> None:
        super().__init__()
        self._as_json = as_json
        self._formatter: logging.Formatter | None = None

    def format(self, record: logging.LogRecord) -> str:
        if self._formatter is None:
            structlog = _configured()
            self._formatter = structlog.stdlib.ProcessorFormatter(
                foreign_pre_chain=[structlog.stdlib.add_logger_name, *_shared_processors()],
                processors=[
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    _renderer(self._as_json),
                ],
            )
        return self._formatter.format(record)


class _DeferredLogger:
    """A logger of `get_logger` that imports structlog at its first use (a line logged,
    a `bind`): then it is the structlog logger `get_logger` would have returned."""

    def __init__(self, name: str, bound: dict[str, Any]) -> None:
        self._name = name
        self._bound = bound
        self._logger: Any = None

    def __getattr__(self, attribute: str) -> Any:
        if self._logger is None:
            self._logger = _configured().get_logger(self._name).bind(logger=self._name, **self._bound)
        return getattr(self._logger, attribute)


def get_logger(name: str, **bound: Any) -> Any:
    """A structlog logger named `name`, with `bound` key-values on every line."""
    if not _pending and "structlog" in sys.modules:
        return sys.modules["structlog"].get_logger(name).bind(logger=name, **bound)
    return _DeferredLogger(name, bound)
