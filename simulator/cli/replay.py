"""``tjsim replay``: a scenario's timeline as a table, compact JSON lines, whole responses, or one
response. Heavy modules are imported when the command runs."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from ..limits import MAX_POLLS, MAX_SECONDS
from .edge import check_job, fail, given, load, main

if TYPE_CHECKING:
    from ..timeline import Replay

#: how each status is coloured on a terminal
_STYLE = {"Completed": "green", "Failed": "red", "Stopped": "yellow", "MaxRuntimeExceeded": "yellow",
          "MaxWaitTimeExceeded": "yellow", "Stopping": "yellow", "Interrupted": "magenta"}
_FORMATS = ("table", "compact", "jsonl", "json")


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _dump(response: dict[str, Any], form: str, indent: int | None) -> str:
    if form == "boto3":
        from ..engine.snapshot import to_boto3

        response = to_boto3(response)
    return json.dumps(response, indent=indent, default=_json_default)


class _Seconds(click.ParamType):
    """Seconds of simulated time: a finite number from 0 (or above it) to a year."""

    name = "seconds"

    def __init__(self, positive: bool = False) -> None:
        self.positive = positive

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not math.isfinite(seconds) or seconds < 0 or (self.positive and seconds == 0) or seconds > MAX_SECONDS:
            low = "above 0" if self.positive else "from 0"
            self.fail(f"{value} is not a number of seconds {low} to {MAX_SECONDS:.0f} (a year)", param, ctx)
        return seconds


@main.command("replay")
@click.argument("scenario")
@click.option("--format", "fmt", type=click.Choice(_FORMATS), default="table", show_default=True,
              help="table: a readable timeline; compact: one JSON line per change (time, statuses, message, the "
                   "members that changed) — the form for long jobs; jsonl: one whole DescribeTrainingJob response "
                   "per change, as the API returns it (each line holds the whole history, so it grows with the "
                   "square of the changes); json: one response.")
@click.option("--at", "at", type=_Seconds(),
              help="Up to AT seconds after the (first) job's creation; with json or jsonl, only the response then.")
@click.option("--poll", type=_Seconds(positive=True),
              help="One record per poll every POLL seconds instead of one per change (compact lines carry the "
                   "poll's time as t).")
@click.option("--form", type=click.Choice(["wire", "boto3"]), default="wire", show_default=True,
              help="For json and jsonl. wire: what the HTTP API sends (epoch timestamps); boto3: what boto3 "
                   "returns (ISO datetimes).")
@click.option("--job", "job", metavar="NAME",
              help="Only this job of a scenario with later_jobs (json and --at show the first job by default).")
@click.option("-v", "--verbose", is_flag=True, help="Also say which scenario events changed nothing, and why.")
@click.pass_context
def replay_command(ctx: click.Context, scenario: str, fmt: str, at: float | None, poll: float | None, form: str,
                   job: str | None, verbose: bool) -> None:
    """Replay SCENARIO (a file, or - for standard input) into a timeline of DescribeTrainingJob responses.

    For long jobs (thousands of interruptions) use --format compact or the table: their cost grows with
    the number of changes; jsonl repeats the whole history on every line, as the API does.
    """
    _refuse_combinations(ctx, fmt, at, poll)
    from ..timeline import replay

    result = replay(load(scenario))
    check_job(result, scenario, job)
    created = result.simulation.job(job).created if job is not None else 0.0
    if at is not None and at < created:  # the first job is created at 0
        fail([f"--at {at:g}: job {job!r} was created at t={created:g}"])
    if poll is not None and result.end > poll * MAX_POLLS:  # not end / poll: that overflows for a tiny poll
        fail([f"--poll {poll:g}: more than {MAX_POLLS:,} polls over the {result.end:,.0f} s this scenario lasts: "
              "poll less often"])
    if fmt == "table":
        _print_table(result, at, poll, job)
    elif fmt == "compact":
        for line in result.changes(poll, job):
            if at is not None and line["t"] > at:
                break
            click.echo(json.dumps(line))
    elif fmt == "json":
        click.echo(_dump(result.describe(at, job), form, indent=2))
    else:
        timeline = [(at, result.describe(at, job))] if at is not None else result.timeline(poll, job)
        for _, response in timeline:
            click.echo(_dump(response, form, indent=None))
    if verbose:
        _unused(result, job)
        _unheeded(result, job)


def _refuse_combinations(ctx: click.Context, fmt: str, at: float | None, poll: float | None) -> None:
    """Flags that would be silently ignored together are refused instead."""
    options = given(ctx, "form", "poll", "at")
    problems = []
    if {"poll", "at"} <= options and fmt in ("json", "jsonl"):
        problems.append("--poll and --at: with json or jsonl, --at asks for one response; drop one of them")
    elif "poll" in options and fmt == "json":
        problems.append("--poll: json is one response; use --format jsonl or compact for a poll timeline")
    if "form" in options and fmt in ("table", "compact"):
        problems.append(f"--form: applies to json and jsonl, not to the {fmt} format")
    if problems:
        raise click.UsageError("; ".join(problems), ctx)


def _unused(result: Replay, job: str | None) -> None:
    """Under --verbose: each section written for a job whose request makes no use of it."""
    written = [(result.scenario, result.scenario.model_fields_set)]
    written += [(later, spec.model_fields_set)
                for (_, later), spec in zip(result.scenario.later, result.scenario.later_jobs, strict=True)]
    for scenario, sections in written:
        if job is not None and scenario.name != job:
            continue
        if "checkpoint" in sections and "CheckpointConfig" not in scenario.job:
            click.echo(f"tjsim: note: {scenario.name}: checkpoint: unused: the request has no CheckpointConfig, so "
                       "every restart begins from nothing", err=True)
        if "spot" in sections and not scenario.spot_enabled:
            click.echo(f"tjsim: note: {scenario.name}: spot: unused: the request does not set "
                       "EnableManagedSpotTraining: true", err=True)


def _unheeded(result: Replay, job: str | None) -> None:
    """Under --verbose: each scheduled event that changed nothing, named as the file names it."""
    sections = {result.scenario.name: "events"}
    sections |= {later.name: f"later_jobs[{k}].events" for k, (_, later) in enumerate(result.scenario.later)}
    for j in result.jobs:
        if job is not None and j.plan.name != job:
            continue
        for event, why in j.unheeded:
            why = why[0].lower() + why[1:] if why[1:2].islower() else why  # a clause after the colon
            click.echo(f"tjsim: note: {j.plan.name}: {sections[j.plan.name]}[{event.index}] ({event.action.trigger} at "
                       f"{event.at:.15g} s after its creation) changed nothing: {why}", err=True)


def _utc(epoch: float, clock: str) -> str:
    return datetime.fromtimestamp(math.floor(epoch), UTC).strftime(clock)


def _print_table(result: Replay, at: float | None, poll: float | None, job: str | None) -> None:
    """The timeline as a table that fits the terminal, printed in slices of rows as it goes: every
    column but the message has the width of its widest cell, so the slices line up, and a long job's
    rows start to appear at once. No cell but a message is ever cut (see :func:`_layout`)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console()
    names = [job] if job is not None else [j.plan.name for j in result.jobs]
    several = len(names) > 1
    stamps, rows = [], []
    origin = result.simulation.origin
    for t, j, view in result.views(poll, job):
        if at is not None and t > at:
            break
        # t and the time agree: whole seconds of the clock, cut down (the shown time minus the shown
        # creation time of the first job)
        stamps.append(j.origin + j.created + view.last_modified)
        rows.append([f"{math.floor(origin + t) - math.floor(origin):,}", j.plan.name, "",
                     view.primary or _primary(view.status), view.status, view.message,
                     view.warm_pool[0] if view.warm_pool is not None else ""])
    headers = ["t (s)", "Job", "LastModifiedTime", "Status", "SecondaryStatus", "StatusMessage", "WarmPool"]
    pools = any(row[6] for row in rows)
    wanted = [i for i in range(7) if (i != 1 or several) and (i != 6 or pools)]
    shown, clock, message, width = _layout(console.width, headers, rows, wanted)
    headers[2] = _CLOCKS[clock]
    headers[5] = "StatusMessage" if message >= len("StatusMessage") else "Message"
    for row, stamp in zip(rows, stamps, strict=True):
        row[2] = _utc(stamp, clock)
    widths = {i: max([len(headers[i]), *(len(row[i]) for row in rows)]) for i in shown if i != 5}
    widths[5] = message
    console = Console(width=width) if width > console.width else console  # wider than the terminal: it wraps
    console.print(f"{names[0]}{' and later jobs' if several else ''}: DescribeTrainingJob over time (UTC)",
                  highlight=False, markup=False)
    for first in range(0, max(len(rows), 1), _SLICE):
        table = Table(box=box.SIMPLE_HEAD, show_header=first == 0, show_edge=False, pad_edge=False,
                      padding=(0, 1, 0, 0), expand=False)
        for i in shown:
            table.add_column(headers[i], justify="right" if i == 0 else "left", no_wrap=i != 5, width=widths[i])
        for row in rows[first:first + _SLICE]:
            table.add_row(*(_coloured(row[i]) if i in (3, 4) else row[i] for i in shown))
        console.print(table)
    if result.scenario.description.strip():
        console.print(" ".join(result.scenario.description.split()), highlight=False, markup=False)
    for name in names:
        created = result.simulation.job(name).created
        if at is not None and at < created:
            continue
        console.print(_final_line(result.describe(at, name), several), highlight=False, markup=False)


