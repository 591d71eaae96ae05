"""A state in words, whatever machine holds it: names humanised, dates as dates, tuple
parts named where the machine names them, nested records as groups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from processors.core.machines.supply_point import LossEpisode, SupplyPointState
from processors.ops.describe import describe_state, humanise


def test_names_are_humanised_with_the_industry_s_words() -> None:
    assert humanise("no_loss_for_cos_reading") == "No loss for CoS reading"
    assert humanise("export_mpan") == "Export MPAN"
    assert humanise("dc_sent_on") == "DC sent on"
    assert humanise("SecuredIn") == "Secured in"
    assert humanise("d0086_received") == "D0086 received"


def test_a_supply_point_state_reads_as_words() -> None:
    state = SupplyPointState(
        meter_kind="smart_nhh",
        loss=LossEpisode(opened_on=date(2024, 9, 20), ssd=date(2024, 10, 7), gaining_supplier="BGAS"),
        last_switch_notice=(date(2024, 10, 7), 20, "css-88345"),
    )
    words = describe_state(state, "loss_pending")
    assert words is not None
    assert words["stage"] == "Loss pending"
    facts = {f["field"]: f for f in words["facts"]}
    assert set(facts) == {"meter_kind", "loss", "last_switch_notice"}  # unset fields left out
    # the docstring names the tuple's parts: "(day, priority, event id)"
    assert facts["last_switch_notice"]["text"] == "day 7 Oct 2024, priority 20, event ID css-88345"
    assert facts["last_switch_notice"]["hint"].startswith("The canonical order key")
    loss = {f["field"]: f["text"] for f in facts["loss"]["group"]}
    assert loss == {"opened_on": "20 Sep 2024", "ssd": "7 Oct 2024", "gaining_supplier": "BGAS"}


class Stage(StrEnum):
    AWAITING_READ = "awaiting_read"


@dataclass
class Held:
    read_on: date


@dataclass
class GasMeterState:
    """A machine the describer has never seen: nothing here is special-cased."""

    stage: Stage
    balance: Decimal
    last_read: tuple[date, str] = field(metadata={"parts": ("read on", "source")})
    unnamed: tuple[int, int] = (1, 2)
    held: list[Held] = field(default_factory=list)
    closed: bool = False


def test_any_machine_s_state_is_described_generically() -> None:
    state = GasMeterState(
        stage=Stage.AWAITING_READ,
        balance=Decimal("-12.50"),
        last_read=(date(2025, 1, 2), "customer"),
        held=[Held(read_on=date(2025, 1, 5))],
    )
    words = describe_state(state, None)
    assert words is not None and words["stage"] is None and words["kind"] == "Gas meter state"
    texts = {f["name"]: f["text"] for f in words["facts"]}
    assert texts == {
        "Stage": "Awaiting read",
        "Balance": "-12.50",
        "Last read": "read on 2 Jan 2025, source customer",  # named by the field's metadata
        "Unnamed": "1; 2",  # no names given: the parts as they are
        "Held": "Held (read on 5 Jan 2025)",
    }
    assert describe_state(None, None) is None


def test_a_state_per_machine_gives_a_group_per_machine() -> None:
    words = describe_state({"gas": Held(read_on=date(2025, 1, 5)), "accounts": None}, "mixed")
    assert words is not None
    [group] = words["facts"]
    assert group["name"] == "Gas" and group["group"] == [
        {"field": "read_on", "name": "Read on", "text": "5 Jan 2025"}
    ]
