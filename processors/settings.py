"""Everything a `meterflow` process is configured by, in one frozen object.

The CLI builds a `Settings` once (`settings_from_environment`, then its flags on top) and
passes it down; no other module reads the environment. Each field names the variable it
comes from; `ENVIRONMENT` is the table the README's settings section shows.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

REPO_SCHEMAS_DIR = Path(__file__).resolve().parents[1] / "schemas"
DEFAULT_GROUP = "meterflow-worker"
DEFAULT_PARTITIONS = 4
DEFAULT_SESSION_TIMEOUT_MS = 6000
EMBEDDED_SESSION_TIMEOUT_MS = 3000  # `meterflow up` with its own broker: joins sooner
DEFAULT_SNAPSHOT_SECONDS = 600.0
DEFAULT_MAX_BATCH = 20_000
DEFAULT_STATE_CACHE_KEYS = 20_000
DEFAULT_COMMIT_RECORDS = 2_000
DEFAULT_DASHBOARD_HOST = "127.0.0.1"
DEFAULT_DASHBOARD_PORT = 6066  # `meterflow up`; `meterflow worker` serves none unless given


def _default_home() -> Path:
    return Path.home() / ".meterflow"


@dataclass(frozen=True, slots=True)
class Settings:
    """One process's settings; the defaults are those of an empty environment."""

    broker: str | None = None
    """METERFLOW_BROKER (or --broker): Kafka bootstrap servers; None: the one `up` wrote."""
    home: Path = field(default_factory=_default_home)
    """METERFLOW_HOME: where `up` leaves the embedded broker's address."""
    state_dir: Path | None = None
    """METERFLOW_STATE_DIR (or --state-dir): RocksDB states under it; None: memory."""
    state_cache_keys: int = DEFAULT_STATE_CACHE_KEYS
    """METERFLOW_STATE_CACHE_KEYS: states kept decoded per partition between batches."""
    schemas_dir: Path = REPO_SCHEMAS_DIR
    """METERFLOW_SCHEMAS: the Avro schemas (`*.avsc`) records are written and read with."""
    topic_prefix: str = ""
    """METERFLOW_TOPIC_PREFIX: put before every topic name (deployments sharing a cluster)."""
    partitions: int = DEFAULT_PARTITIONS
    """METERFLOW_PARTITIONS: partitions of the topics meterflow creates."""
    group: str = DEFAULT_GROUP
    """METERFLOW_GROUP: the workers' consumer group."""
    session_timeout_ms: int | None = None
    """METERFLOW_SESSION_TIMEOUT_MS: consumer-group session timeout; None: the default
    (`session_timeout`)."""
    snapshot_seconds: float = DEFAULT_SNAPSHOT_SECONDS
    """METERFLOW_SNAPSHOT_SECONDS: how often a worker snapshots its partitions."""
    max_batch: int = DEFAULT_MAX_BATCH
    """METERFLOW_MAX_BATCH: records a worker fetches per batch at most."""
    commit_records: int = DEFAULT_COMMIT_RECORDS
    """METERFLOW_COMMIT_RECORDS: records (commands, anomalies, ...) a worker produces per
    commit, about: what a crash can make it send again."""
    dashboard_host: str = DEFAULT_DASHBOARD_HOST
    """METERFLOW_DASHBOARD_HOST: the interface the dashboard listens on."""
    dashboard_port: int | None = None
    """METERFLOW_DASHBOARD_PORT: the dashboard's port (0: any free one); None: `up` uses
    6066, `worker` serves no dashboard."""
    kafka_security_protocol: str = "PLAINTEXT"
    """METERFLOW_KAFKA_SECURITY_PROTOCOL: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (every
    client: worker, ingest, tail, up with --broker)."""
    kafka_ssl_cafile: Path | None = None
    """METERFLOW_KAFKA_SSL_CAFILE: the CA bundle the broker's certificate is checked against
    (None: the system's)."""
    kafka_ssl_certfile: Path | None = None
    """METERFLOW_KAFKA_SSL_CERTFILE: this client's certificate (mutual TLS)."""
    kafka_ssl_keyfile: Path | None = None
    """METERFLOW_KAFKA_SSL_KEYFILE: the key of METERFLOW_KAFKA_SSL_CERTFILE."""
    kafka_sasl_mechanism: str | None = None
    """METERFLOW_KAFKA_SASL_MECHANISM: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512."""
    kafka_sasl_username: str | None = None
    """METERFLOW_KAFKA_SASL_USERNAME."""
    kafka_sasl_password: str | None = field(default=None, repr=False)
    """METERFLOW_KAFKA_SASL_PASSWORD (never logged)."""
    dashboard_token: str | None = field(default=None, repr=False)
    """METERFLOW_DASHBOARD_TOKEN: when set, every dashboard request needs it (a bearer token,
    or `?token=` once, which sets a cookie for the page)."""
    dashboard_names: tuple[str, ...] = ()
    """METERFLOW_DASHBOARD_NAMES: host names (comma-separated) the dashboard answers to
    besides its bound address, localhost and 127.0.0.1 (e.g. its DNS name behind a proxy)."""
    broker_log: str = "warn"
    """RUST_LOG: the log filter of the embedded Tansu broker."""
    log_level: str = "INFO"
    """--log-level."""
    log_json: bool | None = None
    """--log-json / --no-log-json; None: JSON when stderr is not a terminal."""

    @property
    def session_timeout(self) -> int:
        """The consumer-group session timeout in ms. Short by default: Tansu completes the
        first join only after half of it, so Kafka's default of 10 s would cost 5 s at
        every start."""
        return DEFAULT_SESSION_TIMEOUT_MS if self.session_timeout_ms is None else self.session_timeout_ms


