"""The one settings object: every environment variable reaches its field, a bad value is
named, and no other module reads the environment."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from processors.settings import (
    DEFAULT_SESSION_TIMEOUT_MS,
    ENVIRONMENT,
    REPO_SCHEMAS_DIR,
    Settings,
    SettingsError,
    settings_from_environment,
)

REPO = Path(__file__).resolve().parents[2]


def test_an_empty_environment_gives_the_defaults() -> None:
    settings = settings_from_environment({})
    assert settings == Settings()
    assert settings.broker is None and settings.state_dir is None and settings.dashboard_port is None
    assert (settings.group, settings.partitions, settings.topic_prefix) == ("meterflow-worker", 4, "")
    assert settings.session_timeout == DEFAULT_SESSION_TIMEOUT_MS
    assert settings.schemas_dir == REPO_SCHEMAS_DIR == REPO / "schemas"
    assert settings.home == Path.home() / ".meterflow"


def test_every_variable_sets_its_field(tmp_path: Path) -> None:
    values = {
        "METERFLOW_BROKER": "kafka:9092",
        "METERFLOW_HOME": str(tmp_path / "home"),
        "METERFLOW_STATE_DIR": str(tmp_path / "state"),
        "METERFLOW_STATE_CACHE_KEYS": "500",
        "METERFLOW_SCHEMAS": str(tmp_path / "schemas"),
        "METERFLOW_TOPIC_PREFIX": "blue-",
        "METERFLOW_PARTITIONS": "8",
        "METERFLOW_GROUP": "blue-workers",
        "METERFLOW_SESSION_TIMEOUT_MS": "10000",
        "METERFLOW_SNAPSHOT_SECONDS": "2.5",
        "METERFLOW_MAX_BATCH": "7",
        "METERFLOW_COMMIT_RECORDS": "300",
        "METERFLOW_DASHBOARD_HOST": "0.0.0.0",
        "METERFLOW_DASHBOARD_PORT": "6067",
        "METERFLOW_KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
        "METERFLOW_KAFKA_SSL_CAFILE": str(tmp_path / "ca.pem"),
        "METERFLOW_KAFKA_SSL_CERTFILE": str(tmp_path / "client.pem"),
        "METERFLOW_KAFKA_SSL_KEYFILE": str(tmp_path / "client.key"),
        "METERFLOW_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "METERFLOW_KAFKA_SASL_USERNAME": "meterflow",
        "METERFLOW_KAFKA_SASL_PASSWORD": "secret",
        "METERFLOW_DASHBOARD_TOKEN": "t0ken",
        "METERFLOW_DASHBOARD_NAMES": "Ops.Example, dash.internal",
        "RUST_LOG": "debug",
    }
    assert set(values) == set(ENVIRONMENT)
    settings = settings_from_environment(values)
    defaults = Settings()
    for name, field in ENVIRONMENT.items():
        assert getattr(settings, field) != getattr(defaults, field), name
    assert settings.state_dir == tmp_path / "state" and settings.schemas_dir == tmp_path / "schemas"
    assert (settings.state_cache_keys, settings.partitions, settings.max_batch) == (500, 8, 7)
    assert (settings.session_timeout, settings.snapshot_seconds, settings.dashboard_port) == (
        10000,
        2.5,
        6067,
    )
    assert (settings.kafka_security_protocol, settings.kafka_sasl_mechanism) == ("SASL_SSL", "SCRAM-SHA-512")
    assert settings.dashboard_names == ("ops.example", "dash.internal")
    assert "secret" not in repr(settings) and "t0ken" not in repr(settings)


def test_blank_values_mean_the_default() -> None:
    blank = dict.fromkeys(ENVIRONMENT, "")
    settings = settings_from_environment(blank)
    assert settings == Settings()


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("METERFLOW_PARTITIONS", "four", "METERFLOW_PARTITIONS='four' is not a whole number"),
        ("METERFLOW_SESSION_TIMEOUT_MS", "-5", "METERFLOW_SESSION_TIMEOUT_MS='-5' is not a whole number"),
        (
            "METERFLOW_SNAPSHOT_SECONDS",
            "soon",
            "METERFLOW_SNAPSHOT_SECONDS='soon' is not a number of seconds",
        ),
        ("METERFLOW_DASHBOARD_PORT", "http", "METERFLOW_DASHBOARD_PORT='http' is not a port number"),
        ("METERFLOW_KAFKA_SECURITY_PROTOCOL", "tls", "METERFLOW_KAFKA_SECURITY_PROTOCOL='TLS' is not one of"),
        ("METERFLOW_KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "needs METERFLOW_KAFKA_SASL_MECHANISM"),
        ("METERFLOW_KAFKA_SASL_MECHANISM", "GSSAPI", "METERFLOW_KAFKA_SASL_MECHANISM='GSSAPI' is not one of"),
    ],
)
def test_a_bad_value_is_named(name: str, value: str, said: str) -> None:
    with pytest.raises(SettingsError, match=said):
        settings_from_environment({name: value})


def _reads_the_environment(path: Path) -> list[int]:
    """Lines of `path` that touch os.environ or call os.getenv."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "environb"}:
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            lines.extend(node.lineno for alias in node.names if alias.name in {"environ", "getenv"})
    return lines


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = {
        str(path.relative_to(REPO)): lines
        for package in ("processors", "flows")
        for path in sorted((REPO / package).rglob("*.py"))
        if (lines := _reads_the_environment(path)) and path != REPO / "processors" / "settings.py"
    }
    assert readers == {}
