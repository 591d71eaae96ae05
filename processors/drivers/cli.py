"""`meterflow`: the one console script (SPEC 5).

`replay` runs here, in-process. `ingest`, `worker`, `tail` and `up` need Kafka: they
are imported only when asked for (`processors.streaming.<name>.run(args, settings)`), so
replay and `--help` never load aiokafka. The settings (processors.settings) are read here
once, from the environment and then the flags, and passed down.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import os
import sys
import textwrap
from contextlib import ExitStack, nullcontext
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import IO, Any

from flows.rejections import FileReport, RejectedRecord
from processors.collector import collect_less_often
from processors.core.policy import DEFAULT_POLICY, load_policy
from processors.drivers.exit_codes import (
    EXIT_BROKEN_PIPE,
    EXIT_CANNOT_RUN,
    EXIT_CODES,
    EXIT_INTERRUPTED,
    input_status,
    missing_paths,
)
from processors.drivers.log_setup import configure_logging, get_logger
from processors.drivers.policy_warning import warn_regulated_changes
from processors.drivers.progress import ReplayProgress
from processors.drivers.replay import ReplaySummary, replay
from processors.history.cli import add_consumption_parser, open_store, run_consumption
from processors.settings import Settings, SettingsError, settings_from_environment
from processors.vocabulary.commands import Command

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


# The topics `tail` can read (SPEC 5 names; each behind $METERFLOW_TOPIC_PREFIX). Written out
# here so `--help` never imports aiokafka; a test keeps it equal to `Topics().specs()`.
TAIL_TOPICS = (
    ("billing-commands", "the billing commands the workers issued"),
    ("rejected-records", "records, files and messages that could not be read, with the reason"),
    ("anomalies", "events a supply point's state could not accept"),
    ("meterflow-events", "the input log: domain events and day ticks"),
    ("ingested-files", "the files already ingested (sender/file id), for duplicate detection"),
    ("ingest-reports", "what each ingest did with each file: read, rejected, duplicate, test data"),
    ("meterflow-snapshots", "the workers' state snapshots (binary; shown as undecodable)"),
)


def _version() -> str:
    try:
        return importlib.metadata.version("meterflow")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree, not installed
        return "unknown"


class _Version(argparse.Action):
    """`--version`, the installed package's version looked up only when asked: the lookup
    reads the installed distributions' metadata, ~3 ms of every start otherwise."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        print(f"meterflow {_version()}")
        parser.exit()


def _exit_codes_epilog() -> str:
    return "exit status:\n" + "\n".join(f"  {code:>3}  {meaning}" for code, meaning in EXIT_CODES)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port (0 to 65535)")
    return value


