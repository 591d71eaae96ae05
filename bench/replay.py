"""Issue 3's benchmark: `meterflow replay` against the flow reader alone, same input, same run.

Generates a realistic log (by default 1,000,000 D0010 readings across 100,000 supply
points as DTC files from a data collector, one file a day, plus JSON lines: every point
registered, and losses, withdrawn switches, move-outs with and without a customer
reading, and export applications with their distributor answers), then runs two phases,
each in a fresh interpreter so their peak memory can be compared:

- `reader`: `flows.read_paths` over every file, counting events (the baseline);
- `replay`: `processors.drivers.replay.replay` over the same files through `--until`.

Reports events per CPU second of each (CPU time, so other load on a shared machine does
not skew the comparison; wall time is in the JSON too) and their ratio (target: replay
>= 50% of the reader), and the replay's peak RSS above the reader's per supply point
(target: < 1 KB). That figure includes the replay's fixed costs (holiday calendars,
the engine's indexes: about 10 MB), so it means something only at the full size, not
with a few thousand points.

    .venv/bin/python bench/replay.py                       # the full size
    .venv/bin/python bench/replay.py --readings 100000 --points 10000
    .venv/bin/python bench/replay.py --repeat 2     # best of two of each, on a busy machine

`--whole-process` measures instead `meterflow replay` as users run it (a fresh process,
commands, rejections and anomalies written to /dev/null) against a bare split loop over
the same files in a fresh process (read every line, split it on `|`), and `--jobs N`
against `--jobs 1` (default N: the machine's cores), all in the same run, alternately,
best of `--repeat` each by wall time (CPU time of the process and its children beside):

    .venv/bin/python bench/replay.py --whole-process --readings 400000 --points 40000
    .venv/bin/python bench/replay.py --whole-process --jobs 2 --repeat 2
    .venv/bin/python bench/replay.py --accounts     # with accounts and their monthly bills

`--jobs-bound` (with `--whole-process`) adds the CPU time of `--jobs 1` and, for `--jobs N`,
of the main process and of its workers apart, each in a fresh interpreter, and the
speed-up those allow on N idle cores (`jobs_bound`): on a shared machine wall times
vary with the others' load, CPU times much less. The report ends with the usable CPUs
(`os.sched_getaffinity`) and the load average when it was written.

    .venv/bin/python bench/replay.py --whole-process --jobs 2 --jobs-bound --readings 200000 --points 20000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flows import read_paths  # noqa: E402
from processors.collector import collect_less_often  # noqa: E402
from processors.drivers.replay import ReplaySummary, replay  # noqa: E402
from processors.vocabulary.events import DomainEvent  # noqa: E402
from processors.vocabulary.mpan import check_digit  # noqa: E402

START = date(2024, 1, 1)
DC = "UDMS"
SUPPLIER = "OCTO"


@dataclass(frozen=True, slots=True)
class Shape:
    readings: int
    points: int
    days: int = 100
    seed: int = 3
    accounts: bool = False
    """Add accounts.jsonl: every point's account opened, billed monthly (some with a late
    first bill: backbilling), business accounts' charges and invoices."""

    @property
    def until(self) -> date:
        return START + timedelta(days=self.days + 60)  # room for the 42-day and 90-day deadlines


def mpan_for(index: int) -> str:
    first12 = f"{10 + index % 14:02d}{index:010d}"
    return f"{first12}{check_digit(first12)}"


def _stamp(day: date, hour: int) -> str:
    return f"{day:%Y%m%d}{hour:02d}0000"


