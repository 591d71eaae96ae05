"""A small, varied portfolio as JSON-lines events, for running the real engine under the
OpsRecorder: registrations of every meter kind, switches (some withdrawn, one the
switching service told us of only after its six weeks), move-outs with and without a
reading, an export application taken to allocation, and two unreadable lines."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from processors.vocabulary.mpan import check_digit

START = date(2024, 1, 2)
UNTIL = date(2024, 4, 30)
STRANGER = "1200000055553"


def mpan(n: int, distributor: str = "12") -> str:
    body = f"{distributor}{n:010d}"
    return body + str(check_digit(body))


def _at(day: date, hour: int = 9) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00Z"


def portfolio_lines(points: int = 24) -> list[dict[str, Any]]:
    """The events of the portfolio (one JSON object each), in no particular order."""
    kinds = ["traditional", "smart_nhh", "smart_hh"]
    out: list[dict[str, Any]] = []
    for i in range(points):
        m = mpan(1000 + i, "17" if i % 5 == 0 else "12")
        reg = START + timedelta(days=i % 7)
        out.append(
            {
                "type": "supply_point.registered",
                "event_id": f"reg-{i}",
                "occurred_at": _at(reg),
                "mpan": m,
                "account_id": f"A{i:04d}",
                "meter_kind": kinds[i % 3],
                "ssd": reg.isoformat(),
            }
        )
        if i % 4 == 1:  # a switch away, told two weeks ahead of the SSD
            ssd = date(2024, 2, 1) + timedelta(days=3 * i)
            out.append(
                {
                    "type": "switch.secured",
                    "event_id": f"sw-{i}",
                    "occurred_at": _at(ssd - timedelta(days=14)),
                    "mpan": m,
                    "ssd": ssd.isoformat(),
                    "gaining_supplier": "BGAS",
                }
            )
            if i % 8 == 5:
                out.append(
                    {
                        "type": "switch.withdrawn",
                        "event_id": f"wd-{i}",
                        "occurred_at": _at(ssd - timedelta(days=3)),
                        "mpan": m,
                        "ssd": ssd.isoformat(),
                    }
                )
        elif i % 4 == 2:  # a move-out, half of them with a customer reading
            out_on = date(2024, 2, 10) + timedelta(days=2 * i)
            out.append(
                {
                    "type": "customer.moved_out",
                    "event_id": f"mo-{i}",
                    "occurred_at": _at(out_on),
                    "mpan": m,
                    "account_id": f"A{i:04d}",
                    "move_out_date": out_on.isoformat(),
                }
            )
            if i % 8 == 2:
                out.append(
                    {
                        "type": "customer.reading",
                        "event_id": f"cr-{i}",
                        "occurred_at": _at(out_on + timedelta(days=2)),
                        "mpan": m,
                        "read_on": out_on.isoformat(),
                        "value": "4821.5",
                    }
                )
    late = mpan(1999)
    out.append(
        {
            "type": "supply_point.registered",
            "event_id": "reg-late",
            "occurred_at": _at(START),
            "mpan": late,
            "account_id": "A1999",
            "meter_kind": "traditional",
            "ssd": START.isoformat(),
        }
    )
    out.append(  # the switching service tells us of this switch only after its six weeks
        {
            "type": "switch.secured",
            "event_id": "sw-late",
            "occurred_at": _at(date(2024, 3, 20)),
            "mpan": late,
            "ssd": "2024-02-01",
            "gaining_supplier": "EDFE",
        }
    )
    out.append(  # a switch of a point we never supplied: an anomaly, and no loss at risk
        {
            "type": "switch.secured",
            "event_id": "sw-stranger",
            "occurred_at": _at(date(2024, 3, 5)),
            "mpan": STRANGER,
            "ssd": "2024-04-01",
            "gaining_supplier": "BGAS",
        }
    )
    importer = mpan(1003)
    out += [
        {
            "type": "export.application_submitted",
            "event_id": "ex-1",
            "occurred_at": _at(date(2024, 3, 1)),
            "application_id": "APP-1",
            "account_id": "A0003",
            "import_mpan": importer,
            "tariff": "SEG",
            "technology": "solar_pv",
            "capacity_kw": "4.2",
            "domestic": True,
            "in_gb": True,
            "brand_eligible": True,
            "mcs_certificate": {"number": "MCS-1", "scheme": "MCS", "address": "1 High St", "mpan": importer},
            "dno_notification": "G98",
            "fit_export_payments": False,
            "other_export_support": False,
            "smart_meter": {"working": True, "connected": True},
            "address": "1 High St",
            "manual_export_reads": False,
        },
        {
            "type": "dno.export_mpan_allocated",
            "event_id": "ex-2",
            "occurred_at": _at(date(2024, 3, 15)),
            "application_id": "APP-1",
            "import_mpan": importer,
            "export_mpan": mpan(9003),
        },
    ]
    return out


BAD_LINES = [
    '{"type": "switch.secured", "event_id": "bad-1", "occurred_at": "2024-03-02T09:00:00Z", '
    '"mpan": "1200000010001", "ssd": "2024-04-01", "gaining_supplier": "BGAS"}',
    "this line is not JSON",
]


def write_portfolio(folder: Path, points: int = 24) -> Path:
    """The portfolio as one JSON-lines file (its bad lines included) in `folder`."""
    path = folder / "portfolio.jsonl"
    lines = [json.dumps(x) for x in portfolio_lines(points)] + BAD_LINES
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
