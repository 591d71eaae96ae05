"""Outcomes cross processes (`flows.transfer`) unchanged: what `replay --jobs N`'s workers
exchange and write (follow-ups, commands, anomalies, rejections, file reports)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flow_helpers import FIXTURES

from flows import read_file
from flows.rejections import FileReport, RejectedRecord
from flows.transfer import dumps, loads
from processors.drivers.replay import replay
from processors.vocabulary.anomalies import Anomaly
from processors.vocabulary.commands import Command

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

NAMES = [
    "d0010_valid.txt",
    "d0010_field_counts.txt",
    "d0217_catalogue_width.txt",
    "d0300_valid.txt",
    "d0004_valid.txt",
    "events_valid.jsonl",
    "binary_junk.bin",
]


def test_outcomes_cross_processes_unchanged() -> None:
    for name in NAMES:
        items = list(read_file(FIXTURES / name))
        back = loads(dumps(items))
        assert back == items
        assert [type(item) for item in back] == [type(item) for item in items]


def test_the_outputs_of_a_replay_cross_unchanged() -> None:
    outputs = list(replay([EXAMPLES], date(2025, 3, 31)))
    for kind in (Command, Anomaly, RejectedRecord, FileReport):
        assert any(isinstance(output, kind) for output in outputs)
    back = loads(dumps(outputs))
    assert back == outputs
    assert [type(output) for output in back] == [type(output) for output in outputs]
