"""The Prometheus text exposition (format 0.0.4) of what the OpsRecorder knows.

Written by hand, so the worker needs no metrics library at run time; the test suite
parses it with prometheus_client's parser.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from processors.ops.recorder import OpsRecorder

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Sample = tuple[Mapping[str, str], float]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


class _Exposition:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str, samples: Iterable[Sample]) -> None:
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            label_text = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
            self.lines.append(
                f"{name}{{{label_text}}} {_number(value)}" if label_text else f"{name} {_number(value)}"
            )

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def render_metrics(ops: OpsRecorder, deadlines_due: Mapping[str, int] | None = None) -> str:
    """Every dashboard number a monitoring system should alert on, as Prometheus text.

    `deadlines_due` is the count of deadlines due in the coming 14 days by kind (from
    the engine's deadline index, see `processors.ops.queries.deadline_counts`).
    """
    health = ops.health()
    risk = ops.risk.report(ops.today())
    out = _Exposition()
    out.family(
        "meterflow_consumer_lag",
        "gauge",
        "Messages behind the end of each input partition.",
        [({"partition": p}, float(v)) for p, v in sorted(ops.lag.items())],
    )
    out.family(
        "meterflow_input_events_total",
        "counter",
        "Input events handled (from files and JSON events), by input.",
        [({"input": name}, float(stats.events)) for name, stats in sorted(ops.inputs.items())],
    )
    out.family(
        "meterflow_derived_events_total",
        "counter",
        "Events the core sent itself (hand-offs between import and export MPANs), once each, by type.",
        [({"type": t}, float(n)) for t, n in sorted(ops.derived_by_type.items())],
    )
    out.family(
        "meterflow_last_event_timestamp_seconds",
        "gauge",
        "Event time of the newest event of each input (Unix seconds).",
        [
            ({"input": name}, stats.last_event_time.timestamp())
            for name, stats in sorted(ops.inputs.items())
            if stats.last_event_time is not None
        ],
    )
    out.family(
        "meterflow_days_closed_total", "counter", "Day ticks: days closed.", [({}, float(ops.days_closed))]
    )
    out.family(
        "meterflow_day_tick_records_total",
        "counter",
        "Day tick records handled: each closed day once per input partition this worker owns.",
        [({}, float(ops.tick_records_total))],
    )
    out.family(
        "meterflow_events_per_second",
        "gauge",
        "Input events handled per second over the last minute.",
        [({}, float(health["events_per_second"]))],
    )
    out.family(
        "meterflow_commands_total",
        "counter",
        "Billing commands issued, by type.",
        [({"type": t}, float(n)) for t, n in sorted(ops.commands_by_type.items())],
    )
    out.family(
        "meterflow_commands_per_second",
        "gauge",
        "Billing commands issued per second over the last minute.",
        [({}, float(health["commands_per_second"]))],
    )
    out.family(
        "meterflow_rejected_records_total",
        "counter",
        "Records, files or messages rejected, by scope.",
        [({"scope": s}, float(n)) for s, n in sorted(ops.rejected_by_scope.items())],
    )
    out.family(
        "meterflow_anomalies_total",
        "counter",
        "Events the state of their supply point could not accept, by kind.",
        [({"kind": k}, float(n)) for k, n in sorted(ops.anomalies_by_kind.items())],
    )
    out.family(
        "meterflow_files_total",
        "counter",
        "Input files seen, by status.",
        [({"status": s}, float(n)) for s, n in sorted(ops.files_by_status.items())],
    )
    out.family(
        "meterflow_deadlines_due",
        "gauge",
        "Deadlines due in the 14 days after the last closed day, by kind.",
        [({"kind": k}, float(n)) for k, n in sorted((deadlines_due or {}).items())],
    )
    out.family(
        "meterflow_supply_points",
        "gauge",
        "Supply points (MPANs) by state.",
        [({"state": s}, float(n)) for s, n in sorted(ops.supply_point_counts.items())],
    )
    out.family(
        "meterflow_keys",
        "gauge",
        "Keys with a state, by keyspace (mpan, account, mprn, ldz).",
        [({"keyspace": k}, float(n)) for k, n in sorted(ops.keyspace_counts.items())],
    )
    out.family(
        "meterflow_regulatory_missed",
        "gauge",
        "Guaranteed standards missed: final bills after six weeks, refund deadlines passed (30 days kept).",
        [
            ({"standard": "final_bill_six_weeks"}, float(risk["final_bills"]["missed_count"])),
            ({"standard": "refund_ten_working_days"}, float(risk["refunds"]["past_due_count"])),
        ],
    )
    out.family(
        "meterflow_regulatory_coming_due",
        "gauge",
        "Guaranteed-standard deadlines falling in the next 14 days.",
        [
            ({"standard": "final_bill_six_weeks"}, float(risk["final_bills"]["coming_due_count"])),
            ({"standard": "refund_ten_working_days"}, float(risk["refunds"]["coming_due_count"])),
        ],
    )
    out.family(
        "meterflow_compensation_exposure_pounds",
        "gauge",
        "Compensation owed for missed final bills (£30 each).",
        [({}, float(risk["exposure_pounds"]))],
    )
    out.family(
        "meterflow_rebalances_total", "counter", "Consumer group rebalances.", [({}, float(ops.rebalances))]
    )
    out.family(
        "meterflow_uptime_seconds",
        "gauge",
        "Seconds since the worker started.",
        [({}, float(health["uptime_seconds"]))],
    )
    return out.text()
