"""`meterflow worker`: the streaming processor on Kafka, one member of a consumer group.

One consumer group reads the ordered input topic in batches; each assigned partition has
its own Engine (`PartitionProcessor`), folded in lock-step by day tick (`LockStep`).
`Worker` composes three units with small interfaces and owns what ties them together
(the group membership, the partitions it owns, the lock that keeps a rebalance out of a
batch):
- `loop.FoldLoop`: the consume-fold-produce-commit of each fetched batch, the wall-clock
  day ticks, flow control and lag;
- `recovery.Recovery`: on assignment, the state of each partition at its committed
  offset (local state, else snapshot, else the beginning; then the log folded again up
  to that offset), and `recovery.SnapshotWriter`, which writes the snapshots;
- `local_state.LocalStates` (with a state dir, Settings.state_dir): each partition's
  states in RocksDB on local disk, flushed after every commit with the committed offset
  and a fingerprint of the log, reused on assignment when they match the log.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable, Iterable
from functools import partial

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError

from processors.collector import thaw
from processors.core.policy import DEFAULT_POLICY, Policy, load_policy
from processors.drivers.exit_codes import EXIT_CANNOT_RUN
from processors.drivers.log_setup import LIBRARY_ERROR_LISTENERS
from processors.drivers.policy_warning import warn_regulated_changes
from processors.ops.recorder import OpsRecorder
from processors.ops.tap import observe_store, sync_labels
from processors.settings import Settings
from processors.streaming.broker import find_broker
from processors.streaming.errors import STARTUP_FAILURE, report_startup_error
from processors.streaming.history_feed import consumption_store_of, history_writer
from processors.streaming.kafka import make_producer, partitions_of, start_client
from processors.streaming.local_state import LocalStates
from processors.streaming.lockstep import LockStep
from processors.streaming.loop import EventsSink, FoldLoop, Stopping
from processors.streaming.outage import BrokerStatus
from processors.streaming.processor import PartitionProcessor
from processors.streaming.recovery import Recovery, SnapshotWriter
from processors.streaming.rejection_feed import follow_rejections
from processors.streaming.security import client_options
from processors.streaming.stack import run_stack
from processors.streaming.stats import WorkerStats
from processors.streaming.topics import Topics, ensure_topics
from processors.streaming.view import PartitionedEngineView

log = structlog.get_logger("meterflow.worker")

# A stop (SIGTERM, SIGINT) is over within about these bounds even with the broker gone:
# the batch in hand, the snapshot, leaving the group and closing each client.
STOP_LOCK_SECONDS = 2.0
STOP_SNAPSHOT_SECONDS = 5.0
STOP_CLIENT_SECONDS = 3.0
REVOKE_SNAPSHOT_SECONDS = 15.0  # a rebalance waits for it (the next owner starts from it)
FETCH_PARTITION_BYTES = 512 * 1024  # per partition and fetch (aiokafka's default is 1 MiB)
FETCH_BYTES = 2 * 1024 * 1024  # per fetch, all partitions (aiokafka's default is 50 MiB)


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, worker: Worker) -> None:
        self.worker = worker

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        async with self.worker.lock:
            partitions = sorted(tp.partition for tp in revoked if tp.topic == self.worker.topics.input)
            log.info("partitions revoked", partitions=partitions)
            try:  # the next owner starts from it
                await asyncio.wait_for(self.worker.snapshot(partitions), REVOKE_SNAPSHOT_SECONDS)
            except Exception as exc:
                log.warning("no snapshot at revocation", error=repr(exc))
            self.worker.release(partitions)
            thaw()  # what recovery froze may now be garbage (D62)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        async with self.worker.lock:
            try:
                await self.worker.adopt(assigned)
            except Exception as exc:  # aiokafka would log it and go on with states never rebuilt
                log.error(
                    "cannot rebuild the assigned partitions' states; stopping (a restart retries)",
                    error=str(exc) or repr(exc),
                )
                self.worker.failure = exc
                self.worker.stop_soon()


class Worker:
    """One worker process: joins the group, recovers what it is assigned, runs the loop."""

    def __init__(
        self,
        bootstrap: str,
        settings: Settings | None = None,
        *,
        policy: Policy = DEFAULT_POLICY,
        use_clock: bool = True,
        clock_interval: float = 30.0,
        ops: OpsRecorder | None = None,
        snapshots: bool = True,
        on_events: EventsSink | None = None,
    ) -> None:
        """`settings`: topics, group, batch size, session timeout, snapshot interval and the
        state dir (None: memory) with its cache bound; `ops`: feed the dashboard;
        `snapshots` False: neither write nor read snapshots; `on_events`: given each
        folded batch's events."""
        self.on_events = on_events
        self.bootstrap = bootstrap
        self.settings = settings = settings or Settings()
        self.policy = policy
        self.topics = Topics.of(settings)
        self.group_id = settings.group
        self.use_clock = use_clock
        self.clock_interval = clock_interval
        self.ops = ops
        self.stats = WorkerStats()
        self.local = (
            LocalStates(
                settings.state_dir,
                self.group_id,
                self.topics,
                cache_keys=settings.state_cache_keys,
                stats=self.stats,
            )
            if settings.state_dir is not None
            else None
        )
        self.recovery = Recovery(
            bootstrap, self.topics, policy, self.stats, local=self.local, snapshots=snapshots
        )
        self.snapshots = SnapshotWriter(
            self.topics, interval=settings.snapshot_seconds, enabled=snapshots, local=self.local
        )
        self.lock = asyncio.Lock()
        self.broker_status = BrokerStatus(bootstrap)
        self.failure: Exception | None = None  # why the worker stopped by itself, if it did
        self.lockstep: LockStep | None = None
        self.ready = asyncio.Event()
        self._stopping = asyncio.Event()
        self._suspended = False  # local stores closed at revocation, until the next assignment
        self._loop: FoldLoop | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self._rejection_feed: asyncio.Task[None] | None = None

    @property
    def processors(self) -> dict[int, PartitionProcessor]:
        """The Engines of the partitions this worker owns now."""
        return self.lockstep.processors if self.lockstep is not None else {}

    @property
    def folded(self) -> dict[int, int]:
        """Per owned partition, the next offset not yet folded."""
        return dict(self.lockstep.done) if self.lockstep is not None else {}

    def engine_view(self) -> PartitionedEngineView:
        """The dashboard's read-only view of this worker's Engines."""
        return PartitionedEngineView(lambda: self.processors)

    # -- life cycle -------------------------------------------------------------------
    async def start(self, timeout: float = 15.0) -> None:
        """Create missing topics, connect, and join the group (fails fast, never hangs)."""
        created = await ensure_topics(self.bootstrap, self.topics.specs(), timeout)
        if created:
            log.info("topics created", topics=created)
        self._producer = make_producer(self.bootstrap)
        await start_client(self._producer, self.bootstrap, timeout)
        session = self.settings.session_timeout
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=session,
            heartbeat_interval_ms=max(100, session // 6),
            rebalance_timeout_ms=max(session * 5, 30000),
            max_poll_interval_ms=300000,
            fetch_max_wait_ms=200,
            # the fetcher's read-ahead, bounded by bytes (D40): what one fetch brings
            # is held raw, then as records, until the lock-step decodes it
            max_partition_fetch_bytes=FETCH_PARTITION_BYTES,
            fetch_max_bytes=FETCH_BYTES,
            client_id="meterflow-worker",
            **client_options(),
        )
        await start_client(self._consumer, self.bootstrap, timeout)
        LIBRARY_ERROR_LISTENERS.append(self._library_error)
        self._loop = FoldLoop(
            self._consumer,
            self._producer,
            self.topics,
            self.stats,
            local=self.local,
            ops=self.ops,
            clock_interval=self.clock_interval,
            on_events=self.on_events,
            commit_records=self.settings.commit_records,
            stopping=self._stopping,
            status=self.broker_status,
        )
        self._consumer.subscribe([self.topics.input], listener=_Rebalance(self))
        if self.ops is not None:
            self._rejection_feed = asyncio.create_task(
                follow_rejections(
                    self.bootstrap,
                    self.topics.rejected,
                    self.ops,
                    self._stopping,
                    timeout,
                    reports=self.topics.file_reports,
                )
            )
        log.info(
            "worker started",
            broker=self.bootstrap,
            group=self.group_id,
            clock=self.use_clock,
            state_dir=str(self.settings.state_dir) if self.settings.state_dir else None,
        )

    def _library_error(self, record: logging.LogRecord) -> None:
        self.broker_status.failed(record.getMessage())

    def stop_soon(self) -> None:
        """Ask the loop to finish its batch, commit and stop."""
        self._stopping.set()

    async def close(self) -> None:
        """Snapshot the owned partitions (a clean stop makes the next start fast), then
        leave the group and disconnect."""
        if self._producer is not None and self.lockstep is not None:
            try:  # a recovery still holding the lock must not keep the process up
                await asyncio.wait_for(self.lock.acquire(), STOP_LOCK_SECONDS)
            except TimeoutError:
                log.warning("no snapshot at stop: a rebalance is still recovering")
            else:
                try:
                    await asyncio.wait_for(self.snapshot(), STOP_SNAPSHOT_SECONDS)
                except Exception as exc:  # the broker may be gone: the next start folds the log
                    log.warning("no snapshot at stop", error=repr(exc))
                finally:
                    self.lock.release()
        if self.lockstep is not None:
            self.release(list(self.lockstep.processors))
        if self._rejection_feed is not None:
            self._stopping.set()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._rejection_feed, STOP_CLIENT_SECONDS)
        with contextlib.suppress(ValueError):
            LIBRARY_ERROR_LISTENERS.remove(self._library_error)
        for client in (self._consumer, self._producer):  # leaving the group needs the broker
            if client is not None:
                await _stop_client(client)
        stats = self.stats
        log.info(  # named as ingest and the dashboard name them (D22)
            "worker stopped",
            input_events=stats.events - stats.ticks - stats.derived,
            derived_events=stats.follow_ups,
            day_tick_records=stats.ticks,
            commands=stats.commands,
        )

    async def run(self) -> None:
        """Consume until stop_soon() is called."""
        assert self._consumer is not None and self._producer is not None and self._loop is not None, (
            "start() first"
        )
        consumer, producer, loop = self._consumer, self._producer, self._loop
        while not self._stopping.is_set():
            try:
                batch = await consumer.getmany(timeout_ms=200, max_records=self.settings.max_batch)
            except KafkaError as exc:
                self.broker_status.failed(exc)
                await asyncio.sleep(0.5)
                continue
            if batch:
                self.broker_status.ok()
            async with self.lock:
                lockstep = self.lockstep
                if lockstep is None or self._suspended:
                    continue
                rewound = {
                    tp.partition: records[0].offset
                    for tp, records in batch.items()
                    if records
                    and tp.topic == self.topics.input
                    and records[0].offset < lockstep.done.get(tp.partition, -1)
                }
                if rewound:  # the consumer was reset to the start of a log we never folded
                    await self._rewind(lockstep, rewound)
                try:
                    await loop.fold(lockstep, batch)
                except Stopping:  # nothing was committed for what could not be sent
                    break
                loop.sample_lag(lockstep)
                if self.use_clock:
                    await loop.tick_if_due(lockstep)
                await self.snapshots.write_if_due(producer, lockstep, loop.committed)

    # -- partitions -------------------------------------------------------------------
    async def adopt(self, assigned: set[TopicPartition]) -> None:
        """Keep the Engines whose state matches the committed offset; rebuild the others
        by folding their partitions again up to it."""
        assert self._consumer is not None and self._loop is not None
        loop = self._loop
        wanted = {tp.partition: tp for tp in assigned if tp.topic == self.topics.input}
        count = len(await partitions_of(self._consumer, self.topics.input))
        if self.lockstep is None or self.lockstep.partitions != count:
            if self.lockstep is not None:
                for partition in list(self.lockstep.processors):
                    self._close_local(partition)
            self.lockstep = LockStep(self.topics, count, self.policy)
        self._suspended = False
        lockstep = self.lockstep
        for partition in list(lockstep.processors):
            if partition not in wanted:
                self._close_local(partition)
                lockstep.remove(partition)
        loop.reassigned()
        stale: dict[int, int] = {}
        for partition, tp in wanted.items():
            committed = await self._consumer.committed(tp) or 0
            loop.committed[partition] = committed
            kept = lockstep.processors.get(partition) is not None
            if (
                kept
                and lockstep.done.get(partition) == committed
                and (self.local is None or self.local.reopen(partition, committed))
            ):
                lockstep.reset(partition, committed)  # the consumer reads on from `committed`
            else:
                self._close_local(partition)
                stale[partition] = committed
        await self._name_replaced_logs(stale)
        if stale:
            recovered = await self.recovery.recover(stale, count)
            self.snapshots.loaded(recovered.from_snapshot)
            for partition, processor in recovered.processors.items():
                offset = recovered.offsets[partition]
                lockstep.add(partition, processor, offset, recovered.tails.get(partition))
                loop.committed[partition] = offset
        if self.ops is not None:
            self.ops.record_rebalance(sorted(wanted))
            for partition in stale:
                processor = lockstep.processors[partition]
                sync_labels(processor.engine, self.ops, processor.store.items())
                observe_store(processor.engine)  # from now on, relabel every key a batch writes
        log.info("partitions assigned", partitions=sorted(wanted), rebuilt=sorted(stale))
        self.ready.set()

    async def _name_replaced_logs(self, stale: dict[int, int]) -> None:
        """Name, in one error line, the partitions this worker had folded past the end of
        the log the broker now has (a new broker, or a recreated topic: the group's offsets
        are gone too); their states are rebuilt from the log as it is."""
        assert self._consumer is not None
        folded = {p: self.lockstep.done[p] for p in stale if self.lockstep and p in self.lockstep.done}
        ahead = {p: done for p, done in folded.items() if done > stale[p]}
        if not ahead:
            return
        tps = [TopicPartition(self.topics.input, p) for p in ahead]
        try:
            ends = await asyncio.wait_for(self._consumer.end_offsets(tps), 10)
        except Exception as exc:
            log.warning("could not read the log's end offsets", error=repr(exc))
            return
        replaced = {tp.partition: end for tp, end in ends.items() if end < ahead[tp.partition]}
        if replaced:
            self.log_went_backwards(replaced, {p: ahead[p] for p in replaced})

    def log_went_backwards(self, now_at: dict[int, int], folded: dict[int, int]) -> None:
        log.error(
            "the log went backwards: the broker's log is not the one this worker folded "
            "(a new broker, or the topic was recreated); rebuilding those partitions from the log it has",
            topic=self.topics.input,
            folded=folded,
            log_now=now_at,
        )
        self.stats.logs_replaced += len(now_at)

    async def _rewind(self, lockstep: LockStep, offsets: dict[int, int]) -> None:
        """The log of these partitions went backwards under us (records come from offsets we
        had folded past): name it, and rebuild their states at those offsets from the log."""
        assert self._loop is not None
        self.log_went_backwards(offsets, {p: lockstep.done[p] for p in offsets})
        self._loop.forget_unfed(offsets)  # fetched from the log as it was
        for partition in offsets:
            self._close_local(partition)
        recovered = await self.recovery.recover(offsets, lockstep.partitions)
        for partition, processor in recovered.processors.items():
            offset = recovered.offsets[partition]
            lockstep.add(partition, processor, offset, recovered.tails.get(partition))
            self._loop.committed[partition] = offset

    def release(self, partitions: Iterable[int]) -> None:
        """At revocation and stop: flush the local stores of `partitions` whose folded offset
        is committed, and close them (a partition given back by the next assignment is
        reopened as it is; `adopt`)."""
        if self.lockstep is None or self.local is None or self._loop is None:
            return
        owned = self.local.release(self.lockstep, partitions, self._loop.committed)
        self._suspended = bool(owned)  # fold nothing until the next assignment reopens them

    def _close_local(self, partition: int) -> None:
        if self.local is not None:
            self.local.close(partition)

    async def snapshot(self, partitions: Iterable[int] | None = None) -> int:
        """Write a snapshot of each of `partitions` (default: all owned) whose folded
        offset moved since its last one and is committed; returns how many were written."""
        if self.lockstep is None or self._producer is None or self._loop is None:
            return 0
        return await self.snapshots.write(self._producer, self.lockstep, self._loop.committed, partitions)


