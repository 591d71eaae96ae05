"""Which JSON field of a line holds its event's partition key, per event type.

`replay --jobs N` has each worker parse only the lines of its own keys: a line's key is
read from the line's JSON object (`orjson`, no event built) by its type's key field, the
field the type's `partition_key` returns. It is a guess the caller must check on the lines
it does parse (a key said twice, a value the field's parser changes); the types whose key
is not one of their fields as is have none.
"""

from __future__ import annotations

import inspect
from dataclasses import fields

from flows.messages import TYPES
from processors.vocabulary.events import DomainEvent


def _key_attribute(cls: type[DomainEvent]) -> str | None:
    """The attribute `cls.partition_key` returns, when it returns one of its fields as is."""
    getter = inspect.getattr_static(cls, "partition_key").fget
    names = {f.name for f in fields(cls)}
    if getter is inspect.getattr_static(DomainEvent, "partition_key").fget:
        return "mpan" if "mpan" in names else None  # `str(getattr(self, "mpan", ""))`
    used = getter.__code__.co_names
    return used[0] if len(used) == 1 and used[0] in names else None


def _key_fields() -> dict[str, str]:
    found: dict[str, str] = {}
    for kind, (cls, specs) in TYPES.items():
        attribute = _key_attribute(cls)
        name = next((name for name, spec in specs.items() if (spec.attr or name) == attribute), None)
        if name is not None:
            found[kind] = name
    return found


KEY_FIELDS = _key_fields()
"""JSON type -> the field holding its partition key (e.g. `import_mpan` for export events)."""