def write_d0010_files(directory: Path, shape: Shape) -> int:
    """One D0010 file a day; each reading is one 026 group (one event) with a register
    reading and its validation result. Readings cycle over the supply points."""
    per_day = -(-shape.readings // shape.days)
    written = 0
    point = 0
    for day_index in range(shape.days):
        day = START + timedelta(days=day_index)
        count = min(per_day, shape.readings - written)
        if count <= 0:
            break
        file_id = f"R{day_index:09d}"
        lines = [f"ZHV|{file_id}|D0010002|D|{DC}|X|{SUPPLIER}|{_stamp(day, 6)}||||OPER|"]
        for _ in range(count):
            mpan = mpan_for(point % shape.points)
            value = 1000 + (point * 7 + day_index * 13) % 90000
            lines.append(f"026|{mpan}|V|")
            lines.append(f"028|M{point % shape.points:09d}|R|")
            lines.append(f"030|01|{day - timedelta(days=1):%Y%m%d}000000|{value}.0|||T|N|")
            lines.append("032|00|T|")
            point += 1
        lines.append(f"ZPT|{file_id}|{4 * count}||{count}|{_stamp(day, 7)}|")
        (directory / f"{DC}_{file_id}.D0010").write_text("\n".join(lines) + "\n")
        written += count
    return written


def _at(day: date, hour: int) -> str:
    return datetime(day.year, day.month, day.day, hour).isoformat() + "Z"


def write_events(path: Path, shape: Shape) -> int:
    """Registrations of every point, then a few percent of losses, withdrawals, move-outs
    and export applications, in event-time order."""
    rng = random.Random(shape.seed)
    kinds = ["traditional"] * 7 + ["smart_nhh"] * 2 + ["smart_hh"]
    rows: list[tuple[str, dict[str, Any]]] = []
    registered = START - timedelta(days=30)
    for index in range(shape.points):
        mpan = mpan_for(index)
        rows.append(
            (
                _at(registered, 8),
                {
                    "type": "supply_point.registered",
                    "event_id": f"reg-{index}",
                    "occurred_at": _at(registered, 8),
                    "mpan": mpan,
                    "account_id": f"A-{index:07d}",
                    "meter_kind": kinds[index % len(kinds)],
                    "ssd": registered.isoformat(),
                },
            )
        )
        roll = rng.random()
        day = START + timedelta(days=rng.randrange(shape.days))
        if roll < 0.04:
            ssd = day + timedelta(days=21)
            rows.append(
                (
                    _at(day, 9),
                    {
                        "type": "switch.secured",
                        "event_id": f"sw-{index}",
                        "occurred_at": _at(day, 9),
                        "mpan": mpan,
                        "ssd": ssd.isoformat(),
                        "gaining_supplier": "BGAS",
                    },
                )
            )
            if roll < 0.004:
                rows.append(
                    (
                        _at(day + timedelta(days=3), 9),
                        {
                            "type": "switch.withdrawn",
                            "event_id": f"wd-{index}",
                            "occurred_at": _at(day + timedelta(days=3), 9),
                            "mpan": mpan,
                            "ssd": ssd.isoformat(),
                        },
                    )
                )
        elif roll < 0.06:
            rows.append(
                (
                    _at(day, 10),
                    {
                        "type": "customer.moved_out",
                        "event_id": f"mo-{index}",
                        "occurred_at": _at(day, 10),
                        "mpan": mpan,
                        "account_id": f"A-{index:07d}",
                        "move_out_date": day.isoformat(),
                    },
                )
            )
            if roll < 0.05:
                rows.append(
                    (
                        _at(day + timedelta(days=2), 11),
                        {
                            "type": "customer.reading",
                            "event_id": f"cr-{index}",
                            "occurred_at": _at(day + timedelta(days=2), 11),
                            "mpan": mpan,
                            "read_on": day.isoformat(),
                            "value": "12345.0",
                            "photo": True,
                        },
                    )
                )
        elif roll < 0.07:
            app = f"APP{index:08d}"
            rows.append(
                (
                    _at(day, 12),
                    {
                        "type": "export.application_submitted",
                        "event_id": f"ex-{index}",
                        "occurred_at": _at(day, 12),
                        "application_id": app,
                        "account_id": f"A-{index:07d}",
                        "import_mpan": mpan,
                        "tariff": "SEG",
                        "technology": "solar_pv",
                        "capacity_kw": "4.2",
                        "domestic": True,
                        "in_gb": True,
                        "brand_eligible": True,
                        "mcs_certificate": {
                            "number": f"MCS-{index}",
                            "scheme": "MCS",
                            "address": f"{index} High St",
                            "mpan": mpan,
                        },
                        "dno_notification": "G98",
                        "fit_export_payments": False,
                        "other_export_support": False,
                        "smart_meter": {"working": True, "connected": True},
                        "address": f"{index} High St",
                        "manual_export_reads": False,
                    },
                )
            )
            export_mpan = mpan_for(shape.points + index)
            later = day + timedelta(days=10)
            rows.append(
                (
                    _at(later, 12),
                    {
                        "type": "dno.export_mpan_allocated",
                        "event_id": f"dno-{index}",
                        "occurred_at": _at(later, 12),
                        "application_id": app,
                        "import_mpan": mpan,
                        "export_mpan": export_mpan,
                    },
                )
            )
    rows.sort(key=lambda row: row[0])
    with path.open("w", encoding="utf-8") as out:
        for _, row in rows:
            out.write(json.dumps(row) + "\n")
    return len(rows)


def _month_starts(first: date, last: date) -> list[date]:
    out, day = [], first.replace(day=1)
    while day <= last:
        out.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return out


def write_account_events(path: Path, shape: Shape) -> int:
    """Each point's account (SPEC 8): opened, a bill a month for the month before (3% of
    first bills reach back over a year), and for the 5% business accounts the month's
    charges and its invoice."""
    rng = random.Random(shape.seed + 1)
    rows: list[tuple[str, dict[str, Any]]] = []
    registered = START - timedelta(days=30)
    months = _month_starts(START, START + timedelta(days=shape.days - 1))
    for index in range(shape.points):
        account = f"A-{index:07d}"
        roll = rng.random()
        segment = "business" if roll < 0.05 else "microbusiness" if roll < 0.15 else "domestic"
        opened_on = registered - timedelta(days=rng.randrange(30, 500))
        at = _at(registered, 8)
        rows.append(
            (
                at,
                {
                    "type": "account.opened",
                    "event_id": f"open-{index}",
                    "occurred_at": at,
                    "account_id": account,
                    "segment": segment,
                    "opened_on": opened_on.isoformat(),
                },
            )
        )
        late_first = rng.random() < 0.03
        for number, month in enumerate(months):
            issued = month + timedelta(days=index % 27)
            if issued >= START + timedelta(days=shape.days):
                continue
            period_to = month - timedelta(days=1)
            period_from = opened_on if (number == 0 and late_first) else period_to.replace(day=1)
            amount = f"{rng.randrange(3000, 30000) / 100:.2f}"
            balance = f"{rng.randrange(-40000, 10000) / 100:.2f}"
            at = _at(issued, 6)
            rows.append(
                (
                    at,
                    {
                        "type": "bill.issued",
                        "event_id": f"bill-{index}-{number}",
                        "occurred_at": at,
                        "bill_id": f"BL-{index}-{number}",
                        "account_id": account,
                        "issued_on": issued.isoformat(),
                        "kind": "bill",
                        "replaces": None,
                        "basis": "actual" if rng.random() < 0.7 else "estimated",
                        "charges": [
                            {
                                "period_from": period_from.isoformat(),
                                "period_to": period_to.isoformat(),
                                "amount": amount,
                            }
                        ],
                        "balance_after": balance,
                    },
                )
            )
            if segment == "business":
                at = _at(month + timedelta(days=1), 7)
                rows.append(
                    (
                        at,
                        {
                            "type": "charges.created",
                            "event_id": f"chg-{index}-{number}",
                            "occurred_at": at,
                            "account_id": account,
                            "items": [
                                {
                                    "item_id": f"I-{index}-{number}-1",
                                    "period_from": period_to.replace(day=1).isoformat(),
                                    "period_to": period_to.isoformat(),
                                    "amount": amount,
                                },
                                {
                                    "item_id": f"I-{index}-{number}-2",
                                    "period_from": period_to.replace(day=1).isoformat(),
                                    "period_to": period_to.isoformat(),
                                    "amount": "-4.20",
                                },
                            ],
                        },
                    )
                )
                at = _at(month + timedelta(days=3), 9)
                rows.append(
                    (
                        at,
                        {
                            "type": "invoice.issued",
                            "event_id": f"inv-{index}-{number}",
                            "occurred_at": at,
                            "document_id": f"INV-{index}-{number}",
                            "account_id": account,
                            "kind": "invoice",
                            "issued_on": (month + timedelta(days=3)).isoformat(),
                            "total": amount,
                        },
                    )
                )
    rows.sort(key=lambda row: row[0])
    with path.open("w", encoding="utf-8") as out:
        for _, row in rows:
            out.write(json.dumps(row) + "\n")
    return len(rows)


def generate(directory: Path, shape: Shape) -> dict[str, int]:
    directory.mkdir(parents=True, exist_ok=True)
    readings = write_d0010_files(directory, shape)
    events = write_events(directory / "events.jsonl", shape)
    made = {"readings": readings, "json_events": events}
    if shape.accounts:
        made["account_events"] = write_account_events(directory / "accounts.jsonl", shape)
    return made


def _peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM belongs to the process's own address
    space; ru_maxrss would carry over the high-water mark of the parent that forked it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def split_loop(directory: Path) -> int:
    """The floor of any reader: every line of every file read and split on `|`."""
    lines = 0
    for path in sorted(directory.iterdir()):
        with path.open(encoding="utf-8", errors="surrogateescape", newline="\n") as handle:
            for line in handle:
                line.split("|")
                lines += 1
    return lines


def run_phase(phase: str, directory: Path, until: date, jobs: int = 1) -> dict[str, Any]:
    """One phase in a fresh interpreter; both import the same modules, so the baselines match.
    `replay` with `jobs` > 1 also reports its worker processes' CPU time (they have ended
    and been waited for when the replay's iterator is exhausted). The collector is set as
    every `meterflow` command sets it (D44), so a phase measures what the CLI does."""
    collect_less_often()
    started, cpu_started = time.perf_counter(), time.process_time()
    if phase == "split":
        events = outputs = split_loop(directory)
    elif phase == "reader":
        events = sum(1 for item in read_paths([directory]) if isinstance(item, DomainEvent))
        outputs = 0
    else:
        summary = ReplaySummary()
        outputs = sum(1 for _ in replay([directory], until, summary=summary, jobs=jobs))
        events = summary.events
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "phase": phase,
        "jobs": jobs,
        "events": events,
        "outputs": outputs,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "workers_cpu_seconds": workers.ru_utime + workers.ru_stime,
        "each_worker_cpu_seconds": summary.worker_cpu_seconds if phase == "replay" else [],
        "peak_mb": _peak_rss_mb(),
    }


