"""`meterflow worker --runtime faust`: the same core in a faust-streaming application (SPEC 11, D27).

For teams that already run faust: `faust -A processors.streaming.faust_app worker` runs the
module-level `app` (configured from the environment, as `meterflow worker` is), and
`meterflow worker --runtime faust` runs the same application with the CLI's settings.
faust does the group membership and the fetching; what happens to the records is the
aiokafka worker's, unit for unit:
- one agent takes the input topic in batches (`stream.noack_take`) and feeds them to the
  lock-step (`LockStep`) of the partitions this member owns; what a batch caused is sent
  by an aiokafka producer and acknowledged by the broker before any of its records is
  acked to faust, and a record is acked only once it is folded (a record waiting at a
  day tick stays unacked), so faust commits nothing whose outputs are not durable;
- no faust Table and no changelog recovery (faust ends a changelog recovery at the high
  watermark, which Tansu reports wrongly; D11): on assignment each partition's state is
  rebuilt by `recovery.Recovery` at the offset the group committed (the snapshots of D12,
  then a re-fold to that exact offset), and `recovery.SnapshotWriter` writes the
  snapshots, periodically, at revocation and at a clean stop, each at a committed offset;
- a timer folds what waits at a tick once the partitions it waits for have nothing more
  to read, and writes the wall-clock day ticks that are due (`loop.FoldLoop.tick_if_due`).
faust-streaming's `cython_optimizations` is on: its repaired stream-iterator and
conductor fast paths.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import faust
import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from processors.collector import thaw
from processors.core.policy import DEFAULT_POLICY, Policy, load_policy
from processors.settings import Settings, settings_from_environment
from processors.streaming.broker import BrokerNotFound, find_broker
from processors.streaming.errors import report_startup_error
from processors.streaming.kafka import make_producer, partitions_of, start_client
from processors.streaming.lockstep import LockStep
from processors.streaming.loop import FoldLoop, produce_all
from processors.streaming.processor import Outgoing
from processors.streaming.recovery import Recovery, SnapshotWriter
from processors.streaming.stats import WorkerStats
from processors.streaming.topics import Topics, ensure_topics

log = structlog.get_logger("meterflow.worker")

IDLE_SECONDS = 0.2  # the timer's period: a partition with nothing read in two is caught up
CAUGHT_UP_ROUNDS = 2


class FaustRuntime:
    """What the faust application's agent, timer and rebalance signals share: the owned
    partitions' lock-step, the records not yet acked, the producer and the recovery."""

    def __init__(
        self,
        bootstrap: str,
        settings: Settings,
        *,
        policy: Policy = DEFAULT_POLICY,
        use_clock: bool = True,
        clock_interval: float = 30.0,
        snapshots: bool = True,
    ) -> None:
        self.bootstrap = bootstrap
        self.settings = settings
        self.policy = policy
        self.topics = Topics.of(settings)
        self.use_clock = use_clock
        self.clock_interval = clock_interval
        self.stats = WorkerStats()
        self.recovery = Recovery(bootstrap, self.topics, policy, self.stats, snapshots=snapshots)
        self.snapshots = SnapshotWriter(self.topics, interval=settings.snapshot_seconds, enabled=snapshots)
        self.lock = asyncio.Lock()
        self.lockstep: LockStep | None = None
        self.unacked: dict[int, deque[Any]] = {}  # per owned partition, faust events not yet acked
        self.committed: dict[int, int] = {}
        self.ready = asyncio.Event()
        self._idle: dict[int, int] = {}
        self._last_snapshot = time.monotonic()
        self._producer: AIOKafkaProducer | None = None
        self._offsets: AIOKafkaConsumer | None = None  # reads the group's committed offsets
        self._ticks: FoldLoop | None = None
        self._app: faust.App | None = None

    @property
    def folded(self) -> dict[int, int]:
        """Per owned partition, the next offset not yet folded."""
        return dict(self.lockstep.done) if self.lockstep is not None else {}

    # -- life cycle ---------------------------------------------------------------------
    async def start(self, app: faust.App, timeout: float = 15.0) -> None:
        """Create missing topics and connect the producer and the offsets reader."""
        self._app = app
        created = await ensure_topics(self.bootstrap, self.topics.specs(), timeout)
        if created:
            log.info("topics created", topics=created)
        self._producer = make_producer(self.bootstrap)
        await start_client(self._producer, self.bootstrap, timeout)
        self._offsets = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=self.settings.group,
            enable_auto_commit=False,
            client_id="meterflow-faust-offsets",
        )
        await start_client(self._offsets, self.bootstrap, timeout)
        # only the wall-clock ticks of the aiokafka loop are used: it needs no consumer for them
        self._ticks = FoldLoop(
            None, self._producer, self.topics, self.stats, clock_interval=self.clock_interval
        )
        log.info("worker started", runtime="faust", broker=self.bootstrap, group=self.settings.group)

    async def close(self) -> None:
        """At a clean stop: commit what is acked, snapshot at the committed offsets, disconnect."""
        async with self.lock:
            if self.lockstep is not None and self._producer is not None:
                try:
                    await asyncio.wait_for(self._snapshot(self.lockstep.processors), 60)
                except Exception as exc:  # the broker may be gone: the next start folds the log
                    log.warning("no snapshot at stop", error=repr(exc))
            self.lockstep = None
        for client in (self._offsets, self._producer):
            if client is not None:
                try:
                    await client.stop()
                except Exception as exc:
                    log.warning("client did not stop cleanly", error=repr(exc))
        stats = self.stats
        log.info(
            "worker stopped",
            runtime="faust",
            input_events=stats.events - stats.ticks - stats.derived,
            derived_events=stats.follow_ups,
            day_tick_records=stats.ticks,
            commands=stats.commands,
        )

    # -- partitions ---------------------------------------------------------------------
    async def assigned(self, assigned: Iterable[Any]) -> None:
        """Rebuild every assigned partition of the input topic at its committed offset:
        after a rebalance faust reads each of them again from there."""
        async with self.lock:
            assert self._offsets is not None, "start() first"
            wanted = sorted(tp.partition for tp in assigned if tp.topic == self.topics.input)
            count = len(await partitions_of(self._offsets, self.topics.input))
            committed = {
                p: (await self._offsets.committed(TopicPartition(self.topics.input, p))) or 0 for p in wanted
            }
            lockstep = LockStep(self.topics, count, self.policy)
            self.lockstep, self.unacked, self._idle = lockstep, {}, {}
            self.committed = dict(committed)
            if committed:
                recovered = await self.recovery.recover(committed, count)
                self.snapshots.loaded(recovered.from_snapshot)
                for partition, processor in recovered.processors.items():
                    lockstep.add(partition, processor, committed[partition], recovered.tails.get(partition))
                    self.unacked[partition] = deque()
            log.info("partitions assigned", partitions=wanted, rebuilt=wanted, runtime="faust")
            self.ready.set()

    async def revoked(self, revoked: Iterable[Any]) -> None:
        """Commit what is acked and snapshot the revoked partitions (the next owner starts
        from them), then forget them."""
        async with self.lock:
            lockstep = self.lockstep
            partitions = sorted(tp.partition for tp in revoked if tp.topic == self.topics.input)
            log.info("partitions revoked", partitions=partitions, runtime="faust")
            if lockstep is None:
                return
            try:
                await asyncio.wait_for(self._snapshot(partitions), 60)
            except Exception as exc:
                log.warning("no snapshot at revocation", error=repr(exc))
            for partition in partitions:
                lockstep.remove(partition)
                self.unacked.pop(partition, None)
            thaw()  # what recovery froze may now be garbage (D62)

    async def _snapshot(self, partitions: Iterable[int]) -> int:
        """Commit faust's acks, read the committed offsets, and snapshot `partitions` at them."""
        assert self._producer is not None and self.lockstep is not None
        await self._commit()
        return await self.snapshots.write(self._producer, self.lockstep, self.committed, partitions)

    async def _commit(self) -> None:
        """Have faust commit what is acked, and learn the offsets the group holds now."""
        assert self._offsets is not None and self.lockstep is not None
        if self._app is not None:
            await self._app.consumer.commit()
        for partition in self.lockstep.processors:
            tp = TopicPartition(self.topics.input, partition)
            self.committed[partition] = (await self._offsets.committed(tp)) or 0

    # -- batches ------------------------------------------------------------------------
    async def fold(self, stream: Any, events: list[Any]) -> None:
        """Feed a batch of faust events to the lock-step, fold, produce, ack what is folded."""
        async with self.lock:
            lockstep = self.lockstep
            if lockstep is None:
                return  # not ours (any more): unacked, faust gives them to their owner
            by_partition: dict[int, list[Any]] = {}
            for event in events:
                by_partition.setdefault(event.message.partition, []).append(event)
            for partition, mine in by_partition.items():
                pending = self.unacked.get(partition)
                if pending is None:
                    continue
                pending.extend(mine)
                lockstep.feed(partition, [event.message for event in mine])
                self._idle[partition] = 0
            await self._step(stream, lockstep)

    async def idle(self, stream: Any) -> None:
        """The timer: count idle rounds, fold what the lock-step allows now, write the due
        ticks and snapshots."""
        async with self.lock:
            lockstep = self.lockstep
            if lockstep is None or self._producer is None or self._ticks is None:
                return
            for partition in lockstep.processors:
                self._idle[partition] = self._idle.get(partition, 0) + 1
            await self._step(stream, lockstep)
            if self.use_clock:
                await self._ticks.tick_if_due(lockstep)
            moment = time.monotonic()
            if moment - self._last_snapshot >= self.snapshots.interval:
                self._last_snapshot = moment
                await self._snapshot(lockstep.processors)

    def _caught_up(self, lockstep: LockStep, partition: int) -> bool:
        """Nothing more to read in `partition` for now: no record in the last idle rounds,
        and read up to the high watermark (which Tansu may report a batch short)."""
        if self._idle.get(partition, 0) < CAUGHT_UP_ROUNDS:
            return False
        app = self._app
        try:
            highwater = app.consumer.highwater(TopicPartition(self.topics.input, partition)) if app else None
        except Exception:
            highwater = None
        return highwater is None or highwater < 0 or lockstep.fed.get(partition, 0) >= highwater

    async def _step(self, stream: Any, lockstep: LockStep) -> None:
        out = Outgoing()
        lockstep.step(lambda p: self._caught_up(lockstep, p), out)
        assert self._producer is not None
        await produce_all(self._producer, out.records)
        for partition, pending in self.unacked.items():  # acked only once folded and produced
            done = lockstep.done.get(partition, 0)
            while pending and pending[0].message.offset < done:
                await stream.ack(pending.popleft())
        stats = self.stats
        stats.batches += 1
        stats.events += out.events
        stats.ticks += out.ticks
        stats.derived += out.derived
        stats.commands += out.commands
        stats.anomalies += out.anomalies
        stats.rejected += out.rejected
        stats.follow_ups += out.follow_ups


