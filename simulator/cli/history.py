"""``tjsim history``: a team's DescribeTrainingJob responses summed up per instance type."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from .edge import fail, main

if TYPE_CHECKING:
    from ..fleet.measures import Measured
    from ..fleet.records import Reader

#: bad records shown before the rest are only counted
SHOWN = 20


@main.command("history")
@click.argument("sources", nargs=-1, type=click.Path(dir_okay=True, readable=True))
@click.option("--endpoint", metavar="URL", help="Pull the history from this endpoint (ListTrainingJobs, then "
              "DescribeTrainingJob for each): AWS itself with --endpoint aws, or `tjsim serve`'s URL.")
@click.option("--region", metavar="REGION", help="The region of the endpoint's jobs (default: the configured one).")
@click.option("--skip-bad", is_flag=True, help="Skip damaged, partial and duplicate records (each is still "
              "reported); without it, any refuses the history.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def history_command(sources: tuple[str, ...], endpoint: str | None, region: str | None, skip_bad: bool,
                    as_json: bool) -> None:
    """Sum up training jobs per instance type: jobs, instance-hours, spot share, how they ended, the
    phases' durations (from SecondaryStatusTransitions), interruptions per spot instance-hour and
    failures per instance-hour, with 95 % intervals. SOURCES are the JSON files `aws sagemaker
    describe-training-job` prints, JSONL files of responses, or directories of them."""
    from ..fleet.summary import History

    summary = History()
    reader = read_history("history", sources, endpoint, region, skip_bad, summary.add)
    if summary.jobs == 0:
        fail([f"history: no usable record among {reader.read_count} read"])
    report = {**summary.report(), "records": {"read": reader.read_count, "skipped": len(reader.bad)}}
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    _print(report)


def read_history(command: str, sources: tuple[str, ...], endpoint: str | None, region: str | None, skip_bad: bool,
                 take: Callable[[Measured], None]) -> Reader:
    """Read a history's records (files, then the endpoint), ``take`` each one's measures; what cannot
    serve refuses the history (exit 2, each named), or with ``skip_bad`` is noted and skipped."""
    from ..fleet.measures import measure
    from ..fleet.pull import responses
    from ..fleet.records import Reader

    if not sources and endpoint is None:
        raise click.UsageError("give the files or directories of the history, or --endpoint URL")
    reader = Reader()
    try:
        for record in reader.read(sources):
            take(measure(record.response))
        if endpoint is not None:
            for record in reader.check(responses(None if endpoint == "aws" else endpoint, region)):
                take(measure(record.response))
    except FileNotFoundError as err:
        fail([f"{command}: {err}"])
    bad = reader.bad
    if bad and not skip_bad:
        more = f"; {len(bad) - SHOWN} more not shown" if len(bad) > SHOWN else ""
        fail([f"{command}: {b}" for b in bad[:SHOWN]] +
             [f"{command}: {len(bad)} of {reader.read_count} records cannot serve{more}: mend them, or pass "
              "--skip-bad to go on without them"])
    for b in bad[:SHOWN]:
        click.echo(f"tjsim: note: skipped {b}", err=True)
    return reader


def _print(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=sys.stdout)
    types = report["instance_types"]
    skipped = report["records"]["skipped"]
    jobs = Table(title=f"{report['jobs']:,} jobs ({skipped} record{'' if skipped == 1 else 's'} skipped)",
                 title_justify="left")
    for column in ("instance type", "jobs", "instance-h", "spot", "ended"):
        jobs.add_column(column, justify="left" if column in ("instance type", "ended") else "right",
                        no_wrap=column != "ended")
    for name, t in types.items():
        share = t["spot_share"]["jobs"]
        jobs.add_row(name, f"{t['jobs']:,}", f"{t['instance_hours']:,.1f}", f"{share:.0%}" if share is not None else "",
                     " · ".join(f"{k} {v}" for k, v in t["outcomes"].items()))
    console.print(jobs)
    phases = Table(title="Phases, minutes: median/p90 (how many)", title_justify="left")
    phases.add_column("instance type", no_wrap=True)
    shown = [p for p in ("Starting", "Downloading", "Training", "Uploading", "Interrupted")
             if any(p in t["phases"] for t in types.values())]
    for phase in shown:
        phases.add_column(_HEADERS.get(phase, phase), justify="right")
    for name, t in types.items():
        cells = []
        for phase in shown:
            s = t["phases"].get(phase)
            cells.append(f"{_minutes(s['p50'])}/{_minutes(s['p90'])}\n({s['n']})" if s else "")
        phases.add_row(name, *cells)
    console.print(phases)
    rates = Table(title="Per instance-hour up, 95 % interval, events/hours (*: under 5 events)",
                  title_justify="left")
    rates.add_column("instance type", no_wrap=True)
    rates.add_column("spot interruptions", justify="right", no_wrap=True)
    rates.add_column("failures (by kind)", justify="right")
    for name, t in types.items():
        kinds = " · ".join(f"{k} {v}" for k, v in t["failures"].items())
        rates.add_row(name, _rate(t["interruptions_per_spot_instance_hour"]),
                      _rate(t["failures_per_instance_hour"]) + (f"\n{kinds}" if kinds else ""))
    console.print(rates)


def _rate(r: dict[str, Any] | None) -> str:
    if r is None:
        return "—"
    low, high = r["ci95"]
    few = "*" if r["few"] else ""
    return f"{r['per_hour']:.2g} [{low:.2g}–{high:.2g}]{few} {r['events']}/{r['exposure_hours']:,.0f}"


def _minutes(seconds: float) -> str:
    minutes = seconds / 60
    return f"{minutes:.0f}" if minutes >= 100 else f"{minutes:.1f}"


_HEADERS = {"Downloading": "Download", "Uploading": "Upload", "Interrupted": "Interrupted"}
