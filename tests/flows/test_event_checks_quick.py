"""The quick test of `flows.event_checks` passes only events the full checks find nothing
in, and passes the usual events, so the worker's read path skips the JSON form for them."""

from __future__ import annotations

import contextlib
import dataclasses
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from flows.event_checks import _PLANS, check_event
from flows.json_fields import Problems
from flows.seen import InMemorySeenFiles
from processors.drivers.event_order import event_time_log
from processors.vocabulary.events import DomainEvent, MeterKind, SupplyPointRegistered
from processors.vocabulary.events.readings import BscValidationStatus

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# values a field may hold when another producer wrote the event: wrong kinds, blank
# texts, MPANs of the wrong length, digits or check digit, naive or aware instants...
ODD: list[Any] = [
    None,
    "",
    " ",
    "x",
    "1200000000001",
    "1200000000002",
    "12000000000021",
    "\u0661\u0662\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0662",
    0,
    -1,
    True,
    Decimal("-1"),
    Decimal("NaN"),
    Decimal("2.5"),
    date(2024, 3, 1),
    datetime(2024, 3, 1, 9),
    datetime(2024, 3, 1, 9, tzinfo=UTC),
    MeterKind.TRADITIONAL,
    BscValidationStatus.VALIDATED,
    (),
    ("1200000000001",),
]


def examples() -> list[DomainEvent]:
    return [
        e
        for e in event_time_log([EXAMPLES], date(2025, 3, 31), InMemorySeenFiles())
        if isinstance(e, DomainEvent)
    ]


def verdicts(event: DomainEvent) -> tuple[bool, list[Any]]:
    """(the quick test's verdict, the full checks' problems) on `event`."""
    with contextlib.suppress(Problems, TypeError):
        check_event(event)  # makes the plan
    quick, full = _PLANS[type(event)]
    passed = quick(event)
    try:
        return passed, full(event)
    except TypeError as exc:  # a value the full checks cannot put in JSON form: refused
        return passed, [exc]


def test_the_quick_test_never_passes_what_the_full_checks_refuse() -> None:
    tried: Counter[bool] = Counter()
    seen: set[type] = set()
    for event in examples():
        if type(event) in seen:
            continue
        seen.add(type(event))
        for field in dataclasses.fields(event):
            for value in ODD:
                odd = object.__new__(type(event))
                for f in dataclasses.fields(event):
                    object.__setattr__(odd, f.name, value if f.name == field.name else getattr(event, f.name))
                passed, problems = verdicts(odd)
                if passed:
                    assert not problems, (type(event).__name__, field.name, value, problems)
                tried[bool(problems)] += 1
    assert tried[True] > 500 and tried[False] > 500  # both verdicts were tried often


def test_the_usual_events_pass_the_quick_test() -> None:
    quick = Counter(type(e).__name__ for e in examples() if verdicts(e)[0])
    assert quick["MeterReadingsReceived"] > 0
    assert quick["SupplyPointRegistered"] > 0
    registered = SupplyPointRegistered(
        event_id="e",
        occurred_at=datetime(2024, 3, 1, 9, tzinfo=UTC),
        mpan="1200000000002",
        account_id="A1",
        meter_kind=MeterKind.TRADITIONAL,
        ssd=date(2024, 3, 9),
    )
    assert verdicts(registered) == (True, [])
