"""/metrics text: parsed by prometheus_client's own parser, numbers as recorded."""

from __future__ import annotations

from datetime import date, timedelta

from ops_builders import MPAN, OTHER, dispute, secured, tick
from prometheus_client.parser import text_string_to_metric_families

from flows.rejections import RejectedRecord, RejectionScope
from processors.ops import OpsRecorder
from processors.ops.metrics import render_metrics

D = date(2024, 3, 1)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_parse_and_carry_the_recorded_numbers() -> None:
    ops = OpsRecorder()
    ops.record_lag("events[0]", 7)
    ops.record_lag(1, 3)
    ops.record_lag('odd "topic"\\n[2]\n', 5)
    ops.record_event(secured(MPAN, D, D))
    ops.record_event(tick(D + timedelta(days=31)))
    ops.record_command(dispute(MPAN, D + timedelta(days=31)))
    ops.record_rejection(
        RejectedRecord(
            path='we"ird\\path\n.txt',
            line=None,
            field=None,
            raw="",
            reason="no ZHV",
            scope=RejectionScope.FILE,
        )
    )
    ops.record_rebalance()
    ops.set_label(MPAN, "disputed")
    ops.set_label(OTHER, "supplying")
    ops.set_label("A-100231", "account_open", "account")
    got = samples(render_metrics(ops, {"cos_estimate": 4, "dc_chase": 1}))
    assert got[("meterflow_consumer_lag", (("partition", "events[0]"),))] == 7
    assert got[("meterflow_consumer_lag", (("partition", "1"),))] == 3
    assert got[("meterflow_consumer_lag", (("partition", 'odd "topic"\\n[2]\n'),))] == 5
    assert got[("meterflow_input_events_total", (("input", "switch.secured"),))] == 1
    assert got[("meterflow_commands_total", (("type", "RaiseCoSDispute"),))] == 1
    assert got[("meterflow_rejected_records_total", (("scope", "file"),))] == 1
    assert got[("meterflow_deadlines_due", (("kind", "cos_estimate"),))] == 4
    assert got[("meterflow_supply_points", (("state", "disputed"),))] == 1
    assert ("meterflow_supply_points", (("state", "account_open"),)) not in got  # no supply point
    assert got[("meterflow_keys", (("keyspace", "account"),))] == 1
    assert got[("meterflow_keys", (("keyspace", "mpan"),))] == 2
    assert got[("meterflow_rebalances_total", ())] == 1
    assert got[("meterflow_days_closed_total", ())] == 1
    assert got[("meterflow_day_tick_records_total", ())] == 1
    # the switch of D is due its final bill on D+42: coming due in the 14 days after D+31
    assert got[("meterflow_regulatory_coming_due", (("standard", "final_bill_six_weeks"),))] == 1
    assert got[("meterflow_regulatory_missed", (("standard", "final_bill_six_weeks"),))] == 0
    assert got[("meterflow_compensation_exposure_pounds", ())] == 0


def test_metric_families_have_the_documented_types() -> None:
    families = {f.name: f.type for f in text_string_to_metric_families(render_metrics(OpsRecorder()))}
    for name in ("input_events", "derived_events", "days_closed", "day_tick_records"):
        assert families[f"meterflow_{name}"] == "counter"
    assert families["meterflow_commands"] == "counter"
    assert families["meterflow_anomalies"] == "counter"
    assert families["meterflow_consumer_lag"] == "gauge"
    assert families["meterflow_deadlines_due"] == "gauge"