ENVIRONMENT: dict[str, str] = {
    "METERFLOW_BROKER": "broker",
    "METERFLOW_HOME": "home",
    "METERFLOW_STATE_DIR": "state_dir",
    "METERFLOW_STATE_CACHE_KEYS": "state_cache_keys",
    "METERFLOW_SCHEMAS": "schemas_dir",
    "METERFLOW_TOPIC_PREFIX": "topic_prefix",
    "METERFLOW_PARTITIONS": "partitions",
    "METERFLOW_GROUP": "group",
    "METERFLOW_SESSION_TIMEOUT_MS": "session_timeout_ms",
    "METERFLOW_SNAPSHOT_SECONDS": "snapshot_seconds",
    "METERFLOW_MAX_BATCH": "max_batch",
    "METERFLOW_COMMIT_RECORDS": "commit_records",
    "METERFLOW_DASHBOARD_HOST": "dashboard_host",
    "METERFLOW_DASHBOARD_PORT": "dashboard_port",
    "METERFLOW_KAFKA_SECURITY_PROTOCOL": "kafka_security_protocol",
    "METERFLOW_KAFKA_SSL_CAFILE": "kafka_ssl_cafile",
    "METERFLOW_KAFKA_SSL_CERTFILE": "kafka_ssl_certfile",
    "METERFLOW_KAFKA_SSL_KEYFILE": "kafka_ssl_keyfile",
    "METERFLOW_KAFKA_SASL_MECHANISM": "kafka_sasl_mechanism",
    "METERFLOW_KAFKA_SASL_USERNAME": "kafka_sasl_username",
    "METERFLOW_KAFKA_SASL_PASSWORD": "kafka_sasl_password",
    "METERFLOW_DASHBOARD_TOKEN": "dashboard_token",
    "METERFLOW_DASHBOARD_NAMES": "dashboard_names",
    "RUST_LOG": "broker_log",
}
"""Environment variable -> the Settings field it sets."""


class SettingsError(ValueError):
    """An environment variable holds a value meterflow cannot use; the message names it."""


T = TypeVar("T")

SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


def _parsed(environ: Mapping[str, str], name: str, parse: Callable[[str], T], what: str) -> T | None:
    """The value of `name` parsed, None when unset or blank."""
    text = environ.get(name, "").strip()
    if not text:
        return None
    try:
        return parse(text)
    except ValueError:
        raise SettingsError(f"{name}={text!r} is not {what}") from None


