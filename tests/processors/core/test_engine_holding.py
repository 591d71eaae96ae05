"""A day's held inputs (D6) at the size of a back-fill: the close keeps the events' own key
texts (no second copy per point) and still closes subjects in the order of their ids."""

from __future__ import annotations

from datetime import date

from gwt_accounts import opened
from gwt_core import at, registered

from bench.synthetic_log import mpan_for
from processors.core.engine import Engine, Outcome
from processors.vocabulary.events import DayClosed, DomainEvent

DAY = date(2024, 3, 1)


def _fold(engine: Engine, events: list[DomainEvent]) -> None:
    """Handle `events`, then their follow-ups, as replay does."""
    queue = list(events)
    while queue:
        queue.extend(engine.handle(queue.pop(0)).follow_ups)


def test_a_closed_registration_gives_its_account_the_points_own_mpan_text() -> None:
    engine = Engine()
    events = [
        registered(mpan_for(n), "traditional", date(2023, 1, 1), on=DAY, account_id=f"A-{n}")
        for n in range(3)
    ]
    _fold(engine, [*events, DayClosed.for_day(DAY, at(DAY, 23))])
    for event in events:
        account = engine.state_of(event.account_id, "account")
        assert account.mpans == (event.mpan,)
        assert account.mpans[0] is event.mpan, "the account keeps a second copy of the MPAN"
        assert engine.state_of(event.mpan).account_id is event.account_id


def test_a_day_closes_its_subjects_in_the_order_of_their_ids_across_keyspaces() -> None:
    engine = Engine()
    closed: list[tuple[int, str]] = []

    def closing(day: date, phase: int, subject_id: str, out: Outcome) -> None:
        closed.append((phase, subject_id))

    engine.closing = closing
    mpans = [mpan_for(n) for n in (7, 2, 5)]
    _fold(
        engine,
        [
            *(registered(m, "traditional", date(2023, 1, 1), on=DAY, account_id="A-9") for m in mpans),
            opened("A-3", "domestic", DAY),
            opened("A-1", "business", DAY),
            DayClosed.for_day(DAY, at(DAY, 23)),
        ],
    )
    held = [subject for phase, subject in closed if phase == 0]
    assert held == sorted(held) == ["account:A-1", "account:A-3", *sorted(f"mpan:{m}" for m in mpans)]
