"""Gas events and commands survive the Avro single-object encoding (SPEC 5, SPEC 10)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from gwt_core import at
from gwt_gas import (
    allocation,
    aq_revised,
    exchanged,
    gas_registered,
    mode_changed,
    sap,
    shipper_changed,
    snapshot,
)

from processors.codecs import serde
from processors.vocabulary.commands import (
    ExpectPrepaymentReconciliation,
    ReportIncompleteReconciliation,
    SubmitSmartPrepayList,
)
from processors.vocabulary.events import (
    DomainEvent,
    GasPrepayCandidate,
    GasPrepayEligible,
    Ldz,
    SapPrice,
    SapPrices,
    SapWanted,
)

DAY = date(2025, 1, 15)


def test_every_gas_event_round_trips() -> None:
    events: list[DomainEvent] = [
        gas_registered("7390115822", "smart_prepayment", "prepayment", aq="73200.5"),
        mode_changed("7390115822", "smart_credit", DAY),
        exchanged("7390115822", "credit", DAY),
        aq_revised("7390115822", "80000", DAY),
        shipper_changed("7390115822", "BGT", DAY),
        snapshot("NW", DAY, "7390115822", "123456"),
        allocation("7390115822", DAY, "31.125", "28.5"),
        sap(DAY, "3.4521"),
        GasPrepayCandidate(
            event_id="c", occurred_at=at(DAY), ldz=Ldz.WS, mprn="123456", month="2025-01", smart=True
        ),
        GasPrepayEligible(event_id="e", occurred_at=at(DAY), mprn="123456", ldz=Ldz.WS, month="2025-01"),
        SapWanted(event_id="w", occurred_at=at(DAY), mprn="123456", month="2025-01"),
        SapPrices(
            event_id="p",
            occurred_at=at(DAY),
            mprn="123456",
            month="2025-01",
            prices=(SapPrice(gas_day=DAY, price=Decimal("3.0001")),),
        ),
    ]
    for event in events:
        assert serde.decode_event(serde.encode_event(event)) == event


def test_gas_commands_round_trip_with_their_decimals_and_null_mprn() -> None:
    commands = [
        SubmitSmartPrepayList(
            command_id="1", issued_on=DAY, cause="c", ldz="NW", month="2025-01", mprns=("1", "2"), due_by=DAY
        ),
        ExpectPrepaymentReconciliation(
            command_id="2",
            issued_on=DAY,
            cause="c",
            mprn="123456",
            ldz="NW",
            month="2025-01",
            quantity_kwh=Decimal("-93.125"),
            value=Decimal("-3.26"),
            days=31,
        ),
        ReportIncompleteReconciliation(
            command_id="3", issued_on=DAY, cause="c", mprn=None, month="2025-01", missing_days=(DAY,)
        ),
    ]
    for command in commands:
        decoded = serde.decode_command(serde.encode_command(command))
        assert decoded == command
        assert decoded.to_json() == command.to_json()
