"""OpsRecorder: the dashboard's memory, fed directly with events, commands and samples."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ops_builders import (
    MPAN,
    OTHER,
    at,
    configure_export,
    d0086,
    dispute,
    final_bill,
    secured,
    settle,
    tick,
    withdrawn,
)

from flows.rejections import FileReport, FileStatus, RejectedRecord
from processors.ops import OpsRecorder
from processors.vocabulary.anomalies import Anomaly
from processors.vocabulary.commands import Command
from processors.vocabulary.events import DomainEvent, ExportMpanLinked

D = date(2024, 3, 1)


class FakeClock:
    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@dataclass
class Result:
    commands: list[Command] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)
    follow_ups: list[DomainEvent] = field(default_factory=list)


def test_counts_events_by_input_and_keeps_the_newest_event_time() -> None:
    ops = OpsRecorder()
    ops.record_event(secured(MPAN, D + timedelta(days=20), D + timedelta(days=2)))
    ops.record_event(secured(OTHER, D + timedelta(days=20), D))  # older event time, arrives later
    ops.record_event(d0086(MPAN, D + timedelta(days=25)))
    ops.record_event(d0086(MPAN, D + timedelta(days=26)), input="flows-topic")
    health = ops.health()
    inputs = {i["input"]: i for i in health["inputs"]}
    assert inputs["switch.secured"]["events"] == 2
    assert inputs["switch.secured"]["last_event_time"].startswith("2024-03-03")
    assert inputs["D0086"]["events"] == 1
    assert inputs["flows-topic"]["events"] == 1
    assert health["input_events_total"] == 4
    assert health["latest_event_day"] == "2024-03-27"


def test_ticks_close_days_without_counting_as_events() -> None:
    ops = OpsRecorder()
    ops.record_event(tick(D))
    ops.record_event(tick(D + timedelta(days=1)))
    ops.record_event(tick(D))  # a replayed older tick never moves the day back
    health = ops.health()
    assert health["input_events_total"] == 0
    assert health["days_closed"] == 2  # the replayed older tick closes no new day
    assert health["tick_records_total"] == 3
    assert health["last_closed_day"] == "2024-03-02"
    assert ops.today() == D + timedelta(days=1)


def test_rates_cover_the_last_minute_and_fall_to_zero_when_idle() -> None:
    clock = FakeClock()
    ops = OpsRecorder(clock=clock)
    clock.now += 120
    for i in range(240):
        clock.now += 0.5  # 2 events a second for two minutes, one command every 3 events
        outcome = Result(commands=[dispute(MPAN, D)] if i % 3 == 0 else [])
        ops.record_event(secured(MPAN, D, D, event_id=f"e{i}"), outcome)
    health = ops.health()
    assert 1.5 <= health["events_per_second"] <= 2.5
    assert 0.4 <= health["commands_per_second"] <= 0.9
    assert health["uptime_seconds"] == 240.0
    clock.now += 600
    idle = ops.health()
    assert idle["events_per_second"] == 0
    assert idle["commands_per_second"] == 0


def test_throughput_series_fills_gaps_and_carries_lag_forward() -> None:
    clock = FakeClock(1000.0)
    ops = OpsRecorder(clock=clock, series_step=10.0)
    ops.record_lag(0, 40)
    ops.record_event(secured(MPAN, D, D))
    clock.now = 1035.0
    ops.record_event(secured(MPAN, D, D, event_id="x2"))
    points = ops.throughput()["points"]
    assert [p["t"] for p in points] == [1000.0, 1010.0, 1020.0, 1030.0]
    assert [p["events"] for p in points] == [1, 0, 0, 1]
    assert [p["lag"] for p in points] == [40, 40, 40, 40]


def test_lag_per_partition_and_rebalances() -> None:
    clock = FakeClock()
    ops = OpsRecorder(clock=clock)
    ops.record_lag(0, 12)
    ops.record_lag(1, 30)
    ops.record_lag("events[2]", -5)  # a negative lag (stale end offset) shows as 0
    assert ops.health()["lag"] == {"0": 12, "1": 30, "events[2]": 0}
    assert ops.health()["lag_total"] == 42
    ops.record_rebalance(assigned=[1])
    health = ops.health()
    assert health["rebalances"] == 1
    assert health["lag"] == {"1": 30}
    assert health["last_rebalance_at"] is not None


def test_commands_per_type_per_day() -> None:
    ops = OpsRecorder()
    ops.record_event(tick(D), Result(commands=[dispute(MPAN, D), dispute(OTHER, D)]))
    ops.record_event(
        d0086(MPAN, D + timedelta(days=1)), Result(commands=[final_bill(MPAN, D + timedelta(days=1))])
    )
    daily = ops.daily_commands()
    assert daily["types"] == ["IssueFinalBill", "RaiseCoSDispute"]
    assert daily["totals"] == {"IssueFinalBill": 1, "RaiseCoSDispute": 2}
    assert daily["days"] == [
        {"day": "2024-03-01", "counts": {"RaiseCoSDispute": 2}},
        {"day": "2024-03-02", "counts": {"IssueFinalBill": 1}},
    ]
    assert ops.daily_commands(days=1)["days"] == [{"day": "2024-03-02", "counts": {"IssueFinalBill": 1}}]
    assert ops.latest_commands(1)[0]["type"] == "IssueFinalBill"


def test_latest_commands_are_ordered_by_business_day_not_arrival() -> None:
    ops = OpsRecorder()
    later, earlier = D + timedelta(days=5), D
    ops.record_event(tick(later), Result(commands=[dispute(MPAN, later)]))
    ops.record_event(tick(earlier), Result(commands=[dispute(OTHER, earlier)]))  # a slower partition
    ops.record_event(tick(later), Result(commands=[final_bill(OTHER, later)]))
    latest = ops.latest_commands()
    assert [(c["issued_on"], c["type"]) for c in latest] == [
        (later.isoformat(), "IssueFinalBill"),
        (later.isoformat(), "RaiseCoSDispute"),
        (earlier.isoformat(), "RaiseCoSDispute"),
    ]


def test_daily_counts_keep_only_the_newest_days() -> None:
    ops = OpsRecorder(daily_days=3)
    for i in range(5):
        ops.record_command(dispute(MPAN, D + timedelta(days=i)))
    assert [d["day"] for d in ops.daily_commands()["days"]] == ["2024-03-03", "2024-03-04", "2024-03-05"]
    assert ops.commands_by_type["RaiseCoSDispute"] == 5


def test_rejections_newest_first_in_a_bounded_ring() -> None:
    ops = OpsRecorder(ring_size=3)
    for line in range(1, 6):
        ops.record_rejection(
            RejectedRecord(
                path="flows/d0010_bad.txt",
                line=line,
                field="mpan",
                raw=f"026|12000233059{line}0|V|",
                reason="MPAN check digit is wrong",
            )
        )
    items = ops.recent_rejections()
    assert [r["line"] for r in items] == [5, 4, 3]
    assert items[0]["raw"] == "026|1200023305950|V|"
    assert items[0]["reason"] == "MPAN check digit is wrong"
    assert items[0]["scope"] == "record"
    assert ops.rejected_total == 5
    assert ops.recent_rejections(limit=1) == items[:1]


def test_anomalies_carry_the_file_and_line_of_their_event() -> None:
    ops = OpsRecorder()
    event = d0086(OTHER, D, line=17)
    anomaly = Anomaly(
        event_id=event.event_id,
        subject=OTHER,
        day=D,
        kind="cos_reading_unknown_point",
        detail="never supplied",
    )
    ops.record_event(event, Result(anomalies=[anomaly]))
    [item] = ops.recent_anomalies()
    assert item["path"] == "flows/d0086_cos.txt"
    assert item["line"] == 17
    assert item["kind"] == "cos_reading_unknown_point"
    assert item["event_type"] == "D0086"
    assert ops.health()["anomalies_total"] == 1
    assert [e["kind"] for e in ops.history(OTHER)] == ["event", "anomaly"]


def test_file_reports_counted_by_status() -> None:
    ops = OpsRecorder()
    ops.record_file(FileReport(path="a.txt", status=FileStatus.READ, flow="D0010", events=3))
    ops.record_file(FileReport(path="a.txt", status=FileStatus.DUPLICATE, flow="D0010", detail="seen before"))
    assert ops.health()["files"] == {"duplicate": 1, "read": 1}
    assert ops.recent_files()[0]["status"] == "duplicate"


def test_state_labels_move_counts_incrementally() -> None:
    ops = OpsRecorder()
    ops.set_label(MPAN, "supplying")
    ops.set_label(OTHER, "supplying")
    ops.set_label(MPAN, "loss_pending")
    counts = {"supplying": 1, "loss_pending": 1}
    assert ops.states() == {"total": 2, "counts": counts, "keyspaces": {"mpan": 2}}
    ops.set_label(OTHER, None)
    ops.set_label("0000000000000", None)  # unknown key without state: nothing moves
    assert ops.states() == {"total": 1, "counts": {"loss_pending": 1}, "keyspaces": {"mpan": 1}}
    ops.load_labels([(OTHER, "disputed", "mpan"), (MPAN, "final_billed", "mpan")])
    assert ops.states()["counts"] == {"disputed": 1, "final_billed": 1}


def test_supply_points_are_the_mpans_not_every_labelled_key() -> None:
    ops = OpsRecorder()
    ops.set_label(MPAN, "supplying")
    ops.set_label("A-100231", "account_open", "account")
    ops.set_label("9206360401", "gas_supplied", "mprn")
    assert ops.health()["supply_points"] == 1
    assert ops.health()["keys"] == {"account": 1, "mpan": 1, "mprn": 1}
    assert ops.supply_point_counts == {"supplying": 1}
    ops.set_label("A-100231", "account_closed", "account")  # a label moves within its keyspace
    ops.set_label("9206360401", None, "mprn")
    assert ops.states()["keyspaces"] == {"account": 1, "mpan": 1}
    assert ops.supply_point_counts == {"supplying": 1}
    ops.set_label(MPAN, None)
    assert ops.health()["supply_points"] == 0 and ops.supply_point_counts == {}


def test_history_of_one_supply_point_in_order_with_commands() -> None:
    ops = OpsRecorder()
    ops.record_event(secured(MPAN, D + timedelta(days=14), D))
    ops.record_event(secured(OTHER, D + timedelta(days=14), D))
    reading = d0086(MPAN, D + timedelta(days=15), value="4567")
    ops.record_event(
        reading, Result(commands=[final_bill(MPAN, D + timedelta(days=15), cause=reading.event_id)])
    )
    story = ops.history(MPAN)
    assert [(e["kind"], e["type"]) for e in story] == [
        ("event", "switch.secured"),
        ("event", "D0086"),
        ("command", "IssueFinalBill"),
    ]
    assert "gaining_supplier=BGAS" in story[0]["summary"]
    assert "S95A012345/01=4567 (A)" in story[1]["summary"]
    assert story[1]["source"] == "flows/d0086_cos.txt:4"
    assert story[2]["source"] == reading.event_id
    assert story[2]["details"]["type"] == "IssueFinalBill"
    assert ops.history("9999999999999") == []


def test_export_commands_are_in_both_mpans_histories() -> None:
    ops = OpsRecorder()
    ops.record_command(configure_export(MPAN, OTHER, D))
    assert [e["type"] for e in ops.history(MPAN)] == ["ConfigureExport"]
    assert [e["type"] for e in ops.history(OTHER)] == ["ConfigureExport"]


def test_history_is_bounded_per_mpan_and_forgets_the_least_recent_mpan() -> None:
    ops = OpsRecorder(history_per_mpan=2, history_mpans=2)
    for i in range(4):
        ops.record_command(dispute(MPAN, D + timedelta(days=i)))
    assert [e["day"] for e in ops.history(MPAN)] == ["2024-03-03", "2024-03-04"]
    ops.record_command(dispute(OTHER, D))
    ops.record_command(dispute(MPAN, D))  # MPAN used again: OTHER is now the oldest
    ops.record_command(dispute("1000000000009", D))
    assert ops.history(OTHER) == []
    assert ops.history(MPAN) != []


def test_final_bill_within_six_weeks_is_no_risk() -> None:
    ops = OpsRecorder()
    ssd = D
    ops.record_event(secured(MPAN, ssd, ssd - timedelta(days=10)))
    ops.record_event(tick(ssd + timedelta(days=30)))
    risk = ops.risk.report(ops.today())
    assert risk["final_bills"]["open_losses"] == 1
    assert risk["final_bills"]["coming_due_count"] == 1
    assert risk["final_bills"]["coming_due"][0]["due_on"] == "2024-04-12"
    ops.record_event(
        tick(ssd + timedelta(days=42)),
        Result(commands=[final_bill(MPAN, ssd + timedelta(days=42), estimated=True)]),
    )
    risk = ops.risk.report(ops.today())
    assert risk["final_bills"]["missed_count"] == 0
    assert risk["final_bills"]["open_losses"] == 0
    assert risk["exposure_pounds"] == 0


def test_final_bill_after_six_weeks_costs_thirty_pounds() -> None:
    ops = OpsRecorder()
    ops.record_event(secured(MPAN, D, D))
    ops.record_event(secured(OTHER, D, D))
    ops.record_event(tick(D + timedelta(days=45)))
    risk = ops.risk.report(ops.today())
    assert risk["final_bills"]["missed_count"] == 2  # both still without a final bill
    assert {m["issued_on"] for m in risk["final_bills"]["missed"]} == {None}
    ops.record_command(final_bill(MPAN, D + timedelta(days=46)))
    risk = ops.risk.report(ops.today())
    assert risk["final_bills"]["missed_count"] == 2
    late = [m for m in risk["final_bills"]["missed"] if m["issued_on"]]
    assert late == [
        {
            "mpan": MPAN,
            "ssd": "2024-03-01",
            "due_on": "2024-04-12",
            "issued_on": "2024-04-16",
            "days_late": 4,
            "command_id": final_bill(MPAN, D + timedelta(days=46)).command_id,
        }
    ]
    assert risk["exposure_pounds"] == 60


def test_withdrawn_switch_is_not_a_risk() -> None:
    ops = OpsRecorder()
    ops.record_event(secured(MPAN, D, D - timedelta(days=5)))
    ops.record_event(withdrawn(MPAN, D, D - timedelta(days=2)))
    ops.record_event(tick(D + timedelta(days=60)))
    assert ops.risk.report(ops.today())["final_bills"]["missed_count"] == 0


def test_test_data_never_opens_a_loss() -> None:
    ops = OpsRecorder()
    event = secured(MPAN, D, D)
    ops.record_event(dataclasses.replace(event, test_data=True))
    assert ops.risk.report(D)["final_bills"]["open_losses"] == 0


def test_refunds_coming_due_then_past_due_then_forgotten() -> None:
    ops = OpsRecorder()
    ops.record_command(settle(MPAN, D, D + timedelta(days=14), final_bill_id="fb1"))
    ops.record_command(settle(OTHER, D, D + timedelta(days=30), final_bill_id="fb2"))
    ops.record_event(tick(D))
    risk = ops.risk.report(ops.today())
    assert risk["refunds"]["coming_due_count"] == 1
    assert risk["refunds"]["coming_due"][0]["mpan"] == MPAN
    ops.record_event(tick(D + timedelta(days=20)))
    risk = ops.risk.report(ops.today())
    assert risk["refunds"]["past_due_count"] == 1
    assert risk["refunds"]["coming_due_count"] == 1
    assert risk["exposure_pounds"] == 0  # payments are not in the log: no claim of compensation owed
    ops.record_event(tick(D + timedelta(days=14 + 31)))
    risk = ops.risk.report(ops.today())
    assert [r["mpan"] for r in risk["refunds"]["past_due"]] == [OTHER]


def test_health_is_json_ready() -> None:
    ops = OpsRecorder()
    ops.record_event(d0086(MPAN, D))
    body: dict[str, Any] = ops.health()
    assert json.loads(json.dumps(body)) == body


def test_history_shows_a_late_input_on_its_own_day() -> None:
    ops = OpsRecorder()
    ops.record_command(dispute(MPAN, D + timedelta(days=31)))
    ops.record_event(d0086(MPAN, D + timedelta(days=20)))  # arrives after the dispute, dated before it
    assert [e["type"] for e in ops.history(MPAN)] == ["D0086", "RaiseCoSDispute"]


def test_the_status_follows_lag_and_recent_activity_not_the_rate() -> None:
    clock = FakeClock(1000.0)
    ops = OpsRecorder(clock=clock)
    assert ops.status()["state"] == "idle"
    ops.record_event(secured(MPAN, D + timedelta(days=20), D))
    assert ops.status() == {
        "state": "processing",
        "reason": "caught up, last event 0 s ago",
        "seconds_since_last_event": 0.0,
    }
    clock.now += 30  # the rolling minute's rate is still above zero, but nothing happens
    assert ops.health()["events_per_second"] > 0
    assert ops.status()["state"] == "idle"
    assert ops.status()["reason"] == "caught up, last event 30 s ago"
    ops.record_lag("events[0]", 40)
    assert ops.status()["state"] == "processing" and "40 records behind" in ops.status()["reason"]
    ops.record_lag("events[1]", 20_000)
    assert ops.health()["status"]["state"] == "lagging"


def test_derived_events_are_counted_once_apart_from_inputs() -> None:
    ops = OpsRecorder()
    linked = ExportMpanLinked(
        event_id="app-1>linked/1234567890123",
        occurred_at=at(D),
        mpan=MPAN,
        application_id="app-1",
        import_mpan=OTHER,
        tariff="SEG",
    )
    ops.record_event(linked)
    ops.record_event(linked)  # its copy, come round the input topic
    ops.record_event(secured(MPAN, D + timedelta(days=20), D))
    health = ops.health()
    assert (health["input_events_total"], health["derived_events_total"]) == (1, 1)
    assert [i["input"] for i in health["inputs"]] == ["switch.secured"]
    assert [e["type"] for e in ops.history(MPAN)].count("ExportMpanLinked") == 1
