"""A follow-up's copy that another worker folds again (the handing worker only knows which
records were its own copies, D55) changes no output and no state: every machine answers a
redelivered input once, the one-key-for-every-point SAP machine included."""

from __future__ import annotations

import pytest

from processors.streaming.lockstep import LockStep
from tests.processors.streaming.test_stream_handed_copies import fold_with_copies, states


def test_copies_folded_again_give_the_outputs_and_states_of_a_fold_without_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alone, alone_folding, alone_folded = fold_with_copies(come_round=False)
    monkeypatch.setattr(LockStep, "copied", lambda self, partition, offset: None)
    produced, folding, folded = fold_with_copies(come_round=True)
    assert folded > alone_folded, "the copies must have been folded again"
    assert produced == alone
    assert states(folding) == states(alone_folding)
