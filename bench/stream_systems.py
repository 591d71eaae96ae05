"""The systems the streaming benchmark races, each run alone in its own process.

Every system reads the same pre-loaded input topic (Avro events as `meterflow ingest`
wrote them) and reports JSON: records read, seconds from its first record to its last
acknowledged output, and its peak memory.

- `meterflow`: the real worker (processors.streaming.worker.Worker): decode, Engine,
  commands, anomalies, follow-ups, batched sends, commit after acknowledgement.
- `meterflow-faust`: the same worker as a faust application (`--runtime faust`,
  processors.streaming.faust_app), `cython_optimizations` on.
- `aiokafka`: a hand-written consume-transform-produce loop with batched sends: decode,
  a per-MPAN dict update, one output record per event.
- `faust`: a naive faust agent: per event, decode, a Table update and one send (every
  faust row runs with faust-streaming's `cython_optimizations` on).
- `faust-batched`: faust as the issue suggests it be tuned: raw bytes, the agent takes
  batches (`stream.take`), one Table write per changed key per batch, sends buffered.
- `faust-ceiling`: the same faust agent doing nothing but decode: the ceiling of faust's
  consume path, which no faust design can pass.
- `quix`: a Quix Streams application doing the same per-event stateful work.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer

from processors.codecs import serde
from processors.collector import collect_less_often
from processors.drivers.log_setup import configure_logging
from processors.settings import settings_from_environment
from processors.streaming.kafka import make_producer, start_client
from processors.streaming.topics import Topics, TopicSpec, ensure_topics


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class MemoryTracer:
    """Where the worker's memory goes at its peak: tracemalloc, a snapshot kept each time
    the traced total grows by a tenth, and the largest allocation sites of the last one
    (the peak) written to a file. It slows the worker: a run with it does not count."""

    def __init__(self, path: str) -> None:
        tracemalloc.start(4)
        self.path = path
        self.high = 0
        self.snapshot: tracemalloc.Snapshot | None = None
        self.last = 0.0

    def sample(self) -> None:
        moment = time.monotonic()
        if moment - self.last < 1.0:
            return
        self.last = moment
        current, _ = tracemalloc.get_traced_memory()
        if current > self.high * 1.1:
            self.high = current
            self.snapshot = tracemalloc.take_snapshot()

    def write(self) -> None:
        if self.snapshot is None:
            return
        with open(self.path, "w", encoding="utf-8") as handle:
            handle.write(f"traced at the peak sample: {self.high / 2**20:.1f} MiB\n")
            for kind in ("filename", "lineno"):
                handle.write(f"\n-- by {kind}\n")
                for stat in self.snapshot.statistics(kind)[:30]:
                    handle.write(f"{stat.size / 2**20:8.1f} MiB {stat.count:>9} {stat.traceback}\n")
            handle.write("\n-- by traceback (4 frames)\n")
            for stat in self.snapshot.statistics("traceback")[:12]:
                handle.write(f"{stat.size / 2**20:8.1f} MiB {stat.count:>9}\n")
                handle.write("\n".join("    " + line for line in stat.traceback.format()) + "\n")


def emit(result: dict[str, Any]) -> None:
    print("RESULT " + json.dumps(result), flush=True)


def touch(state: dict[str, Any], value: bytes) -> str:
    """The baselines' per-event work: decode the Avro event, update its key's state."""
    event = serde.decode_event(value)
    key = event.partition_key
    entry = state.get(key)
    if entry is None:
        state[key] = {"events": 1, "last": event.event_id}
    else:
        entry["events"] += 1
        entry["last"] = event.event_id
    return key


async def run_meterflow(
    broker: str,
    prefix: str,
    count: int,
    group: str,
    *,
    recover_only: bool = False,
    snapshots: bool = True,
    state_dir: str | None = None,
    trace_memory: str | None = None,
) -> None:
    from processors.streaming.worker import Worker  # noqa: PLC0415 - only this system needs the core

    tracer = MemoryTracer(trace_memory) if trace_memory else None

    settings = replace(
        settings_from_environment(),
        topic_prefix=prefix,
        group=group,
        state_dir=Path(state_dir) if state_dir else None,
    )
    worker = Worker(broker, settings, use_clock=False, snapshots=snapshots)
    await worker.start()
    task = asyncio.create_task(worker.run())
    first: float | None = None
    first_cpu = time.process_time()
    while True:
        await asyncio.sleep(0.02)
        if recover_only:
            if worker.ready.is_set():
                break
            continue
        if first is None and worker.stats.events:
            first = time.perf_counter()
            first_cpu = time.process_time()
        if tracer is not None:
            tracer.sample()
        if sum(worker.folded.values()) >= count and worker.stats.batches:
            break
    done = time.perf_counter()
    cpu = time.process_time() - first_cpu
    worker.stop_soon()
    await task
    # the snapshot the recovery row starts from, whole for every partition: the stop's own
    # is bounded by STOP_SNAPSHOT_SECONDS and, on a loaded machine, may finish only some
    snapshot_started = time.perf_counter()
    written = 0 if recover_only else await worker.snapshot()
    snapshot_seconds = time.perf_counter() - snapshot_started
    await worker.close()
    if tracer is not None:
        tracer.write()
    emit(
        {
            "system": "meterflow",
            "events": worker.stats.events,
            "commands": worker.stats.commands,
            "ticks": worker.stats.ticks,
            "derived": worker.stats.derived,
            "follow_ups": worker.stats.follow_ups,
            "copies": worker.stats.copies,
            "seconds": done - (first or done),
            "cpu_seconds": cpu,  # of this process over the same span (the broker's not counted)
            "peak_mb": peak_mb(),
            "recovered_events": worker.stats.recovered_events,
            "recovered_keys": worker.stats.recovered_keys,
            "recovery_seconds": worker.stats.recovery_seconds,
            "state": "rocksdb" if state_dir else "memory",
            "recovered_from_local": worker.stats.recovered_from_local,
            "recovered_from_snapshot": worker.stats.recovered_from_snapshot,
            "snapshots_written": written,
            "snapshot_seconds": snapshot_seconds,
            "snapshot_keys": sum(processor.keys() for processor in worker.processors.values()),
        }
    )


async def run_aiokafka(broker: str, prefix: str, count: int, group: str) -> None:
    topics = Topics(prefix)
    out_topic = f"{prefix}bench-aiokafka-out"
    await ensure_topics(broker, [TopicSpec(out_topic, 4)])
    consumer = AIOKafkaConsumer(
        topics.input,
        bootstrap_servers=broker,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    producer = make_producer(broker)
    await start_client(consumer, broker, 15)
    await start_client(producer, broker, 15)
    state: dict[str, Any] = {}
    seen = 0
    first: float | None = None
    try:
        while seen < count:
            batch = await consumer.getmany(timeout_ms=200, max_records=20000)
            if not batch:
                continue
            first = first or time.perf_counter()
            futures = []
            for records in batch.values():
                for record in records:
                    key = touch(state, record.value)
                    futures.append(await producer.send(out_topic, record.value, key=key.encode() or None))
                seen += len(records)
            await asyncio.gather(*futures)
            await consumer.commit()
        done = time.perf_counter()
    finally:
        await consumer.stop()
        await producer.stop()
    emit({"system": "aiokafka", "events": seen, "seconds": done - (first or done), "peak_mb": peak_mb()})


def faust_app(group: str, broker: str, **tuning: Any) -> Any:
    """A faust application with a short session timeout (this broker's first join waits half
    of it) and faust-streaming's repaired Cython fast paths (`cython_optimizations`, off by
    default), plus any `tuning` settings."""
    import faust  # noqa: PLC0415 - only the faust systems need it

    return faust.App(
        group,
        broker=f"kafka://{broker}",
        store="memory://",
        topic_partitions=4,
        broker_session_timeout=6.0,
        broker_heartbeat_interval=1.0,
        processing_guarantee="at_least_once",
        web_enabled=False,
        datadir=tempfile.mkdtemp(prefix="faust-"),
        topic_allow_declare=True,
        consumer_auto_offset_reset="earliest",
        cython_optimizations=True,
        **tuning,
    )


def run_faust(broker: str, prefix: str, count: int, group: str) -> None:
    topics = Topics(prefix)
    app = faust_app(group, broker)
    source = app.topic(
        topics.input, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
    )
    sink = app.topic(f"{prefix}bench-faust-out", key_serializer="raw", value_serializer="raw", partitions=4)
    table = app.Table(f"{group}-state", default=int, partitions=4)
    clock: dict[str, float] = {}
    seen = [0]

    @app.agent(source)  # type: ignore[untyped-decorator, unused-ignore]
    async def process(stream: Any) -> None:
        async for key, value in stream.items():
            if "first" not in clock:
                clock["first"] = time.perf_counter()
            event = serde.decode_event(value)
            table[event.partition_key] += 1
            await sink.send(key=key, value=value)
            seen[0] += 1
            if seen[0] >= count:
                clock["done"] = time.perf_counter()
                emit(
                    {
                        "system": "faust",
                        "events": seen[0],
                        "seconds": clock["done"] - clock["first"],
                        "peak_mb": peak_mb(),
                    }
                )
                sys.stdout.flush()
                os._exit(0)

    sys.argv = [sys.argv[0], "worker", "--loglevel", "warn"]
    app.main()


def run_faust_batched(broker: str, prefix: str, count: int, group: str, *, work: bool = True) -> None:
    """faust tuned as far as it goes; with `work` False it only decodes, which measures the
    ceiling of faust's consume path: no faust design can be faster than that."""
    topics = Topics(prefix)
    app = faust_app(group, broker, stream_buffer_maxsize=20000, broker_max_poll_records=5000)
    source = app.topic(
        topics.input, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
    )
    sink = app.topic(f"{prefix}bench-faust-out", key_serializer="raw", value_serializer="raw", partitions=4)
    # a batch has no current event, so the Table must find a key's partition itself
    table = app.Table(f"{group}-state", default=int, partitions=4, use_partitioner=True)
    clock: dict[str, float] = {}
    state: dict[str, Any] = {}
    seen = [0]

    # the changelog writes of a batch go through faust's producer buffer, 100 messages deep
    app.producer.buffer.max_messages = 20000

    @app.agent(source)  # type: ignore[untyped-decorator, unused-ignore]
    async def process(stream: Any) -> None:
        # writes outside an event partition keys in the producer, which must know the topic
        changelog = table.changelog_topic.get_topic_name()
        await app.producer._ensure_producer().client._wait_on_metadata(changelog)
        async for batch in stream.take(5000, within=0.05):
            if "first" not in clock:
                clock["first"] = time.perf_counter()
            keys = [touch(state, value) for value in batch]
            if not work:
                seen[0] += len(batch)
                if seen[0] >= count:
                    finish("faust-ceiling")
                continue
            for key in set(keys):
                table[key] = state[key]["events"]
            for key, value in zip(keys, batch, strict=True):
                sink.send_soon(key=key.encode(), value=value)  # into faust's producer buffer
            seen[0] += len(batch)
            if seen[0] >= count:
                finish("faust-batched")

    def finish(system: str) -> None:
        emit(
            {
                "system": system,
                "events": seen[0],
                "seconds": time.perf_counter() - clock["first"],
                "peak_mb": peak_mb(),
            }
        )
        sys.stdout.flush()
        os._exit(0)

    sys.argv = [sys.argv[0], "worker", "--loglevel", "warn"]
    app.main()


