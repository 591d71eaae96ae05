"""Half-hourly kWh values read once per distinct text: the Decimal of each, and back.

A site's half-hourly values are small numbers with a few decimals, so a log repeats the
same few thousand texts for every site and day. Reading each text once (its Decimal,
checked non-negative and finite) makes a value a dict lookup rather than a parse and a
check, and the same Decimal object each time, whose hash CPython computes once and keeps:
the replay's event-content digest hashes every value of every line (docs/decisions.md,
halfhourly). The values and their checks are those of a parse: a text not known here is
read the usual way by the caller, and remembered while there is room.

The reverse, a value's text in a day's compact text (`values_text`), is looked up by the
identity of the remembered Decimal: one is never dropped, so its id names it for as long
as the process lives, and only a value whose `str` is its text is given one.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

Values = tuple[Decimal | None, ...]


class RememberedKwh:
    """The texts read so far, each with its Decimal, and the text of each such Decimal."""

    __slots__ = ("_by_text", "_known", "_text_by_id", "_text_of", "limit")

    def __init__(self, limit: int = 1 << 15) -> None:
        self.limit = limit
        """How many distinct texts are remembered (a few MB at most); past it, values are parsed."""
        self._by_text: dict[str | None, Decimal | None] = {None: None}
        """Each remembered text's Decimal; null (a missing value) is itself."""
        self._text_by_id: dict[int, str] = {id(None): ""}
        """The text of each remembered Decimal whose `str` it is, by the Decimal's id; a
        missing value is written as nothing."""
        self._known = self._by_text.__getitem__
        self._text_of = self._text_by_id.__getitem__

    def known_values(self, items: list[Any]) -> Values | None:
        """The values of a JSON list of kWh texts (null where missing) when every text is
        remembered, else None (the caller parses and checks them, then `remember`s them)."""
        try:
            return tuple(map(self._known, items))
        except (KeyError, TypeError):  # a text not seen yet, or not a text at all
            return None

    def remember(self, texts: Iterable[str], numbers: Iterable[Decimal]) -> None:
        """Remember each text with its Decimal as the caller read and checked it
        (non-negative, finite: `known_values` hands it out unchecked), while there is room."""
        by_text = self._by_text
        for item, number in zip(texts, numbers, strict=True):
            if len(by_text) > self.limit:
                return
            if item not in by_text:
                by_text[item] = number
                if str(number) == item:
                    self._text_by_id[id(number)] = item

    def values_text(self, values: Values) -> str:
        """The values as text: decimal strings joined by commas, nothing where missing."""
        try:
            return ",".join(map(self._text_of, map(id, values)))
        except KeyError:  # a value not remembered: written by its str
            return ",".join(map(str, values)).replace("None", "")

    def text_values(self, text: str) -> Values:
        """The values of a `values_text` text."""
        items = text.split(",")
        gaps = "" in items
        known = self._known
        try:
            if not gaps:
                return tuple(map(known, items))
            return tuple(None if item == "" else known(item) for item in items)
        except KeyError:  # a text not remembered (a state read back after a restart)
            pass
        if not gaps:
            return tuple(map(Decimal, items))
        return tuple(None if item == "" else Decimal(item) for item in items)


KWH = RememberedKwh()
"""The process's one memory of kWh texts, shared by the reader and the rating machine."""
known_values = KWH.known_values
remember = KWH.remember
values_text = KWH.values_text
text_values = KWH.text_values
