"""Gas JSON-lines events (SPEC 10): every type read, every problem named by line and field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from flow_helpers import Read

from flows import RejectionScope
from processors.vocabulary.events import (
    SAP_KEY,
    GasAllocationDaily,
    GasAqRevised,
    GasMeter,
    GasMeterExchanged,
    GasMeterMode,
    GasMeterModeChanged,
    GasNetwork,
    GasPrepaySnapshotReceived,
    GasShipperChanged,
    GasSupplyPointRegistered,
    Ldz,
    SapPublished,
)

Reader = Callable[[str], Read]


def test_every_gas_event_type_is_read_with_its_key(read: Reader) -> None:
    result = read("events_gas.jsonl")
    assert not result.rejections
    assert [type(e) for e in result.events] == [
        GasSupplyPointRegistered,
        GasMeterModeChanged,
        GasMeterExchanged,
        GasAqRevised,
        GasShipperChanged,
        GasPrepaySnapshotReceived,
        GasAllocationDaily,
        SapPublished,
    ]
    registered, _, exchanged, revised, _, snapshot, allocation, sap = result.events
    assert isinstance(registered, GasSupplyPointRegistered)
    assert registered.ldz is Ldz.NW and registered.network is GasNetwork.LARGE_TRANSPORTER
    assert registered.meters == (
        GasMeter(meter_id="G4A0012", mode=GasMeterMode.SMART_PREPAYMENT),
        GasMeter(meter_id="E6S0033", mode=GasMeterMode.PREPAYMENT),
    )
    assert registered.partition_key == "7390115822"
    assert isinstance(exchanged, GasMeterExchanged) and exchanged.new_meter.mode is GasMeterMode.CREDIT
    assert isinstance(revised, GasAqRevised) and revised.aq_kwh == Decimal("74000.5")
    assert isinstance(snapshot, GasPrepaySnapshotReceived)
    assert snapshot.mprns == ("7390115822", "123456") and snapshot.partition_key == "NW"
    assert isinstance(allocation, GasAllocationDaily)
    assert allocation.gas_day == date(2024, 12, 1) and allocation.day == date(2024, 12, 2)
    assert (allocation.standard_kwh, allocation.prepay_kwh) == (Decimal("31.250"), Decimal("28.5"))
    assert isinstance(sap, SapPublished)
    assert sap.price == Decimal("3.4521") and sap.partition_key == SAP_KEY


def test_bad_gas_lines_are_rejected_with_line_and_field(read: Reader) -> None:
    result = read("events_gas_bad.jsonl")
    assert [e.event_id for e in result.events] == ["gb9"]
    by_line = {r.line or 0: r for r in result.rejections}
    assert sorted(by_line) == list(range(1, 9))
    assert all(r.scope is RejectionScope.MESSAGE for r in result.rejections)
    expected = {
        1: ("mprn", "6 to 10 digits"),
        2: ("network", "expected one of large_transporter, igt"),
        3: ("mprn", "string of 6 to 10 digits"),
        4: ("on", "not a calendar date"),
        5: ("mprns.1", "6 to 10 digits"),
        6: ("standard_kwh", "expected a number"),
        7: ("price", "required field is missing"),
        8: ("gas_day", "unknown field"),
    }
    for line, (field, words) in expected.items():
        rejection = by_line[line]
        assert rejection.field == field, (line, rejection)
        assert words in rejection.reason, (line, rejection.reason)
        assert rejection.path.endswith("events_gas_bad.jsonl")
    assert "ldz: expected one of EA" in by_line[1].reason
    two = by_line[2].reason
    assert "meters.0.mode: expected one of credit, prepayment" in two
    assert "meters.1.meter_id: expected non-empty text" in two and "meters.1.mode: required" in two
    three = by_line[3].reason
    assert "aq_kwh: expected a non-negative number" in three and "meters: expected a list" in three
    assert "mprns.2: an MPRN is a string" in by_line[5].reason
    assert "day: required field is missing" in by_line[8].reason
    assert by_line[6].flow == "gas.allocation.daily"