def run_meterflow_faust(broker: str, prefix: str, count: int, group: str) -> None:
    """The faust runtime of meterflow (`meterflow worker --runtime faust`): the same core,
    lock-step, recovery and snapshots as the meterflow row, with faust fetching."""
    from processors.streaming.faust_app import make_app, runtime_of  # noqa: PLC0415 - only this system

    settings = replace(
        settings_from_environment(),
        topic_prefix=prefix,
        group=group,
        home=Path(tempfile.mkdtemp(prefix="meterflow-faust-")),
        session_timeout_ms=6000,
    )
    app = make_app(settings, broker, use_clock=False)
    runtime = runtime_of(app)
    clock: dict[str, float] = {}

    @app.timer(0.02)  # type: ignore[untyped-decorator, unused-ignore]
    async def watch() -> None:
        if "first" not in clock and runtime.stats.events:
            clock["first"] = time.perf_counter()
        if sum(runtime.folded.values()) >= count and runtime.stats.batches:
            done = time.perf_counter()
            emit(
                {
                    "system": "meterflow-faust",
                    "events": runtime.stats.events,
                    "commands": runtime.stats.commands,
                    "seconds": done - clock.get("first", done),
                    "peak_mb": peak_mb(),
                }
            )
            sys.stdout.flush()
            os._exit(0)

    sys.argv = [sys.argv[0], "worker", "--loglevel", "warn"]
    app.main()


