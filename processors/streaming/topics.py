"""The topics meterflow uses, their settings, and the admin calls that make sure they exist.

One ordered input topic carries every domain event *and* the day ticks (SPEC 2.3: ticks
are events in the log). A tick must follow every event of its day in each partition,
and Kafka orders records only within a partition, so flows, JSON events and ticks share
`meterflow-events`; ticks are written into every partition of it.

Tansu (the embedded broker) reports only the configs set explicitly on a topic, so every
setting we rely on (`cleanup.policy`) is set when the topic is created.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from processors.settings import DEFAULT_PARTITIONS, Settings
from processors.streaming.security import client_options

INPUT_TOPIC = "meterflow-events"
COMMANDS_TOPIC = "billing-commands"
REJECTED_TOPIC = "rejected-records"
ANOMALIES_TOPIC = "anomalies"
INGESTED_FILES_TOPIC = "ingested-files"
# Every file an ingest read, skipped or rejected: the dashboard's input files.
FILE_REPORTS_TOPIC = "ingest-reports"
SNAPSHOTS_TOPIC = "meterflow-snapshots"
SNAPSHOT_RETENTION_MS = str(2 * 24 * 3600 * 1000)

TOPIC_EXISTS = 36


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """A topic as meterflow creates it."""

    name: str
    partitions: int
    configs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Topics:
    """The topic names of one meterflow deployment, and the partitions it creates them with.

    `prefix` (Settings.topic_prefix, METERFLOW_TOPIC_PREFIX, empty by default) lets several
    deployments, or several tests, share one cluster; with no prefix the names are SPEC 5's.
    `partitions` (Settings.partitions, METERFLOW_PARTITIONS): of the input topic, the unit
    of scale-out (workers share them).
    """

    prefix: str = ""
    partitions: int = DEFAULT_PARTITIONS

    @classmethod
    def of(cls, settings: Settings) -> Topics:
        """The topics `settings` name."""
        return cls(settings.topic_prefix, settings.partitions)

    @property
    def input(self) -> str:
        return self.prefix + INPUT_TOPIC

    @property
    def commands(self) -> str:
        return self.prefix + COMMANDS_TOPIC

    @property
    def rejected(self) -> str:
        return self.prefix + REJECTED_TOPIC

    @property
    def anomalies(self) -> str:
        return self.prefix + ANOMALIES_TOPIC

    @property
    def ingested_files(self) -> str:
        return self.prefix + INGESTED_FILES_TOPIC

    @property
    def file_reports(self) -> str:
        return self.prefix + FILE_REPORTS_TOPIC

    @property
    def snapshots(self) -> str:
        return self.prefix + SNAPSHOTS_TOPIC

    def specs(self, partitions: int | None = None) -> list[TopicSpec]:
        """Every topic meterflow reads or writes, with the settings it relies on."""
        count = partitions or self.partitions
        keep = {"cleanup.policy": "delete", "retention.ms": "-1"}
        return [
            TopicSpec(self.input, count, dict(keep)),
            TopicSpec(self.commands, count, dict(keep)),
            TopicSpec(self.rejected, 1, dict(keep)),
            TopicSpec(self.anomalies, 1, dict(keep)),
            TopicSpec(self.ingested_files, 1, {"cleanup.policy": "compact"}),
            TopicSpec(self.file_reports, 1, dict(keep)),
            TopicSpec(
                self.snapshots, count, {"cleanup.policy": "delete", "retention.ms": SNAPSHOT_RETENTION_MS}
            ),
        ]


class BrokerUnavailable(RuntimeError):
    """The broker could not be reached, or it did not answer in time."""


class TopicMissing(RuntimeError):
    """A topic meterflow needs does not exist (and could not be created)."""


async def _admin(bootstrap: str, timeout: float) -> AIOKafkaAdminClient:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000), **client_options()
    )
    try:
        await asyncio.wait_for(admin.start(), timeout)
    except Exception as exc:
        await admin.close()
        raise BrokerUnavailable(
            f"cannot reach the Kafka broker at {bootstrap} ({type(exc).__name__}: {exc or 'timed out'}); "
            "is it running? (`meterflow up` starts a local one)"
        ) from exc
    return admin


async def existing_topics(bootstrap: str, timeout: float = 10.0) -> set[str]:
    """The names of the topics the broker has."""
    admin = await _admin(bootstrap, timeout)
    try:
        return set(await asyncio.wait_for(admin.list_topics(), timeout))
    finally:
        await admin.close()


async def ensure_topics(
    bootstrap: str, specs: Iterable[TopicSpec] | None = None, timeout: float = 10.0
) -> list[str]:
    """Create whichever of `specs` are missing; return the names created.

    Raises BrokerUnavailable when the broker does not answer within `timeout` seconds and
    TopicMissing when a topic is absent and the broker refuses to create it.
    """
    wanted = list(specs if specs is not None else Topics().specs())
    admin = await _admin(bootstrap, timeout)
    try:
        present = set(await asyncio.wait_for(admin.list_topics(), timeout))
        missing = [spec for spec in wanted if spec.name not in present]
        if not missing:
            return []
        response = await asyncio.wait_for(
            admin.create_topics(
                [NewTopic(s.name, s.partitions, 1, topic_configs=dict(s.configs)) for s in missing]
            ),
            timeout,
        )
        errors = [
            (name, code, message)
            for name, code, message in response.topic_errors
            if code not in (0, TOPIC_EXISTS)
        ]
        if errors:
            detail = "; ".join(
                f"{name}: error {code} {message or ''}".strip() for name, code, message in errors
            )
            raise TopicMissing(f"could not create the topics meterflow needs: {detail}")
        return [spec.name for spec in missing]
    except TimeoutError as exc:
        raise BrokerUnavailable(
            f"the Kafka broker at {bootstrap} did not answer within {timeout:.0f} s"
        ) from exc
    finally:
        await admin.close()


async def require_topics(bootstrap: str, names: Iterable[str], timeout: float = 10.0) -> None:
    """Fail with a clear TopicMissing when any of `names` does not exist."""
    present = await existing_topics(bootstrap, timeout)
    absent = sorted(set(names) - present)
    if absent:
        raise TopicMissing(
            f"topic(s) {', '.join(absent)} do not exist on {bootstrap}; "
            "start `meterflow worker` or `meterflow ingest` once (they create them) or create them yourself"
        )