def build_parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="meterflow",
        description="Event-sourced processor of GB energy-industry flows: DTC files and events in, "
        "billing commands out.",
        epilog=_exit_codes_epilog(),
        formatter_class=formatter,
    )
    parser.add_argument("--version", action=_Version, help="show program's version number and exit")
    parser.add_argument(
        "--broker",
        help=f"Kafka bootstrap servers (default: ${BROKER_ENV}, else the broker `meterflow up` started)",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="the lowest level of meterflow's own log lines (libraries log from WARNING)",
    )
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
    strict = argparse.ArgumentParser(add_help=False)
    strict.add_argument(
        "--strict",
        action="store_true",
        help="exit with status 1 when any record was rejected (default: only when nothing usable was read)",
    )

    state = argparse.ArgumentParser(add_help=False)
    state.add_argument(
        "--state-dir",
        metavar="DIR",
        help=f"keep each partition's states in RocksDB under DIR, reused after a restart "
        f"(default: ${STATE_DIR_ENV}; an empty value keeps them in memory)",
    )

    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    replay = sub.add_parser(
        "replay",
        parents=[policy, strict],
        help="run the core over files, no broker; commands as JSON lines",
        description="Read DTC and JSON-lines files (files or folders), run the core in event-time order "
        "through the end of --until and write the commands as JSON lines.",
        epilog=_exit_codes_epilog(),
        formatter_class=formatter,
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
    replay.add_argument(
        "--store", type=Path, metavar="FILE", help="also write the half-hourly history to this DuckDB file"
    )
    replay.add_argument(
        "--jobs",
        type=_positive_int,
        default=1,
        metavar="N",
        help="fold the keys in N partitions, one worker process each (default 1: each worker parses "
        "only its keys' readings and JSON lines, but every worker still walks each DTC file's "
        "structure and folds every tick, so on 2 cores it gains 1.2-1.3x at best, "
        "docs/decisions.md D56, D64; one process with --store); the output is the same for any N",
    )
    replay.add_argument(
        "--quiet", action="store_true", help="no progress display on a terminal (there is none elsewhere)"
    )
    add_consumption_parser(sub)

    ingest = sub.add_parser(
        "ingest",
        parents=[broker, strict],
        help="publish flows and events to Kafka, then day ticks through --until",
        description="Publish DTC and JSON-lines files (files or folders) to the input topic in event-time "
        "order, keyed by MPAN core, then a day tick per day through --until into every partition. "
        "Rejected records go to rejected-records; a file already ingested is skipped and reported.",
        epilog=_exit_codes_epilog(),
        formatter_class=formatter,
    )
    ingest.add_argument(
        "paths", nargs="+", metavar="PATH", help="DTC or JSON-lines file, or a folder of them"
    )
    ingest.add_argument("--until", type=_date, metavar="DATE", help="publish the day ticks through DATE")

    worker = sub.add_parser(
        "worker",
        parents=[broker, policy, clock, state],
        help="the streaming processor on Kafka",
        description="Consume the input topic in a consumer group, fold each partition through the core "
        "and publish billing commands, anomalies and rejections, until SIGINT or SIGTERM. Serves the "
        "dashboard when METERFLOW_DASHBOARD_PORT is set (aiokafka runtime).",
    )
    worker.add_argument(
        "--runtime",
        choices=["aiokafka", "faust"],
        default="aiokafka",
        help="aiokafka: meterflow's consumer group (default); faust: the same core as a faust-streaming "
        "application (`faust -A processors.streaming.faust_app worker`)",
    )
    up = sub.add_parser(
        "up",
        parents=[broker, policy, clock, state],
        help="a whole local stack: embedded broker, worker and dashboard",
        description="Start an embedded Kafka-compatible broker (unless --broker is given), a worker and "
        "the dashboard, print one 'ready' line, and stop all of them on Ctrl-C. One stack per "
        "METERFLOW_HOME: for a second one beside it, give it another METERFLOW_HOME and "
        "--dashboard-port.",
    )
    up.add_argument(
        "--dashboard-port",
        type=_port,
        metavar="PORT",
        help="serve the dashboard on PORT (default: $METERFLOW_DASHBOARD_PORT, else 6066; 0: any free port)",
    )

    topics = "\n".join(f"  {name:<20} {what}" for name, what in TAIL_TOPICS)
    tail = sub.add_parser(
        "tail",
        parents=[broker],
        help="print the records of a topic as JSON lines",
        description=textwrap.fill(
            "Print the records of TOPIC decoded to JSON lines (commands exactly as replay writes them). "
            "With --from-beginning it prints what the topic holds and stops once caught up; with "
            "--follow (or without --from-beginning) it keeps printing new records.",
            88,
        )
        + f"\n\ntopics (each behind $METERFLOW_TOPIC_PREFIX when set):\n{topics}",
        formatter_class=formatter,
    )
    tail.add_argument("topic", metavar="TOPIC", help="the topic to print (see the list above)")
    tail.add_argument(
        "--from-beginning", action="store_true", help="start at the oldest record; stop once caught up"
    )
    tail.add_argument("--follow", action="store_true", help="keep waiting for new records after catching up")
    tail.add_argument("--max", type=_positive_int, metavar="N", help="stop after N records")
    tail.add_argument(
        "--timeout",
        type=_seconds,
        metavar="SECONDS",
        help="when following, stop after SECONDS without a new record (default: wait forever)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run `meterflow`; returns the exit status (`processors.drivers.exit_codes`)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse has printed the usage and the reason
        return exit_.code if isinstance(exit_.code, int) else EXIT_CANNOT_RUN

    try:
        settings = settings_of(args, settings_from_environment())
    except SettingsError as exc:
        print(f"meterflow {args.command}: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    # replay's modules log only through get_logger: structlog waits for its first line
    configure_logging(json=settings.log_json, level=settings.log_level, deferred=args.command == "replay")
    if args.command != "replay":  # replay writes no Avro: it never loads serde nor fastavro
        from processors.codecs.serde import use_schemas  # noqa: PLC0415 - see above

        use_schemas(settings.schemas_dir)
    collect_less_often()
    try:
        if args.command == "replay":
            return run_replay(args)
        # every Kafka client of this process connects with the TLS/SASL settings
        importlib.import_module("processors.streaming.security").use_security(settings)
        if args.command == "consumption":
            return run_consumption(args)
        module = importlib.import_module(f"processors.streaming.{args.command}")
        return int(module.run(args, settings))
    except (CannotRun, SettingsError) as exc:
        print(f"meterflow {args.command}: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `meterflow replay ... | head`: the reader has seen enough
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def settings_of(args: argparse.Namespace, environment: Settings) -> Settings:
    """`environment`'s settings with the flags given on top: `--broker`, `--state-dir`
    (an empty DIR keeps the states in memory), `--log-level`, `--log-json`."""
    given = getattr(args, "state_dir", None)  # None: not given
    state_dir = environment.state_dir if given is None else Path(given) if given else None
    return replace(
        environment,
        broker=args.broker or environment.broker,
        state_dir=state_dir,
        log_level=args.log_level,
        log_json=args.log_json,
    )


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


def _record_json(item: Any) -> Any:
    """A rejected record or an anomaly as its JSON object (`processors.codecs.serde`, loaded
    by the first one: a replay with neither never imports it, nor fastavro)."""
    from processors.codecs.serde import to_json  # noqa: PLC0415 - see above

    return to_json(item)


def run_replay(args: argparse.Namespace) -> int:
    """`meterflow replay`: commands to --out (stdout), rejections and anomalies to their files
    (or to the log when no file is given), a one-line summary on stderr."""
    missing = missing_paths(args.paths)
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
        paths = [Path(p) for p in args.paths]
        store = None if args.store is None else stack.enter_context(open_store(args.store))
        observe = None if store is None else store.observe
        items = replay(paths, args.until, policy, summary=summary, observe=observe, jobs=args.jobs)
        progress = stack.enter_context(ReplayProgress.for_terminal(paths, quiet=args.quiet) or nullcontext())
        for item in items:
            if progress is not None:
                progress.advance(item, summary.events)
            if isinstance(item, Command):
                out.write(_json_line(item.to_json()))
            elif isinstance(item, RejectedRecord):
                if rejected is not None:
                    rejected.write(_json_line(_record_json(item)))
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
                anomalies.write(_json_line(_record_json(item)))
            else:
                log.warning("anomaly", **_record_json(item))
        out.flush()
    if summary.in_one_process:
        why_one = summary.in_one_process
        print(f"meterflow replay: --jobs {args.jobs} folded in one process: {why_one}", file=sys.stderr)
    print(summary.line(), file=sys.stderr)
    status, why = input_status(
        usable_events=summary.events - summary.test_data_events,
        rejected=summary.rejected_records,
        strict=bool(getattr(args, "strict", False)),
    )
    if why:
        print(f"meterflow replay: {why}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