async def _stop_client(client: AIOKafkaConsumer | AIOKafkaProducer) -> None:
    """Stop an aiokafka client within STOP_CLIENT_SECONDS. aiokafka's fetcher lets the
    CancelledError of its own cancelled fetch escape from `stop()`; that one is swallowed,
    a cancellation of this task is not."""
    try:
        await asyncio.wait_for(client.stop(), STOP_CLIENT_SECONDS)
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
    except Exception as exc:
        log.debug("client stop failed", error=repr(exc))


async def serve(
    bootstrap: str,
    settings: Settings,
    *,
    use_clock: bool,
    policy: Policy = DEFAULT_POLICY,
    port: int | None = None,
    on_ready: Callable[[str | None, list[int]], None] | None = None,
) -> int:
    """Run a worker, and the dashboard on Settings.dashboard_host:`port` when `port` is not
    None, until SIGINT/SIGTERM; `on_ready` as `run_stack` has it."""
    ops = OpsRecorder() if port is not None else None
    history = consumption_store_of(settings.state_dir) if port is not None else None
    extend_app = None
    if history is not None:  # the portal's routes, and so aiohttp, only with a dashboard (D58)
        from processors.web.consumption import add_consumption_routes  # noqa: PLC0415

        extend_app = partial(add_consumption_routes, store=history)
    worker = Worker(
        bootstrap,
        settings,
        policy=policy,
        use_clock=use_clock,
        ops=ops,
        on_events=None if history is None else history_writer(history),
    )
    try:
        status = await run_stack(
            worker,
            ops,
            host=settings.dashboard_host,
            port=port,
            on_ready=on_ready,
            extend_app=extend_app,
            token=settings.dashboard_token,
            names=settings.dashboard_names,
        )
    finally:
        if history is not None:
            history.close()
    if worker.failure is not None:
        print(f"meterflow worker: stopped: {worker.failure}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    return status


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Entry point of `meterflow worker [--runtime aiokafka|faust] [--no-clock] [--state-dir DIR]`;
    serves the dashboard too when Settings.dashboard_port (METERFLOW_DASHBOARD_PORT) is set.
    `--runtime faust` runs the same core as a faust application (`faust_app`)."""
    if getattr(args, "runtime", "aiokafka") == "faust":
        try:
            from processors.streaming import faust_app  # noqa: PLC0415 - faust only when asked for
        except ImportError as exc:
            print(
                f"meterflow worker: the faust runtime needs faust-streaming ({exc}): "
                "pip install 'meterflow[faust]'",
                file=sys.stderr,
            )
            return STARTUP_FAILURE
        return faust_app.run(args, settings)
    policy = DEFAULT_POLICY
    policy_path = getattr(args, "policy", None)
    if policy_path:
        policy = load_policy(policy_path)
    warn_regulated_changes(policy, "worker")
    try:
        bootstrap = find_broker(settings)
        use_clock = not getattr(args, "no_clock", False)
        return asyncio.run(
            serve(bootstrap, settings, use_clock=use_clock, policy=policy, port=settings.dashboard_port)
        )
    except Exception as exc:
        return report_startup_error(exc)