def jobs_bound(directory: Path, until: date, jobs: int) -> dict[str, Any]:
    """What `--jobs N` could reach on N idle cores, from CPU times (steady on a busy machine).

    Each worker folds its partition while the main process waits, then the main process
    merges their outputs, so the wall time of `--jobs N` is at least the busiest worker's
    CPU time plus the main process's, and the CPU time of all its processes spread over
    N cores. The bound is the `--jobs 1` CPU time over the larger: the speed-up `--jobs N`
    would show on N cores with nothing else running."""
    serial = _in_child("replay", directory, until)
    parallel = _in_child("replay", directory, until, jobs)
    main, workers = float(parallel["cpu_seconds"]), float(parallel["workers_cpu_seconds"])
    each = [float(c) for c in parallel["each_worker_cpu_seconds"]]
    floor = max(main + max(each, default=0.0), (main + workers) / jobs)
    return {
        "jobs_1_cpu_seconds": round(float(serial["cpu_seconds"]), 2),
        f"jobs_{jobs}_main_cpu_seconds": round(main, 2),
        f"jobs_{jobs}_workers_cpu_seconds": round(workers, 2),
        f"jobs_{jobs}_each_worker_cpu_seconds": [round(c, 2) for c in each],
        f"jobs_{jobs}_bound_on_idle_cores": round(float(serial["cpu_seconds"]) / floor, 3),
    }