def run_quix(broker: str, prefix: str, count: int, group: str) -> None:
    from quixstreams import Application, State  # noqa: PLC0415 - benchmark-only dependency

    topics = Topics(prefix)
    app = Application(
        broker_address=broker,
        consumer_group=group,
        auto_offset_reset="earliest",
        state_dir=tempfile.mkdtemp(prefix="quix-"),
        loglevel="WARNING",
        consumer_extra_config={"session.timeout.ms": 6000, "heartbeat.interval.ms": 1000},
        producer_extra_config={"enable.idempotence": False},
    )
    source = app.topic(topics.input, key_deserializer="bytes", value_deserializer="bytes")
    sink = app.topic(f"{prefix}bench-quix-out", key_serializer="bytes", value_serializer="bytes")
    clock: dict[str, float] = {}
    seen = [0]

    def work(value: bytes, state: State[Any, Any]) -> bytes:
        if "first" not in clock:
            clock["first"] = time.perf_counter()
        event = serde.decode_event(value)
        state.set(event.partition_key or "-", (state.get(event.partition_key or "-") or 0) + 1)
        seen[0] += 1
        if seen[0] >= count:
            clock["done"] = time.perf_counter()
            app.stop()
        return value

    sdf = app.dataframe(source)
    sdf = sdf.apply(work, stateful=True)
    sdf.to_topic(sink)
    app.run()
    done = clock.get("done", time.perf_counter())
    seconds = done - clock.get("first", done)
    emit({"system": "quix", "events": seen[0], "seconds": seconds, "peak_mb": peak_mb()})


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "system",
        choices=[
            "meterflow",
            "meterflow-faust",
            "aiokafka",
            "faust",
            "faust-batched",
            "faust-ceiling",
            "quix",
        ],
    )
    parser.add_argument("--broker", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--group", default=None)
    parser.add_argument("--recover-only", action="store_true", help="meterflow: report the recovery and stop")
    parser.add_argument("--no-snapshots", action="store_true", help="meterflow: recover by folding the log")
    parser.add_argument("--state-dir", help="meterflow: keep states in RocksDB under this folder")
    parser.add_argument("--profile", metavar="FILE", help="write a pyinstrument profile (text) to FILE")
    parser.add_argument(
        "--trace-memory", metavar="FILE", help="meterflow: write the allocation sites at the peak to FILE"
    )
    args = parser.parse_args()
    profiler = None
    if args.profile:
        from pyinstrument import Profiler  # noqa: PLC0415 - optional, bench extra

        profiler = Profiler(async_mode="enabled")
        profiler.start()
    group = args.group or f"bench-{args.system}-{uuid.uuid4().hex[:6]}"
    if args.system.startswith("meterflow"):
        # as `meterflow worker` runs (cli.main): its logging (JSON lines, stderr being a pipe
        # here) rather than structlog's unconfigured console renderer, and its collector (D44)
        settings = settings_from_environment()
        configure_logging(json=settings.log_json, level=settings.log_level)
        collect_less_often()
    if args.system == "meterflow":
        asyncio.run(
            run_meterflow(
                args.broker,
                args.prefix,
                args.count,
                group,
                recover_only=args.recover_only,
                snapshots=not args.no_snapshots,
                state_dir=args.state_dir,
                trace_memory=args.trace_memory,
            )
        )
    elif args.system == "meterflow-faust":
        run_meterflow_faust(args.broker, args.prefix, args.count, group)
    elif args.system == "aiokafka":
        asyncio.run(run_aiokafka(args.broker, args.prefix, args.count, group))
    elif args.system == "faust":
        run_faust(args.broker, args.prefix, args.count, group)
    elif args.system in ("faust-batched", "faust-ceiling"):
        run_faust_batched(args.broker, args.prefix, args.count, group, work=args.system == "faust-batched")
    else:
        run_quix(args.broker, args.prefix, args.count, group)
    if profiler is not None:
        profiler.stop()
        with open(args.profile, "w", encoding="utf-8") as handle:
            handle.write(profiler.output_text(unicode=False, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
