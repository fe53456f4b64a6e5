"""``tjsim replay``, ``validate``, ``diagram`` and ``schema``: scenario replay on the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from .. import loading
from .. import scenario as scenario_mod
from ..engine import lifecycle
from ..engine.snapshot import to_boto3
from ..errors import ScenarioError
from ..replay import Replay, replay
from ..whatif.spec import load_study
from . import fail, load, main


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _dump(response: dict[str, Any], form: str, indent: int | None) -> str:
    body = to_boto3(response) if form == "boto3" else response
    return json.dumps(body, indent=indent, default=_json_default)


@main.command("replay")
@click.argument("scenario")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl"]), default="table",
              show_default=True, help="table: a readable timeline; json: one response; jsonl: one response per line.")
@click.option("--at", "at", type=click.FloatRange(min=0),
              help="Only the response as of AT seconds after the (first) job's creation.")
@click.option("--poll", type=click.FloatRange(min=0, min_open=True),
              help="One response per poll every POLL seconds instead of one per change.")
@click.option("--form", type=click.Choice(["wire", "boto3"]), default="wire", show_default=True,
              help="wire: what the HTTP API sends (epoch timestamps); boto3: what boto3 returns (ISO datetimes).")
@click.option("--job", "job", metavar="NAME",
              help="Only this job of a scenario with later_jobs (json and --at show the first job by default).")
def replay_command(scenario: str, fmt: str, at: float | None, poll: float | None, form: str,
                   job: str | None) -> None:
    """Replay SCENARIO into a timeline of DescribeTrainingJob responses."""
    result = replay(load(scenario))
    if job is not None and job not in result.simulation.jobs:
        names = ", ".join(result.simulation.jobs)
        fail([f"{scenario}: --job: no job named {job!r} in this scenario (it has {names})"])
    if fmt == "table":
        _print_table(result, at, poll, job)
    elif fmt == "json":
        click.echo(_dump(_describe(result, at, job), form, indent=2))
    else:
        timeline = [(at, _describe(result, at, job))] if at is not None else result.timeline(poll, job)
        for _, response in timeline:
            click.echo(_dump(response, form, indent=None))


def _describe(result: Replay, at: float | None, job: str | None) -> dict[str, Any]:
    try:
        return result.describe(at, job)
    except ValueError:  # a later job that did not exist yet
        fail([f"--at {at:g}: job {job!r} was created at t={result.simulation.job(job).created:g}"])
    raise AssertionError("unreachable")


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _print_table(result: Replay, at: float | None, poll: float | None, job: str | None) -> None:
    console = Console(width=max(Console().width, 120))
    names = [job] if job is not None else [j.plan.name for j in result.jobs]
    several = len(names) > 1
    title = f"{names[0]}{' and later jobs' if several else ''}: DescribeTrainingJob over time"
    table = Table(title=title, title_justify="left",
                  caption=result.scenario.description.strip() or None, caption_justify="left")
    rows = []
    for t, response in result.timeline(poll, job):
        if at is not None and t > at:
            break
        rows.append((t, response))
    pools = any("WarmPoolStatus" in response for _, response in rows)
    columns = [("t (s)", "right"), *([("Job", "left")] if several else []), ("LastModifiedTime (UTC)", "left"),
               ("Status", "left"), ("SecondaryStatus", "left"), ("StatusMessage", "left"),
               *([("WarmPool", "left")] if pools else [])]
    for column, justify in columns:
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for t, response in rows:
        last = response["SecondaryStatusTransitions"][-1]
        row = [f"{t:,.0f}", *([response["TrainingJobName"]] if several else []), _utc(response["LastModifiedTime"]),
               response["TrainingJobStatus"], response["SecondaryStatus"], last["StatusMessage"]]
        if pools:
            row.append(response.get("WarmPoolStatus", {}).get("Status", ""))
        table.add_row(*row)
    console.print(table)
    for name in names:
        created = result.simulation.job(name).created
        if at is not None and at < created:
            continue
        console.print(_summary(result.describe(at, name), several), highlight=False, markup=False, soft_wrap=True)


def _summary(end: dict[str, Any], named: bool) -> str:
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


@main.command("validate")
@click.argument("scenarios", nargs=-1, required=True)
def validate_command(scenarios: tuple[str, ...]) -> None:
    """Check scenario files; print one line per problem and exit 2 if any."""
    problems: list[str] = []
    for path in scenarios:
        try:
            if loading.load(path).whatif is not None:
                load_study(path)  # every variant is a scenario of its own
        except ScenarioError as err:
            problems += err.problems
        else:
            click.echo(f"{path}: ok")
    if problems:
        fail(problems)


@main.command("diagram")
def diagram_command() -> None:
    """Print the state machine as a Mermaid state diagram."""
    click.echo(lifecycle.mermaid())


@main.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the scenario format (for editors)."""
    click.echo(json.dumps(scenario_mod.json_schema(), indent=2))