#: the time column's forms and headers, widest first: a narrower terminal gets a shorter one
_CLOCKS = {"%Y-%m-%d %H:%M:%S": "LastModifiedTime", "%m-%d %H:%M:%S": "LastModified", "%H:%M:%S": "Modified"}
_MESSAGE = (24, 12)  #: the status message's width: the least it gets before the time shortens, and at all


def _layout(width: int, headers: list[str], rows: list[list[str]],
            wanted: list[int]) -> tuple[list[int], str, int, int]:
    """(the columns shown, the time's form, the message's width, the table's width) for a terminal
    ``width`` wide. The message takes what the other columns leave; when that is too little, the time
    drops its year, then the Status column goes (SecondaryStatus says it), then the date; the last
    resort is a table wider than the terminal, never a cut cell."""
    natural = {i: max([len(headers[i]), *(len(row[i]) for row in rows)]) for i in wanted if i not in (2, 5)}

    def needed(columns: list[int], clock: str, message: int) -> int:
        time = max(len(_CLOCKS[clock]), len(datetime(2024, 1, 1).strftime(clock)))
        return sum(natural.get(i, time if i == 2 else message) for i in columns) + 2 * len(columns)

    full, short, hours = _CLOCKS
    no_status = [i for i in wanted if i != 3]
    steps = [(wanted, full), (wanted, short), (no_status, short), (no_status, hours)]
    # each candidate needs less room than the one before, so a wider terminal never shows less
    candidates = [(columns, clock, _MESSAGE[0]) for columns, clock in steps] + [(*steps[-1], _MESSAGE[1])]
    for columns, clock, least in candidates:
        if needed(columns, clock, least) <= width:
            return columns, clock, width - needed(columns, clock, 0), width
    return columns, clock, least, needed(columns, clock, least)


