"""What `meterflow tail` prints for each kind of record, and the ingest progress bar."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

from processors.codecs import serde
from processors.streaming.progress import Progress
from processors.streaming.tail import decode_record
from processors.vocabulary.commands import RaiseCoSDispute, command_id_for


def test_a_command_prints_exactly_as_replay_writes_it() -> None:
    command = RaiseCoSDispute(
        command_id=command_id_for("1200023305967", "RaiseCoSDispute", "deadline/x"),
        issued_on=date(2024, 11, 28),
        cause="deadline/x",
        mpan="1200023305967",
        ssd=date(2024, 10, 28),
        gaining_supplier="BGAS",
    )
    printed = decode_record("billing-commands", 0, 7, b"1200023305967", serde.encode_command(command))
    assert printed == serde.to_json(command)
    assert json.loads(json.dumps(printed))["type"] == "RaiseCoSDispute"


def test_records_that_are_not_meterflow_avro_are_shown_not_fatal() -> None:
    printed = decode_record("meterflow-events", 2, 41, None, b"\x00garbage")
    assert printed["source"] == "meterflow-events[2]@41"
    assert printed["undecodable"]
    bookkeeping = decode_record(
        "ingested-files", 0, 3, b"UDMS/UD1", b'{"ingested_at": "2024-01-01T00:00:00+00:00"}'
    )
    assert bookkeeping == {"key": "UDMS/UD1", "ingested_at": "2024-01-01T00:00:00+00:00"}
    assert decode_record("ingested-files", 0, 4, b"UDMS/UD1", None) == {"tombstone": True, "key": "UDMS/UD1"}


def test_the_progress_bar_follows_the_lines_read(tmp_path: Path) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("x\n" * 30)
    second.write_text("y\n" * 10)
    screen = io.StringIO()
    bar = Progress([first, second], stream=screen, every=0)
    assert bar.total == 40
    bar.saw(str(first), 20, events=5)
    assert "50.0%" in screen.getvalue()
    bar.saw(str(first), 10, events=6)  # an earlier line of the same file: no step back
    bar.saw(str(second), 10, events=7)
    assert "75.0%" in screen.getvalue().rsplit("\r", 1)[-1]
    bar.show(8, final=True)
    assert screen.getvalue().endswith("\n") and "100.0%" in screen.getvalue()
