"""The tap: an engine's work reaches the recorder, state counts follow labels incrementally."""

from __future__ import annotations

from datetime import date, timedelta

from ops_builders import MPAN, OTHER, d0086, secured, tick
from ops_fake_engine import FakeEngine

from flows.rejections import FileReport, FileStatus, RejectedRecord
from processors.ops import OpsRecorder, feed, handle_observed, sync_labels
from processors.ops.queries import deadlines_report, supply_point_report

D = date(2024, 3, 1)


def test_labels_follow_events_and_the_ticks_that_fire_deadlines() -> None:
    engine, ops = FakeEngine(), OpsRecorder()
    handle_observed(engine, ops, secured(MPAN, D, D - timedelta(days=3)))
    handle_observed(engine, ops, secured(OTHER, D + timedelta(days=1), D - timedelta(days=3)))
    assert ops.states()["counts"] == {"loss_pending": 2}
    outcome = handle_observed(engine, ops, tick(D + timedelta(days=42)))
    assert [c.type for c in outcome.commands] == ["IssueEstimatedFinalBill"]
    assert ops.states()["counts"] == {"loss_pending": 1, "final_billed": 1}
    assert ops.commands_by_type["IssueEstimatedFinalBill"] == 1


def test_feed_records_rejections_files_and_anomalies() -> None:
    engine, ops = FakeEngine(), OpsRecorder()
    handled = feed(
        engine,
        ops,
        [
            secured(MPAN, D, D),
            RejectedRecord(
                path="f.txt", line=3, field="mpan", raw="026|bad|", reason="MPAN is not 13 digits"
            ),
            d0086(OTHER, D),
            FileReport(path="f.txt", status=FileStatus.READ, events=1, rejected=1),
            tick(D),
        ],
    )
    assert handled == 3
    assert ops.rejected_total == 1
    assert ops.anomalies_by_kind == {"cos_reading_for_unknown_point": 1}
    assert ops.files_by_status == {"read": 1}
    assert ops.last_closed_day == D


def test_sync_labels_counts_a_restored_store_once() -> None:
    engine, ops = FakeEngine(), OpsRecorder()
    for mpan in (MPAN, OTHER):
        engine.handle(secured(mpan, D, D))
    sync_labels(engine, ops, engine.states.items())
    assert ops.states() == {"total": 2, "counts": {"loss_pending": 2}, "keyspaces": {"mpan": 2}}


def test_deadlines_report_starts_the_day_after_the_last_closed_day() -> None:
    engine, ops = FakeEngine(), OpsRecorder()
    feed(
        engine,
        ops,
        [secured(MPAN, D, D), secured(OTHER, D + timedelta(days=20), D), tick(D + timedelta(days=41))],
    )
    report = deadlines_report(engine, ops, days=14)
    assert report["as_of"] == "2024-04-11"
    assert report["first"] == "2024-04-12"
    assert report["total"] == 1
    assert report["kinds"] == {"cos_estimate": 1}
    assert len(report["days"]) == 14
    assert report["days"][0] == {
        "day": "2024-04-12",
        "counts": {"cos_estimate": 1},
        "subjects": {"cos_estimate": [MPAN]},
    }
    assert report["items"] == [{"due_on": "2024-04-12", "kind": "cos_estimate", "subject": MPAN}]


def test_supply_point_report_joins_state_history_and_pending_deadlines() -> None:
    engine, ops = FakeEngine(), OpsRecorder()
    feed(engine, ops, [secured(MPAN, D, D), tick(D)])
    report = supply_point_report(engine, ops, MPAN)
    assert report is not None
    assert report["label"] == "loss_pending"
    assert report["state"] == {"ssd": "2024-03-01", "status": "loss_pending"}
    assert [e["type"] for e in report["timeline"]] == ["switch.secured"]
    assert report["pending_deadlines"] == [{"due_on": "2024-04-12", "kind": "cos_estimate", "subject": MPAN}]
    assert supply_point_report(engine, ops, "1000000000009") is None
