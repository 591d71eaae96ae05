"""Benchmark of the Avro codecs: the generated ones against the fastavro path they replace.

Builds realistic records of four kinds, each a few thousand distinct objects as the
streaming worker sees them:
- d0010: MeterReadingsReceived read by `flows.read_file` from a generated D0010 (one MPAN
  group per event, a few registers each with a validation result, reads at midnight of
  28 days, all sharing their file's header);
- json: SwitchSecured read from JSON lines, every one with its own `occurred_at`;
- command: IssueFinalBill with its billing reading, issued over a year;
- anomaly: Anomaly, over a year of days.
Then measures in the same run, per record (best of N):
- encode: `serde.encode_any` (generated) against the old path (dataclass to dict, then
  `fastavro.schemaless_writer`);
- decode: `serde.decode_any` (generated) against the old path (header checks,
  `fastavro.schemaless_reader`, dict to dataclass);
and prints microseconds per record and the speed-up. Both paths are checked to write the
same bytes and read equal records first.

    .venv/bin/python bench/serde.py [--records 2000] [--repeat 5] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flows import read_file
from processors.codecs import serde
from processors.vocabulary.anomalies import Anomaly
from processors.vocabulary.commands import BillingReading, FinalBillReason, IssueFinalBill
from processors.vocabulary.events import DomainEvent
from processors.vocabulary.mpan import check_digit

REGISTERS = ("01", "02", "03")


def _mpan(n: int) -> str:
    first12 = f"12{n:010d}"
    return f"{first12}{check_digit(first12)}"


def d0010_events(folder: Path, count: int) -> list[Any]:
    path = folder / "UDMS_D0010_bench.txt"
    lines = ["ZHV|B000000001|D0010002|D|UDMS|X|MRCY|20240301120000||||OPER|"]
    for group in range(count):
        lines += [f"026|{_mpan(group)}|V|", f"028|M{group:09d}|R|"]
        for i, register in enumerate(REGISTERS):
            day = 1 + (group + i) % 28
            lines += [f"030|{register}|202402{day:02d}000000|{group % 99999}.{i}||||N|", "032|00|T|"]
    records = len(lines) - 1
    lines.append(f"ZPT|B000000001|{records}||{count}|20240301120500|")
    path.write_text("\n".join(lines) + "\n")
    return [e for e in read_file(path) if isinstance(e, DomainEvent)]


def json_events(folder: Path, count: int) -> list[Any]:
    path = folder / "switching.jsonl"
    start = datetime(2024, 10, 1, 6, tzinfo=UTC)
    with path.open("w") as out:
        for n in range(count):
            at = start + timedelta(seconds=37 * n, microseconds=n)
            event = {
                "type": "switch.secured",
                "event_id": f"css-{88000 + n}",
                "occurred_at": at.isoformat().replace("+00:00", "Z"),
                "mpan": _mpan(n),
                "ssd": (date(2024, 10, 21) + timedelta(days=n % 60)).isoformat(),
                "gaining_supplier": "BGAS",
            }
            out.write(json.dumps(event) + "\n")
    return [e for e in read_file(path) if isinstance(e, DomainEvent)]


def commands(count: int) -> list[Any]:
    return [
        IssueFinalBill(
            command_id=f"4a0f{n:08x}-6c1e-5b7e-9d3a-0e6f1c2b3a4d",
            issued_on=date(2024, 1, 1) + timedelta(days=n % 365),
            cause=f"UDMS/F{n}/2",
            mpan=_mpan(n),
            reason=FinalBillReason.COS,
            final_date=date(2024, 1, 1) + timedelta(days=n % 365),
            reading=BillingReading(
                value=Decimal(f"{n % 99999}.{n % 10}"),
                read_on=date(2024, 1, 1) + timedelta(days=n % 365),
                source="D0086",
                meter_id=f"M{n:09d}",
                register_id="01",
            ),
        )
        for n in range(count)
    ]


def anomalies(count: int) -> list[Any]:
    return [
        Anomaly(
            event_id=f"UDMS/F{n}/{n % 50}",
            subject=_mpan(n),
            day=date(2024, 1, 1) + timedelta(days=n % 365),
            kind="reading_before_ssd",
            detail=f"a D0010 reading on {date(2024, 1, 1) + timedelta(days=n % 365)} before the SSD",
        )
        for n in range(count)
    ]


def old_encode(obj: Any) -> bytes:
    """The path before the generated codecs: dataclass to dict, fastavro writes it."""
    return serde._encode_with_fastavro(obj, serde.registry().current[type(obj).__name__])


def old_decode(data: bytes) -> Any:
    """The path before the generated codecs: header checks, fastavro reads a dict, dict to dataclass."""
    writer, reader, cls = serde._writer_of(data, serde.registry())
    return serde._decode_with_fastavro(data, writer, reader, cls)


def best(function: Callable[[Any], Any], items: list[Any], repeat: int) -> float:
    """Best microseconds per item of `function` over `items`, of `repeat` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for item in items:
            function(item)
        times.append(time.perf_counter() - start)
    return min(times) / len(items) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=2000, help="distinct records of each kind")
    parser.add_argument("--repeat", type=int, default=5, help="best of N timings")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the generated codecs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        kinds = {
            "d0010": d0010_events(Path(folder), args.records),
            "json": json_events(Path(folder), args.records),
            "command": commands(args.records),
            "anomaly": anomalies(args.records),
        }
    print(f"{args.records:,} distinct records of each kind, best of {args.repeat}, us per record")
    print(
        f"{'kind':8} {'type':22} {'bytes':>5}  {'encode: fastavro':>16} {'generated':>9} {'speed-up':>8}"
        f"  {'decode: fastavro':>16} {'generated':>9} {'speed-up':>8}"
    )
    for kind, records in kinds.items():
        encoded = [serde.encode_any(r) for r in records]
        if encoded != [old_encode(r) for r in records]:
            raise SystemExit(f"{kind}: the generated codec writes other bytes than fastavro")
        if [serde.decode_any(b) for b in encoded] != [old_decode(b) for b in encoded]:
            raise SystemExit(f"{kind}: the generated codec reads other records than fastavro")
        old_enc = best(old_encode, records, args.repeat)
        new_enc = best(serde.encode_any, records, args.repeat)
        old_dec = best(old_decode, encoded, args.repeat)
        new_dec = best(serde.decode_any, encoded, args.repeat)
        size = sum(len(b) for b in encoded) / len(encoded)
        print(
            f"{kind:8} {type(records[0]).__name__:22} {size:5.0f}  {old_enc:16.1f} {new_enc:9.1f}"
            f" {old_enc / new_enc:7.1f}x  {old_dec:16.1f} {new_dec:9.1f} {old_dec / new_dec:7.1f}x"
        )
    if args.profile:
        profiler = cProfile.Profile()
        records = kinds["d0010"]
        encoded = [serde.encode_any(r) for r in records]
        profiler.enable()
        for _ in range(args.repeat):
            for r in records:
                serde.encode_any(r)
            for b in encoded:
                serde.decode_any(b)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
