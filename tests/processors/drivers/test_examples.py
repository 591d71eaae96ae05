"""examples/ replayed through 31 March 2025 issues every command type, exactly as its
README says."""

from __future__ import annotations

import re
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
    ("ReviewPaymentAdequacy", "D-200114", "2024-09-02"),
    ("WarnBackbillingRisk", "D-200114", "2024-09-02"),
    ("WarnBackbillingRisk", "D-200377", "2024-09-02"),
    ("WarnBackbillingRisk", "D-200459", "2024-09-02"),
    ("WriteOffBackbilledCharges", "D-200114", "2024-09-10"),
    ("BillFromTransferReading", "1200555000330", "2024-10-01"),
    ("FindTransferReading", "1200555000446", "2024-10-01"),
    ("BillFromTransferReading", "2200555000778", "2024-10-01"),
    ("WarnBackbillingRisk", "M-300814", "2024-10-01"),
    ("ApplyForExportMpan", "2000777888994", "2024-10-01"),
    ("RejectExportApplication", "1100888999000", "2024-10-14"),
    ("IssueFinalBill", "1200023305967", "2024-10-25"),
    ("SettleFinalBalance", "1200023305967", "2024-10-25"),
    ("EscalateExportMpanDelay", "2000777888994", "2024-10-29"),
    ("RegisterExportMpan", "2000777888994", "2024-11-05"),
    ("ConfigureExport", "2000777888994", "2024-11-12"),
    ("RequestFirstExportReading", "2099000111220", "2024-11-12"),
    ("WriteOffBackbilledCharges", "D-200377", "2024-11-18"),
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
    ("SubmitSmartPrepayList", "NW", "2024-12-17"),
    ("SubmitSmartPrepayList", "WM", "2024-12-17"),
    ("SendReadingToDataCollector", "1800987654327", "2024-12-20"),
    ("PayGuaranteedStandardCompensation", "1900111222333", "2024-12-24"),
    ("BillBusinessAccount", "1200555000998", "2025-01-01"),
    ("BillBusinessAccount", "1700555000555", "2025-01-01"),
    ("ExpectPrepaymentReconciliation", "4410987725", "2025-01-01"),
    ("ExpectPrepaymentReconciliation", "5120348891", "2025-01-01"),
    ("ExpectPrepaymentReconciliation", "7390115822", "2025-01-01"),
    ("ExpectPrepaymentReconciliation", "8845120036", "2025-01-01"),
    ("ExpectPrepaymentReconciliation", "8845120099", "2025-01-01"),
    ("HoldExportCredit", "2099000111220", "2025-01-06"),
    ("ApplyForExportMpan", "2300555666771", "2025-01-06"),
    ("IssueCorrectedFinalBill", "1400123456786", "2025-01-08"),
    ("SettleFinalBalance", "1400123456786", "2025-01-08"),
    ("ChaseDataCollector", "1800987654327", "2025-01-10"),
    ("IssueFinalBill", "1800987654327", "2025-01-14"),
    ("SettleFinalBalance", "1800987654327", "2025-01-14"),
    ("RegisterExportMpan", "2300555666771", "2025-01-15"),
    ("ChaseBusinessBill", "B-500001", "2025-01-15"),
    ("RequestCustomerReading", "2200666777885", "2025-01-16"),
    ("SubmitSmartPrepayList", "NW", "2025-01-16"),
    ("SubmitSmartPrepayList", "WM", "2025-01-16"),
    ("ConfigureExport", "2300555666771", "2025-01-22"),
    ("RequestFirstExportReading", "2399000222339", "2025-01-22"),
    ("ReleaseExportCredit", "2099000111220", "2025-01-27"),
    ("BillBusinessAccount", "1200555000998", "2025-02-01"),
    ("BillBusinessAccount", "1700555000555", "2025-02-01"),
    ("ReviewPaymentAdequacy", "D-200377", "2025-02-01"),
    ("ExpectPrepaymentReconciliation", "4410987725", "2025-02-01"),
    ("ExpectPrepaymentReconciliation", "7390115822", "2025-02-01"),
    ("ExpectPrepaymentReconciliation", "8845120036", "2025-02-01"),
    ("ExpectPrepaymentReconciliation", "8845120099", "2025-02-01"),
    ("IssueInvoice", "B-500001", "2025-02-03"),
    ("IssueCreditNote", "B-500001", "2025-02-03"),
    ("ApproveDirectDebitPayment", "B-500001", "2025-02-04"),
    ("ChaseFirstExportReading", "2399000222339", "2025-02-05"),
    ("IssueEstimatedFinalBill", "2200666777885", "2025-02-14"),
    ("SettleFinalBalance", "2200666777885", "2025-02-14"),
    ("ReportIncompleteReconciliation", "5120348891", "2025-02-14"),
    ("SubmitSmartPrepayList", "NW", "2025-02-18"),
    ("SubmitSmartPrepayList", "WM", "2025-02-18"),
    ("ExpectPrepaymentReconciliation", "5120348891", "2025-02-20"),
    ("SwitchToManualExportReadings", "2099000111220", "2025-02-20"),
    ("BillBusinessAccount", "1200555000998", "2025-03-01"),
    ("BillBusinessAccount", "1700555000555", "2025-03-01"),
    ("EndExportTariff", "2099000111220", "2025-03-07"),
    ("IssueFinalBill", "2000777888994", "2025-03-10"),
    ("SettleFinalBalance", "2000777888994", "2025-03-10"),
    ("ApplyForExportMpan", "1600222333448", "2025-03-12"),
    ("ReportIncompleteReconciliation", "GB", "2025-03-14"),
    ("SubmitSmartPrepayList", "NW", "2025-03-18"),
    ("SubmitSmartPrepayList", "WM", "2025-03-18"),
    ("NotifyExportTariffEnding", "2399000222339", "2025-03-19"),
    ("RaiseCoSDispute", "1200999888775", "2025-03-20"),
    ("IssueEstimatedFinalBill", "1200999888775", "2025-03-20"),
    ("SettleFinalBalance", "1200999888775", "2025-03-20"),
    ("PayGuaranteedStandardCompensation", "1200999888775", "2025-03-20"),
    ("ExpectPrepaymentReconciliation", "5120348891", "2025-03-20"),
    ("ExpectPrepaymentReconciliation", "8845120099", "2025-03-20"),
    ("SendReadingToDataCollector", "1100444555661", "2025-03-25"),
    ("RateHalfHourlyConsumption", "1100555000335", "2025-03-25"),
    ("RateHalfHourlyConsumption", "1100555000441", "2025-03-25"),
    ("RateHalfHourlyConsumption", "1300555000228", "2025-03-25"),
    ("RateHalfHourlyConsumption", "1700555000110", "2025-03-25"),
    ("NotifyConsumptionExceeded", "A-300100", "2025-03-25"),
    ("RateHalfHourlyConsumption", "1100555000335", "2025-03-26"),
    ("RateHalfHourlyConsumption", "1100555000441", "2025-03-26"),
    ("RateHalfHourlyConsumption", "1300555000228", "2025-03-26"),
    ("RateHalfHourlyConsumption", "1700555000110", "2025-03-26"),
    ("RateHalfHourlyConsumption", "1100555000335", "2025-03-27"),
    ("RateHalfHourlyConsumption", "1100555000441", "2025-03-27"),
    ("RateHalfHourlyConsumption", "1300555000228", "2025-03-27"),
    ("RateHalfHourlyConsumption", "1700555000110", "2025-03-27"),
    ("ReportMissingConsumption", "1100555000335", "2025-03-27"),
    ("RaiseCoSDispute", "1300123400111", "2025-03-27"),
    ("NotifyConsumptionExceeded", "A-300300", "2025-03-27"),
    ("NotifyConsumptionExceeded", "A-300100", "2025-03-27"),
    ("CorrectHalfHourlyRating", "1100555000335", "2025-03-28"),
    ("RateHalfHourlyConsumption", "1100555000335", "2025-03-28"),
    ("RateHalfHourlyConsumption", "1100555000441", "2025-03-28"),
    ("RateHalfHourlyConsumption", "1300555000228", "2025-03-28"),
    ("RateHalfHourlyConsumption", "1700555000110", "2025-03-28"),
    ("ReportMissingConsumption", "1300555000228", "2025-03-28"),
    ("RateHalfHourlyConsumption", "1100555000335", "2025-03-29"),
    ("RateHalfHourlyConsumption", "1100555000441", "2025-03-29"),
    ("CorrectHalfHourlyRating", "1300555000228", "2025-03-29"),
    ("RateHalfHourlyConsumption", "1300555000228", "2025-03-29"),
    ("RateHalfHourlyConsumption", "1700555000110", "2025-03-29"),
    ("NotifyConsumptionExceeded", "A-300100", "2025-03-29"),
    ("RateHalfHourlyConsumption", "1100555000335", "2025-03-30"),
    ("RateHalfHourlyConsumption", "1100555000441", "2025-03-30"),
    ("RateHalfHourlyConsumption", "1300555000228", "2025-03-30"),
    ("CorrectHalfHourlyRating", "1700555000110", "2025-03-30"),
    ("RateHalfHourlyConsumption", "1700555000110", "2025-03-30"),
    ("ReportMissingConsumption", "1100555000441", "2025-03-30"),
    ("RateHalfHourlyConsumption", "1100555000335", "2025-03-31"),
    ("RateHalfHourlyConsumption", "1100555000441", "2025-03-31"),
    ("RateHalfHourlyConsumption", "1300555000228", "2025-03-31"),
    ("RateHalfHourlyConsumption", "1700555000110", "2025-03-31"),
    ("ReportMissingConsumption", "1700555000110", "2025-03-31"),
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
    assert sum(1 for s in reports.values() if s is FileStatus.READ) == 19


