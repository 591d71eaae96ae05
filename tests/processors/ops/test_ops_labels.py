"""State counts kept incrementally always equal a recount of the labels."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from processors.ops import ObservedStore, OpsRecorder
from processors.ops.recorder import CALENDAR_LABELS

KEYS = st.sampled_from([f"12{n:011d}" for n in range(8)])
LABELS = st.one_of(st.none(), st.sampled_from(["supplying", "loss_pending", "disputed", "export_applied"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(KEYS, LABELS), max_size=60))
def test_counts_equal_a_recount_after_any_sequence_of_labels(moves: list[tuple[str, str | None]]) -> None:
    ops = OpsRecorder()
    final: dict[str, str] = {}
    for key, label in moves:
        ops.set_label(key, label)
        if label is None:
            final.pop(key, None)
        else:
            final[key] = label
    assert dict(ops.state_counts) == dict(Counter(final.values()))
    assert ops.states()["total"] == len(final)
    assert ops.calendar_labelled_keys() == sorted(k for k, v in final.items() if v in CALENDAR_LABELS)


class Store:
    def __init__(self) -> None:
        self.data: dict[str, int] = {}

    def get(self, key: str) -> int | None:
        return self.data.get(key)

    def put(self, key: str, state: int) -> None:
        self.data[key] = state

    def items(self) -> list[tuple[str, int]]:
        return list(self.data.items())


def test_observed_store_notes_writes_and_passes_everything_through() -> None:
    inner = Store()
    store = ObservedStore(inner)
    store.put("a", 1)
    store.put("b", 2)
    assert store.get("a") == 1
    assert inner.data == {"a": 1, "b": 2}
    assert store.take_touched() == {"a", "b"}
    assert store.take_touched() == set()
    assert store.get("b") == 2  # reads are not writes
    assert store.take_touched() == set()
    assert dict(store.items()) == {"a": 1, "b": 2}
    assert store.data is inner.data  # anything else is the wrapped store's
