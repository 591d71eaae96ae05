"""`input_text` is `repr`, character for character, for every input class (the conflict
digests kept in stored states are of that text)."""

from __future__ import annotations

import dataclasses
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import processors.core.engine  # noqa: F401 - imports every machine, so every input class
from processors.core.input_text import input_text
from processors.core.machine import Input
from processors.core.machines.accounts.account import BillIn
from processors.vocabulary.events import BillCharge

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "codecs"))
from record_strategies import values_of
from test_engine_conflicts import _input_classes

INPUTS = sorted(_input_classes(), key=lambda c: (c.__module__, c.__qualname__))


def test_every_machine_input_class_is_compared() -> None:
    assert len(INPUTS) > 50
    assert BillIn in INPUTS


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(INPUTS).flatmap(values_of))
def test_the_text_of_any_input_is_its_repr(inp: Input) -> None:
    assert input_text(inp) == repr(inp)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(INPUTS).flatmap(lambda cls: values_of(cls, edges=True)))
def test_the_text_of_any_input_with_edge_values_is_its_repr(inp: Input) -> None:
    assert input_text(inp) == repr(inp)


def test_a_bill_with_no_one_or_two_charges_and_repeated_days() -> None:
    day = date(2024, 1, 1)
    charge = BillCharge(period_from=date(2023, 12, 1), period_to=date(2023, 12, 31), amount=Decimal("1.50"))
    for charges in ((), (charge,), (charge, dataclasses.replace(charge, amount=Decimal("-0.10")))):
        bill = BillIn(
            event_id="b",
            day=day,
            bill_id="B-1",
            issued_on=day,
            rebill=False,
            replaces=None,
            basis="actual",
            charges=charges,
            balance_after=Decimal("-1.5"),
        )
        assert input_text(bill) == repr(bill)
        assert input_text(bill) == repr(bill)  # with the days' texts remembered


def test_values_of_other_types_in_declared_fields_are_shown_as_repr_shows_them() -> None:
    """Frozen dataclasses check no types: a datetime or a list where a date or a tuple is
    declared is still written by its own repr."""
    odd = BillIn(
        event_id="b",
        day=datetime(2024, 1, 1, 6),
        bill_id="B-1",
        issued_on=date(2024, 1, 1),
        rebill=False,
        replaces=None,
        basis="actual",
        charges=[],  # type: ignore[arg-type]
        balance_after=Decimal("0"),
    )
    assert input_text(odd) == repr(odd)
    assert input_text(date(2024, 1, 1)) == repr(date(2024, 1, 1))
    assert input_text("x") == "'x'"