def make_app(
    settings: Settings,
    bootstrap: str,
    *,
    policy: Policy = DEFAULT_POLICY,
    use_clock: bool = True,
    snapshots: bool = True,
) -> faust.App:
    """The faust application of one worker over `bootstrap`, with its runtime as `app.meterflow`."""
    runtime = FaustRuntime(bootstrap, settings, policy=policy, use_clock=use_clock, snapshots=snapshots)
    session = settings.session_timeout / 1000
    app = faust.App(
        settings.group,
        broker=f"kafka://{bootstrap}",
        store="memory://",
        topic_partitions=settings.partitions,
        topic_allow_declare=False,
        broker_session_timeout=session,
        broker_heartbeat_interval=max(0.1, session / 6),
        broker_rebalance_timeout=max(session * 5, 30.0),
        broker_max_poll_records=settings.max_batch,
        stream_buffer_maxsize=settings.max_batch,
        stream_wait_empty=False,  # records waiting at a tick stay unacked through a rebalance
        processing_guarantee="at_least_once",
        consumer_auto_offset_reset="earliest",
        web_enabled=False,
        datadir=str(settings.home / "faust" / settings.group),  # not the working directory
        cython_optimizations=True,
    )
    app.meterflow = runtime  # type: ignore[attr-defined]
    source = app.topic(
        runtime.topics.input, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
    )
    streams: list[Any] = []

    @app.agent(source)  # type: ignore[untyped-decorator, unused-ignore]
    async def fold(stream: Any) -> None:
        streams.append(stream)
        async for events in stream.noack_take(settings.max_batch, within=0.1):
            await runtime.fold(stream, events)

    @app.timer(IDLE_SECONDS)  # type: ignore[untyped-decorator, unused-ignore]
    async def idle() -> None:
        if streams:
            await runtime.idle(streams[0])

    # faust sends its signals as receiver(app, *args, signal=..., **kwargs)
    async def on_assigned(_app: Any, *args: Any, **_: Any) -> None:
        await runtime.assigned(args[0])

    async def on_revoked(_app: Any, *args: Any, **_: Any) -> None:
        await runtime.revoked(args[0])

    async def on_shutdown(_app: Any, *_args: Any, **_: Any) -> None:
        await runtime.close()

    app.on_partitions_assigned.connect(cast(Any, on_assigned))
    app.on_partitions_revoked.connect(cast(Any, on_revoked))
    app.on_before_shutdown.connect(cast(Any, on_shutdown))

    original_first_start = app.on_first_start

    async def on_first_start() -> None:
        Path(app.conf.datadir).mkdir(parents=True, exist_ok=True)
        await runtime.start(app)
        await original_first_start()

    app.on_first_start = on_first_start  # type: ignore[method-assign]
    return app


