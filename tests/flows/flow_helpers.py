"""Helpers for the flow reader tests: the fixture files and a reader that sorts outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flows import FileReport, RejectedRecord, read_file
from processors.vocabulary.events import DomainEvent

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "flows"


@dataclass
class Read:
    """Everything read_file said about one file, sorted by kind (order kept within each)."""

    events: list[DomainEvent] = field(default_factory=list)
    rejections: list[RejectedRecord] = field(default_factory=list)
    reports: list[FileReport] = field(default_factory=list)
    order: list[object] = field(default_factory=list)

    @property
    def report(self) -> FileReport:
        assert len(self.reports) == 1, self.reports
        return self.reports[0]


def read_all(path: Path, seen: object = None) -> Read:
    result = Read()
    for outcome in read_file(path, seen):  # type: ignore[arg-type]
        result.order.append(outcome)
        if isinstance(outcome, RejectedRecord):
            result.rejections.append(outcome)
        elif isinstance(outcome, FileReport):
            result.reports.append(outcome)
        else:
            result.events.append(outcome)
    assert isinstance(result.order[-1], FileReport), "a file's outcomes end with its FileReport"
    return result
