"""The half-hourly machine's deadlines read only what they need of the window, and give the
same list, in the same order, as reading every day of it (the two-direction rule of
docs/decisions.md D32, as D38 wrote it in one pass: the reference below)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from processors.core.machines.half_hourly import (
    HalfHourlyDeadline,
    HalfHourlyState,
    SiteDay,
    TariffTerm,
    missing_deadlines,
    tariff_on,
)

_FIRST = date(2026, 3, 1)


def _every_day(state: HalfHourlyState) -> list[tuple[date, str]]:
    """The deadlines as every day of the window gives them (D38's one pass)."""
    out: list[tuple[date, str]] = []
    imported = exported = import_reported = export_reported = None
    for rec in state.days:
        day, reported = rec.day, rec.reported
        if rec.import_text is not None:
            imported = day
        if rec.export_text is not None:
            exported = day
        if "import" in reported:
            import_reported = day
        if "export" in reported:
            export_reported = day
        if rec.import_missing and "import" not in reported:
            out.append((day + timedelta(days=1), HalfHourlyDeadline.MISSING_IMPORT))
        if rec.export_missing and "export" not in reported:
            out.append((day + timedelta(days=1), HalfHourlyDeadline.MISSING_EXPORT))
    for kind, held, reported_on in (
        (HalfHourlyDeadline.MISSING_IMPORT, imported, import_reported),
        (HalfHourlyDeadline.MISSING_EXPORT, exported, export_reported),
    ):
        if held is None:
            continue
        through = held if reported_on is None or reported_on < held else reported_on
        if tariff_on(state, through + timedelta(days=1)) is not None:
            out.append((through + timedelta(days=2), kind))
    return out


_texts = st.sampled_from([None, None, "0.5,0.25", "0.5,"])
_gaps = st.sampled_from([(), (), (), (2,), (1, 2)])
_reported = st.sampled_from([(), (), ("import",), ("export",), ("import", "export"), ("export", "import")])


@st.composite
def _states(draw: st.DrawFn) -> HalfHourlyState:
    offsets = sorted(draw(st.sets(st.integers(0, 45), max_size=42)))
    days = [
        SiteDay(
            day=_FIRST + timedelta(days=n),
            import_text=draw(_texts),
            export_text=draw(_texts),
            import_missing=draw(_gaps),
            export_missing=draw(_gaps),
            reported=draw(_reported),
        )
        for n in offsets
    ]
    starts = draw(st.lists(st.integers(-2, 48), max_size=2, unique=True))
    tariffs = tuple(
        TariffTerm(product="IO_GO", valid_from=_FIRST + timedelta(days=n), peak=Decimal("24.5"))
        for n in sorted(starts)
    )
    return HalfHourlyState(days=days, tariffs=tariffs)


@settings(max_examples=3000)
@given(_states())
def test_the_deadlines_are_those_of_reading_every_day(state: HalfHourlyState) -> None:
    assert missing_deadlines(state) == _every_day(state)


def test_a_reported_day_after_the_last_values_moves_the_next_due_day() -> None:
    """Values through the 3rd, the 4th and 5th reported with none: the 6th is due on the 7th."""
    tariff = TariffTerm(product="FLAT", valid_from=_FIRST, peak=Decimal(20))
    days = [
        SiteDay(day=_FIRST + timedelta(days=2), import_text="0.1"),
        SiteDay(day=_FIRST + timedelta(days=3), import_missing=(1,), reported=("import",)),
        SiteDay(day=_FIRST + timedelta(days=4), import_missing=(1,), reported=("import",)),
    ]
    state = HalfHourlyState(days=days, tariffs=(tariff,))
    assert missing_deadlines(state) == [(_FIRST + timedelta(days=6), HalfHourlyDeadline.MISSING_IMPORT)]
    days[0].import_text = None  # no values held at all: nothing is due
    assert missing_deadlines(state) == []