def _whole(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError(text)
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if value < 0:
        raise ValueError(text)
    return value


def settings_from_environment(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings `environ` (default: this process's environment) gives; the only place
    meterflow reads its environment. Raises SettingsError naming a variable whose value
    cannot be used."""
    env = os.environ if environ is None else environ
    base = Settings()

    def text(name: str, default: str) -> str:
        return env.get(name) or default

    def number(name: str, default: int, *, positive: bool = False) -> int:
        if positive:
            value = _parsed(env, name, _positive, "a whole number above 0")
        else:
            value = _parsed(env, name, _whole, "a whole number (0 or more)")
        return default if value is None else value

    home = env.get("METERFLOW_HOME")
    state_dir = env.get("METERFLOW_STATE_DIR")
    schemas = env.get("METERFLOW_SCHEMAS")
    snapshot_seconds = _parsed(env, "METERFLOW_SNAPSHOT_SECONDS", _seconds, "a number of seconds")

    def path(name: str) -> Path | None:
        value = env.get(name, "").strip()
        return Path(value) if value else None

    def one_of(name: str, choices: tuple[str, ...]) -> str | None:
        value = env.get(name, "").strip().upper()
        if value and value not in choices:
            raise SettingsError(f"{name}={value!r} is not one of {', '.join(choices)}")
        return value or None

    protocol = one_of("METERFLOW_KAFKA_SECURITY_PROTOCOL", SECURITY_PROTOCOLS) or base.kafka_security_protocol
    mechanism = one_of("METERFLOW_KAFKA_SASL_MECHANISM", SASL_MECHANISMS)
    if protocol.startswith("SASL_") and mechanism is None:
        raise SettingsError(
            f"METERFLOW_KAFKA_SECURITY_PROTOCOL={protocol} needs METERFLOW_KAFKA_SASL_MECHANISM "
            f"({', '.join(SASL_MECHANISMS)})"
        )
    names = tuple(n.strip().lower() for n in env.get("METERFLOW_DASHBOARD_NAMES", "").split(",") if n.strip())
    return Settings(
        broker=env.get("METERFLOW_BROKER") or None,
        home=Path(home) if home else base.home,
        state_dir=Path(state_dir) if state_dir else None,
        state_cache_keys=number("METERFLOW_STATE_CACHE_KEYS", base.state_cache_keys),
        schemas_dir=Path(schemas) if schemas else base.schemas_dir,
        topic_prefix=env.get("METERFLOW_TOPIC_PREFIX", ""),
        partitions=number("METERFLOW_PARTITIONS", base.partitions, positive=True),
        group=text("METERFLOW_GROUP", base.group),
        session_timeout_ms=_parsed(env, "METERFLOW_SESSION_TIMEOUT_MS", _whole, "a whole number of ms"),
        snapshot_seconds=base.snapshot_seconds if snapshot_seconds is None else snapshot_seconds,
        max_batch=number("METERFLOW_MAX_BATCH", base.max_batch, positive=True),
        commit_records=number("METERFLOW_COMMIT_RECORDS", base.commit_records, positive=True),
        dashboard_host=text("METERFLOW_DASHBOARD_HOST", base.dashboard_host),
        dashboard_port=_parsed(env, "METERFLOW_DASHBOARD_PORT", _whole, "a port number"),
        kafka_security_protocol=protocol,
        kafka_ssl_cafile=path("METERFLOW_KAFKA_SSL_CAFILE"),
        kafka_ssl_certfile=path("METERFLOW_KAFKA_SSL_CERTFILE"),
        kafka_ssl_keyfile=path("METERFLOW_KAFKA_SSL_KEYFILE"),
        kafka_sasl_mechanism=mechanism,
        kafka_sasl_username=env.get("METERFLOW_KAFKA_SASL_USERNAME") or None,
        kafka_sasl_password=env.get("METERFLOW_KAFKA_SASL_PASSWORD") or None,
        dashboard_token=env.get("METERFLOW_DASHBOARD_TOKEN") or None,
        dashboard_names=names,
        broker_log=text("RUST_LOG", base.broker_log),
    )
