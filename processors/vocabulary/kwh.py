"""Half-hourly kWh values read once per distinct text, and a day's values as one text.

A site's half-hourly values are small numbers with a few decimals, so a log repeats the
same few thousand texts for every site and day. Reading each text once (its Decimal,
checked non-negative and finite) makes a value a dict lookup rather than a parse and a
check, and the same Decimal object each time, whose hash CPython computes once and keeps:
the replay's event-content digest hashes every value of every line (docs/decisions.md,
halfhourly). The values and their checks are those of a parse: a text not known here is
read the usual way by the caller, and remembered while there is room.

A day's values are kept by the rating machine as one compact text (`values_text`), read
back (`text_values`) through the same memory. Only a text written as its Decimal writes
itself (`str(Decimal(text)) == text`, as a log's values usually are) is remembered, so a
day whose texts are all known has the compact text of its values already: its texts
joined by commas, found again by the identity of the values tuple handed out
(`day_text`), instead of 48 `str` calls when the day is applied (docs/decisions.md D53).
Measured, and left out: a value's text found by the identity of its remembered Decimal
is no faster than `str` (an `id` is a new int each time), nor is `map` over a dict's
`__getitem__` faster than a comprehension.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

Values = tuple[Decimal | None, ...]


class RememberedKwh:
    """The texts read so far, each with its Decimal."""

    __slots__ = ("_by_text", "_days", "_written", "day_limit", "limit", "written_limit")

    def __init__(self, limit: int = 1 << 15, day_limit: int = 1 << 15, written_limit: int = 1 << 10) -> None:
        self.limit = limit
        """How many distinct texts are remembered (a few MB at most); past it, values are parsed."""
        self._by_text: dict[str | None, Decimal | None] = {None: None}
        """Each remembered text's Decimal; null (a missing value) is itself."""
        self.day_limit = day_limit
        """How many days' texts wait for `day_text` (all are dropped past it): more
        than the lines of a day held until it closes (13,333 at 10,000 sites), and a bound on
        what lines never applied (a duplicate id, test data) keep alive, ~20 MB."""
        self._days: dict[int, tuple[Values, str]] = {}
        """By `id` of a values tuple `known_values` handed out: the tuple (kept, so the id
        is not reused while it waits) and its compact text."""
        self.written_limit = written_limit
        self._written: dict[str, Values] = {}
        """The values of the compact texts last written (`wrote`), emptied when it holds
        `written_limit`: a few suffice (a site's day's export is written just before its
        import is rated with it, and is read back here rather than parsed from its text);
        more would only keep values alive."""

    def known_values(self, items: list[Any]) -> Values | None:
        """The values of a JSON list of kWh texts (null where missing) when every text is
        remembered, else None (the caller parses and checks them, then `remember`s them).
        Their compact text waits for `day_text`."""
        by_text = self._by_text
        try:
            values = tuple([by_text[item] for item in items])
        except (KeyError, TypeError):  # a text not seen yet, or not a text at all
            return None
        try:
            text = ",".join(items)
        except TypeError:  # a missing value: nothing between its commas
            text = ",".join([item or "" for item in items])
        days = self._days
        if len(days) >= self.day_limit:  # all dropped: those waiting are written from their values
            days.clear()
        days[id(values)] = (values, text)
        return values

    def day_text(self, values: Values) -> str:
        """`values_text(values)`: the texts the values were read from when `known_values`
        handed out this very tuple (taken once), else written from the values."""
        waiting = self._days.pop(id(values), None)
        if waiting is not None and waiting[0] is values:
            return waiting[1]
        return values_text(values)

    def wrote(self, text: str, values: Values) -> None:
        """`text` is `values_text(values)`, just written to a state: `text_values(text)`
        gives `values` until the memory fills and is emptied (a Decimal's text reads back
        to the same sign, digits and exponent, so they are the values the text holds)."""
        written = self._written
        if len(written) >= self.written_limit:  # all at once (dropping the oldest one by one
            written.clear()  # would make `next(iter(...))` walk the dict's deleted slots)
        written[text] = values

    def remember(self, texts: Iterable[str], numbers: Iterable[Decimal]) -> None:
        """Remember each text with its Decimal as the caller read and checked it
        (non-negative, finite: `known_values` hands it out unchecked), while there is room;
        only a text that is its Decimal's own (`str`), so that a remembered day's texts are
        its compact text."""
        by_text = self._by_text
        for item, number in zip(texts, numbers, strict=True):
            if len(by_text) > self.limit:
                return
            if item not in by_text and str(number) == item:
                by_text[item] = number

    def text_values(self, text: str) -> Values:
        """The values of a `values_text` text."""
        written = self._written.get(text)
        if written is not None:
            return written
        items = text.split(",")
        by_text = self._by_text
        try:
            return tuple([None if item == "" else by_text[item] for item in items])
        except KeyError:  # a text not remembered (a state read back after a restart, the worker)
            values = tuple([None if item == "" else Decimal(item) for item in items])
        present = [item for item in items if item != ""]
        self.remember(present, [v for v in values if v is not None])  # checked when they came in
        return values


def has_gap(text: str) -> bool:
    """Whether a compact day text (`values_text`) has a missing value: nothing between two
    commas, before the first or after the last, or nothing at all (a value's text is
    never empty)."""
    return not text or ",," in text or text.startswith(",") or text.endswith(",")


def values_text(values: Values) -> str:
    """The values as text: decimal strings joined by commas, nothing where missing."""
    return ",".join(map(str, values)).replace("None", "")


KWH = RememberedKwh()
"""The process's one memory of kWh texts, shared by the reader and the rating machine."""
known_values = KWH.known_values
remember = KWH.remember
text_values = KWH.text_values
day_text = KWH.day_text
wrote = KWH.wrote
