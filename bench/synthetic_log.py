"""A synthetic but realistic input log, written as the files `meterflow ingest` reads.

For the streaming benchmark (bench/stream.py) and the broker tests: mostly routine D0010
readings (one DTC file per day from a data collector), plus JSON lines: every supply
point registered once, and a few percent of losses (switch secured), move-outs and export
applications, all in event-time order.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from processors.vocabulary.mpan import check_digit

START = date(2024, 1, 1)


@dataclass(frozen=True, slots=True)
class LogShape:
    supply_points: int = 100_000
    events: int = 400_000
    days: int = 60
    loss_share: float = 0.02
    move_out_share: float = 0.01
    export_share: float = 0.005
    seed: int = 7


def mpan_for(index: int) -> str:
    distributor = 10 + index % 14
    first12 = f"{distributor:02d}{index:010d}"
    return f"{first12}{check_digit(first12)}"


def _json(path: Path, rows: list[tuple[str, dict[str, object]]]) -> None:
    rows.sort(key=lambda row: row[0])
    with path.open("w", encoding="utf-8") as handle:
        for _, row in rows:
            handle.write(json.dumps(row) + "\n")


def _export_application(n: int, mpan: str, on: date) -> dict[str, object]:
    return {
        "type": "export.application_submitted",
        "event_id": f"exp-{n}",
        "occurred_at": f"{on.isoformat()}T10:00:00Z",
        "application_id": f"APP{n:07d}",
        "account_id": f"A{n:08d}",
        "import_mpan": mpan,
        "tariff": "SEG",
        "technology": "solar_pv",
        "capacity_kw": 4.0,
        "domestic": True,
        "in_gb": True,
        "brand_eligible": True,
        "mcs_certificate": {"number": f"MCS{n}", "scheme": "MCS", "address": "1 High St", "mpan": mpan},
        "dno_notification": "G98",
        "fit_export_payments": False,
        "other_export_support": False,
        "smart_meter": {"working": True, "connected": True},
        "address": "1 High St",
        "manual_export_reads": False,
    }


def write_log(folder: Path, shape: LogShape) -> tuple[int, date]:
    """Write the log into `folder`; return the number of events and the last day."""
    rng = random.Random(shape.seed)
    folder.mkdir(parents=True, exist_ok=True)
    points = [mpan_for(i) for i in range(shape.supply_points)]
    rows: list[tuple[str, dict[str, object]]] = []
    for i, mpan in enumerate(points):
        rows.append(
            (
                "0",
                {
                    "type": "supply_point.registered",
                    "event_id": f"reg-{i}",
                    "occurred_at": f"{(START - timedelta(days=1)).isoformat()}T08:00:00Z",
                    "mpan": mpan,
                    "account_id": f"A{i:08d}",
                    "meter_kind": "traditional",
                    "ssd": (START - timedelta(days=400)).isoformat(),
                },
            )
        )
    budget = max(shape.events - len(points), 0)
    special = int(budget * (shape.loss_share + shape.move_out_share + shape.export_share))
    for n in range(special):
        mpan = rng.choice(points)
        day = START + timedelta(days=rng.randrange(shape.days - 1))
        stamp = f"{day.isoformat()}T{9 + n % 8:02d}:00:00Z"
        pick = rng.random() * (shape.loss_share + shape.move_out_share + shape.export_share)
        if pick < shape.loss_share:
            row: dict[str, object] = {
                "type": "switch.secured",
                "event_id": f"sw-{n}",
                "occurred_at": stamp,
                "mpan": mpan,
                "ssd": (day + timedelta(days=14)).isoformat(),
                "gaining_supplier": "GAIN",
            }
        elif pick < shape.loss_share + shape.move_out_share:
            row = {
                "type": "customer.moved_out",
                "event_id": f"mo-{n}",
                "occurred_at": stamp,
                "mpan": mpan,
                "account_id": "A0",
                "move_out_date": (day + timedelta(days=3)).isoformat(),
            }
        else:
            row = _export_application(n, mpan, day)
        rows.append((stamp, row))
    _json(folder / "events.jsonl", rows)
    readings = budget - special
    per_day = max(readings // shape.days, 1)
    written = 0
    for d in range(shape.days):
        day = START + timedelta(days=d)
        count = per_day if d < shape.days - 1 else readings - written
        if count <= 0:
            break
        stamp = day.strftime("%Y%m%d")
        lines = [f"ZHV|B{d:09d}|D0010002|D|BDC1|X|OURS|{stamp}060000||||OPER|"]
        for _ in range(count):
            mpan = rng.choice(points)
            value = rng.randrange(1000, 99999)
            lines.append(f"026|{mpan}|V|")
            lines.append(f"028|M{mpan[-8:]}|R|")
            lines.append(f"030|01|{stamp}000000|{value}.0|||T|N|")
        lines.append(f"ZPT|B{d:09d}|{3 * count}||{count}|{stamp}060500|")
        (folder / f"d0010-{stamp}.txt").write_text("\n".join(lines) + "\n", encoding="ascii")
        written += count
    return len(points) + special + written, START + timedelta(days=shape.days - 1)
