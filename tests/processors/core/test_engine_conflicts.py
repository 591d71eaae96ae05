"""The same event id with other content, seen by the engine (issue 17 item 5 across runs):
an anomaly naming the id, the second event not used; an identical resend is silent."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import typing
from datetime import date

from gwt_core import ENG, Scenario, registered, secured

from processors.codecs.state_codec import decode_state, encode_state
from processors.core.conflicts import EVENT_ID_CONFLICT, input_digest
from processors.core.engine import Engine
from processors.core.machine import RECENT_IDS, Input
from processors.core.machines.supply_point import SecuredIn
from processors.core.store import DictStateStore

SSD = date(2024, 3, 1)
ON = date(2024, 2, 10)


def switched() -> Scenario:
    """A supply point registered, then lost (secured by another supplier), the days closed."""
    return Scenario().play(
        [registered(ENG, "traditional", date(2023, 1, 1)), secured(ENG, SSD, on=ON, event_id="sec-1")],
        until=date(2024, 2, 20),
    )


def conflicts_of(s: Scenario) -> list[tuple[str, str]]:
    return [(a.event_id, a.subject) for a in s.anomalies if a.kind == EVENT_ID_CONFLICT]


def test_an_applied_event_sent_again_with_other_content_is_an_anomaly_naming_it() -> None:
    s = switched()
    before = len(s.commands)
    s.feed(secured(ENG, date(2024, 3, 8), on=ON, event_id="sec-1"))  # another SSD, the same id
    s.pass_days_through(date(2024, 5, 1))
    assert conflicts_of(s) == [("sec-1", ENG)]
    [anomaly] = [a for a in s.anomalies if a.kind == EVENT_ID_CONFLICT]
    assert "differs from the one already applied" in anomaly.detail and "sec-1" in anomaly.detail
    # the second is not used: the commands are those of the first SSD only
    unchanged = switched().pass_days_through(date(2024, 5, 1))
    assert [c.to_json() for c in s.commands] == [c.to_json() for c in unchanged.commands]
    assert len(s.commands) > before


def test_an_identical_resend_is_still_a_silent_no_op() -> None:
    s = switched()
    s.feed(secured(ENG, SSD, on=ON, event_id="sec-1"))
    s.pass_days_through(date(2024, 5, 1))
    assert conflicts_of(s) == []


def test_a_held_event_of_an_open_day_sent_again_with_other_content_is_an_anomaly() -> None:
    s = Scenario().play([registered(ENG, "traditional", date(2023, 1, 1))], until=date(2024, 2, 1))
    s.feed(secured(ENG, SSD, on=ON, event_id="sec-1"))  # held: its day is open
    s.feed(secured(ENG, SSD, on=ON, event_id="sec-1"))  # the same again: silent
    assert conflicts_of(s) == []
    s.feed(secured(ENG, SSD, on=ON, gaining="OTHER", event_id="sec-1"))
    assert conflicts_of(s) == [("sec-1", ENG)]


def test_a_conflict_is_seen_after_a_restart_from_the_stored_state() -> None:
    """The worker's case: the first event was folded by an earlier run, whose state comes
    back from a snapshot or a local state (the state codec's bytes)."""
    first = switched()
    store = DictStateStore()
    for key, state in first.engine.store.items():
        store.put(key, decode_state(encode_state(state)))
    s = Scenario(engine=Engine(store=store))
    s.feed(secured(ENG, SSD, on=ON, event_id="sec-1"))
    assert conflicts_of(s) == []
    s.feed(secured(ENG, SSD, on=ON, gaining="OTHER", event_id="sec-1"))
    assert conflicts_of(s) == [("sec-1", ENG)]


def test_a_state_written_before_digests_takes_a_repeat_for_a_resend() -> None:
    s = switched()
    state = s.engine.state_of(ENG)
    assert "sec-1" in state.recent
    state.recent_digests = 0  # as a snapshot of the version before decoded it
    s.feed(secured(ENG, SSD, on=ON, gaining="OTHER", event_id="sec-1"))
    assert conflicts_of(s) == []


def test_only_the_last_recent_ids_are_compared() -> None:
    state = switched().engine.state_of(ENG)
    ids = [f"id-{n}" for n in range(RECENT_IDS + 1)]
    for n, event_id in enumerate(ids):
        state.remember(event_id, n + 1)
    assert [state.recalled_digest(i) for i in ids] == [0, *range(2, RECENT_IDS + 2)]


def test_the_digest_is_the_same_in_every_process() -> None:
    """Python's hash is salted per process; a digest compared after a restart must not be."""
    inp = SecuredIn(event_id="sec-1", day=ON, ssd=SSD, gaining_supplier="GAIN")
    code = (
        "from datetime import date; from processors.core.conflicts import input_digest;"
        "from processors.core.machines.supply_point import SecuredIn;"
        "print(input_digest(SecuredIn(event_id='sec-1', day=date(2024, 2, 10), ssd=date(2024, 3, 1),"
        " gaining_supplier='GAIN')))"
    )
    for seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        )
        assert int(out.stdout) == input_digest(inp)
    assert input_digest(inp) != input_digest(
        SecuredIn(event_id="sec-1", day=ON, ssd=SSD, gaining_supplier="OTHER")
    )


def _input_classes() -> set[type[Input]]:
    found: set[type[Input]] = set()
    todo = [Input]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.add(sub)
            todo.append(sub)
    return found


def test_every_input_reprs_the_same_in_every_process() -> None:
    """The digest is of the input's repr: that holds only while every input is a dataclass
    whose repr shows every field and no field can hold a set, a dict or a float (their text
    may differ between processes or runs)."""
    todo: list[type] = list(_input_classes())
    assert len(todo) > 50  # every machine's inputs are imported with the engine
    unsafe = ("set", "dict", "float", "Mapping", "Any")
    checked: set[type] = set()
    while todo:  # the inputs, and the dataclasses their fields hold
        cls = todo.pop()
        if cls in checked:
            continue
        checked.add(cls)
        assert dataclasses.is_dataclass(cls), cls
        for spec in dataclasses.fields(cls):
            assert spec.repr, (cls, spec.name)
        for name, hint in typing.get_type_hints(cls).items():
            assert not any(word in str(hint) for word in unsafe), (cls.__name__, name, hint)
            parts = [hint]
            while parts:
                part = parts.pop()
                parts.extend(typing.get_args(part))
                if isinstance(part, type) and dataclasses.is_dataclass(part):
                    todo.append(part)
    assert len(checked) > len(_input_classes())  # readings and bill lines were walked into
