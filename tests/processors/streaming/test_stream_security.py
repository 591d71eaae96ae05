"""TLS and SASL (SCRAM) reach every Kafka client meterflow makes."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from processors.settings import Settings, SettingsError, settings_from_environment
from processors.streaming import security
from processors.streaming.kafka import make_producer, make_reader


@pytest.fixture
def scram() -> Iterator[Settings]:
    settings = settings_from_environment(
        {
            "METERFLOW_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "METERFLOW_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "METERFLOW_KAFKA_SASL_USERNAME": "meterflow",
            "METERFLOW_KAFKA_SASL_PASSWORD": "s3cret",
        }
    )
    security.use_security(settings)
    yield settings
    security.use_security(Settings())


def test_plaintext_by_default() -> None:
    assert security.security_options(Settings()) == {"security_protocol": "PLAINTEXT"}


async def test_sasl_scram_over_tls_reaches_producers_and_readers(scram: Settings) -> None:
    options = security.client_options()
    assert options["security_protocol"] == "SASL_SSL"
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    assert (options["sasl_mechanism"], options["sasl_plain_username"]) == ("SCRAM-SHA-512", "meterflow")
    for client in (make_producer("kafka:9093"), make_reader("kafka:9093")):
        conn = getattr(client, "_client", None) or client.client  # where aiokafka keeps its settings
        assert conn._security_protocol == "SASL_SSL"
        assert conn._sasl_mechanism == "SCRAM-SHA-512"
        assert conn._sasl_plain_username == "meterflow"
        assert conn._sasl_plain_password == "s3cret"
        assert conn._ssl_context is options["ssl_context"]
        await client.stop()


def test_unreadable_tls_files_are_named(tmp_path: Path) -> None:
    settings = Settings(kafka_security_protocol="SSL", kafka_ssl_cafile=tmp_path / "missing.pem")
    with pytest.raises(SettingsError, match="METERFLOW_KAFKA_SSL_CAFILE"):
        security.security_options(settings)