def _timed(command: list[str]) -> dict[str, Any]:
    """Wall and CPU seconds (user + system, the process and its children) of a command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return {"seconds": seconds, "cpu_seconds": cpu, "stderr": done.stderr.strip().splitlines()[-1:]}


def whole_process(directory: Path, until: date, jobs: int, repeat: int) -> dict[str, Any]:
    """`meterflow replay` (--jobs 1 and --jobs N) against a split loop, fresh processes each."""
    meterflow = str(Path(sys.executable).with_name("meterflow"))
    sink = ["--out", os.devnull, "--rejected", os.devnull, "--anomalies", os.devnull]
    commands = {
        "split": [
            sys.executable,
            __file__,
            "--phase",
            "split",
            "--dir",
            str(directory),
            "--until",
            str(until),
        ],
    }
    for n in sorted({1, jobs}):  # --jobs 1 alone is the serial run, measured once
        commands[f"replay_jobs_{n}"] = [
            meterflow,
            "replay",
            str(directory),
            "--until",
            str(until),
            "--jobs",
            str(n),
            *sink,
        ]
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in commands}
    for _ in range(max(1, repeat)):
        for name, command in commands.items():
            runs[name].append(_timed(command))
    best = {name: min(results, key=lambda r: float(r["seconds"])) for name, results in runs.items()}
    split, serial, parallel = best["split"], best["replay_jobs_1"], best[f"replay_jobs_{jobs}"]
    return {
        "best_of": max(1, repeat),
        **best,
        "all_wall_seconds": {
            name: [round(r["seconds"], 2) for r in results] for name, results in runs.items()
        },
        "replay_vs_split_wall": round(split["seconds"] / serial["seconds"], 3),
        f"jobs_{jobs}_speedup_wall": round(serial["seconds"] / parallel["seconds"], 3),
        f"jobs_{jobs}_speedup_cpu": round(serial["cpu_seconds"] / parallel["cpu_seconds"], 3),
    }


def _in_child(phase: str, directory: Path, until: date, jobs: int = 1) -> dict[str, Any]:
    where = ["--dir", str(directory), "--until", until.isoformat(), "--phase-jobs", str(jobs)]
    done = subprocess.run(
        [sys.executable, __file__, "--phase", phase, *where],
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"the {phase} phase failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--readings", type=int, default=1_000_000)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument(
        "--repeat", type=int, default=1, help="run the two phases alternately N times; keep each one's best"
    )
    parser.add_argument(
        "--dir", type=Path, help="where the log is (or is written); default: a temporary folder"
    )
    parser.add_argument(
        "--whole-process", action="store_true", help="meterflow replay (--jobs 1 and N) against a split loop"
    )
    parser.add_argument(
        "--accounts", action="store_true", help="add accounts with monthly bills (SPEC 8) to the log"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="N for --whole-process")
    parser.add_argument(
        "--jobs-bound",
        action="store_true",
        help="with --whole-process: also the main process's and the workers' CPU time of --jobs N",
    )
    parser.add_argument("--phase", choices=["split", "reader", "replay"], help=argparse.SUPPRESS)
    parser.add_argument("--phase-jobs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--until", type=date.fromisoformat, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(run_phase(args.phase, args.dir, args.until, args.phase_jobs)))
        return 0

    shape = Shape(readings=args.readings, points=args.points, days=args.days, accounts=args.accounts)
    with tempfile.TemporaryDirectory(prefix="meterflow-bench-") as scratch:
        directory = args.dir or Path(scratch)
        made = generate(directory, shape)
        if args.whole_process:
            measured = whole_process(directory, shape.until, args.jobs, args.repeat)
            if args.jobs_bound:
                measured["cpu_bound"] = jobs_bound(directory, shape.until, args.jobs)
            measured["machine"] = {
                "cpus_usable": len(os.sched_getaffinity(0)),
                "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            }
            print(json.dumps({"input": {**made, "points": shape.points}, **measured}, indent=2))
            speedup = measured[f"jobs_{args.jobs}_speedup_wall"]
            print(
                f"meterflow replay --jobs 1: {measured['replay_vs_split_wall']:.1%} of the split loop's "
                f"speed (target >= 15%); --jobs {args.jobs}: {speedup:.2f}x "
                "--jobs 1 in wall time (target >= 1.6x on 2 cores)",
                file=sys.stderr,
            )
            return 0
        runs: dict[str, list[dict[str, Any]]] = {"reader": [], "replay": []}
        for _ in range(max(1, args.repeat)):
            for phase, results in runs.items():
                results.append(_in_child(phase, directory, shape.until))
        reader = min(runs["reader"], key=lambda r: float(r["cpu_seconds"]))
        replayed = min(runs["replay"], key=lambda r: float(r["cpu_seconds"]))
    reader_rate = reader["events"] / reader["cpu_seconds"]
    replay_rate = replayed["events"] / replayed["cpu_seconds"]
    per_point = (replayed["peak_mb"] - reader["peak_mb"]) * 1024 * 1024 / shape.points
    report = {
        "input": {**made, "points": shape.points, "until": shape.until.isoformat()},
        "reader": {**reader, "events_per_s": round(reader_rate)},
        "replay": {**replayed, "events_per_s": round(replay_rate)},
        "replay_vs_reader_speed": round(replay_rate / reader_rate, 3),
        "replay_extra_bytes_per_point": round(per_point),
        "targets": {"speed_ratio_min": 0.5, "bytes_per_point_max": 1024},
    }
    print(json.dumps(report, indent=2))
    ok = replay_rate >= 0.5 * reader_rate and per_point < 1024
    print(
        f"replay {replay_rate:,.0f} events/s = {replay_rate / reader_rate:.0%} of the reader's "
        f"{reader_rate:,.0f}/s; {per_point:,.0f} bytes per supply point above the reader "
        f"({'meets' if ok else 'MISSES'} the targets)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
