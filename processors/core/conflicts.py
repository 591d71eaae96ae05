"""The same event id with other content: a conflict a person must see (issue 17, item 5).

Within one run the event-time log (`drivers.event_order.EventIds`) already rejects a
second JSON-lines event whose content differs from the first with its id. Across runs
(two `ingest`s, a producer writing to the input topic) only the engine sees both, and it
drops a repeated id as a duplicate (D8). Here is how it tells a resend from a conflict
without remembering more than a digest:

- an input held for an open day (`MachineState.pending`) is kept whole, so a repeat of
  its id is compared with it field for field;
- an input already applied is remembered by its id in `MachineState.recent` (the last
  RECENT_IDS state-changing ones) together with a 64-bit digest of its content
  (`input_digest`), and a repeat is compared by digest.

A conflict is an anomaly (`EVENT_ID_CONFLICT`) naming the id; the second input is not
used, as before. An identical resend stays a silent no-op. What is not seen is written
down in docs/decisions.md (faults).
"""

from __future__ import annotations

from hashlib import blake2b

from processors.core.input_text import input_text
from processors.core.machine import Input, MachineState
from processors.vocabulary.anomalies import Anomaly

EVENT_ID_CONFLICT = "event_id_conflict"
"""The anomaly kind of a repeated event id whose content differs from the first."""


def input_digest(inp: Input) -> int:
    """A 64-bit digest of what a machine took from an event, the same in every process
    (never 0, which means "not known"): blake2b of the input's dataclass repr, which names
    its class and every field (inputs hold no sets, dicts or floats, whose text could vary
    between processes; a test keeps it so). Python's `hash` would not do: it is salted
    per process, and a digest is compared after a restart (snapshots, local states). The
    repr, not the JSON value: a third of the cost, and this runs on every state-changing
    input (D39 measured the JSON digest at a fifth of the fold of a log with bills). The
    repr is written by `input_text`, the same text without the dataclass repr's costs (D46)."""
    return int.from_bytes(blake2b(input_text(inp).encode(), digest_size=8).digest(), "big") or 1


def conflicts(state: MachineState, inp: Input) -> bool:
    """Whether `inp` repeats the id of an input `state` holds or remembers, with other
    content. False for an identical repeat, and when the first one's content is not known
    (an id remembered by a state written before digests were kept)."""
    for held in state.pending or ():
        if held.event_id == inp.event_id:
            return held != inp
    remembered = state.recalled_digest(inp.event_id)
    return remembered != 0 and remembered != input_digest(inp)


def report_conflict(anomalies: list[Anomaly], key: str, inp: Input) -> None:
    """Add the conflict anomaly of `inp` (once per event, however many of the key's
    machines took it)."""
    if any(a.event_id == inp.event_id and a.kind == EVENT_ID_CONFLICT for a in anomalies):
        return
    anomalies.append(
        Anomaly(
            event_id=inp.event_id,
            subject=key,
            day=inp.day,
            kind=EVENT_ID_CONFLICT,
            detail=(
                f"event {inp.event_id} has the id of an event already taken for this key, but its "
                "content differs from the one already applied; this one is not used (a correction "
                "needs a new event id)"
            ),
        )
    )