_SLICE = 200  #: rows per printed slice of a table


def _coloured(status: str) -> Any:
    from rich.text import Text

    return Text(status, style=_STYLE.get(status, ""))


def _primary(secondary: str) -> str:
    from ..engine.statuses import PRIMARY_OF

    return str(PRIMARY_OF[secondary])


def _final_line(end: dict[str, Any], named: bool) -> str:
    summary = [f"final: {end['TrainingJobStatus']} / {end['SecondaryStatus']}"]
    if named:
        summary[0] = f"{end['TrainingJobName']}: {summary[0]}"
    if "TrainingTimeInSeconds" in end:
        training, billable = end["TrainingTimeInSeconds"], end["BillableTimeInSeconds"]
        summary += [f"Training seconds: {training}", f"Billable seconds: {billable}"]
        if end.get("EnableManagedSpotTraining"):
            summary.append(f"Managed Spot Training savings: {(1 - billable / training) * 100:.1f}%")
    if "FailureReason" in end:
        summary.append(f"FailureReason: {end['FailureReason']}")
    pool = end.get("WarmPoolStatus")
    if pool is not None:
        text = f"warm pool: {pool['Status']}"
        if "ReusedByJob" in pool:
            text += f" by {pool['ReusedByJob']}"
        if "ResourceRetainedBillableTimeInSeconds" in pool:
            text += f" (retained {pool['ResourceRetainedBillableTimeInSeconds']} s)"
        summary.append(text)
    return "  ·  ".join(summary)
