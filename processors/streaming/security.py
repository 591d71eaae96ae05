"""How every Kafka client of this process authenticates: TLS and SASL (SCRAM or PLAIN).

The CLI calls `use_security(settings)` once, before any client exists (as it calls
`serde.use_schemas`); every producer, consumer and admin client meterflow makes then takes
`client_options()`. Without settings the clients speak PLAINTEXT, as the embedded broker
and the Docker Compose stack on one host do; a production cluster sets
METERFLOW_KAFKA_SECURITY_PROTOCOL=SASL_SSL and the SASL_* and SSL_* variables (README).
"""

from __future__ import annotations

import ssl
from typing import Any

from aiokafka.helpers import create_ssl_context

from processors.settings import Settings, SettingsError

_options: dict[str, Any] = {}


def security_options(settings: Settings) -> dict[str, Any]:
    """The aiokafka keyword arguments `settings` give (security_protocol, ssl_context,
    sasl_mechanism, sasl_plain_username, sasl_plain_password)."""
    protocol = settings.kafka_security_protocol
    options: dict[str, Any] = {"security_protocol": protocol}
    if protocol in ("SSL", "SASL_SSL"):
        try:
            options["ssl_context"] = create_ssl_context(
                cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None,
                certfile=str(settings.kafka_ssl_certfile) if settings.kafka_ssl_certfile else None,
                keyfile=str(settings.kafka_ssl_keyfile) if settings.kafka_ssl_keyfile else None,
            )
        except (OSError, ssl.SSLError) as exc:
            raise SettingsError(
                "METERFLOW_KAFKA_SSL_CAFILE/_CERTFILE/_KEYFILE: cannot load the TLS files "
                f"({exc.strerror or exc})"
            ) from exc
    if protocol.startswith("SASL_"):
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism or "PLAIN"
        options["sasl_plain_username"] = settings.kafka_sasl_username
        options["sasl_plain_password"] = settings.kafka_sasl_password
    return options


def use_security(settings: Settings) -> None:
    """Every Kafka client made from now on connects as `settings` say (raises SettingsError
    when the TLS files cannot be loaded)."""
    _options.clear()
    _options.update(security_options(settings))


def client_options() -> dict[str, Any]:
    """The security keyword arguments for a new aiokafka client (empty: PLAINTEXT)."""
    return dict(_options)