def runtime_of(app: faust.App) -> FaustRuntime:
    """The meterflow runtime `make_app` gave `app`."""
    runtime: FaustRuntime = app.meterflow  # type: ignore[attr-defined]
    return runtime


def _app_from_environment() -> faust.App:
    """The application `faust -A processors.streaming.faust_app worker` runs: configured
    from the environment as `meterflow worker` is (METERFLOW_BROKER, or the broker `meterflow
    up` recorded; faust's default localhost:9092 without either)."""
    settings = settings_from_environment()
    try:
        bootstrap = find_broker(settings)
    except BrokerNotFound:
        bootstrap = "localhost:9092"
    return make_app(settings, bootstrap)


app = _app_from_environment()


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Entry point of `meterflow worker --runtime faust [--no-clock] [--policy FILE]`."""
    if settings.state_dir is not None:
        log.warning("the faust runtime keeps its states in memory; --state-dir is ignored")
        settings = replace(settings, state_dir=None)
    policy = DEFAULT_POLICY
    policy_path = getattr(args, "policy", None)
    if policy_path:
        policy = load_policy(policy_path)
    try:
        bootstrap = find_broker(settings)
    except Exception as exc:
        return report_startup_error(exc)
    worker_app = make_app(settings, bootstrap, policy=policy, use_clock=not getattr(args, "no_clock", False))
    # faust would send stderr through its own logger: meterflow's lines stay its own
    worker = faust.Worker(worker_app, loglevel="warning", quiet=True, redirect_stdouts=False)
    try:
        worker.execute_from_commandline()
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 0
    return 0
