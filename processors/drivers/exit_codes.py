"""The exit statuses of `meterflow`, one table for every subcommand (README, D22).

A script can tell "it ran", "it ran but the input gave nothing to work on (or, with
`--strict`, had rejected records)" and "it could not run" apart without reading stderr.
"""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
"""It ran; rejected records, skipped files and anomalies are reported, not failures."""
EXIT_INPUT_FAILED = 1
"""It ran, but nothing usable was read (every file rejected, skipped or empty of events),
or `--strict` was given and at least one record was rejected."""
EXIT_CANNOT_RUN = 2
"""It could not run: bad arguments, a path that does not exist, no broker, a taken port,
another stack already running in the same METERFLOW_HOME."""
EXIT_INTERRUPTED = 130
"""Stopped by Ctrl-C (SIGINT) before it finished, as a shell reports it."""
EXIT_BROKEN_PIPE = 141
"""The reader of stdout went away (`meterflow replay ... | head`), as a shell reports SIGPIPE."""

EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "ran (rejections, skipped files and anomalies are reported, not failures)"),
    (EXIT_INPUT_FAILED, "ran, but nothing usable was read, or --strict and a record was rejected"),
    (EXIT_CANNOT_RUN, "could not run: bad arguments, missing path, no broker, taken port, stack running"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C)"),
    (EXIT_BROKEN_PIPE, "stdout closed by its reader"),
)


def input_status(*, usable_events: int, rejected: int, strict: bool) -> tuple[int, str | None]:
    """The exit status of a run that read its input, and why it is not EXIT_OK:
    EXIT_INPUT_FAILED when no usable event was read (test data does not count) or, under
    `strict`, when any record was rejected."""
    if usable_events == 0:
        return EXIT_INPUT_FAILED, (
            "nothing usable was read (every file rejected, skipped as already read, test data, "
            "or without events)"
        )
    if strict and rejected > 0:
        return EXIT_INPUT_FAILED, f"{rejected} record(s) rejected (--strict)"
    return EXIT_OK, None


def missing_paths(paths: list[str]) -> list[str]:
    """The given paths that name no file or folder (checked before anything starts)."""
    return [p for p in paths if not Path(p).exists()]
