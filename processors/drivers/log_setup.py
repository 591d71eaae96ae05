"""Structured logs (structlog): JSON lines in production, readable lines on a terminal.

Bind `mpan`, `flow`, `file_id` and `event_id` to a logger so one supply point's story can
be grepped out of the logs. Logs go to stderr: stdout belongs to commands (`replay`) and
records (`tail`).

The libraries' standard-library logs (aiokafka, aiohttp, asyncio) are rendered by the same
structlog processors, so every line has one format, and they start at WARNING: aiokafka's
INFO chatter ("Updating subscribed topics to ...") says nothing an operator acts on.
`--log-level DEBUG` lets them through too.
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


LIBRARY_LEVEL = logging.WARNING


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
