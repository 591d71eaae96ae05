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
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Any

import structlog

_LEVELS = {"DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARNING": logging.WARNING, "ERROR": logging.ERROR}


class _StderrLogger:
    """Writes each line to the `sys.stderr` of the moment, not the one at configuration:
    test runners, daemons and `up` swap stderr, and a stale handle fails on write."""

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log = debug = info = warn = warning = error = critical = exception = fatal = msg


def _stderr_logger(*_args: Any) -> _StderrLogger:
    return _StderrLogger()


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A standard-library handler that, likewise, always writes to the current stderr."""

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


def configure_logging(json: bool | None = None, level: str = "INFO") -> None:
    """Configure structlog and route the standard library logging (aiokafka, aiohttp)
    through it. `json=None` chooses JSON when stderr is not a terminal. `level` is the
    level name of meterflow's own lines; libraries log from WARNING unless it is DEBUG.
    """
    numeric = _LEVELS.get(level.upper())
    if numeric is None:
        raise ValueError(f"unknown log level {level!r}: use one of {', '.join(_LEVELS)}")
    as_json = (not sys.stderr.isatty()) if json is None else json
    renderer: Any = (
        structlog.processors.JSONRenderer(sort_keys=False)
        if as_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
    ]
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )
    handler = _StderrHandler()
    handler.addFilter(LibraryFlood())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    library = numeric if numeric == logging.DEBUG else max(numeric, LIBRARY_LEVEL)
    logging.basicConfig(level=library, handlers=[handler], force=True)


def get_logger(name: str, **bound: Any) -> Any:
    """A structlog logger named `name`, with `bound` key-values on every line."""
    return structlog.get_logger(name).bind(logger=name, **bound)
