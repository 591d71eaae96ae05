"""Input the worker cannot decode goes to `rejected-records` with the reason; the rest goes on."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
import streamkit

from processors.codecs import serde
from processors.streaming.kafka import make_producer, start_client
from processors.streaming.topics import Topics, ensure_topics
from processors.streaming.worker import Worker
from processors.vocabulary.events import DayClosed, MeterKind, SupplyPointRegistered, SwitchSecured
from processors.vocabulary.mpan import check_digit

MPAN = "1200000000009"

pytestmark = pytest.mark.broker


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


async def test_malformed_messages_are_rejected_and_the_worker_keeps_going(
    broker: str, topics: Topics
) -> None:
    mpan = MPAN[:12] + str(check_digit(MPAN[:12]))
    await ensure_topics(broker, topics.specs(partitions=1))
    registered = SupplyPointRegistered(
        event_id="reg-1",
        occurred_at=_at(date(2024, 1, 1)),
        mpan=mpan,
        account_id="A1",
        meter_kind=MeterKind.TRADITIONAL,
        ssd=date(2020, 1, 1),
    )
    secured = SwitchSecured(
        event_id="sw-1",
        occurred_at=_at(date(2024, 1, 2)),
        mpan=mpan,
        ssd=date(2024, 1, 10),
        gaining_supplier="GAIN",
    )
    unknown_fingerprint = b"\xc3\x01" + b"\x01\x02\x03\x04\x05\x06\x07\x08" + b"\x00" * 20
    values = [
        serde.encode_event(registered),
        b"this is not avro at all",
        unknown_fingerprint,
        serde.encode_event(secured),
    ]
    ticks = [DayClosed.for_day(date(2024, 2, d), datetime(2024, 2, d, 23, 59, tzinfo=UTC)) for d in (28, 29)]
    producer = make_producer(broker)
    await start_client(producer, broker, 10)
    try:
        for value in values + [serde.encode_event(t) for t in ticks]:
            await producer.send_and_wait(topics.input, value, key=mpan.encode(), partition=0)
    finally:
        await producer.stop()

    worker = Worker(broker, streamkit.worker_settings(topics, group=f"{topics.prefix}g"), use_clock=False)
    await worker.start()
    task = asyncio.create_task(worker.run())
    try:
        await streamkit.wait_caught_up(broker, f"{topics.prefix}g", topics)
    finally:
        worker.stop_soon()
        await task
        await worker.close()

    rejected = [serde.decode_rejection(r.value) for r in await streamkit.read_topic(broker, topics.rejected)]
    assert [r.path for r in rejected] == [f"{topics.input}[0]@1", f"{topics.input}[0]@2"]
    assert "this is not avro at all" in rejected[0].raw
    assert "fingerprint" in rejected[1].reason.lower()
    assert all(r.scope == "message" and r.reason for r in rejected)
    commands = await streamkit.commands_on(broker, topics)
    # the switch after the bad records was still folded: its deadlines fired on the ticks
    assert commands, "no command after the malformed records: the worker stopped"
    assert {c.cause for c in commands} and all(c.subject == mpan for c in commands)


async def test_events_the_reader_would_refuse_are_rejected_with_the_field_named(
    broker: str, topics: Topics
) -> None:
    """Another producer writes well-formed Avro whose content the file reader refuses."""
    good = MPAN[:12] + str(check_digit(MPAN[:12]))
    wrong_digit = good[:12] + str((int(good[12]) + 1) % 10)
    await ensure_topics(broker, topics.specs(partitions=1))

    def registered(event_id: str, mpan: str, account: str = "A1") -> SupplyPointRegistered:
        return SupplyPointRegistered(
            event_id=event_id,
            occurred_at=_at(date(2024, 1, 1)),
            mpan=mpan,
            account_id=account,
            meter_kind=MeterKind.TRADITIONAL,
            ssd=date(2020, 1, 1),
        )

    hostile = SwitchSecured(
        event_id="sw-img",
        occurred_at=_at(date(2024, 1, 2)),
        mpan='<img src=x onerror="alert(1)">',
        ssd=date(2024, 1, 10),
        gaining_supplier="GAIN",
    )
    values = [
        serde.encode_event(hostile),
        serde.encode_event(registered("reg-digit", wrong_digit)),
        serde.encode_event(registered("reg-blank", good, account=" ")),
        serde.encode_event(registered("reg-good", good)),
        serde.encode_event(DayClosed.for_day(date(2024, 1, 2), datetime(2024, 1, 2, 23, 59, tzinfo=UTC))),
    ]
    producer = make_producer(broker)
    await start_client(producer, broker, 10)
    try:
        for value in values:
            await producer.send_and_wait(topics.input, value, partition=0)
    finally:
        await producer.stop()

    group = f"{topics.prefix}v"
    worker = Worker(broker, streamkit.worker_settings(topics, group=group), use_clock=False)
    await worker.start()
    task = asyncio.create_task(worker.run())
    try:
        await streamkit.wait_caught_up(broker, group, topics)
    finally:
        worker.stop_soon()
        await task
        await worker.close()

    rejected = [serde.decode_rejection(r.value) for r in await streamkit.read_topic(broker, topics.rejected)]
    by_path = {r.path: r for r in rejected}
    assert sorted(by_path) == [f"{topics.input}[0]@{n}" for n in (0, 1, 2)]
    img, digit, blank = (by_path[f"{topics.input}[0]@{n}"] for n in (0, 1, 2))
    assert (img.field, digit.field, blank.field) == ("mpan", "mpan", "account_id")
    assert "13 digits" in img.reason and "<img" in img.raw
    assert "check digit" in digit.reason
    assert "non-empty text" in blank.reason
    assert worker.stats.events - worker.stats.derived == 2  # reg-good and the day tick were folded
    assert worker.stats.rejected == 3
