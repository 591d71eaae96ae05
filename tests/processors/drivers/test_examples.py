"""examples/ replayed through 31 March 2025 issues every command type, exactly as its
README says."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from flows import FileReport, FileStatus, RejectedRecord
from processors.drivers.replay import ReplayOutput, ReplaySummary, replay
from processors.vocabulary.anomalies import Anomaly
from processors.vocabulary.commands import COMMAND_TYPES, Command

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
INPUTS = [EXAMPLES / "flows", EXAMPLES / "events"]
UNTIL = date(2025, 3, 31)

EXPECTED = [
    ("ApplyForExportMpan", "2000777888994", "2024-10-01"),
    ("RejectExportApplication", "1100888999000", "2024-10-14"),
    ("IssueFinalBill", "1200023305967", "2024-10-25"),
    ("SettleFinalBalance", "1200023305967", "2024-10-25"),
    ("EscalateExportMpanDelay", "2000777888994", "2024-10-29"),
    ("RegisterExportMpan", "2000777888994", "2024-11-05"),
    ("ConfigureExport", "2000777888994", "2024-11-12"),
    ("RequestFirstExportReading", "2099000111220", "2024-11-12"),
    ("StartExportCredit", "2099000111220", "2024-11-22"),
    ("IssueFinalBill", "2300444555663", "2024-11-26"),
    ("SettleFinalBalance", "2300444555663", "2024-11-26"),
    ("RaiseCoSDispute", "1400123456786", "2024-11-28"),
    ("RespondToCoSDispute", "1400123456786", "2024-12-02"),
    ("ApplyForExportMpan", "2100123123122", "2024-12-02"),
    ("IssueFinalBill", "1900111222333", "2024-12-09"),
    ("SettleFinalBalance", "1900111222333", "2024-12-09"),
    ("IssueEstimatedFinalBill", "1400123456786", "2024-12-09"),
    ("SettleFinalBalance", "1400123456786", "2024-12-09"),
    ("WithdrawExportApplication", "2100123123122", "2024-12-10"),
    ("SendReadingToDataCollector", "1800987654327", "2024-12-20"),
    ("PayGuaranteedStandardCompensation", "1900111222333", "2024-12-24"),
    ("HoldExportCredit", "2099000111220", "2025-01-06"),
    ("ApplyForExportMpan", "2300555666771", "2025-01-06"),
    ("IssueCorrectedFinalBill", "1400123456786", "2025-01-08"),
    ("SettleFinalBalance", "1400123456786", "2025-01-08"),
    ("ChaseDataCollector", "1800987654327", "2025-01-10"),
    ("IssueFinalBill", "1800987654327", "2025-01-14"),
    ("SettleFinalBalance", "1800987654327", "2025-01-14"),
    ("RegisterExportMpan", "2300555666771", "2025-01-15"),
    ("RequestCustomerReading", "2200666777885", "2025-01-16"),
    ("ConfigureExport", "2300555666771", "2025-01-22"),
    ("RequestFirstExportReading", "2399000222339", "2025-01-22"),
    ("ReleaseExportCredit", "2099000111220", "2025-01-27"),
    ("ChaseFirstExportReading", "2399000222339", "2025-02-05"),
    ("IssueEstimatedFinalBill", "2200666777885", "2025-02-14"),
    ("SettleFinalBalance", "2200666777885", "2025-02-14"),
    ("SwitchToManualExportReadings", "2099000111220", "2025-02-20"),
    ("EndExportTariff", "2099000111220", "2025-03-07"),
    ("IssueFinalBill", "2000777888994", "2025-03-10"),
    ("SettleFinalBalance", "2000777888994", "2025-03-10"),
    ("ApplyForExportMpan", "1600222333448", "2025-03-12"),
    ("NotifyExportTariffEnding", "2399000222339", "2025-03-19"),
    ("RaiseCoSDispute", "1200999888775", "2025-03-20"),
    ("IssueEstimatedFinalBill", "1200999888775", "2025-03-20"),
    ("SettleFinalBalance", "1200999888775", "2025-03-20"),
    ("PayGuaranteedStandardCompensation", "1200999888775", "2025-03-20"),
    ("SendReadingToDataCollector", "1100444555661", "2025-03-25"),
    ("RaiseCoSDispute", "1300123400111", "2025-03-27"),
]


@pytest.fixture(scope="module")
def replayed() -> tuple[list[ReplayOutput], ReplaySummary]:
    summary = ReplaySummary()
    return list(replay(INPUTS, UNTIL, summary=summary)), summary


def commands(items: list[ReplayOutput]) -> list[Command]:
    return [i for i in items if isinstance(i, Command)]


def test_the_examples_issue_exactly_the_documented_commands(
    replayed: tuple[list[ReplayOutput], ReplaySummary],
) -> None:
    issued = [(c.type, c.subject, c.issued_on.isoformat()) for c in commands(replayed[0])]
    assert issued == EXPECTED


def test_every_command_type_appears(replayed: tuple[list[ReplayOutput], ReplaySummary]) -> None:
    assert {c.type for c in commands(replayed[0])} == set(COMMAND_TYPES)


def test_the_readme_lists_the_same_commands() -> None:
    readme = (EXAMPLES / "README.md").read_text()
    for command_type, subject, issued_on in EXPECTED:
        assert any(line.split()[:3] == [command_type, subject, issued_on] for line in readme.splitlines()), (
            command_type,
            subject,
            issued_on,
        )


def test_the_malformed_record_goes_to_the_rejected_sink(
    replayed: tuple[list[ReplayOutput], ReplaySummary],
) -> None:
    rejected = [i for i in replayed[0] if isinstance(i, RejectedRecord)]
    assert [(Path(r.path).name, r.line, r.field, r.children) for r in rejected] == [
        ("UDMS_D0010_20241203.txt", 6, "MPAN core", 3)
    ]
    assert "check digit" in rejected[0].reason


def test_duplicate_and_test_data_files_are_reported(
    replayed: tuple[list[ReplayOutput], ReplaySummary],
) -> None:
    reports = {Path(r.path).name: r.status for r in replayed[0] if isinstance(r, FileReport)}
    assert reports["UDMS_D0086_20241025_resent.txt"] is FileStatus.DUPLICATE
    assert reports["UDMS_D0086_TEST_20241105.txt"] is FileStatus.TEST_DATA
    assert sum(1 for s in reports.values() if s is FileStatus.READ) == 16


def test_the_unknown_supply_point_is_an_anomaly(replayed: tuple[list[ReplayOutput], ReplaySummary]) -> None:
    anomalies = [i for i in replayed[0] if isinstance(i, Anomaly)]
    assert [(a.subject, a.kind) for a in anomalies] == [("1600789789781", "no_loss_for_cos_reading")]


def test_the_summary_counts_what_happened(replayed: tuple[list[ReplayOutput], ReplaySummary]) -> None:
    summary = replayed[1]
    assert (summary.files, summary.events, summary.rejected_records, summary.anomalies) == (18, 68, 1, 1)
    assert sum(summary.commands.values()) == len(EXPECTED)
    assert summary.line().startswith(
        "meterflow replay through 2025-03-31: 18 files (1 duplicate, 1 test data), 68 events"
    )


def test_replaying_twice_gives_identical_commands() -> None:
    first = [c.to_json() for c in commands(list(replay(INPUTS, UNTIL)))]
    second = [c.to_json() for c in commands(list(replay(INPUTS, UNTIL)))]
    assert first == second


def test_the_order_inputs_are_given_in_does_not_change_the_commands() -> None:
    forward = [c.to_json() for c in commands(list(replay(INPUTS, UNTIL)))]
    files = sorted(p for folder in INPUTS for p in folder.iterdir())
    backward = [c.to_json() for c in commands(list(replay(list(reversed(files)), UNTIL)))]
    assert backward == forward
