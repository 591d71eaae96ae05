"""Structured logs (structlog): JSON lines in production, readable lines on a terminal.

Bind `mpan`, `flow`, `file_id` and `event_id` to a logger so one supply point's story can
be grepped out of the logs. Logs go to stderr: stdout belongs to commands (`replay`) and
records (`tail`).
"""

from __future__ import annotations

import logging
import sys
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


def configure_logging(json: bool | None = None, level: str = "INFO") -> None:
    """Configure structlog and the standard library logging (aiokafka, aiohttp) alike.

    `json=None` chooses JSON when stderr is not a terminal. `level` is a level name.
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
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=numeric, handlers=[handler], force=True)


def get_logger(name: str, **bound: Any) -> Any:
    """A structlog logger named `name`, with `bound` key-values on every line."""
    return structlog.get_logger(name).bind(logger=name, **bound)
