"""`meterflow`: the one console script (SPEC 5).

`replay` runs here, in-process. `ingest`, `worker`, `tail` and `up` need Kafka: they
are imported only when asked for (`processors.streaming.<name>.run(args)`), so replay
and `--help` never load aiokafka.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import IO, Any

from flows.rejections import FileReport, RejectedRecord
from processors.codecs.serde import to_json
from processors.core.policy import DEFAULT_POLICY, load_policy
from processors.drivers.log_setup import configure_logging, get_logger
from processors.drivers.policy_warning import warn_regulated_changes
from processors.drivers.replay import ReplaySummary, replay
from processors.vocabulary.commands import Command

EXIT_OK = 0
EXIT_CANNOT_RUN = 2
EXIT_BROKEN_PIPE = 141  # as a shell reports a process ended by SIGPIPE
BROKER_ENV = "METERFLOW_BROKER"
STATE_DIR_ENV = "METERFLOW_STATE_DIR"


class CannotRun(Exception):
    """The command could not start; the message says why and what to do."""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD, e.g. 2024-12-31") from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="meterflow",
        description="Event-sourced processor of GB energy-industry flows: DTC files and events in, "
        "billing commands out.",
    )
    parser.add_argument(
        "--broker",
        default=os.environ.get(BROKER_ENV),
        help=f"Kafka bootstrap servers (default: ${BROKER_ENV}, else the broker `meterflow up` started)",
    )
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.add_argument(
        "--log-json",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="JSON logs (default: when stderr is not a terminal)",
    )
    # Subcommands take --broker too (`meterflow tail --broker host:9092 ...`); SUPPRESS keeps
    # the top-level value when a subcommand does not give one.
    broker = argparse.ArgumentParser(add_help=False)
    broker.add_argument(
        "--broker", default=argparse.SUPPRESS, help=f"Kafka bootstrap servers (or ${BROKER_ENV})"
    )
    policy = argparse.ArgumentParser(add_help=False)
    policy.add_argument(
        "--policy", type=Path, help="policy file (TOML or JSON) overriding the default deadlines"
    )
    clock = argparse.ArgumentParser(add_help=False)
    clock.add_argument(
        "--no-clock", action="store_true", help="no wall-clock day ticks (back-fills and tests)"
    )

    state = argparse.ArgumentParser(add_help=False)
    state.add_argument(
        "--state-dir",
        default=os.environ.get(STATE_DIR_ENV),
        metavar="DIR",
        help=f"keep each partition's states in RocksDB under DIR, reused after a restart "
        f"(default: ${STATE_DIR_ENV}; an empty value keeps them in memory)",
    )

    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    replay = sub.add_parser(
        "replay",
        parents=[policy],
        help="run the core over files, no broker; commands as JSON lines",
        description="Read DTC and JSON-lines files (files or folders), run the core in event-time order "
        "through the end of --until and write the commands as JSON lines.",
    )
    replay.add_argument(
        "paths", nargs="+", metavar="PATH", help="DTC or JSON-lines file, or a folder of them"
    )
    replay.add_argument(
        "--until", type=_date, required=True, metavar="DATE", help="last day to close (YYYY-MM-DD)"
    )
    replay.add_argument("--out", type=Path, metavar="FILE", help="commands file (default: stdout)")
    replay.add_argument(
        "--rejected", type=Path, metavar="FILE", help="rejected records file (default: logged)"
    )
    replay.add_argument("--anomalies", type=Path, metavar="FILE", help="anomalies file (default: logged)")

    ingest = sub.add_parser(
        "ingest", parents=[broker], help="publish flows and events to Kafka, then day ticks through --until"
    )
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    ingest.add_argument("--until", type=_date, metavar="DATE", help="publish the day ticks through DATE")

    sub.add_parser("worker", parents=[broker, policy, clock, state], help="the streaming processor on Kafka")
    sub.add_parser(
        "up",
        parents=[broker, policy, clock, state],
        help="a whole local stack: embedded broker, worker and dashboard",
    )

    tail = sub.add_parser("tail", parents=[broker], help="print the records of a topic as JSON lines")
    tail.add_argument("topic", metavar="TOPIC")
    tail.add_argument("--from-beginning", action="store_true", help="start at the oldest record")
    tail.add_argument("--max", type=_positive_int, metavar="N", help="stop after N records")
    tail.add_argument(
        "--timeout", type=_seconds, metavar="SECONDS", help="stop after SECONDS without records"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run `meterflow`; returns the exit status (0 ran, 2 could not run)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse has printed the usage and the reason
        return exit_.code if isinstance(exit_.code, int) else EXIT_CANNOT_RUN

    configure_logging(json=args.log_json, level=args.log_level)
    try:
        if args.command == "replay":
            return run_replay(args)
        module = importlib.import_module(f"processors.streaming.{args.command}")
        return int(module.run(args))
    except CannotRun as exc:
        print(f"meterflow {args.command}: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `meterflow replay ... | head`: the reader has seen enough
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _json_line(record: dict[str, Any]) -> str:
    """One JSON line, formatted exactly as `meterflow tail` prints records."""
    return json.dumps(record) + "\n"


def _open_output(stack: ExitStack, path: Path | None, what: str) -> IO[str] | None:
    if path is None:
        return None
    try:
        return stack.enter_context(path.open("w", encoding="utf-8"))
    except OSError as exc:
        raise CannotRun(f"cannot write the {what} file {path}: {exc.strerror}") from exc


def run_replay(args: argparse.Namespace) -> int:
    """`meterflow replay`: commands to --out (stdout), rejections and anomalies to their files
    (or to the log when no file is given), a one-line summary on stderr."""
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        raise CannotRun(f"no such file or folder: {', '.join(missing)}")
    policy = DEFAULT_POLICY
    if args.policy is not None:
        if not args.policy.is_file():
            raise CannotRun(f"no such policy file: {args.policy}")
        try:
            policy = load_policy(args.policy)
        except (ValueError, TypeError, KeyError, OSError) as exc:
            raise CannotRun(f"bad policy file: {exc}") from exc
    warn_regulated_changes(policy, "replay")

    log = get_logger("meterflow.replay")
    summary = ReplaySummary()
    with ExitStack() as stack:
        out = _open_output(stack, args.out, "commands") or sys.stdout
        rejected = _open_output(stack, args.rejected, "rejected records")
        anomalies = _open_output(stack, args.anomalies, "anomalies")
        for item in replay([Path(p) for p in args.paths], args.until, policy, summary=summary):
            if isinstance(item, Command):
                out.write(_json_line(item.to_json()))
            elif isinstance(item, RejectedRecord):
                if rejected is not None:
                    rejected.write(_json_line(to_json(item)))
                else:
                    log.warning(
                        "rejected",
                        path=item.path,
                        line=item.line,
                        field=item.field,
                        reason=item.reason,
                        flow=item.flow,
                        file_key=item.file_key,
                    )
            elif isinstance(item, FileReport):
                if item.status.value != "read":
                    log.info("file", path=item.path, status=item.status.value, detail=item.detail)
            elif anomalies is not None:
                anomalies.write(_json_line(to_json(item)))
            else:
                log.warning("anomaly", **to_json(item))
        out.flush()
    print(summary.line(), file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