def test_the_unknown_supply_point_is_an_anomaly(replayed: tuple[list[ReplayOutput], ReplaySummary]) -> None:
    anomalies = [i for i in replayed[0] if isinstance(i, Anomaly)]
    assert [(a.subject, a.kind) for a in anomalies] == [("1600789789781", "no_loss_for_cos_reading")]


def test_the_summary_counts_what_happened(replayed: tuple[list[ReplayOutput], ReplaySummary]) -> None:
    summary = replayed[1]
    assert (summary.files, summary.events, summary.rejected_records, summary.anomalies) == (21, 673, 1, 1)
    assert sum(summary.commands.values()) == len(EXPECTED)
    assert summary.line().startswith(
        "meterflow replay through 2025-03-31: 21 files (1 duplicate, 1 test data), 673 input events, "
        "124 derived events, 211 day ticks"
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


def test_the_top_readme_counts_what_the_examples_replay_counts(
    replayed: tuple[list[ReplayOutput], ReplaySummary],
) -> None:
    """The README's "one story everywhere" paragraph gives the examples' counts: they are
    the replay's (it said 54 input events and 3 derived ones until part two's examples)."""
    summary = replayed[1]
    text = " ".join((EXAMPLES.parent / "README.md").read_text().split())
    stated = re.search(
        r"\*\*input events\*\* are read from the files \((\d+) for the examples\).*?"
        r"\*\*derived events\*\*.*?\((\d+), counted once each\).*?"
        r"\*\*day ticks\*\* are days closed \((\d+) through ",
        text,
    )
    assert stated is not None, "the README no longer states the examples' counts"
    assert [int(n) for n in stated.groups()] == [summary.events, summary.follow_ups, summary.ticks]
